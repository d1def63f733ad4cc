"""Scan history: an embedded SQLite store of every scan, its snapshot metadata and its findings.

Where it lives, first match wins: ``--store PATH``, the ``CLOUDWARDEN_STORE`` environment
variable, then ``history.sqlite3`` in the user's data folder (platformdirs).
"""

from __future__ import annotations

import os
from pathlib import Path

from cloudwarden.engine.store.db import (
    ScanMeta,
    ScanRow,
    Store,
    StoreError,
    StoreMissingError,
    UnknownScanError,
)
from platformdirs import user_data_dir

ENV_VAR = "CLOUDWARDEN_STORE"
FILE_NAME = "history.sqlite3"

__all__ = ["ENV_VAR", "ScanMeta", "ScanRow", "Store", "StoreError", "StoreMissingError", "UnknownScanError",
           "default_store_path", "store_path"]


def default_store_path() -> Path:
    """``<user data dir>/cloudwarden/history.sqlite3`` (e.g. ``~/.local/share/cloudwarden`` on Linux)."""
    return Path(user_data_dir("cloudwarden", appauthor=False)) / FILE_NAME


def store_path(explicit: str | None) -> tuple[Path, bool]:
    """The store to use and whether it is the default one.

    Only the default location has its folder created on demand: an explicit path
    with a missing folder is more likely a typo than a wish.
    """
    if explicit:
        return Path(explicit).expanduser(), False
    from_env = os.environ.get(ENV_VAR, "").strip()
    if from_env:
        return Path(from_env).expanduser(), False
    return default_store_path(), True


def open_store(explicit: str | None, create: bool = True) -> Store:
    """Open the store chosen by ``store_path`` (see ``Store.open``)."""
    path, default = store_path(explicit)
    if default and create:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the history folder {path.parent}: {exc.strerror or exc}") from None
    return Store.open(path, create=create)
