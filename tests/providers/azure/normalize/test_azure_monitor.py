"""Diagnostic settings: the activity log trail and the subscription summary."""

from __future__ import annotations

from tests.providers.azure.normalize.conftest import SUB, View, build, load_rows

SETTING = f"/subscriptions/{SUB}/providers/microsoft.insights/diagnosticsettings/activity-to-storage"


def test_subscription_diagnostic_setting_is_a_logging_trail(planted: View) -> None:
    trail = planted.node(SETTING)
    assert trail.kind == "logging.trail"
    assert trail.props["logging"]["enabled"] is True
    assert trail.props["categories"] == ["Administrative", "Security"]
    assert planted.edges("contains", f"/subscriptions/{SUB}", SETTING)


def test_subscription_lists_the_recommended_categories_no_setting_exports(planted: View) -> None:
    activity = planted.node(f"/subscriptions/{SUB}").props["activity_log"]
    assert (activity["exported"], activity["categories_missing"]) == (True, ["Alert", "Policy"])
    assert planted.node(f"/subscriptions/{SUB}").props["logging"]["enabled"] is True


def test_without_diagnostic_setting_records_the_summary_stays_unknown() -> None:
    view = View(build([r for r in load_rows() if "diagnosticsettings" not in r["type"].lower()]))
    assert "activity_log" not in view.node(f"/subscriptions/{SUB}").props
    gaps = [g.operation for s in view.snapshot.sources for g in s.errors]
    assert "Microsoft.Insights/diagnosticSettings" in gaps


def test_collected_but_absent_settings_mean_the_activity_log_is_not_exported() -> None:
    rows = [r for r in load_rows() if "diagnosticsettings" not in r["type"].lower()]
    collected = {r["type"].lower() for r in rows} | {"microsoft.insights/diagnosticsettings"}
    props = View(build(rows, collected_types=collected)).node(f"/subscriptions/{SUB}").props
    assert props["activity_log"]["exported"] is False
    assert props["logging"]["enabled"] is False


def test_activity_log_to_a_customer_key_storage_account_is_customer_key_encrypted(planted: View) -> None:
    assert planted.node(SETTING).props["encryption"]["customer_managed"] is True
