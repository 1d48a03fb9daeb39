"""Helpers the native module uses to call custom token stores (see ``stores.rs``)."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Optional


def _resolve(result: Any, loop: Optional[asyncio.AbstractEventLoop]) -> Any:
    """Returns ``result``, awaiting it first when a store method was ``async``.

    Runs in a worker thread of the SDK (never on an event loop's thread): on ``loop`` (the
    calling ``AsyncClient``'s) when it runs, else on a private loop with ``asyncio.run``.
    """
    if not inspect.isawaitable(result):
        return result

    async def _await() -> Any:
        return await result

    if loop is not None and loop.is_running() and not loop.is_closed():
        return asyncio.run_coroutine_threadsafe(_await(), loop).result()
    return asyncio.run(_await())
