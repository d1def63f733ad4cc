"""GCP privilege-escalation techniques, as data.

A technique is a set of permissions that must all be held, each where the
API checks it, pointed at a target worth having. The checkers
(``graph/gcp_escalation/checkers.py``, one per ``target``) find the targets
and ask ``GcpAuthorization``; nothing here matches permissions itself.

Targets:

- ``scope-policy``: an organization, folder or project whose IAM policy the
  principal can rewrite (``setIamPolicy`` there): it grants itself Owner,
  so the edge goes to that scope with ``to: admin``;
- ``custom-role``: a custom role bound to the principal on an organization,
  folder or project, which it can edit (``iam.roles.update`` where the role is
  defined): it adds ``setIamPolicy`` to it, ``to: admin`` of the binding's scope;
- ``sa-policy``: a service account whose IAM policy it can rewrite: it grants
  itself Token Creator on it;
- ``new-workload``: a service account it can attach (``actAs``) to a workload
  it can create in a project (``needs`` checked on the project): the workload
  runs its code with the account's credentials;
- ``existing-workload``: an existing workload of ``kinds`` that runs as a
  service account and that it can change (``needs`` checked on the workload)
  while allowed to act as its account (``actAs``);
- ``project-metadata``: the project-wide metadata of a project whose instances
  run as service accounts (startup scripts and SSH keys reach every instance);
- ``service-agent``: a Google-managed account a service uses on its own
  (``agent`` is its email; ``{number}`` the project number): no ``actAs``.

``iam.serviceAccounts.getAccessToken`` / ``signBlob`` / ``signJwt`` and key
creation are impersonation: they are ``can_assume`` edges, which chains follow.
References name public write-ups only.
"""

from __future__ import annotations

from dataclasses import dataclass

RHINO = "Rhino Security Labs: Privilege Escalation in Google Cloud Platform (parts 1 and 2)"
GCP_IAM = "Google Cloud: Service account impersonation and the Service Account User role"
ACT_AS = "iam.serviceAccounts.actAs"


@dataclass(frozen=True)
class Technique:
    """Every ``needs`` permission held (plus ``actAs`` on the account when ``act_as``), on a useful target."""

    id: str
    title: str
    description: str
    target: str
    needs: tuple[str, ...]
    act_as: bool = True
    kinds: tuple[str, ...] = ()
    scope_kind: str = ""  # organizations | folders | projects (scope-policy)
    agent: str = ""
    references: tuple[str, ...] = (RHINO,)

    @property
    def actions(self) -> list[str]:
        """The required permissions, ``actAs`` first when needed."""
        return ([ACT_AS] if self.act_as else []) + list(self.needs)


def _scope(level: str, title: str) -> Technique:
    return Technique(f"gcp-set-{level[:-1]}-iam-policy", f"Grant itself Owner on the {title}",
                     f"Rewrite the IAM policy of the {title} (resourcemanager.{level}.setIamPolicy) to bind itself"
                     f" roles/owner there.", "scope-policy", (f"resourcemanager.{level}.setIamPolicy",),
                     act_as=False, scope_kind=level)


def _create(tid: str, what: str, permission: str, *extra: str) -> Technique:
    return Technique(tid, f"Create a {what} that runs as a service account",
                     f"Create a {what} ({permission}) attached to a service account it may act as"
                     f" (iam.serviceAccounts.actAs); its code runs with the account's credentials.",
                     "new-workload", (permission, *extra), references=(RHINO, GCP_IAM))


TECHNIQUES: tuple[Technique, ...] = (
    _scope("organizations", "organization"),
    _scope("folders", "folder"),
    _scope("projects", "project"),
    Technique("gcp-update-custom-role", "Add permissions to a custom role it holds",
              "Edit a custom role bound to itself (iam.roles.update where the role is defined) to add"
              " setIamPolicy, then grant itself Owner on the binding's scope.",
              "custom-role", ("iam.roles.update",), act_as=False),
    Technique("gcp-sa-set-iam-policy", "Grant itself Token Creator on a service account",
              "Rewrite the service account's IAM policy (iam.serviceAccounts.setIamPolicy) to grant itself"
              " roles/iam.serviceAccountTokenCreator, then mint its tokens.",
              "sa-policy", ("iam.serviceAccounts.setIamPolicy",), act_as=False),
    _create("gcp-compute-instance-create", "VM instance", "compute.instances.create"),
    _create("gcp-cloudfunctions-create", "Cloud Function", "cloudfunctions.functions.create"),
    _create("gcp-run-service-create", "Cloud Run service", "run.services.create"),
    _create("gcp-cloudbuild-build-as-sa", "Cloud Build build", "cloudbuild.builds.create"),
    _create("gcp-vertex-custom-job-create", "Vertex AI custom job", "aiplatform.customJobs.create"),
    _create("gcp-notebooks-instance-create", "Workbench notebook instance", "notebooks.instances.create"),
    Technique("gcp-compute-set-service-account", "Attach a service account to an existing VM",
              "Stop an instance, attach a service account it may act as (compute.instances.setServiceAccount),"
              " start it again: code on the instance gets the account's tokens.",
              "existing-workload", ("compute.instances.setServiceAccount",), kinds=("compute.instance",)),
    Technique("gcp-compute-set-metadata", "Run code on a VM through its metadata",
              "Add an SSH key or a startup script to an instance running as a service account"
              " (compute.instances.setMetadata; the account's actAs is required) and read its tokens.",
              "existing-workload", ("compute.instances.setMetadata",), kinds=("compute.instance",)),
    Technique("gcp-compute-os-admin-login", "Log in as root on a VM through OS Login",
              "Log in with administrator rights (compute.instances.osAdminLogin; the account's actAs is"
              " required) to an instance running as a service account and read its tokens.",
              "existing-workload", ("compute.instances.osAdminLogin",), kinds=("compute.instance",)),
    Technique("gcp-cloudfunctions-update", "Replace the code of a function",
              "Update a Cloud Function (cloudfunctions.functions.update) that runs as a service account it may"
              " act as, with its own code.", "existing-workload", ("cloudfunctions.functions.update",),
              kinds=("compute.function",)),
    Technique("gcp-cloudfunctions-source-set", "Upload new source for a function",
              "Upload new source (cloudfunctions.functions.sourceCodeSet) and redeploy a function running as a"
              " service account it may act as.", "existing-workload",
              ("cloudfunctions.functions.sourceCodeSet", "cloudfunctions.functions.update"), kinds=("compute.function",)),
    Technique("gcp-run-service-update", "Deploy a new revision of a Cloud Run service",
              "Deploy its own container to a Cloud Run service (run.services.update) running as a service account"
              " it may act as.", "existing-workload", ("run.services.update",), kinds=("compute.function",)),
    Technique("gcp-compute-project-metadata", "Run code on every VM through project metadata",
              "Set project-wide metadata (compute.projects.setCommonInstanceMetadata): SSH keys and startup"
              " scripts reach every instance that does not block them, and its service account's tokens.",
              "project-metadata", ("compute.projects.setCommonInstanceMetadata",)),
    Technique("gcp-cloudbuild-default-sa", "Run a build as the Cloud Build service account",
              "Submit a build (cloudbuild.builds.create): without a service account named, it runs as the legacy"
              " Cloud Build service account, whose roles it gains; no actAs is checked.",
              "service-agent", ("cloudbuild.builds.create",), act_as=False,
              agent="{number}@cloudbuild.gserviceaccount.com"),
    Technique("gcp-deployment-manager-create", "Deploy resources as the Google APIs service agent",
              "Create a Deployment Manager deployment (deploymentmanager.deployments.create): it runs as the"
              " Google APIs service agent (Editor on the project by default), with no actAs checked.",
              "service-agent", ("deploymentmanager.deployments.create",), act_as=False,
              agent="{number}@cloudservices.gserviceaccount.com"),
)
