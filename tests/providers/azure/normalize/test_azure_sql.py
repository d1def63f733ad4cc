"""Azure SQL servers: firewall rules, TDE and protector from child records."""

from __future__ import annotations

from tests.providers.azure.normalize.conftest import View, arm_id, build, load_rows

OPEN = arm_id("rg-data", "microsoft.sql", "servers", "sql-open")
CLEAN = arm_id("rg-data", "microsoft.sql", "servers", "sql-clean")


def test_world_firewall_rule_makes_the_server_public(planted: View) -> None:
    props = planted.node(OPEN).props
    assert (props["firewall_world_open"], props["public"]) == (True, True)
    assert {"name": "AllowAll", "start": "0.0.0.0", "end": "255.255.255.255"} in props["firewall_rules"]


def test_allow_azure_services_rule_alone_is_not_public(planted: View) -> None:
    props = planted.node(CLEAN).props
    assert (props["allows_azure_services"], props["firewall_world_open"], props["public"]) == (True, False, False)


def test_disabled_public_network_access_is_not_public_whatever_the_rules() -> None:
    rows = load_rows()
    for row in rows:
        if row["id"].lower() == OPEN:
            row["properties"]["publicNetworkAccess"] = "Disabled"
    assert View(build(rows)).node(OPEN).props["public"] is False


def test_tde_off_on_a_user_database_means_not_encrypted_at_rest(planted: View) -> None:
    assert planted.node(OPEN).props["encryption"]["at_rest"] is False
    assert planted.node(CLEAN).props["encryption"]["at_rest"] is True


def test_key_vault_protector_is_customer_managed(planted: View) -> None:
    assert planted.node(CLEAN).props["encryption"]["customer_managed"] is True
    assert planted.node(OPEN).props["encryption"]["customer_managed"] is False


def test_minimal_tls_version_is_the_min_tls_facet(planted: View) -> None:
    assert planted.node(OPEN).props["min_tls"] == "1.0"
    assert planted.node(CLEAN).props["encryption"]["min_tls"] == "1.2"


def test_without_firewall_records_public_is_unknown_and_a_gap_is_recorded() -> None:
    rows = [r for r in load_rows() if "firewallrules" not in r["type"].lower()]
    view = View(build(rows))
    assert view.node(OPEN).props["public"] is None
    assert view.node(OPEN).props["firewall_rules"] is None
    gaps = [g.operation for s in view.snapshot.sources for g in s.errors]
    assert "Microsoft.Sql/servers/firewallRules" in gaps  # beside the families these rows never carried
    assert set(gaps) <= {"Microsoft.Sql/servers/firewallRules", "Microsoft.Sql/servers/auditingSettings"}


def test_collector_that_fetched_firewall_rules_makes_absence_mean_none() -> None:
    rows = [r for r in load_rows() if "firewallrules" not in r["type"].lower()]
    collected = {r["type"].lower() for r in rows} | {"microsoft.sql/servers/firewallrules"}
    view = View(build(rows, collected_types=collected))
    assert view.node(OPEN).props["public"] is False
    assert view.node(OPEN).props["firewall_rules"] == []


def test_a_server_whose_detail_fetch_failed_keeps_its_firewall_unknown() -> None:
    rows = [r for r in load_rows() if not (r["type"].lower() == "microsoft.sql/servers/firewallrules" and "sql-open" in r["id"])]
    view = View(build(rows, failed_parents=[OPEN]))
    assert view.node(OPEN).props["public"] is None
    assert view.node(CLEAN).props["public"] is False
