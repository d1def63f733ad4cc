"""The demo estate shipped with cloudwarden (``scan --demo``).

It is a real snapshot produced by the project's own AWS collector from a moto
estate with planted misconfigurations (``tests/estates/build_demo.py``); a test
rebuilds it and checks the shipped file is still in sync.
"""

from __future__ import annotations

from pathlib import Path

from cloudwarden.graph.snapshot import Snapshot, load_snapshot

DEMO_PATH = Path(__file__).resolve().parent / "data" / "demo-estate.json.gz"


def load_demo() -> Snapshot:
    """The demo snapshot."""
    return load_snapshot(DEMO_PATH)
