"""The conformance vectors (tests/conformance/vectors.json) through the Python binding.

Each vector is a call in language-neutral form (the core's option names, seconds) and the
exact request it must produce, which the simulator records; or the error code it must fail
with before anything is sent. Rust, Node and Kotlin run the same file.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest

import procore
from conftest import REPO, Sim

VECTORS = json.loads((REPO / "tests" / "conformance" / "vectors.json").read_text())


def _kwargs(options: Dict[str, Any]) -> Dict[str, Any]:
    kw = dict(options)
    if "query" in kw:
        q = kw.pop("query")
        # Pairs arrive from JSON as lists; Python callers write them as tuples.
        kw["params"] = [tuple(p) for p in q] if isinstance(q, list) else q
    kw.pop("json", None)
    return kw


def _run(c: procore.Client, v: Dict[str, Any]) -> None:
    o = v["options"]
    if v["kind"] == "paginate":
        it = c.paginate(v["path"], **_kwargs(o))
        it.next_page()
    else:
        c.request(v["method"], v["path"], o.get("json"), **_kwargs(o))


def _recorded(sim: Sim) -> List[Dict[str, Any]]:
    return sim.call("GET", "/__simulator/requests")


@pytest.fixture(scope="module")
def client(sim_session: Sim) -> procore.Client:
    token = sim_session.issue_tokens()["access_token"]
    return procore.Client(token, base_url=sim_session.base, **VECTORS["client"])


def test_there_are_enough_vectors() -> None:
    assert len(VECTORS["vectors"]) >= 30


@pytest.mark.parametrize("v", VECTORS["vectors"], ids=[v["name"] for v in VECTORS["vectors"]])
def test_vector(sim: Sim, client: procore.Client, v: Dict[str, Any]) -> None:
    sim.call("DELETE", "/__simulator/requests")
    if "error" in v:
        with pytest.raises(procore.ProcoreError) as e:
            _run(client, v)
        assert e.value.code == v["error"], str(e.value)
        assert _recorded(sim) == [], "a failing call sent a request"
        return
    try:
        _run(client, v)
    except procore.ProcoreError as e:  # the answer does not matter here, the request does
        assert e.code != "config", str(e)
    got = _recorded(sim)
    assert got, "nothing reached the simulator"
    r, want = got[0], v["expect"]
    assert r["method"] == want["method"]
    assert r["path"] == want["path"]
    assert r["query"] == want["query"]
    headers = {}
    for name, value in r["headers"]:
        headers.setdefault(name, value)
    for name, value in want["headers"].items():
        assert headers.get(name) == value, name
    body = None if r["body"] is None else json.loads(r["body"])
    assert body == want["body"]
