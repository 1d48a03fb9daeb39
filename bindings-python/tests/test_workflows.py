"""Sync batches, direct uploads and webhooks through the Python package, against the
simulator over real sockets: blocking and asyncio alike."""

from __future__ import annotations

import asyncio
import hashlib
import http.server
import json
import queue
import random
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest

import procore
from conftest import DEV_TOKEN, Sim, client_kwargs

BIG_BUILD = 31337
PROJECT = 100_001
MIN_SEGMENT = 5 * 1024 * 1024 + 1
TWELVE_MIB = 12 * 1024 * 1024
SECRET = "Bearer py-hook-s3cret"


def _client(sim: Sim) -> procore.Client:
    return procore.Client(DEV_TOKEN, company_id=BIG_BUILD, **client_kwargs(sim))


def _payload(n: int) -> bytes:
    return random.Random(7).randbytes(n)


def _uploads(sim: Sim) -> Dict[str, Any]:
    return {u["id"]: u for u in sim.call("GET", "/__simulator/uploads")}


# --- sync -------------------------------------------------------------------------------------


def test_2500_updates_go_in_three_calls_with_refusals_at_their_index(sim: Sim) -> None:
    updates: List[Dict[str, Any]] = [{"origin_id": f"py-{i}", "name": f"Vendor {i}"} for i in range(2500)]
    updates[3]["email_address"] = "not-an-address"
    updates[2100]["name"] = " "
    with _client(sim) as c:
        out = c.sync("/rest/v1.0/vendors/sync", updates, json={"company_id": BIG_BUILD})
    assert out["batches"] == 3
    assert sim.counters()["requests_by_route"]["PATCH /rest/v1.0/vendors/sync"] == 3
    assert len(out["entities"]) == 2498
    assert sorted(e["index"] for e in out["errors"]) == [3, 2100]
    assert all("errors" in e["error"] for e in out["errors"])


def test_sync_async_and_bad_arguments(sim: Sim) -> None:
    async def main() -> Dict[str, Any]:
        async with procore.AsyncClient(DEV_TOKEN, company_id=BIG_BUILD, **client_kwargs(sim)) as c:
            return await c.sync(
                "/rest/v1.0/vendors/sync", [{"origin_id": f"a-{i}", "name": f"A {i}"} for i in range(5)], batch_size=2,
                json={"company_id": BIG_BUILD},
            )

    out = asyncio.run(main())
    assert out["batches"] == 3 and len(out["entities"]) == 5
    with _client(sim) as c:
        with pytest.raises(procore.ConfigError, match="update 1"):
            c.sync("/rest/v1.0/vendors/sync", [{"id": 1}, 5])
        with pytest.raises(procore.ConfigError, match="batch_size"):
            c.sync("/rest/v1.0/vendors/sync", [], batch_size=1001)
        with pytest.raises(TypeError, match="per_page"):
            c.sync("/rest/v1.0/vendors/sync", [], per_page=3)  # type: ignore[call-arg]


# --- uploads ----------------------------------------------------------------------------------


def test_twelve_mib_file_in_three_v2_segments_with_progress(sim: Sim, tmp_path: Path) -> None:
    data = _payload(TWELVE_MIB)
    path = tmp_path / "plans.pdf"
    path.write_bytes(data)
    seen: List[Dict[str, int]] = []
    with _client(sim) as c:
        out = c.upload(path, project_id=PROJECT, segment_size=MIN_SEGMENT, progress=seen.append)
    sha = hashlib.sha256(data).hexdigest()
    assert out["status"] == "available" and out["segments"] == 3
    assert (out["size"], out["sha256"], out["file_name"]) == (TWELVE_MIB, sha, "plans.pdf")
    assert out["content_type"] == "application/pdf"
    assert [p["sent"] for p in seen][0] == 0
    assert seen[-1] == {"sent": TWELVE_MIB, "total": TWELVE_MIB, "segments_done": 3, "segments": 3}
    assert all(a["sent"] < b["sent"] for a, b in zip(seen, seen[1:]))
    rec = _uploads(sim)[out["id"]]
    assert rec["stored_sha256"] == sha and rec["flow"] == "unified"
    assert rec["scope"] == f"companies/{BIG_BUILD}/projects/{PROJECT}"


@pytest.mark.parametrize("flow,kind,segments", [("v1.1", "legacy_single", 1), ("v1.1-segmented", "legacy_segmented", 3)])
def test_v1_flows_from_bytes_async(sim: Sim, flow: str, kind: str, segments: int) -> None:
    data = _payload(TWELVE_MIB)
    seen: List[Dict[str, int]] = []

    async def main() -> Dict[str, Any]:
        async with procore.AsyncClient(DEV_TOKEN, company_id=BIG_BUILD, **client_kwargs(sim)) as c:
            return await c.upload(
                data, file_name="model.ifc", flow=flow, project_id=PROJECT,
                segment_size=5 * 1024 * 1024, progress=seen.append,
            )

    out = asyncio.run(main())
    assert (out["status"], out["segments"], out["flow"]) == ("complete", segments, flow)
    assert seen[-1]["sent"] == TWELVE_MIB == seen[-1]["total"]
    rec = _uploads(sim)[out["id"]]
    assert (rec["flow"], rec["stored_sha256"]) == (kind, hashlib.sha256(data).hexdigest())


def test_a_segment_always_damaged_is_an_upload_error(sim: Sim) -> None:
    sim.fault(kind="corrupt", count=None)
    with _client(sim) as c:
        with pytest.raises(procore.UploadError) as e:
            c.upload(_payload(TWELVE_MIB), file_name="x.bin", segment_size=MIN_SEGMENT, parallelism=1, retries=1)
    err = e.value
    assert (err.code, err.status, err.segment, err.segments, err.attempts) == ("upload", 400, 1, 3, 2)
    assert "segment 1 of 3" in str(err) and "BadDigest" in str(err)
    assert err.upload_id in _uploads(sim)
    assert "Signature" not in str(err)


def test_upload_arguments_are_checked(sim: Sim) -> None:
    with _client(sim) as c:
        with pytest.raises(procore.ConfigError, match="file_name"):
            c.upload(b"abc")
        with pytest.raises(procore.ConfigError, match="segment_size"):
            c.upload(b"abc", file_name="a", segment_size=10)
        with pytest.raises(TypeError, match="progress"):
            c.upload(b"abc", file_name="a", progress=5)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="source"):
            c.upload(12, file_name="a")  # type: ignore[arg-type]
    assert sim.counters()["requests_total"] == 0


# --- webhooks ---------------------------------------------------------------------------------


class _Receiver(http.server.BaseHTTPRequestHandler):
    """A local webhook endpoint: each delivery judged by the SDK's WebhookReceiver."""

    receiver: procore.WebhookReceiver
    judged: "queue.Queue[Dict[str, Any]]"

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        d = self.receiver.receive(list(self.headers.items()), body)
        self.send_response(d["status"])
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.judged.put(d)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture()
def receiver() -> Iterator[Tuple[str, "queue.Queue[Dict[str, Any]]"]]:
    judged: "queue.Queue[Dict[str, Any]]" = queue.Queue()
    handler = type("H", (_Receiver,), {"receiver": procore.WebhookReceiver({"Authorization": SECRET}), "judged": judged})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks", judged
    server.shutdown()


def test_an_rfi_event_is_received_forgeries_refused_repeats_known(sim: Sim, receiver: Any) -> None:
    url, judged = receiver
    sim.config(webhook_duplicates=True)
    try:
        with _client(sim) as c:
            hook = c.create_hook(project_id=PROJECT, destination_url=url,
                                 destination_headers={"Authorization": SECRET}, api_version="v2", namespace="py")
            c.create_trigger(hook["id"], "RFIs", "create", project_id=PROJECT)
            assert len(c.list_triggers(hook["id"], project_id=PROJECT)) == 1
            rfi = c.post(f"projects/{PROJECT}/rfis", {"rfi": {"subject": "Footing depth?"}}).json()
            # The two copies may be judged in either order (one thread per delivery).
            first, second = sorted((judged.get(timeout=15), judged.get(timeout=15)), key=lambda d: d["verdict"])
            assert (first["verdict"], second["verdict"]) == ("accepted", "duplicate")
            ev = first["event"]
            assert (ev["resource_name"], ev["event_type"], ev["resource_id"]) == ("RFIs", "create", rfi["id"])
            assert first["key"] == ev["ulid"] == second["key"]

            for headers in ({}, {"Authorization": "Bearer guess"}):
                req = urllib.request.Request(url, data=json.dumps(ev).encode(), headers=headers, method="POST")
                with pytest.raises(urllib.error.HTTPError) as e:
                    urllib.request.urlopen(req, timeout=10)
                assert e.value.code == 401
                forged = judged.get(timeout=5)
                assert (forged["verdict"], forged["event"]) == ("rejected", None)

            ok = c.list_deliveries(hook["id"], "successful", project_id=PROJECT)
            assert len(ok) == 2
            with pytest.raises(procore.ConfigError, match="status"):
                c.list_deliveries(hook["id"], "sometimes", project_id=PROJECT)
            assert c.update_hook(hook["id"], project_id=PROJECT, namespace="py2")["namespace"] == "py2"
            c.delete_hook(hook["id"], project_id=PROJECT)
            assert c.list_hooks(project_id=PROJECT) == []
    finally:
        sim.config(webhook_duplicates=False)


def test_webhook_helpers_async_and_the_receiver_alone(sim: Sim) -> None:
    async def main() -> List[Any]:
        async with procore.AsyncClient(DEV_TOKEN, company_id=BIG_BUILD, **client_kwargs(sim)) as c:
            hook = await c.create_hook(destination_url="https://example.invalid/h")
            hooks = await c.list_hooks()
            await c.delete_hook(hook["id"])
            r = procore.WebhookReceiver({"X-Key": "k"})
            body = b'{"id": "01J", "reason": "create", "resource_type": "RFIs"}'
            a = await r.receive_async({"x-key": "k"}, body)
            b = await r.receive_async([(b"X-KEY", b"k")], body)
            return [hook, hooks, a["verdict"], b["verdict"]]

    hook, hooks, a, b = asyncio.run(main())
    assert hook["company_id"] == BIG_BUILD and [h["id"] for h in hooks] == [hook["id"]]
    assert (a, b) == ("accepted", "duplicate")
    r = procore.WebhookReceiver({"X-Key": "zz-s3cret-zz"}, remember=1)
    with pytest.raises(procore.DecodeError):
        r.receive({"X-Key": "zz-s3cret-zz"}, b"<html>")
    with pytest.raises(procore.ConfigError):
        procore.WebhookReceiver({"bad name": "v"})
    assert "X-Key" in repr(r) and "zz-s3cret-zz" not in repr(r)
