"""Four processes x 32 threads on one token store across several expiries of 3-second tokens:
one refresh per expiry among all of them, and no spent refresh token is ever sent again (the
simulator would answer ``invalid_grant``). Once with the SDK's FileTokenStore, once with a
custom Python store that offers ``lock()``. Kotlin and Node run the same test."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import CLIENT_ID, CLIENT_SECRET, Sim

RUN_SECONDS = 8.0
TTL = 3
SKEW = 0.5

WORKER = textwrap.dedent(
    """
    import fcntl, json, os, sys, threading, time
    import procore

    kind, base, path, run_s = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])

    class LockingFileStore:
        '''A hand-written store: a JSON file, and an flock as its cross-process lock.'''
        def __init__(self, path):
            self.path = path
        def load(self):
            try:
                with open(self.path) as f:
                    return json.load(f)
            except FileNotFoundError:
                return None
        def save(self, tokens):
            tmp = f"{self.path}.{os.getpid()}.tmp"
            with open(tmp, "w") as f:
                json.dump(tokens, f)
            os.replace(tmp, self.path)
        def lock(self):
            fd = open(self.path + ".py-lock", "w")
            fcntl.flock(fd, fcntl.LOCK_EX)
            class Held:
                def release(self):
                    fcntl.flock(fd, fcntl.LOCK_UN)
                    fd.close()
            return Held()

    store = procore.FileTokenStore(path) if kind == "core" else LockingFileStore(path)
    client = procore.Client(client_id=%(id)r, client_secret=%(secret)r, token_store=store,
                            base_url=base, rate_limit=False, refresh_skew=%(skew)r)
    until = time.monotonic() + run_s
    counts, errors = [], []
    def work():
        n = 0
        try:
            while time.monotonic() < until:
                client.get("me", company_id=8089)
                n += 1
        except Exception as e:
            errors.append(repr(e))
        counts.append(n)
    threads = [threading.Thread(target=work) for _ in range(32)]
    for t in threads: t.start()
    for t in threads: t.join()
    print(json.dumps({"calls": sum(counts), "errors": errors}))
    """
) % {"id": CLIENT_ID, "secret": CLIENT_SECRET, "skew": SKEW}


@pytest.mark.parametrize("kind", ["core", "python"])
def test_four_processes_share_one_store_and_refresh_once_per_expiry(sim: Sim, tmp_path: Path, kind: str) -> None:
    before = sim.config()["access_token_ttl"]
    sim.config(access_token_ttl=TTL)
    try:
        run(sim, tmp_path, kind)
    finally:
        sim.config(access_token_ttl=before)


def run(sim: Sim, tmp_path: Path, kind: str) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps(sim.expired_tokens()))
    sim.reset()
    started = time.monotonic()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, kind, sim.base, str(path), str(RUN_SECONDS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=90)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    elapsed = time.monotonic() - started
    assert all(r["errors"] == [] for r in results), results
    calls = sum(r["calls"] for r in results)
    c = sim.counters()
    refreshes = c["token_calls"]["refresh_token"]
    # The set starts expired (one refresh), then one per expiry over the whole run (processes
    # start a little apart): a 3 s token refreshed 0.5 s early lasts at least 2.5 s.
    expiries = int(elapsed / (TTL - SKEW)) + 1
    print(f"{kind} store: {calls} calls by 4 processes, {refreshes} refreshes, {c['token_errors']} token errors")
    assert calls > 100
    assert c["token_errors"] == 0, "a spent refresh token was sent again"
    assert 2 <= refreshes <= expiries + 1, (refreshes, expiries)
