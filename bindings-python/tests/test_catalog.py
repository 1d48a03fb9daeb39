"""The operation catalog from Python: search, lookup, and a call checked before it leaves."""

from __future__ import annotations

import asyncio

import pytest

import procore
from conftest import DEV_TOKEN, Sim, client_kwargs

CREATE_RFI = "RestV10ProjectsProjectIdRfisPost"
BIG = 31337
GOOD = {"rfi": {"subject": "Dowel spacing", "question": {"body": "Which spacing?"}, "rfi_manager_id": 7}}


def test_search_and_lookup() -> None:
    hits = procore.catalog.search("create rfi")
    assert CREATE_RFI in [h["id"] for h in hits]
    op = procore.catalog.operation(CREATE_RFI)
    assert op is not None and op["method"] == "POST" and op["path"] == "/rest/v1.0/projects/{project_id}/rfis"
    assert {"name": "project_id", "in": "path", "required": True, "schema": {"type": "integer"}} in op["params"]
    assert op["body"]["schema"]["properties"]["rfi"]["required"] == ["question", "rfi_manager_id", "subject"]
    assert procore.catalog.operation("NoSuchOperation") is None
    assert len(procore.catalog.search("rfi", limit=3)) == 3


def test_an_invalid_call_sends_nothing_and_a_complete_one_succeeds(sim: Sim, dev_client: procore.Client) -> None:
    route = "POST /rest/v1.0/projects/{project_id}/rfis"
    before = sim.counters()["requests_by_route"].get(route, 0)
    with pytest.raises(procore.InvalidCallError) as e:
        dev_client.call(CREATE_RFI, json={"rfi": {"subject": 5}}, company_id=BIG)
    assert e.value.code == "invalid_call"
    assert e.value.errors["path.project_id"] == ["is required"]
    assert e.value.errors["body.rfi.subject"] == ["must be a string, not an integer"]
    assert e.value.errors["body.rfi.question"] == ["is required"]
    assert sim.counters()["requests_by_route"].get(route, 0) == before, "nothing reached the simulator"
    created = dev_client.call(CREATE_RFI, path={"project_id": 100001}, json=GOOD, company_id=BIG)
    assert created.status == 201 and created.json()["subject"] == "Dowel spacing"
    with pytest.raises(procore.ConfigError):
        dev_client.call("NoSuchOperation")


def test_call_awaitable(sim: Sim) -> None:
    async def main() -> int:
        async with procore.AsyncClient(DEV_TOKEN, **client_kwargs(sim)) as c:
            with pytest.raises(procore.InvalidCallError):
                await c.call(CREATE_RFI, path={"project_id": 100001}, json={"rfi": {}}, company_id=BIG)
            r = await c.call(CREATE_RFI, path={"project_id": 100001}, json=GOOD, company_id=BIG)
            return r.status

    assert asyncio.run(main()) == 201
