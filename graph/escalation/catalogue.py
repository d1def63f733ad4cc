"""AWS privilege-escalation techniques, as data.

A technique is a set of actions that must ALL be allowed, each on a stated
resource, plus the kind of target that makes the result worth having. The
checkers (one module per target family, see ``graph/escalation/__init__.py``)
enumerate useful targets and ask the permission evaluator about every
required action; nothing here matches action strings itself.

Where each required action must be allowed (``Need.on``):

- ``target``: the useful target itself (the user, role, group, policy or
  compute resource the checker enumerates);
- ``role``: the role handed to a service (``iam:PassRole``);
- ``compute``: the existing compute resource the technique works through
  (``Technique.compute`` kinds) when the target is something else (a role);
- ``new``: a resource the attacker creates; the evaluator is asked about the
  wildcard ARN ``creates`` (any name, any region), which an allow scoped to a
  name prefix or a region still matches (the attacker picks both).

Targets (``Technique.target``):

- ``held-user`` / ``held-role``: an identity the principal already holds: itself,
  or (roles) a role it can assume directly; changing its permissions grants admin;
- ``held-group``: a group the principal (a user) is a member of;
- ``held-policy``: a customer-managed policy attached to a held identity or group;
- ``group``: any group the principal (a user) is not yet in and that grants more;
- ``other-user`` / ``other-role``: another identity that grants more than the principal has;
- ``service-role``: a role that ``service`` may assume (its trust) and that grants more;
- ``compute``: an existing resource of ``compute`` kinds that runs as a role that grants more;
- ``assumable-role``: followed through ``can_assume`` edges; no checker of its own.

References name public write-ups only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RHINO = "Rhino Security Labs: AWS IAM Privilege Escalation - Methods and Mitigation"
RHINO_2 = "Rhino Security Labs: AWS IAM Privilege Escalation - Methods and Mitigation, Part 2"
HTC = "Hacking the Cloud: AWS IAM privilege escalation techniques"
PMAPPER = "NCC Group: Principal Mapper (PMapper) edge checkers"
IAM_VULNERABLE = "Bishop Fox: IAM Vulnerable"

ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"

TARGETS: dict[str, str] = {
    "held-user": "the principal itself (a user)",
    "held-role": "the principal itself (a role) or a role it can assume directly",
    "held-group": "a group the principal (a user) is a member of",
    "held-policy": "a customer-managed policy attached to the principal, its groups or a role it can assume",
    "group": "a group the principal (a user) is not in and whose policies grant more",
    "other-user": "another user who holds more privilege than the principal",
    "other-role": "another role that holds more privilege than the principal",
    "service-role": "a role the technique's service may assume that holds more privilege than the principal",
    "compute": "an existing compute resource that runs as a role holding more privilege than the principal",
    "assumable-role": "a role the principal can assume (can_assume edges)",
}


@dataclass(frozen=True)
class Need:
    """One required action and the resource it must be allowed on."""

    action: str
    on: str = "target"  # target | role | compute | new
    creates: str = ""  # for on="new": the ARN pattern of the created resource, "{partition}", "{region}", "{account}"
    context: tuple[tuple[str, str], ...] = ()  # request context keys the evaluator may test (e.g. iam:PolicyARN)


@dataclass(frozen=True)
class Technique:
    """One escalation technique: every ``needs`` action allowed, pointed at a useful ``target``."""

    id: str
    title: str
    description: str
    target: str
    needs: tuple[Need, ...]
    service: str | None = None  # the service principal a PassRole technique hands the role to
    compute: tuple[str, ...] = ()  # node kinds of the existing resource (compute targets, or an existing function)
    references: tuple[str, ...] = field(default=(RHINO,))

    @property
    def actions(self) -> list[str]:
        """The required actions, in catalogue order."""
        return [need.action for need in self.needs]


def _arn(service: str, resource: str) -> str:
    """The ARN pattern of a regional resource of the principal's account (filled in by the checkers)."""
    return f"arn:{{partition}}:{service}:{{region}}:{{account}}:{resource}"


def _new(action: str, creates: str) -> Need:
    return Need(action, on="new", creates=creates)


_PASS = Need("iam:PassRole", on="role")
_ATTACH_ADMIN = (("iam:PolicyARN", ADMIN_POLICY),)


def _passrole(tid: str, title: str, description: str, service: str, *needs: Need,
              refs: tuple[str, ...] = (RHINO,)) -> Technique:
    return Technique(tid, title, description, "service-role", (_PASS, *needs), service=service, references=refs)


TECHNIQUES: tuple[Technique, ...] = (
    # --- modify the permissions of an identity the principal already holds -------------
    Technique("iam-create-policy-version", "Create a new default version of an attached policy",
              "Write a new version of a customer-managed policy attached to an identity it holds and make it the"
              " default (--set-as-default needs no other permission), granting itself anything.",
              "held-policy", (Need("iam:CreatePolicyVersion"),), references=(RHINO, PMAPPER)),
    Technique("iam-set-default-policy-version", "Switch an attached policy to a more permissive old version",
              "Make a non-default version of a policy attached to an identity it holds the default; applies only"
              " when such a version grants every action.",
              "held-policy", (Need("iam:SetDefaultPolicyVersion"),), references=(RHINO,)),
    Technique("iam-attach-user-policy", "Attach an administrator policy to itself",
              "Attach AdministratorAccess (or any managed policy) to its own user.",
              "held-user", (Need("iam:AttachUserPolicy", context=_ATTACH_ADMIN),), references=(RHINO, PMAPPER)),
    Technique("iam-attach-group-policy", "Attach an administrator policy to its own group",
              "Attach AdministratorAccess to a group it is a member of.",
              "held-group", (Need("iam:AttachGroupPolicy", context=_ATTACH_ADMIN),), references=(RHINO, PMAPPER)),
    Technique("iam-attach-role-policy", "Attach an administrator policy to a role it holds",
              "Attach AdministratorAccess to its own role, or to a role it can assume.",
              "held-role", (Need("iam:AttachRolePolicy", context=_ATTACH_ADMIN),), references=(RHINO, PMAPPER)),
    Technique("iam-put-user-policy", "Write an inline policy on itself",
              "Put an inline policy granting everything on its own user.",
              "held-user", (Need("iam:PutUserPolicy"),), references=(RHINO, PMAPPER)),
    Technique("iam-put-group-policy", "Write an inline policy on its own group",
              "Put an inline policy granting everything on a group it is a member of.",
              "held-group", (Need("iam:PutGroupPolicy"),), references=(RHINO, PMAPPER)),
    Technique("iam-put-role-policy", "Write an inline policy on a role it holds",
              "Put an inline policy granting everything on its own role, or on a role it can assume.",
              "held-role", (Need("iam:PutRolePolicy"),), references=(RHINO, PMAPPER)),
    Technique("iam-add-user-to-group", "Add itself to a more privileged group",
              "Add its own user to a group whose policies grant more than it has.",
              "group", (Need("iam:AddUserToGroup"),), references=(RHINO,)),
    # --- take over another identity ----------------------------------------------------------
    Technique("iam-create-access-key", "Create an access key for a more privileged user",
              "Create an access key for another user and act as that user.",
              "other-user", (Need("iam:CreateAccessKey"),), references=(RHINO, PMAPPER)),
    Technique("iam-create-login-profile", "Set a console password for a more privileged user",
              "Create a console password for another user who has none (and no MFA device) and sign in as them.",
              "other-user", (Need("iam:CreateLoginProfile"),), references=(RHINO, PMAPPER)),
    Technique("iam-update-login-profile", "Reset the console password of a more privileged user",
              "Change the console password of another user who has one (and no MFA device) and sign in as them.",
              "other-user", (Need("iam:UpdateLoginProfile"),), references=(RHINO, PMAPPER)),
    Technique("iam-update-assume-role-policy", "Rewrite the trust policy of a more privileged role",
              "Rewrite a role's trust policy to trust itself, then assume the role (a same-account trust policy"
              " naming the principal grants the assumption on its own).",
              "other-role", (Need("iam:UpdateAssumeRolePolicy"),), references=(RHINO, PMAPPER)),
    # --- hand a privileged role to a service and run code as it ------------------------------
    _passrole("passrole-ec2-run-instances", "Launch an instance with a privileged instance profile",
              "Pass a role to EC2 through an instance profile and read its credentials from the new instance"
              " (the role needs an instance profile, or the principal must be able to create one).",
              "ec2.amazonaws.com", _new("ec2:RunInstances", _arn("ec2", "instance/*")),
              refs=(RHINO, PMAPPER)),
    _passrole("passrole-lambda-create-function", "Create and invoke a function with a privileged role",
              "Create a Lambda function that runs as the passed role and invoke it.",
              "lambda.amazonaws.com",
              _new("lambda:CreateFunction", _arn("lambda", "function:*")),
              _new("lambda:InvokeFunction", _arn("lambda", "function:*")),
              refs=(RHINO, PMAPPER)),
    _passrole("passrole-lambda-event-source", "Create a function with a privileged role triggered by an event source",
              "Create a Lambda function that runs as the passed role and attach an event source (a stream or"
              " queue) that invokes it without lambda:InvokeFunction.",
              "lambda.amazonaws.com",
              _new("lambda:CreateFunction", _arn("lambda", "function:*")),
              _new("lambda:CreateEventSourceMapping", _arn("lambda", "event-source-mapping:*")),
              refs=(RHINO,)),
    Technique("passrole-lambda-update-config", "Swap an existing function onto a privileged role",
              "Change the role and code of an existing Lambda function, then invoke it.",
              "service-role",
              (_PASS, Need("lambda:UpdateFunctionConfiguration", on="compute"),
               Need("lambda:UpdateFunctionCode", on="compute"), Need("lambda:InvokeFunction", on="compute")),
              service="lambda.amazonaws.com", compute=("compute.function",), references=(RHINO_2, HTC)),
    _passrole("passrole-glue-dev-endpoint", "Create a Glue development endpoint with a privileged role",
              "Create a Glue dev endpoint running as the passed role and log in to it over SSH.",
              "glue.amazonaws.com", _new("glue:CreateDevEndpoint", _arn("glue", "devEndpoint/*"))),
    _passrole("passrole-cloudformation-create-stack", "Create a CloudFormation stack with a privileged role",
              "Create a stack whose service role is the passed role; its template creates whatever it wants.",
              "cloudformation.amazonaws.com",
              _new("cloudformation:CreateStack", _arn("cloudformation", "stack/*"))),
    _passrole("passrole-codebuild-create-project", "Create and start a CodeBuild project with a privileged role",
              "Create a CodeBuild project whose service role is the passed role and run a build of it.",
              "codebuild.amazonaws.com",
              _new("codebuild:CreateProject", _arn("codebuild", "project/*")),
              _new("codebuild:StartBuild", _arn("codebuild", "project/*"))),
    _passrole("passrole-datapipeline", "Create and activate a Data Pipeline with a privileged role",
              "Define a pipeline that runs commands with the passed role and activate it.",
              "datapipeline.amazonaws.com",
              _new("datapipeline:CreatePipeline", "*"), _new("datapipeline:PutPipelineDefinition", "*"),
              _new("datapipeline:ActivatePipeline", "*")),
    _passrole("passrole-sagemaker-notebook", "Create a SageMaker notebook with a privileged role and open it",
              "Create a notebook instance running as the passed role and open its Jupyter through a presigned URL.",
              "sagemaker.amazonaws.com",
              _new("sagemaker:CreateNotebookInstance", _arn("sagemaker", "notebook-instance/*")),
              _new("sagemaker:CreatePresignedNotebookInstanceUrl",
                   _arn("sagemaker", "notebook-instance/*")),
              refs=(RHINO_2, HTC)),
    _passrole("passrole-sagemaker-training-job", "Run a SageMaker training job with a privileged role",
              "Start a training job whose container (any image) runs as the passed role.",
              "sagemaker.amazonaws.com",
              _new("sagemaker:CreateTrainingJob", _arn("sagemaker", "training-job/*")),
              refs=(HTC,)),
    _passrole("passrole-sagemaker-processing-job", "Run a SageMaker processing job with a privileged role",
              "Start a processing job whose container (any image) runs as the passed role.",
              "sagemaker.amazonaws.com",
              _new("sagemaker:CreateProcessingJob", _arn("sagemaker", "processing-job/*")),
              refs=(HTC,)),
    _passrole("passrole-ecs-task", "Run an ECS task with a privileged task role",
              "Register a task definition whose task role is the passed role and run it.",
              "ecs-tasks.amazonaws.com",
              _new("ecs:RegisterTaskDefinition", "*"),
              _new("ecs:RunTask", _arn("ecs", "task-definition/*")),
              refs=(HTC, PMAPPER)),
    # --- run code on existing compute that holds a privileged role ---------------------------
    Technique("lambda-update-function-code", "Replace the code of a function that runs as a privileged role",
              "Upload new code to an existing function and invoke it.",
              "compute", (Need("lambda:UpdateFunctionCode"), Need("lambda:InvokeFunction")),
              compute=("compute.function",), references=(RHINO, PMAPPER)),
    Technique("ssm-send-command", "Run a command on an instance with a privileged instance profile",
              "Send an SSM Run Command to an existing instance and read its role's credentials.",
              "compute", (Need("ssm:SendCommand"),), compute=("compute.instance",), references=(HTC, PMAPPER)),
    Technique("ssm-start-session", "Open a shell on an instance with a privileged instance profile",
              "Start a Session Manager session on an existing instance and use its role's credentials.",
              "compute", (Need("ssm:StartSession"),), compute=("compute.instance",), references=(HTC,)),
    Technique("ec2-modify-instance-user-data", "Replace the user data of an instance with a privileged role",
              "Stop an existing instance, replace its user data with a script and start it again.",
              "compute", (Need("ec2:StopInstances"), Need("ec2:ModifyInstanceAttribute"), Need("ec2:StartInstances")),
              compute=("compute.instance",), references=(HTC,)),
    Technique("sagemaker-notebook-lifecycle-config", "Plant a lifecycle script on a notebook with a privileged role",
              "Create a lifecycle configuration, attach it to an existing notebook instance and restart it so"
              " the script runs as the notebook's role.",
              "compute",
              (_new("sagemaker:CreateNotebookInstanceLifecycleConfig",
                    _arn("sagemaker", "notebook-instance-lifecycle-config/*")),
               Need("sagemaker:StopNotebookInstance"), Need("sagemaker:UpdateNotebookInstance"),
               Need("sagemaker:StartNotebookInstance")),
              compute=("ai.notebook",), references=(HTC,)),
    Technique("sagemaker-notebook-presigned-url", "Open Jupyter on a notebook with a privileged role",
              "Create a presigned URL for an existing notebook instance and run code in it as its role.",
              "compute", (Need("sagemaker:CreatePresignedNotebookInstanceUrl"),), compute=("ai.notebook",),
              references=(RHINO_2, HTC)),
    # --- already an edge ------------------------------------------------------------------------
    Technique("sts-assume-role", "Assume a more privileged role",
              "Assume a role whose trust policy and the principal's own permissions allow it; followed through"
              " can_assume edges rather than checked here.",
              "assumable-role", (Need("sts:AssumeRole"),), references=(PMAPPER,)),
)

BY_ID: dict[str, Technique] = {t.id: t for t in TECHNIQUES}


def technique(technique_id: str) -> Technique:
    """The technique with this id (KeyError names the unknown id)."""
    try:
        return BY_ID[technique_id]
    except KeyError:
        raise KeyError(f"unknown escalation technique {technique_id!r}") from None
