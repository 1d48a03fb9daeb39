"""procore from Python: the blocking and asyncio clients against Procore or the simulator.

    pip install ./bindings-python
    # against the local simulator (cargo build -p procore-simulator):
    ./target/debug/procore-simulator --port 8910 --no-rate-limit &
    PROCORE_BASE_URL=http://127.0.0.1:8910 PROCORE_TOKEN=sim-dev-token python examples/python/quickstart.py
    # against the sandbox with a service account:
    PROCORE_CLIENT_ID=... PROCORE_CLIENT_SECRET=... PROCORE_COMPANY_ID=... python examples/python/quickstart.py
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Dict

import procore


def make_kwargs() -> Dict[str, Any]:
    return {
        "environment": os.environ.get("PROCORE_BASE_URL", "sandbox"),
        "company_id": int(os.environ.get("PROCORE_COMPANY_ID", "31337")),
    }


def blocking() -> None:
    token = os.environ.get("PROCORE_TOKEN")
    if token:
        client = procore.Client(token, **make_kwargs())
    else:
        client = procore.Client(
            client_id=os.environ["PROCORE_CLIENT_ID"],
            client_secret=os.environ["PROCORE_CLIENT_SECRET"],
            **make_kwargs(),
        )
    with client:
        me = client.get("/rest/v1.0/me").json()
        print("hello,", me["name"])
        count = 0
        for project in client.paginate(
            "/rest/v1.0/projects", params={"company_id": client.company_id}, per_page=1000
        ):
            count += 1
            if count <= 3:
                print(" ", project["id"], project["name"])
        print(f"{count} projects")
        try:
            client.get("/rest/v1.0/projects", params={"company_id": 666}, company_id=666)
        except procore.AppNotConnectedError as e:
            print("company 666:", e.code, e.status, e.request_id)


async def concurrent() -> None:
    token = os.environ.get("PROCORE_TOKEN")
    if not token:
        return
    async with procore.AsyncClient(token, **make_kwargs()) as client:
        responses = await asyncio.gather(*(client.get("/rest/v1.0/companies") for _ in range(10)))
        print("10 concurrent calls:", sorted({r.status for r in responses}))
        first = None
        async for project in client.paginate(
            "/rest/v1.0/projects", params={"company_id": client.company_id}, max_items=5
        ):
            first = first or project
        print("first project:", first)


if __name__ == "__main__":
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "WARNING"))
    blocking()
    asyncio.run(concurrent())
