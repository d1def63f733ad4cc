"""The scheduled bot against the Azure fake, signed in as a service principal: two nights of scan, diff,
tickets sync and remediate --apply."""

from __future__ import annotations

import copy

from cloudwarden.engine.findings import fingerprint

from tests.bot.conftest import (
    NightlyBot,
    check_audit_log,
    check_first_night,
    check_left_for_ticket,
    check_no_secret,
    check_rerun_is_a_no_op,
    check_second_night,
)
from tests.providers.azure.conftest import CLIENT_ID, CLIENT_SECRET, PROD, AzureFake, loopback_guard, service_principal

PROVIDERS = f"/subscriptions/{PROD}/resourcegroups/{{}}/providers"
ACCOUNT = f"{PROVIDERS.format('rg-prod-data')}/microsoft.storage/storageaccounts/stprodopen"
VAULT = f"{PROVIDERS.format('rg-prod-data')}/microsoft.keyvault/vaults/kv-prod-open"
WEB_NSG = f"{PROVIDERS.format('rg-prod-app')}/microsoft.network/networksecuritygroups/nsg-web"
APP_NSG = f"{PROVIDERS.format('rg-prod-app')}/microsoft.network/networksecuritygroups/nsg-app-nic"  # never selected
FIXED = [("storage-tls-only", ACCOUNT), ("azure-storage-min-tls-12", ACCOUNT),
         ("azure-storage-blob-public-access-disabled", ACCOUNT), ("azure-keyvault-purge-protection", VAULT),
         ("firewall-no-world-admin-ports", WEB_NSG)]
ALSO_FIXED = ("storage-not-public-by-acl", ACCOUNT)  # the same setting as blob public access: compliant by then
NO_ACTION = "azure-storage-shared-key-disabled"  # turning shared keys off breaks their users: left for its ticket


def test_two_nights_fix_what_is_safe_ticket_the_rest_and_converge(azure_fake: AzureFake, nightly: NightlyBot) -> None:
    server = azure_fake.server
    untouched = copy.deepcopy(server.resource(APP_NSG))
    with service_principal(server) as sign_in, loopback_guard() as resolved_hosts:
        nightly.scan_args = ["azure", *sign_in]
        nightly.remediate_args = ["azure", *sign_in]
        for policy in sorted({p for p, _ in FIXED} | {ALSO_FIXED[0], NO_ACTION}):
            nightly.remediate_args += ["--policy", policy]
        for resource in (ACCOUNT, VAULT, WEB_NSG):
            nightly.remediate_args += ["--resource", resource]

        first = nightly.night()
        check_first_night(first)
        fixed = {fingerprint(p, r) for p, r in FIXED}
        assert {f["finding"] for f in first.fixes("applied")} == fixed
        assert [f["finding"] for f in first.fixes("compliant")] == [fingerprint(*ALSO_FIXED)]

        second = nightly.night()
        check_second_night(nightly, first, second, resolved=fixed | {fingerprint(*ALSO_FIXED)})
        check_rerun_is_a_no_op(nightly, second)
    assert set(resolved_hosts) <= {"127.0.0.1"}
    check_left_for_ticket(nightly, first, second, fingerprint(NO_ACTION, ACCOUNT))
    assert fingerprint("firewall-no-world-admin-ports", APP_NSG) in second.findings
    assert server.resource(APP_NSG) == untouched
    check_audit_log(nightly, actor=server.object_ids[CLIENT_ID])  # the oid of the token it signed in with
    check_no_secret(nightly, CLIENT_SECRET, *server.issued)
