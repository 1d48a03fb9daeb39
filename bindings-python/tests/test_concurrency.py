"""Threads, asyncio, custom stores, the GIL, fork, Ctrl-C and logging."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

import procore
from conftest import CLIENT_ID, CLIENT_SECRET, DEV_TOKEN, Sim, client_kwargs


def user_client(sim: Sim, tokens: Dict[str, Any], **extra: Any) -> procore.Client:
    return procore.Client(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, tokens=tokens, **client_kwargs(sim), **extra
    )


def test_16_threads_at_expiry_refresh_once(sim: Sim) -> None:
    client = user_client(sim, sim.expired_tokens())
    barrier = threading.Barrier(16)
    results: List[Any] = []
    lock = threading.Lock()

    def work() -> None:
        barrier.wait()
        try:
            r: Any = client.get("/rest/v1.0/me").status
        except Exception as e:  # recorded and asserted below
            r = e
        with lock:
            results.append(r)

    threads = [threading.Thread(target=work) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == [200] * 16
    assert sim.counters()["token_calls"]["refresh_token"] == 1
    assert sim.counters()["token_calls"]["total"] == 1


def test_gather_200_at_expiry_refresh_once(sim: Sim) -> None:
    async def main() -> List[int]:
        async with procore.AsyncClient(
            client_id=CLIENT_ID, client_secret=CLIENT_SECRET, tokens=sim.expired_tokens(), **client_kwargs(sim)
        ) as c:
            rs = await asyncio.gather(*(c.get("/rest/v1.0/me") for _ in range(200)))
            return [r.status for r in rs]

    assert asyncio.run(main()) == [200] * 200
    assert sim.counters()["token_calls"]["refresh_token"] == 1
    assert sim.counters()["token_calls"]["total"] == 1


class RecordingStore:
    def __init__(self, initial: Optional[Dict[str, Any]] = None) -> None:
        self.tokens = initial
        self.saved: List[Dict[str, Any]] = []
        self.loads = 0
        self.threads: List[str] = []

    def load(self) -> Optional[Dict[str, Any]]:
        self.loads += 1
        self.threads.append(threading.current_thread().name)
        return self.tokens

    def save(self, tokens: Dict[str, Any]) -> None:
        self.saved.append(tokens)
        self.tokens = tokens


def test_custom_store_sees_rotation(sim: Sim) -> None:
    expired = sim.expired_tokens()
    store = RecordingStore()
    client = user_client(sim, expired, token_store=store)
    assert client.get("/rest/v1.0/me").status == 200
    assert sim.counters()["token_calls"]["refresh_token"] == 1
    assert store.loads >= 1
    # The core first stores the given set (version 0), then the rotated one (version 1).
    assert [t["version"] for t in store.saved] == [0, 1]
    assert store.saved[0]["refresh_token"] == expired["refresh_token"]
    new = store.saved[-1]
    assert new["refresh_token"] and new["refresh_token"] != expired["refresh_token"]
    assert new["access_token"] != expired["access_token"]
    assert new["expires_at"] > time.time()
    assert threading.main_thread().name not in store.threads
    # The saved access token is the one in use: the next call does not refresh again.
    client.get("/rest/v1.0/me")
    assert sim.counters()["token_calls"]["refresh_token"] == 1
    # A fresh client over the same store uses the stored (rotated) tokens.
    again = procore.Client(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, token_store=store, **client_kwargs(sim))
    assert again.get("/rest/v1.0/me").status == 200
    assert sim.counters()["token_calls"]["refresh_token"] == 1


class AsyncStore:
    def __init__(self) -> None:
        self.tokens: Optional[Dict[str, Any]] = None
        self.saved: List[Dict[str, Any]] = []
        self.loops: List[Any] = []

    async def load(self) -> Optional[Dict[str, Any]]:
        self.loops.append(asyncio.get_running_loop())
        await asyncio.sleep(0)
        return self.tokens

    async def save(self, tokens: Dict[str, Any]) -> None:
        self.loops.append(asyncio.get_running_loop())
        await asyncio.sleep(0)
        self.saved.append(tokens)
        self.tokens = tokens


def test_async_custom_store_runs_on_the_callers_loop(sim: Sim) -> None:
    store = AsyncStore()
    expired = sim.expired_tokens()

    async def main() -> Any:
        async with procore.AsyncClient(
            client_id=CLIENT_ID, client_secret=CLIENT_SECRET, tokens=expired, token_store=store, **client_kwargs(sim)
        ) as c:
            rs = await asyncio.gather(*(c.get("/rest/v1.0/me") for _ in range(20)))
            assert all(r.status == 200 for r in rs)
            return asyncio.get_running_loop()

    loop = asyncio.run(main())
    assert [t["version"] for t in store.saved] == [0, 1]
    assert store.saved[-1]["refresh_token"] != expired["refresh_token"]
    assert store.loops and all(l is loop for l in store.loops)
    assert sim.counters()["token_calls"]["refresh_token"] == 1


def test_async_store_with_blocking_client(sim: Sim) -> None:
    store = AsyncStore()
    client = user_client(sim, sim.expired_tokens(), token_store=store)
    assert client.get("/rest/v1.0/me").status == 200
    assert [t["version"] for t in store.saved] == [0, 1]


def test_store_errors_become_token_store_error(sim: Sim) -> None:
    class Broken:
        def load(self) -> Any:
            raise OSError("disk on fire")

        def save(self, tokens: Any) -> None:
            pass

    c = procore.Client(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, token_store=Broken(), **client_kwargs(sim))
    with pytest.raises(procore.TokenStoreError) as e:
        c.get("/rest/v1.0/me")
    assert "disk on fire" in str(e.value)
    with pytest.raises(TypeError):
        procore.Client(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, token_store=object())


def test_gil_is_released_while_waiting(sim: Sim, dev_client: procore.Client) -> None:
    sim.fault(kind="latency", ms=600)
    stop = threading.Event()
    count = [0]

    def spin() -> None:
        while not stop.is_set():
            count[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    try:
        time.sleep(0.05)
        before = count[0]
        started = time.monotonic()
        assert dev_client.get("/rest/v1.0/me").status == 200
        elapsed = time.monotonic() - started
        during = count[0] - before
    finally:
        stop.set()
        t.join()
    assert elapsed >= 0.5
    # With the GIL held for 0.6 s the spinning thread could not have counted at all.
    assert during > 20_000, during


def test_forked_child_makes_a_call(sim: Sim) -> None:
    client = procore.Client(DEV_TOKEN, **client_kwargs(sim))
    assert client.get("/rest/v1.0/me").status == 200  # the parent's runtime and pool are live
    pid = os.fork()
    if pid == 0:  # child
        code = 1
        try:
            ok = client.get("/rest/v1.0/me").json()["id"] == 5000000001
            fresh = procore.Client(DEV_TOKEN, **client_kwargs(sim))
            ok = ok and fresh.get("/rest/v1.0/companies").status == 200
            code = 0 if ok else 1
        finally:
            os._exit(code)
    deadline = time.monotonic() + 30
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("the forked child hung")
        time.sleep(0.02)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    # The parent still works too.
    assert client.get("/rest/v1.0/me").status == 200
    assert sim.counters()["requests_by_route"]["GET /rest/v1.0/me"] == 3


def test_ctrl_c_interrupts_a_blocking_call(sim: Sim) -> None:
    script = textwrap.dedent(
        f"""
        import os, signal, threading, time, procore
        c = procore.Client({DEV_TOKEN!r}, environment={sim.base!r}, rate_limit=False)
        threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        t = time.monotonic()
        try:
            c.get("/rest/v1.0/me")
            print("finished")
        except KeyboardInterrupt:
            print("interrupted", round(time.monotonic() - t, 2))
        """
    )
    sim.fault(kind="latency", ms=10_000)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert out.stdout.startswith("interrupted"), out
    assert float(out.stdout.split()[1]) < 2.0


def test_core_logs_reach_python_logging(sim: Sim, caplog: pytest.LogCaptureFixture) -> None:
    tokens = sim.expired_tokens()
    with caplog.at_level(logging.DEBUG, logger="procore"):
        c = user_client(sim, tokens)
        c.get("/rest/v1.0/me")
    records = [r for r in caplog.records if r.name == "procore"]
    messages = [r.getMessage() for r in records]
    assert any("refreshing the access token" in m for m in messages), messages
    assert any(m.startswith("answer") and "status=200" in m for m in messages), messages
    current = c.current_tokens()
    assert current is not None
    secrets = [tokens["access_token"], tokens["refresh_token"], current["access_token"], current["refresh_token"], CLIENT_SECRET]
    for m in messages:
        for s in secrets:
            assert s not in m
    # Above the logger's level nothing arrives.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="procore"):
        c.get("/rest/v1.0/me")
    assert [r for r in caplog.records if r.name == "procore"] == []


def test_asyncio_answers_reach_their_own_awaitables_across_loops(sim: Sim) -> None:
    # Answers come back through a queue the event loop drains (no GIL in the runtime): each
    # awaitable must get its own answer, errors included, and a new loop must work as well.
    async def main() -> None:
        async with procore.AsyncClient(DEV_TOKEN, **client_kwargs(sim)) as c:
            paths = [f"/rest/v1.0/projects/{pid}" for pid in (3001, 3002, 3003)] * 100
            rs = await asyncio.gather(*(c.get(p, company_id=8089) for p in paths))
            assert [r.json()["id"] for r in rs] == [int(p.rsplit("/", 1)[1]) for p in paths]
            missing = await asyncio.gather(
                *(c.get("/rest/v1.0/projects/999999", company_id=8089) for _ in range(20)),
                return_exceptions=True,
            )
            assert all(isinstance(e, procore.NotFoundError) for e in missing), missing

    asyncio.run(main())
    asyncio.run(main())


def test_asyncio_cancel_and_timeout_do_not_wait_for_the_call(sim: Sim) -> None:
    async def main() -> float:
        async with procore.AsyncClient(DEV_TOKEN, **client_kwargs(sim)) as c:
            sim.fault(kind="latency", ms=3000)
            started = time.monotonic()
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(c.get("/rest/v1.0/me"), 0.2)
            elapsed = time.monotonic() - started
            sim.reset()
            # The client is still good for the next call.
            assert (await c.get("/rest/v1.0/me")).status == 200
            return elapsed

    assert asyncio.run(main()) < 2.0


class NoReaderLoop(asyncio.SelectorEventLoop):
    """A loop that cannot watch a socket (as Windows' proactor loop)."""

    def add_reader(self, *args: Any) -> None:  # type: ignore[override]
        raise NotImplementedError


def test_asyncio_on_a_loop_without_add_reader(sim: Sim) -> None:
    async def main() -> List[int]:
        async with procore.AsyncClient(DEV_TOKEN, **client_kwargs(sim)) as c:
            rs = await asyncio.gather(*(c.get("/rest/v1.0/me") for _ in range(20)))
            return [r.status for r in rs]

    loop = NoReaderLoop()
    try:
        assert loop.run_until_complete(main()) == [200] * 20
    finally:
        loop.close()
