"""The installed wheel against the simulator: blocking and asyncio calls, pagination, errors.

Run by tests/package/test.sh in a fresh venv that holds only the wheel from dist/python.
"""

from __future__ import annotations

import asyncio
import os
import sys

import procore

BASE = os.environ["PROCORE_BASE_URL"]
COMPANY = 31337


def check_install() -> None:
    # Imported from the venv's site-packages, not from the repository.
    assert "site-packages" in procore.__file__, procore.__file__
    assert procore.__version__ == os.environ["PROCORE_VERSION"], procore.__version__
    from importlib.metadata import version

    assert version("procore-sdk") == procore.__version__
    # The reference is in the docstrings: help() shows them.
    assert procore.Client.__doc__ and procore.Client.get.__doc__, "Client docstrings missing"


def blocking() -> int:
    with procore.Client("sim-dev-token", environment=BASE, company_id=COMPANY) as client:
        me = client.get("/rest/v1.0/me").json()
        assert isinstance(me["id"], int) and me["login"], me
        first = client.get("/rest/v1.0/projects", params={"company_id": COMPANY, "per_page": 1})
        total = int(first.headers["total"])
        seen = [p["id"] for p in client.paginate("/rest/v1.0/projects", params={"company_id": COMPANY}, per_page=100)]
        assert len(seen) == total and len(set(seen)) == total, (len(seen), total)
        try:
            client.get("/rest/v1.0/projects/987654321")
        except procore.NotFoundError as e:
            assert e.code == "not_found" and e.status == 404, (e.code, e.status)
        else:
            raise AssertionError("a missing project did not raise NotFoundError")
        return total


async def concurrent(total: int) -> None:
    async with procore.AsyncClient("sim-dev-token", environment=BASE, company_id=COMPANY) as client:
        answers = await asyncio.gather(*(client.get("/rest/v1.0/me") for _ in range(8)))
        assert [r.status for r in answers] == [200] * 8
        n = 0
        async for _ in client.paginate("/rest/v1.0/projects", params={"company_id": COMPANY}, per_page=100):
            n += 1
        assert n == total, (n, total)


if __name__ == "__main__":
    check_install()
    total = blocking()
    asyncio.run(concurrent(total))
    print(f"python: procore-sdk {procore.__version__} from the wheel: sync and asyncio calls ok ({total} projects)")
    sys.exit(0)
