"""The secret sweep, in Python: a whole session (login by code, calls, a forced refresh, a file
store, logout, failures of every kind) with the ``procore`` logger at DEBUG; then every log
line, every error's ``str``/``repr``, and the ``repr`` of every SDK object are searched for
the client secret, the tokens, the code and the PKCE verifier. Any hit fails. (The token store
and ``current_tokens()`` hold tokens by design and are not searched.)"""

from __future__ import annotations

import logging
import urllib.parse
from pathlib import Path
from typing import Any, List

import pytest
import requests

import procore
from conftest import CLIENT_ID, CLIENT_SECRET, Sim, client_kwargs


def test_no_secret_in_logs_errors_or_reprs(sim: Sim, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    secrets: List[str] = [CLIENT_SECRET]
    shown: List[str] = []
    with caplog.at_level(logging.DEBUG, logger="procore"):
        oauth = procore.OAuthClient(CLIENT_ID, CLIENT_SECRET, environment=sim.base)
        shown.append(repr(oauth))
        req = oauth.authorize_url("http://127.0.0.1:9/cb", pkce=True)
        assert req.pkce_verifier
        secrets.append(req.pkce_verifier)
        shown.append(repr(req))
        r = requests.get(req.url, allow_redirects=False, timeout=10)
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(r.headers["Location"]).query))
        secrets.append(q["code"])
        tokens = oauth.exchange_code(req, q["code"], q["state"])
        secrets += [tokens["access_token"], tokens["refresh_token"]]

        store = procore.FileTokenStore(str(tmp_path / "tokens.json"))
        shown.append(repr(store))
        client = procore.Client(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, tokens=tokens,
                                token_store=store, **client_kwargs(sim))
        shown.append(repr(client))
        shown.append(repr(client.get("me")))
        sim.call("POST", "/__simulator/revoke-access-tokens", {})
        client.get("me")  # a 401, a refresh, a resend
        current = client.current_tokens()
        assert current is not None
        secrets += [current["access_token"], current["refresh_token"]]

        failures: List[BaseException] = []

        def fail(f: Any) -> None:
            try:
                f()
            except procore.ProcoreError as e:
                failures.append(e)
            else:
                raise AssertionError("expected an error")

        fail(lambda: client.get("projects/999", company_id=8089))
        fail(lambda: client.post("projects/100001/rfis", {"rfi": {}}, company_id=31337))
        fail(lambda: procore.Client(client_id=CLIENT_ID, client_secret="wrong-" + CLIENT_SECRET,
                                    **client_kwargs(sim)).get("me"))
        fail(lambda: procore.Client(client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                                    refresh_token=tokens["refresh_token"], **client_kwargs(sim)).get("me"))
        fail(lambda: oauth.exchange_code(req, q["code"], "forged"))
        fail(lambda: procore.Client(tokens["access_token"], base_url="ftp://x"))
        fail(lambda: procore.Client(client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                                    tokens={"access_token": current["access_token"] + "\n"}, **client_kwargs(sim)).get("me"))
        client.revoke()
        fail(lambda: client.get("me"))
        for e in failures:
            shown += [str(e), repr(e), repr(getattr(e, "body", None))]
    lines = [rec.getMessage() for rec in caplog.records if rec.name.startswith("procore")]
    assert len(lines) > 10, "the session was logged"
    for text in lines + shown:
        for s in secrets:
            assert s not in text, f"a secret in: {text[:200]}"
