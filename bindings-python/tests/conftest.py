"""A real simulator on loopback for the whole session, plus helpers for its control API."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import pytest

import procore

REPO = Path(__file__).resolve().parents[2]
CLIENT_ID = "sim-client-id"
CLIENT_SECRET = "sim-client-secret"
DEV_TOKEN = "sim-dev-token"


class Sim:
    def __init__(self, base: str, proc: subprocess.Popen) -> None:
        self.base = base
        self.proc = proc

    def call(self, method: str, path: str, body: Optional[Any] = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as r:
            text = r.read()
        return json.loads(text) if text else None

    def counters(self) -> Dict[str, Any]:
        return self.call("GET", "/__simulator/counters")

    def reset(self) -> None:
        self.call("POST", "/__simulator/reset")

    def fault(self, **fault: Any) -> None:
        self.call("POST", "/__simulator/faults", fault)

    def issue_tokens(self, expires_in: int = 3600) -> Dict[str, Any]:
        return self.call("POST", "/__simulator/tokens", {"expires_in": expires_in})

    def expired_tokens(self) -> Dict[str, Any]:
        """A user's token set the client must treat as expired now."""
        t = self.issue_tokens()
        return {
            "access_token": t["access_token"],
            "refresh_token": t["refresh_token"],
            "expires_at": int(time.time()) - 1,
        }

    def config(self, **patch: Any) -> Dict[str, Any]:
        return self.call("PATCH", "/__simulator/config", patch)


def _start(*extra: str) -> Sim:
    binary = os.environ.get("PROCORE_SIMULATOR_BIN", str(REPO / "target/debug/procore-simulator"))
    proc = subprocess.Popen(
        [binary, "--port", "0", "--exit-on-stdin-eof", *extra],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    prefix = "procore-simulator listening on "
    if not line.startswith(prefix):
        proc.kill()
        raise RuntimeError(f"simulator did not start: {line!r}")
    return Sim(line[len(prefix) :], proc)


def _stop(sim: Sim) -> None:
    assert sim.proc.stdin is not None
    sim.proc.stdin.close()
    try:
        sim.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        sim.proc.kill()


@pytest.fixture(scope="session")
def sim_session() -> Iterator[Sim]:
    sim = _start("--no-rate-limit")
    yield sim
    _stop(sim)


@pytest.fixture()
def sim(sim_session: Sim) -> Sim:
    """The shared simulator, with counters zeroed and faults cleared."""
    sim_session.reset()
    return sim_session


def client_kwargs(sim: Sim) -> Dict[str, Any]:
    """Pointed at the simulator, no pacing, fast retries."""
    return {
        "environment": sim.base,
        "rate_limit": False,
        "retry_base_delay": 0.02,
        "retry_max_delay": 0.2,
    }


@pytest.fixture()
def dev_client(sim: Sim) -> Iterator[procore.Client]:
    with procore.Client(DEV_TOKEN, **client_kwargs(sim)) as c:
        yield c
