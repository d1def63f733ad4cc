"""Azure privilege-escalation techniques, as data.

Each technique names its family (which checker enumerates its targets, see
``checkers.py``) and the operations that enable it: ``options`` is a list of
alternatives, each a set of operations that must ALL be allowed. Compute
takeovers list their options per resource type, because the same idea (run my
code on it) is a different operation on a VM, a scale set or an automation account.

Families and what they lead to:

- ``self-grant``: the principal can write role assignments at a scope, so it can
  make itself Owner there: ``to: admin`` at a subscription or above; below that,
  the identities that compute inside the scope runs as;
- ``role-definition``: it can rewrite a custom role it already holds (to ``*``);
  the result is that of a self-grant at the scope where it holds the role;
- ``compute``: it can run code on existing compute, which then acts with the
  managed identity the compute ``runs_as``: the target is that identity;
- ``identity-attach``: it can attach a user-assigned identity to a VM it controls;
- ``federated-credential``: it can add a federated credential to a user-assigned
  identity and sign in as it;
- ``vault``: it can rewrite a Key Vault's access policies (access-policy mode) and
  read every secret: the target is the vault.

References name public write-ups only: Microsoft's Azure RBAC and Key Vault
documentation, NetSPI and SpecterOps (BloodHound AzureHound edges) research.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudwarden.graph.azure_rbac.permissions import (
    ROLE_ASSIGNMENT_WRITE,
    ROLE_DEFINITION_WRITE,
)

Options = tuple[tuple[str, ...], ...]
VM = "microsoft.compute/virtualmachines"
VMSS = "microsoft.compute/virtualmachinescalesets"
AUTOMATION = "microsoft.automation/automationaccounts"
WEB = "microsoft.web/sites"
LOGIC = "microsoft.logic/workflows"
CONTAINERS = "microsoft.containerinstance/containergroups"

ASSIGN_IDENTITY = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"
FEDERATED_CREDENTIAL = "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write"
VM_WRITE = "Microsoft.Compute/virtualMachines/write"
VM_RUN_COMMAND: Options = (("Microsoft.Compute/virtualMachines/runCommand/action",),
                           ("Microsoft.Compute/virtualMachines/runCommands/write",))
VM_EXTENSIONS: Options = (("Microsoft.Compute/virtualMachines/extensions/write",),)


@dataclass(frozen=True)
class Technique:
    """One escalation technique: a family, its enabling operations, and what it is."""

    id: str
    title: str
    description: str
    family: str
    options: Options = ()
    by_type: tuple[tuple[str, Options], ...] = ()  # compute: resource type -> options

    def options_for(self, resource_type: str) -> Options:
        """The enabling alternatives on a resource of this type (compute family), or the general ones."""
        for kind, options in self.by_type:
            if kind == resource_type:
                return options
        return () if self.by_type else self.options

    @property
    def actions(self) -> list[str]:
        """Every operation the technique may use (for listings)."""
        found = [a for option in self.options for a in option]
        found += [a for _, options in self.by_type for option in options for a in option]
        return list(dict.fromkeys(found))


TECHNIQUES: tuple[Technique, ...] = (
    Technique(
        "azure-role-assignment-write", "Assign itself Owner",
        "Microsoft.Authorization/roleAssignments/write at a scope (User Access Administrator, Role Based Access "
        "Control Administrator, a custom role) lets the principal assign itself Owner there.",
        "self-grant", options=((ROLE_ASSIGNMENT_WRITE,),)),
    Technique(
        "azure-role-definition-write", "Rewrite a custom role it holds",
        "Microsoft.Authorization/roleDefinitions/write on a custom role already assigned to the principal lets it "
        "add '*' to the role's actions, and so hold every permission where the role is assigned.",
        "role-definition", options=((ROLE_DEFINITION_WRITE,),)),
    Technique(
        "azure-vm-run-command", "Run a command on a VM with a managed identity",
        "Run Command executes a script as SYSTEM/root on the VM; the script fetches a token for the VM's managed "
        "identity from the instance metadata service.",
        "compute", by_type=(
            (VM, VM_RUN_COMMAND),
            (VMSS, (("Microsoft.Compute/virtualMachineScaleSets/virtualMachines/runCommand/action",),
                    ("Microsoft.Compute/virtualMachineScaleSets/virtualMachines/runCommands/write",))))),
    Technique(
        "azure-vm-extension-write", "Install a VM extension on a VM with a managed identity",
        "A Custom Script extension runs the principal's script on the VM, which can take the managed identity's token.",
        "compute", by_type=(
            (VM, VM_EXTENSIONS),
            (VMSS, (("Microsoft.Compute/virtualMachineScaleSets/extensions/write",),)))),
    Technique(
        "azure-automation-runbook", "Run a runbook in an automation account with a managed identity",
        "Writing a runbook and starting a job runs the principal's code as the automation account's identity.",
        "compute", by_type=((AUTOMATION, (
            ("Microsoft.Automation/automationAccounts/runbooks/write", "Microsoft.Automation/automationAccounts/jobs/write"),
            ("Microsoft.Automation/automationAccounts/runbooks/draft/write",
             "Microsoft.Automation/automationAccounts/jobs/write"))),)),
    Technique(
        "azure-web-app-code", "Deploy code to a web or function app with a managed identity",
        "Changing a web or function app's configuration or deploying to it (or reading its publishing credentials) "
        "runs the principal's code as the app's identity.",
        "compute", by_type=((WEB, (
            ("Microsoft.Web/sites/config/write",), ("Microsoft.Web/sites/write",),
            ("Microsoft.Web/sites/publish/Action",), ("Microsoft.Web/sites/publishxml/Action",))),)),
    Technique(
        "azure-logic-app-write", "Rewrite a logic app with a managed identity",
        "A logic app's workflow can call any API with its managed identity; rewriting it makes it do so for the principal.",
        "compute", by_type=((LOGIC, (("Microsoft.Logic/workflows/write",),)),)),
    Technique(
        "azure-container-exec", "Execute in a container group with a managed identity",
        "exec into (or redeploy) a container instance and take the token of its managed identity.",
        "compute", by_type=((CONTAINERS, (
            ("Microsoft.ContainerInstance/containerGroups/containers/exec/action",),
            ("Microsoft.ContainerInstance/containerGroups/write",))),)),
    Technique(
        "azure-vm-attach-identity", "Attach a user-assigned identity to a VM it controls",
        "Microsoft.Compute/virtualMachines/write plus userAssignedIdentities/assign/action attach the identity to a VM "
        "on which the principal runs code (or that it creates), then it takes the identity's token there.",
        "identity-attach", options=((ASSIGN_IDENTITY, VM_WRITE),)),
    Technique(
        "azure-federated-credential-write", "Add a federated credential to a user-assigned identity",
        "A federated identity credential trusting an issuer the principal controls lets it sign in as the identity.",
        "federated-credential", options=((FEDERATED_CREDENTIAL,),)),
    Technique(
        "azure-keyvault-access-policy-write", "Grant itself a Key Vault access policy",
        "In access-policy mode, whoever can write the vault's access policies can grant itself get on every secret "
        "and key (vaults/accessPolicies/write, or vaults/write which carries the policies).",
        "vault", options=(("Microsoft.KeyVault/vaults/accessPolicies/write",), ("Microsoft.KeyVault/vaults/write",))),
)

BY_ID = {t.id: t for t in TECHNIQUES}
