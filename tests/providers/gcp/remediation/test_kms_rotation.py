"""KMS keys: a 90-day rotation period with the first rotation 90 days out; only the rotation fields change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cloudwarden.providers.remediation import Session

from tests.providers.gcp.remediation.gcp_estate import apply, gcp_finding, key, plan
from tests.providers.gcp.remediation.stateful_gcp import StatefulGcp

RING = "projects/acme-prod/locations/global/keyRings/app"


def test_rotation_is_set_to_ninety_days_from_now(gcp: StatefulGcp, session_for: Callable[[str], Session],
                                                 tmp_path: Path) -> None:
    [fix] = apply([gcp_finding("kms-key-rotation-enabled", key("data"))], session_for, tmp_path / "a.jsonl")
    assert fix.status == "applied"
    stored = gcp.keys[f"{RING}/cryptoKeys/data"]
    assert stored["rotationPeriod"] == "7776000s"
    first = datetime.fromisoformat(stored["nextRotationTime"])
    assert abs(first - (datetime.now(UTC) + timedelta(days=90))) < timedelta(minutes=5)


def test_the_update_names_only_the_rotation_fields(gcp: StatefulGcp, session_for: Callable[[str], Session],
                                                   tmp_path: Path) -> None:
    apply([gcp_finding("kms-key-rotation-enabled", key("data"))], session_for, tmp_path / "a.jsonl")
    [patch] = gcp.seen("PATCH")
    assert patch.query["updateMask"] == ["rotationPeriod,nextRotationTime"]
    assert set(patch.body) == {"rotationPeriod", "nextRotationTime"}
    assert gcp.keys[f"{RING}/cryptoKeys/data"]["purpose"] == "ENCRYPT_DECRYPT"


def test_a_yearly_rotation_is_shortened_to_ninety_days(gcp: StatefulGcp,
                                                       session_for: Callable[[str], Session]) -> None:
    [fix] = plan([gcp_finding("kms-key-rotation-enabled", key("archive"))], session_for)
    assert fix.before["rotation_period"] == "31536000s"
    assert fix.calls[0].params["crypto_key"]["rotationPeriod"] == "7776000s"


def test_a_key_rotating_every_ninety_days_is_compliant(gcp: StatefulGcp,
                                                       session_for: Callable[[str], Session]) -> None:
    [fix] = plan([gcp_finding("kms-key-rotation-enabled", key("quarterly"))], session_for)
    assert (fix.status, fix.calls) == ("compliant", [])


def test_an_asymmetric_key_is_an_error_not_a_change(gcp: StatefulGcp, session_for: Callable[[str], Session]) -> None:
    [fix] = plan([gcp_finding("kms-key-rotation-enabled", key("signing"))], session_for)
    assert fix.status == "error" and "ASYMMETRIC_SIGN" in fix.reason
    assert gcp.seen("PATCH") == []
