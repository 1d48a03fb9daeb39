"""Benchmark (not a test): procore vs requests / httpx / aiohttp on the local simulator.

    python bench/bench.py [--quick] [--json out.json]

Prints requests per second for the same workload (GET /rest/v1.0/me with the dev token):
- blocking, one thread: procore.Client vs requests.Session (both keep-alive, one connection);
- asyncio at a fixed concurrency: procore.AsyncClient vs httpx.AsyncClient vs aiohttp (if
  installed), each with a pool of that many connections;
and the ratios (procore / other; above 1 means procore is faster), then the peak RSS of a
child process that streams 100,000 items of company 77777 (per_page 1000) with
procore.Client.paginate (resource.getrusage, before and after).

The simulator is started here (PROCORE_SIMULATOR_BIN or <repo>/target/debug/procore-simulator)
with rate limits off; procore runs with pacing off too, so only the client stacks differ.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional

import procore

REPO = Path(__file__).resolve().parents[2]
DEV_TOKEN = "sim-dev-token"
PATH = "/rest/v1.0/me"


def start_simulator() -> "tuple[subprocess.Popen[str], str]":
    binary = os.environ.get("PROCORE_SIMULATOR_BIN", str(REPO / "target/debug/procore-simulator"))
    proc = subprocess.Popen(
        [binary, "--port", "0", "--no-rate-limit", "--exit-on-stdin-eof"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    prefix = "procore-simulator listening on "
    if not line.startswith(prefix):
        proc.kill()
        raise SystemExit(f"simulator did not start: {line!r}")
    return proc, line[len(prefix) :]


def rate(n: int, fn: Callable[[], None]) -> float:
    started = time.perf_counter()
    fn()
    return n / (time.perf_counter() - started)


def bench_blocking(base: str, n: int) -> Dict[str, float]:
    import requests

    out: Dict[str, float] = {}
    client = procore.Client(DEV_TOKEN, environment=base, rate_limit=False)
    for _ in range(20):
        client.get(PATH)

    def run_procore() -> None:
        for _ in range(n):
            client.get(PATH).json()

    out["procore.Client"] = rate(n, run_procore)

    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {DEV_TOKEN}"
    url = base + PATH
    for _ in range(20):
        session.get(url)

    def run_requests() -> None:
        for _ in range(n):
            r = session.get(url)
            r.raise_for_status()
            r.json()

    out["requests.Session"] = rate(n, run_requests)
    return out


async def run_concurrently(n: int, concurrency: int, call: Callable[[], Awaitable[None]]) -> float:
    sem = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with sem:
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(n)))
    return n / (time.perf_counter() - started)


async def bench_async(base: str, n: int, concurrency: int) -> Dict[str, float]:
    import httpx

    out: Dict[str, float] = {}
    url = base + PATH
    headers = {"Authorization": f"Bearer {DEV_TOKEN}"}

    async with procore.AsyncClient(DEV_TOKEN, environment=base, rate_limit=False) as client:

        async def p() -> None:
            (await client.get(PATH)).json()

        await run_concurrently(concurrency * 2, concurrency, p)
        out["procore.AsyncClient"] = await run_concurrently(n, concurrency, p)

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(headers=headers, limits=limits) as hx:

        async def h() -> None:
            r = await hx.get(url)
            r.raise_for_status()
            r.json()

        await run_concurrently(concurrency * 2, concurrency, h)
        out["httpx.AsyncClient"] = await run_concurrently(n, concurrency, h)

    try:
        import aiohttp
    except ImportError:
        return out
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(headers=headers, connector=connector) as session:

        async def a() -> None:
            async with session.get(url) as r:
                r.raise_for_status()
                await r.json()

        await run_concurrently(concurrency * 2, concurrency, a)
        out["aiohttp.ClientSession"] = await run_concurrently(n, concurrency, a)
    return out


STREAM = r"""
import json, resource, sys, time, procore
base, items = sys.argv[1], int(sys.argv[2])
c = procore.Client("sim-dev-token", environment=base, rate_limit=False)
c.get("/rest/v1.0/me")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
n = 0
for item in c.paginate("/rest/v1.0/projects", params={"company_id": 77777}, company_id=77777,
                       per_page=1000, max_items=items):
    n += 1
elapsed = time.perf_counter() - t
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"items": n, "seconds": elapsed, "rss_before_kib": before, "peak_rss_kib": after}))
"""


def bench_stream(base: str, items: int) -> Dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", STREAM, base, str(items)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if out.returncode != 0:
        raise SystemExit(f"streaming child failed: {out.stderr}")
    result: Dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: Optional[List[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a short run for CI")
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = ap.parse_args(argv)
    n_sync = 500 if args.quick else 5000
    n_async = 1000 if args.quick else 10000
    stream_items = 100_000

    proc, base = start_simulator()
    try:
        sync = bench_blocking(base, n_sync)
        asyn = asyncio.run(bench_async(base, n_async, args.concurrency))
        stream = bench_stream(base, stream_items)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=10)

    print(f"blocking, 1 thread, {n_sync} GET {PATH}")
    for name, v in sync.items():
        print(f"  {name:24} {v:10.0f} req/s")
    print(f"  ratio procore/requests   {sync['procore.Client'] / sync['requests.Session']:10.2f}x")
    print(f"asyncio, concurrency {args.concurrency}, {n_async} GET {PATH}")
    for name, v in asyn.items():
        print(f"  {name:24} {v:10.0f} req/s")
    ratios = {"procore/requests": sync["procore.Client"] / sync["requests.Session"]}
    for other in ("httpx.AsyncClient", "aiohttp.ClientSession"):
        if other in asyn:
            r = asyn["procore.AsyncClient"] / asyn[other]
            ratios[f"procore/{other.split('.')[0]}"] = r
            print(f"  ratio procore/{other.split('.')[0]:9} {r:10.2f}x")
    print(
        f"streaming {stream['items']} items (company 77777, per_page 1000): "
        f"{stream['seconds']:.2f} s, {stream['items'] / stream['seconds']:.0f} items/s, "
        f"peak RSS {stream['peak_rss_kib'] / 1024:.1f} MiB "
        f"(after warm-up {stream['rss_before_kib'] / 1024:.1f} MiB)"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps({"blocking": sync, "asyncio": asyn, "ratios": ratios, "stream": stream}, indent=2)
        )


if __name__ == "__main__":
    main()
