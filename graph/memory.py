"""Keeping Python's cyclic garbage collector out of the way of large graphs."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large graph is built or read.

    Analyzers and evaluation allocate millions of small, long-lived objects and
    no cycles worth collecting; each full collection would rescan the whole
    graph, which profiles then blame on whatever line happened to allocate.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()

