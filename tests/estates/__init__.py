"""Estates built in moto with planted misconfigurations next to clean twins.

Each module ``aws_<area>.py`` has ``plant() -> list[Expect]``: it creates resources
through boto3 (the environment already points at the moto server) and says which
policy must fire on which resource, and which clean twin it must stay silent on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Expect:
    """``policy`` must (fires=True) or must not (fires=False) report the node named ``name`` of ``kind``."""

    policy: str
    kind: str
    name: str
    fires: bool
