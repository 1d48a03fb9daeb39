"""Benchmark (not a test): procore vs requests / httpx / aiohttp on the local simulator.

    python bench/bench.py [--base URL] [--sim-pid PID] [--runs N] [--seconds S] [--items N]
                          [--concurrency C] [--quick] [--json out.json]

The workload is the Rust part's (bench/src/main.rs): an authenticated GET of one JSON page,
GET /rest/v1.0/companies/8089/projects with `Procore-Company-Id: 8089` and the simulator's dev
token, the body parsed as JSON by every contender. Each figure is measured --runs times
(contenders interleaved, each timed run preceded by a short untimed warm-up), for --seconds each,
and printed as the median with min and max, next to the simulator's own CPU use over the same
interval (utime + stime of --sim-pid from /proc, in % of one core):

- blocking, one thread: procore.Client vs requests.Session;
- asyncio, --concurrency tasks (default 64, like the Rust part's c=64): procore.AsyncClient vs
  httpx.AsyncClient (pool sized to the concurrency, and a pool of 8, faster with httpcore 1.0)
  vs aiohttp.ClientSession;
- streaming --items items (company 77777, per_page 1000) in a fresh child process each run:
  procore.Client.paginate vs a requests.Session pager, peak RSS (VmHWM) and items/s, with the
  RSS of a bare `import procore` for reference.

Every contender is set up the way a careful user would: one keep-alive pool sized to the
concurrency, proxies and .netrc off (trust_env=False), the same headers. procore runs with its
defaults (retries and rate-limit pacing on; the simulator's rate limits are off, so pacing never
waits). The settings are printed with the figures.

With --base the simulator must already run (start it with --no-rate-limit); without it one is
started here: PROCORE_SIMULATOR_BIN, else <repo>/target/release/procore-simulator if built, else
<repo>/target/debug/procore-simulator.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

import procore

REPO = Path(__file__).resolve().parents[2]
DEV_TOKEN = "sim-dev-token"
COMPANY = 8089
PATH = f"/rest/v1.0/companies/{COMPANY}/projects"
STREAM_COMPANY = 77777
HTTPX_SMALL_POOL = 8
HEADERS = {
    "Authorization": f"Bearer {DEV_TOKEN}",
    "Procore-Company-Id": str(COMPANY),
    "User-Agent": "my-integration/1.0",
}


# ------------------------------------------------------------------------------------------
# Simulator and measurement helpers


def simulator_binary() -> str:
    env = os.environ.get("PROCORE_SIMULATOR_BIN")
    if env:
        return env
    release = REPO / "target/release/procore-simulator"
    return str(release if release.exists() else REPO / "target/debug/procore-simulator")


def start_simulator() -> "Tuple[subprocess.Popen[str], str]":
    proc = subprocess.Popen(
        [simulator_binary(), "--port", "0", "--no-rate-limit", "--exit-on-stdin-eof"],
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


CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: Optional[int]) -> Optional[float]:
    """CPU seconds (utime + stime) used so far by process `pid`, from /proc."""
    if pid is None:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class Figure:
    """The runs of one contender: rates, the simulator's CPU % over each run, and what each
    request cost this process (all its threads): CPU time and context switches, from
    getrusage. Where the time of a request goes: client CPU, the simulator's, and waiting."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rates: List[float] = []
        self.sim_cpu: List[float] = []
        self.cpu_us: List[float] = []
        self.switches: List[float] = []

    def median(self) -> float:
        return statistics.median(self.rates)

    def __str__(self) -> str:
        cpu = f"; sim CPU {statistics.median(self.sim_cpu):.0f}%" if self.sim_cpu else ""
        if self.cpu_us:
            cpu += (
                f"; client {statistics.median(self.cpu_us):.0f} us CPU and "
                f"{statistics.median(self.switches):.1f} context switches a request"
            )
        return (
            f"{self.name} {self.median():.0f} req/s "
            f"(min {min(self.rates):.0f} max {max(self.rates):.0f}{cpu})"
        )


def spread(values: List[float], fmt: str = "{:.1f}", unit: str = "") -> str:
    med = fmt.format(statistics.median(values))
    return f"{med}{unit} (min {fmt.format(min(values))} max {fmt.format(max(values))})"


def record(fig: Figure, sim_pid: Optional[int], measure: Callable[[], Tuple[int, float]]) -> None:
    c0 = cpu_seconds(sim_pid)
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    done, secs = measure()
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    c1 = cpu_seconds(sim_pid)
    fig.rates.append(done / secs)
    if c0 is not None and c1 is not None:
        fig.sim_cpu.append((c1 - c0) / secs * 100.0)
    if done:
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        fig.cpu_us.append(cpu / done * 1e6)
        switches = (r1.ru_nvcsw - r0.ru_nvcsw) + (r1.ru_nivcsw - r0.ru_nivcsw)
        fig.switches.append(switches / done)


# ------------------------------------------------------------------------------------------
# Blocking


def timed_loop(secs: float, one: Callable[[], None]) -> Tuple[int, float]:
    started = time.perf_counter()
    until = started + secs
    done = 0
    while time.perf_counter() < until:
        one()
        done += 1
    return done, time.perf_counter() - started


def bench_blocking(base: str, secs: float, runs: int, sim_pid: Optional[int]) -> List[Figure]:
    import requests

    client = procore.Client(DEV_TOKEN, environment=base, company_id=COMPANY)

    def via_procore() -> None:
        client.get(PATH).json()

    session = requests.Session()
    session.trust_env = False  # no proxy / .netrc lookups on every request
    session.headers.update(HEADERS)
    url = base + PATH

    def via_requests() -> None:
        r = session.get(url)
        r.raise_for_status()
        r.json()

    contenders = [(Figure("procore.Client"), via_procore), (Figure("requests.Session"), via_requests)]

    # urllib3 (what requests sits on) and pyreqwest (Rust reqwest in Python, no auth, no
    # pacing): the fastest blocking peers, when installed.
    closers: List[Callable[[], None]] = []
    try:
        import urllib3

        http = urllib3.PoolManager(maxsize=1, headers=HEADERS, retries=False)

        def via_urllib3() -> None:
            r = http.request("GET", url)
            if r.status != 200:
                raise RuntimeError(r.status)
            json.loads(r.data)

        contenders.append((Figure("urllib3.PoolManager"), via_urllib3))
        closers.append(http.clear)
    except ImportError:
        pass
    try:
        from pyreqwest.client import SyncClientBuilder

        prq = SyncClientBuilder().default_headers(HEADERS).error_for_status(True).build()

        def via_pyreqwest() -> None:
            prq.get(url).build().send().json()

        contenders.append((Figure("pyreqwest.SyncClient"), via_pyreqwest))
        closers.append(prq.close)
    except ImportError:
        pass
    for _ in range(runs):
        for fig, one in contenders:
            for _ in range(50):
                one()
            record(fig, sim_pid, lambda: timed_loop(secs, one))
    client.close()
    session.close()
    for close in closers:
        close()
    return [fig for fig, _ in contenders]


# ------------------------------------------------------------------------------------------
# asyncio


async def timed_tasks(secs: float, concurrency: int, one: Callable[[], Awaitable[None]]) -> Tuple[int, float]:
    started = time.perf_counter()
    until = started + secs
    done = 0

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < until:
            await one()
            done += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done, time.perf_counter() - started


async def bench_async(
    base: str, secs: float, runs: int, concurrency: int, sim_pid: Optional[int]
) -> List[Figure]:
    import httpx

    url = base + PATH
    contenders: List[Tuple[Figure, Callable[[], Awaitable[None]]]] = []

    client = procore.AsyncClient(DEV_TOKEN, environment=base, company_id=COMPANY)

    async def via_procore() -> None:
        (await client.get(PATH)).json()

    contenders.append((Figure("procore.AsyncClient"), via_procore))

    # httpx twice: with the pool sized to the concurrency (what the docs suggest), and with a pool
    # of HTTPX_SMALL_POOL connections, which is faster at high concurrency because httpcore's
    # pool scans every connection for every queued request (encode/httpx#3215).
    httpx_clients = []
    for pool in (concurrency, HTTPX_SMALL_POOL):
        hx = httpx.AsyncClient(
            headers=HEADERS,
            limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool, keepalive_expiry=60),
            trust_env=False,
            http2=False,
        )
        httpx_clients.append(hx)

        def make(hx: httpx.AsyncClient) -> Callable[[], Awaitable[None]]:
            async def via_httpx() -> None:
                r = await hx.get(url)
                r.raise_for_status()
                r.json()

            return via_httpx

        contenders.append((Figure(f"httpx.AsyncClient(pool {pool})"), make(hx)))

    session = None
    try:
        import aiohttp
    except ImportError:
        aiohttp = None  # type: ignore[assignment]
    if aiohttp is not None:
        session = aiohttp.ClientSession(
            headers=HEADERS,
            connector=aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency, keepalive_timeout=60),
            trust_env=False,
        )

        async def via_aiohttp() -> None:
            assert session is not None
            async with session.get(url) as r:
                r.raise_for_status()
                await r.json()

        contenders.append((Figure("aiohttp.ClientSession"), via_aiohttp))

    try:
        for _ in range(runs):
            for fig, one in contenders:
                await timed_tasks(min(secs, 0.2), concurrency, one)  # warm-up: connections open
                c0 = cpu_seconds(sim_pid)
                done, took = await timed_tasks(secs, concurrency, one)
                c1 = cpu_seconds(sim_pid)
                fig.rates.append(done / took)
                if c0 is not None and c1 is not None:
                    fig.sim_cpu.append((c1 - c0) / took * 100.0)
    finally:
        client.close()
        for hx in httpx_clients:
            await hx.aclose()
        if session is not None:
            await session.close()
    return [fig for fig, _ in contenders]


# ------------------------------------------------------------------------------------------
# Streaming (each run in a fresh child process, so that its peak RSS is the walk's)

# Peak RSS is VmHWM from /proc/self/status: getrusage's ru_maxrss would carry over the parent's
# peak across fork + exec (Linux keeps the larger of the two).
HWM = "def hwm():\n    return int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM:')).split()[1])\n"

STREAM_PROCORE = HWM + r"""
import json, sys, time, procore
base, items = sys.argv[1], int(sys.argv[2])
c = procore.Client("sim-dev-token", environment=base, company_id=77777)
before = hwm()
t = time.perf_counter()
n = 0
for item in c.paginate("/rest/v1.0/projects", params={"company_id": 77777}, per_page=1000, max_items=items):
    if not isinstance(item["id"], int):
        raise SystemExit("bad item")
    n += 1
elapsed = time.perf_counter() - t
after = hwm()
print(json.dumps({"items": n, "seconds": elapsed, "rss_before_kib": before, "peak_rss_kib": after}))
"""

# What a requests user writes: follow the pages until `items` are seen (per_page 1000).
STREAM_REQUESTS = HWM + r"""
import json, sys, time, requests
base, items = sys.argv[1], int(sys.argv[2])
s = requests.Session()
s.trust_env = False
s.headers.update({"Authorization": "Bearer sim-dev-token", "Procore-Company-Id": "77777"})
before = hwm()
t = time.perf_counter()
n, page = 0, 1
while n < items:
    r = s.get(base + "/rest/v1.0/projects", params={"company_id": 77777, "per_page": 1000, "page": page})
    r.raise_for_status()
    batch = r.json()
    if not batch:
        break
    for item in batch[: items - n]:
        if not isinstance(item["id"], int):
            raise SystemExit("bad item")
        n += 1
    page += 1
elapsed = time.perf_counter() - t
after = hwm()
print(json.dumps({"items": n, "seconds": elapsed, "rss_before_kib": before, "peak_rss_kib": after}))
"""

BASELINE = HWM + r"""
import json, procore
print(json.dumps({"peak_rss_kib": hwm()}))
"""


def child(script: str, *args: str) -> Dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=600
    )
    if out.returncode != 0:
        raise SystemExit(f"streaming child failed: {out.stderr}")
    result: Dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def bench_stream(base: str, items: int, runs: int) -> Dict[str, List[Dict[str, Any]]]:
    results: Dict[str, List[Dict[str, Any]]] = {"procore": [], "requests": [], "baseline": []}
    for _ in range(runs):
        results["procore"].append(child(STREAM_PROCORE, base, str(items)))
        results["requests"].append(child(STREAM_REQUESTS, base, str(items)))
        results["baseline"].append(child(BASELINE))
    return results


def stream_line(name: str, rs: List[Dict[str, Any]]) -> str:
    rss = [r["peak_rss_kib"] / 1024 for r in rs]
    rate = [r["items"] / r["seconds"] for r in rs]
    return f"{name} peak RSS {spread(rss, unit=' MiB')}, {spread(rate, '{:.0f}', ' items/s')}"


# ------------------------------------------------------------------------------------------


def main(argv: Optional[List[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", help="URL of a running simulator (started with --no-rate-limit)")
    ap.add_argument("--sim-pid", type=int, help="pid of that simulator, for its CPU use")
    ap.add_argument("--runs", type=int, help="runs per figure (default 5; 1 with --quick)")
    ap.add_argument("--seconds", type=float, help="seconds per timed run (default 2; 0.3 with --quick)")
    ap.add_argument("--items", type=int, help="items to stream (default 100,000; 20,000 with --quick)")
    ap.add_argument("--concurrency", type=int, default=64, help="asyncio tasks (default 64)")
    ap.add_argument("--quick", action="store_true", help="a short run for CI")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = ap.parse_args(argv)
    runs = args.runs or (1 if args.quick else 5)
    secs = args.seconds or (0.3 if args.quick else 2.0)
    items = args.items or (20_000 if args.quick else 100_000)
    conc = args.concurrency

    proc = None
    base, sim_pid = args.base, args.sim_pid
    if base is None:
        proc, base = start_simulator()
        sim_pid = sim_pid or proc.pid
    base = base.rstrip("/")
    try:
        from importlib.metadata import PackageNotFoundError, version

        def v(pkg: str) -> str:
            try:
                return version(pkg)
            except PackageNotFoundError:
                return "not installed"

        try:
            import sniffio  # noqa: F401

            sniffio_note = ""
        except ImportError:
            sniffio_note = (
                " WARNING: sniffio is not installed, so httpcore 1.0 retries a failed `import sniffio`"
                " on every request (encode/httpcore PR #1103): the httpx figure is lower than it"
                " should be; `pip install sniffio`."
            )
        print(
            f"## Python {platform.python_version()}: procore {procore.__version__} vs requests "
            f"{v('requests')} / urllib3 {v('urllib3')} / pyreqwest {v('pyreqwest')} / httpx {v('httpx')} / aiohttp {v('aiohttp')} "
            f"(GET {PATH}, JSON parsed, {secs:g} s x {runs} run(s) each, interleaved)"
        )
        print(
            f"cores: {os.cpu_count()}; simulator CPU in % of one core over the same interval"
            f"{'' if sim_pid else ' (no --sim-pid: not measured)'}; ratios are of medians"
        )
        print(
            "settings: procore defaults (retries, pacing on); requests.Session keep-alive, "
            f"trust_env=False; httpx.AsyncClient keep-alive pool of {conc} and of {HTTPX_SMALL_POOL} "
            f"connections, trust_env=False, HTTP/1.1; aiohttp TCPConnector(limit={conc}), keep-alive; "
            "asyncio default event loop; c = concurrent requests (threads or tasks)."
            + sniffio_note
        )
        sync = bench_blocking(base, secs, runs, sim_pid)
        asyn = asyncio.run(bench_async(base, secs, runs, conc, sim_pid))
        stream = bench_stream(base, items, runs)
    finally:
        if proc is not None:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=10)

    p, r = sync[0], sync[1]
    peers = {f.name: f for f in sync[2:]}
    extra = "".join(
        f" | {f} | procore/{name.split('.')[0]} {p.median() / f.median():.2f}x (target >= {goal})"
        for name, goal in (("urllib3.PoolManager", "2.5x"), ("pyreqwest.SyncClient", "1.0x"))
        if (f := peers.get(name)) is not None
    )
    print(f"python blocking c=1: {p} | {r} | ratio {p.median() / r.median():.2f}x (target >= 3x){extra}")
    by = {f.name: f for f in asyn}
    pa = by["procore.AsyncClient"]
    best_httpx = max((f for f in asyn if f.name.startswith("httpx")), key=Figure.median)
    ratios = [f"procore/httpx {pa.median() / best_httpx.median():.2f}x (best httpx pool; target >= 2x)"]
    if "aiohttp.ClientSession" in by:
        ratios.append(f"procore/aiohttp {pa.median() / by['aiohttp.ClientSession'].median():.2f}x")
    print(f"python asyncio c={conc}: " + " | ".join(str(f) for f in asyn) + " | ratio " + ", ".join(ratios))
    base_rss = [b["peak_rss_kib"] / 1024 for b in stream["baseline"]]
    print(
        f"python stream {stream['procore'][0]['items']} items (company {STREAM_COMPANY}, per_page 1000, "
        f"fresh process, {runs} run(s)): "
        + stream_line("procore.Client.paginate", stream["procore"])
        + " | "
        + stream_line("requests.Session pager", stream["requests"])
        + f" | bare `import procore` {spread(base_rss, unit=' MiB')} (target < 64 MiB)"
    )
    if args.json:

        def fig(f: Figure) -> Dict[str, Any]:
            return {"rates": f.rates, "sim_cpu": f.sim_cpu}

        Path(args.json).write_text(
            json.dumps(
                {
                    "blocking": {f.name: fig(f) for f in sync},
                    "asyncio": {f.name: fig(f) for f in asyn},
                    "stream": stream,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
