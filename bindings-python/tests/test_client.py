"""Every constructor, the blocking and asyncio clients, responses and pagination."""

from __future__ import annotations

import asyncio
import time
import urllib.parse
from pathlib import Path
from typing import Any, Dict, List

import pytest
import requests

import procore
from conftest import CLIENT_ID, CLIENT_SECRET, DEV_TOKEN, Sim, client_kwargs

BIG = 31337


# --- constructors ---------------------------------------------------------------------------


def test_access_token(sim: Sim) -> None:
    with procore.Client(DEV_TOKEN, **client_kwargs(sim)) as c:
        r = c.get("/rest/v1.0/me")
        assert r.status == 200
        me = r.json()
        assert me == {"id": 5000000001, "login": "dev@example.com", "name": "Dev Eloper"}
        assert isinstance(me["id"], int)
        assert r.request_id and r.request_id.startswith("sim-")
        assert r.headers["content-type"].startswith("application/json")
        assert r.header("X-Request-Id") == r.request_id
        assert r.attempts == 1
    assert sim.counters()["token_calls"]["total"] == 0


def test_client_credentials(sim: Sim) -> None:
    c = procore.Client(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **client_kwargs(sim))
    me = c.get("/rest/v1.0/me", company_id=8089).json()
    assert me["login"] == "service-account@example.com"
    assert sim.counters()["token_calls"]["client_credentials"] == 1


def test_refresh_token(sim: Sim) -> None:
    issued = sim.issue_tokens()
    c = procore.Client(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        refresh_token=issued["refresh_token"],
        **client_kwargs(sim),
    )
    assert c.get("/rest/v1.0/me").json()["id"] == 5000000001
    assert sim.counters()["token_calls"]["refresh_token"] == 1
    current = c.current_tokens()
    assert current is not None
    assert current["refresh_token"] not in (None, issued["refresh_token"])
    assert current["version"] == 1


def test_tokens_and_file_store(sim: Sim, tmp_path: Path) -> None:
    issued = sim.issue_tokens()
    store = procore.FileTokenStore(tmp_path / "tokens.json")
    assert store.load() is None
    tokens = {
        "access_token": issued["access_token"],
        "refresh_token": issued["refresh_token"],
        "expires_at": int(time.time()) + 3600,
    }
    c = procore.Client(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        tokens=tokens,
        token_store=store,
        **client_kwargs(sim),
    )
    assert c.get("/rest/v1.0/me").status == 200
    # A second client in "stored tokens" mode finds them in the file.
    stored = store.load()
    assert stored is not None and stored["access_token"] == issued["access_token"]
    c2 = procore.Client(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, token_store=store, **client_kwargs(sim)
    )
    assert c2.get("/rest/v1.0/me").status == 200
    assert sim.counters()["token_calls"]["total"] == 0


def test_memory_store_round_trip() -> None:
    s = procore.MemoryTokenStore()
    assert s.load() is None
    s.save({"access_token": "a", "refresh_token": "r", "expires_at": 100, "version": 3})
    assert s.load() == {
        "access_token": "a",
        "refresh_token": "r",
        "expires_at": 100,
        "created_at": None,
        "version": 3,
    }
    s.clear()
    assert s.load() is None
    with pytest.raises(procore.TokenStoreError):
        s.save({"version": 1})


def _follow_authorize(url: str) -> Dict[str, str]:
    r = requests.get(url, allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(r.headers["Location"]).query))
    return q


def test_authorization_code_with_pkce(sim: Sim) -> None:
    oauth = procore.OAuthClient(CLIENT_ID, CLIENT_SECRET, environment=sim.base)
    req = oauth.authorize_url("http://127.0.0.1:9/callback", pkce=True)
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(req.url).query))
    assert q["state"] == req.state and q["code_challenge_method"] == "S256"
    assert req.pkce_verifier and req.pkce_verifier not in repr(req)
    back = _follow_authorize(req.url)
    # The request survives a round trip through its parts (e.g. a web session).
    saved = procore.AuthorizationRequest(req.url, req.state, req.redirect_uri, req.pkce_verifier)
    tokens = oauth.exchange_code(saved, back["code"], back["state"])
    assert tokens["access_token"] and tokens["refresh_token"]
    c = procore.Client(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, tokens=tokens, **client_kwargs(sim)
    )
    assert c.get("/rest/v1.0/me").json()["id"] == 5000000001
    assert sim.counters()["token_calls"]["authorization_code"] == 1


def test_authorization_code_async(sim: Sim) -> None:
    oauth = procore.AsyncOAuthClient(CLIENT_ID, CLIENT_SECRET, api_base=sim.base, login_base=sim.base)
    req = oauth.authorize_url("http://localhost:9/cb", pkce=False)
    assert req.pkce_verifier is None
    back = _follow_authorize(req.url)

    async def main() -> Any:
        tokens = await oauth.exchange_code(req, back["code"], back["state"])
        async with procore.AsyncClient(
            client_id=CLIENT_ID, client_secret=CLIENT_SECRET, tokens=tokens, **client_kwargs(sim)
        ) as c:
            return (await c.get("/rest/v1.0/me")).json()

    assert asyncio.run(main())["login"] == "dev@example.com"


def test_environments_by_name() -> None:
    cases = {
        "production": "https://api.procore.com/",
        "sandbox": "https://sandbox.procore.com/",
        "monthly_sandbox": "https://api-monthly.procore.com/",
        "federal": "https://api.procoregov.com/",
    }
    for name, api in cases.items():
        assert procore.Client("t", environment=name).api_base == api
        assert procore.AsyncClient("t", environment=name).api_base == api
    c = procore.Client("t", api_base="http://127.0.0.1:1", login_base="http://127.0.0.1:2")
    assert c.api_base == "http://127.0.0.1:1/"
    with pytest.raises(procore.ConfigError) as e:
        procore.Client("t", environment="mars")
    assert e.value.code == "config"
    with pytest.raises(procore.ConfigError):
        procore.Client(environment="sandbox")  # no credentials


def test_company_id_default_and_override(sim: Sim) -> None:
    c = procore.Client(DEV_TOKEN, company_id=8089, **client_kwargs(sim))
    assert c.company_id == 8089
    projects = c.get("/rest/v1.0/projects", params={"company_id": 8089}).json()
    assert [p["id"] for p in projects] == [3001, 3002, 3003]
    active = c.get("/rest/v1.0/projects", params={"company_id": 8089, "filters[active]": True})
    assert [p["id"] for p in active.json()] == [3001, 3002]
    big = c.get(f"/rest/v1.0/companies/{BIG}/projects", company_id=BIG, params={"per_page": 5})
    assert len(big.json()) == 5
    assert big.headers["total"] == "2500"


def test_write_methods_and_closed_client(sim: Sim, dev_client: procore.Client) -> None:
    path = "/rest/v1.0/projects/100001/rfis"
    created = dev_client.post(
        path,
        {"rfi": {"subject": "Dowel spacing", "question": {"body": "?"}, "extra": [1, 2.5, None]}},
        company_id=BIG,
    )
    assert created.status == 201
    rfi = created.json()
    assert rfi["id"] > 2**32 and rfi["extra"] == [1, 2.5, None]
    url = f"{path}/{rfi['id']}"
    assert dev_client.patch(url, {"rfi": {"status": "open"}}, company_id=BIG).json()["status"] == "open"
    assert dev_client.put(url, {"rfi": {"subject": "x"}}, company_id=BIG).json()["subject"] == "x"
    gone = dev_client.delete(url, company_id=BIG)
    assert gone.status == 204 and gone.json() is None
    assert dev_client.request("GET", "/rest/v1.0/me").status == 200
    with pytest.raises(TypeError):
        dev_client.post(path, {"rfi": object()}, company_id=BIG)
    dev_client.close()
    with pytest.raises(procore.ConfigError):
        dev_client.get("/rest/v1.0/me")


def test_rate_limit_snapshot() -> None:
    from conftest import _start, _stop

    sim = _start()  # rate limits on
    try:
        c = procore.Client(DEV_TOKEN, environment=sim.base)
        r = c.get("/rest/v1.0/me")
        assert r.rate_limit is not None
        assert r.rate_limit.limit >= r.rate_limit.remaining > 0
        assert r.rate_limit.reset > time.time() - 1
    finally:
        _stop(sim)


# --- asyncio --------------------------------------------------------------------------------


def test_async_client(sim: Sim) -> None:
    async def main() -> None:
        async with procore.AsyncClient(DEV_TOKEN, **client_kwargs(sim)) as c:
            r = await c.get("/rest/v1.0/me")
            assert r.status == 200 and r.json()["id"] == 5000000001
            rs = await asyncio.gather(*(c.get("/rest/v1.0/companies") for _ in range(20)))
            assert all(len(x.json()) >= 4 for x in rs)
            created = await c.post(
                "/rest/v1.0/projects/100001/rfis", {"rfi": {"subject": "a"}}, company_id=BIG
            )
            assert created.status == 201
            with pytest.raises(procore.NotFoundError):
                await c.get("/rest/v1.0/projects/1", company_id=8089)
            info = await c.token_info()
            assert info["resource_owner_id"] == 5000000001

    asyncio.run(main())


# --- pagination -----------------------------------------------------------------------------


def test_paginate_2500_projects(sim: Sim, dev_client: procore.Client) -> None:
    items = list(dev_client.paginate("/rest/v1.0/projects", params={"company_id": BIG}, company_id=BIG, per_page=1000))
    ids = [p["id"] for p in items]
    assert len(ids) == 2500
    assert ids == list(range(100001, 102501))
    assert sim.counters()["requests_by_route"]["GET /rest/v1.0/projects"] == 3


def test_paginate_pages_and_max_items(sim: Sim, dev_client: procore.Client) -> None:
    it = dev_client.paginate(f"/rest/v1.0/companies/{BIG}/projects", company_id=BIG, per_page=100)
    page = it.next_page()
    assert page is not None
    assert page.number == 1 and page.total == 2500 and page.has_next and len(page) == 100
    assert page.items[0]["id"] == 100001
    few = list(dev_client.paginate(f"/rest/v1.0/companies/{BIG}/projects", company_id=BIG, max_items=7))
    assert len(few) == 7


def test_paginate_v2_people(dev_client: procore.Client) -> None:
    people = list(dev_client.paginate(f"/rest/v2.0/companies/{BIG}/people", company_id=BIG, per_page=100))
    assert len(people) == 250
    assert people[0]["id"] == "7100000001"


def test_async_paginate_2500_projects(sim: Sim) -> None:
    async def main() -> List[int]:
        async with procore.AsyncClient(DEV_TOKEN, **client_kwargs(sim)) as c:
            out = []
            async for p in c.paginate("/rest/v1.0/projects", params={"company_id": BIG}, company_id=BIG, per_page=1000):
                out.append(p["id"])
            pages = c.paginate(f"/rest/v1.0/companies/{BIG}/projects", company_id=BIG, per_page=500)
            first = await pages.next_page()
            assert first is not None and first.total == 2500 and len(first.items) == 500
            return out

    ids = asyncio.run(main())
    assert ids == list(range(100001, 102501))


def test_credentials_and_token_sets_follow_the_core_rules() -> None:
    # The same rules as every other language (core: AppCredentials::check, TokenSet::from_parts).
    with pytest.raises(procore.ConfigError, match="client_id and client_secret"):
        procore.OAuthClient("", CLIENT_SECRET, environment="sandbox")
    with pytest.raises(procore.TokenStoreError, match="neither an access nor a refresh token"):
        procore.MemoryTokenStore().save({"access_token": "", "refresh_token": ""})
