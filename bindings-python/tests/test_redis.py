"""RedisTokenStore against a real redis-server on a free loopback port."""

from __future__ import annotations

import socket
import subprocess
import time
from typing import Iterator

import pytest

import procore
from conftest import CLIENT_ID, CLIENT_SECRET, Sim, client_kwargs


@pytest.fixture()
def redis_url() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.02)
    yield f"redis://127.0.0.1:{port}"
    proc.kill()
    proc.wait()


def test_a_client_rotates_through_redis(sim: Sim, redis_url: str) -> None:
    prefix = procore.RedisTokenStore.key_prefix("local", CLIENT_ID, "user-1")
    store = procore.RedisTokenStore(redis_url, prefix)
    assert "127.0.0.1" not in repr(store)
    assert store.load() is None
    store.save(sim.expired_tokens())
    client = procore.Client(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, token_store=store, **client_kwargs(sim))
    assert client.get("me").status == 200
    saved = store.load()
    assert saved is not None and saved["version"] == 1
    assert sim.counters()["token_calls"]["refresh_token"] == 1
    # A second client on the same prefix adopts the rotated set: no second refresh.
    other = procore.Client(client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                           token_store=procore.RedisTokenStore(redis_url, prefix), **client_kwargs(sim))
    assert other.get("me").status == 200
    assert sim.counters()["token_calls"]["refresh_token"] == 1


def test_a_bad_redis_url_is_a_config_error() -> None:
    with pytest.raises(procore.ConfigError) as e:
        procore.RedisTokenStore("http://user:hunter2@host", "p")
    assert "hunter2" not in str(e.value)


def _budget_keys(redis_url: str) -> list[str]:
    port = redis_url.rsplit(":", 1)[1]
    out = subprocess.run(["redis-cli", "-p", port, "--scan", "--pattern", "procore:budget:*"],
                         capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_the_rate_budget_is_shared_in_redis(sim: Sim, redis_url: str) -> None:
    assert _budget_keys(redis_url) == []
    with procore.Client("sim-dev-token", rate_budget=redis_url, **client_kwargs(sim)) as c:
        assert c.get("me").status == 200
    assert any(k.endswith(":state") for k in _budget_keys(redis_url))
    with pytest.raises(procore.ConfigError) as e:
        procore.Client("sim-dev-token", rate_budget="http://user:hunter2@host", **client_kwargs(sim))
    assert "hunter2" not in str(e.value)


def test_a_webhook_dedupe_in_redis_is_shared_by_receivers(redis_url: str) -> None:
    a = procore.WebhookReceiver({"X-Key": "k"}, redis_url=redis_url, redis_prefix="py:hooks:", ttl=60)
    b = procore.WebhookReceiver({"X-Key": "k"}, redis_url=redis_url, redis_prefix="py:hooks:", ttl=60)
    body = b'{"id": 1, "ulid": "01PYREDIS", "event_type": "update", "resource_name": "RFIs"}'
    assert a.receive({"X-Key": "k"}, body)["verdict"] == "accepted"
    assert b.receive({"X-Key": "k"}, body)["verdict"] == "duplicate"
    port = redis_url.rsplit(":", 1)[1]
    ttl = subprocess.run(["redis-cli", "-p", port, "TTL", "py:hooks:01PYREDIS"], capture_output=True, text=True)
    assert 0 < int(ttl.stdout.strip()) <= 60
