"""The scheduled bot against the GCP fake, signed in with a service-account key: two nights of scan, diff,
tickets sync and remediate --apply."""

from __future__ import annotations

import copy
import json
from pathlib import Path

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
from tests.fakes.network import loopback_guard
from tests.providers.gcp.fake_gcp import (
    IMPERSONATED_TOKEN,
    SERVICE_ACCOUNT_TOKEN,
    FakeGcp,
)

KEY = "//cloudkms.googleapis.com/projects/acme-prod/locations/us-central1/keyRings/prod-ring/cryptoKeys/static-key"
SSH_RULE = "//compute.googleapis.com/projects/acme-prod/global/firewalls/allow-ssh-from-anywhere"
PUBLIC = "//storage.googleapis.com/acme-prod-public"
ACL_PUBLIC = "//storage.googleapis.com/acme-prod-acl-public"
LEGACY_ACL = "//storage.googleapis.com/acme-prod-legacy-acl"  # as wrong as ACL_PUBLIC's settings, never selected
WEB_1 = "//compute.googleapis.com/projects/acme-prod/zones/us-central1-a/instances/web-1"
FIXED = [("kms-key-rotation-enabled", KEY), ("firewall-no-world-admin-ports", SSH_RULE),
         ("gcp-storage-public-access-prevention", PUBLIC), ("storage-not-public-by-policy", PUBLIC),
         ("gcp-storage-public-access-prevention", ACL_PUBLIC), ("gcp-storage-uniform-access", ACL_PUBLIC),
         ("storage-not-public-by-acl", ACL_PUBLIC)]
# Disabling the SSH rule also ends the internet's way in to web-1, and the paths through it.
ALSO_RESOLVED = [("instance-public-ip-behind-world-open-firewall", WEB_1), ("exposed-workload-can-write-data", WEB_1)]
NO_ACTION = "storage-versioning-enabled"  # no GCP action: left for its ticket


def _asset(fake: FakeGcp, name: str) -> dict:
    return next(a for a in fake.state.assets if a["name"] == name)


def test_two_nights_fix_what_is_safe_ticket_the_rest_and_converge(gcp_fake: FakeGcp, gcp_key_file: Path,
                                                                  nightly: NightlyBot) -> None:
    untouched = copy.deepcopy(_asset(gcp_fake, LEGACY_ACL))
    sign_in = ["--key-file", str(gcp_key_file), "--endpoint", gcp_fake.endpoint]
    nightly.scan_args = ["gcp", *sign_in, "--project", "acme-prod"]
    nightly.remediate_args = ["gcp", *sign_in]
    for policy in sorted({p for p, _ in FIXED} | {NO_ACTION}):
        nightly.remediate_args += ["--policy", policy]
    for resource in (KEY, SSH_RULE, PUBLIC, ACL_PUBLIC):
        nightly.remediate_args += ["--resource", resource]

    with loopback_guard() as resolved_hosts:
        first = nightly.night()
        check_first_night(first)
        fixed = {fingerprint(p, r) for p, r in FIXED}
        assert {f["finding"] for f in first.fixes("applied")} == fixed

        second = nightly.night()
        check_second_night(nightly, first, second, resolved=fixed | {fingerprint(p, r) for p, r in ALSO_RESOLVED})
        check_rerun_is_a_no_op(nightly, second)
    assert set(resolved_hosts) <= {"127.0.0.1"}
    check_left_for_ticket(nightly, first, second, fingerprint(NO_ACTION, PUBLIC))
    assert fingerprint("gcp-storage-uniform-access", LEGACY_ACL) in second.findings
    assert _asset(gcp_fake, LEGACY_ACL) == untouched
    rule = _asset(gcp_fake, SSH_RULE)["resource"]["data"]
    assert rule["disabled"] is True and rule["sourceRanges"] == ["0.0.0.0/0"], "disabled, neither deleted nor edited"
    kept = {m for b in _asset(gcp_fake, PUBLIC)["iamPolicy"]["bindings"] for m in b["members"]}
    assert kept == {"projectEditor:acme-prod", "projectOwner:acme-prod", "projectViewer:acme-prod"}
    check_audit_log(nightly, actor=json.loads(gcp_key_file.read_text())["client_email"])
    private_key = json.loads(gcp_key_file.read_text())["private_key"].splitlines()[1]
    check_no_secret(nightly, private_key, SERVICE_ACCOUNT_TOKEN, IMPERSONATED_TOKEN)
