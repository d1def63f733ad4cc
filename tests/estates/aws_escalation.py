"""Escalation estate: for every technique a principal that can escalate and a near-miss twin that cannot.

Moto's one account, us-east-1. Shared targets: admin and weak roles trusted by
each service, an admin role nothing local may assume (``esc-remote-admin``),
admin and weak users and groups, an admin and a weak instance, function and
notebook. Each principal holds only its case's statements, so principals do
not help each other; actor roles trust ``states.amazonaws.com`` (no technique uses it).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from functools import partial
from typing import Any

import boto3

REGION = "us-east-1"
ACCOUNT = "123456789012"
AMI = "ami-03cf127a"  # one of moto's built-in images
ACTOR_SERVICE = "states.amazonaws.com"
SERVICES = {"ec2": "ec2.amazonaws.com", "lambda": "lambda.amazonaws.com", "glue": "glue.amazonaws.com",
            "cfn": "cloudformation.amazonaws.com", "codebuild": "codebuild.amazonaws.com",
            "datapipeline": "datapipeline.amazonaws.com", "sagemaker": "sagemaker.amazonaws.com",
            "ecs": "ecs-tasks.amazonaws.com"}
ADMIN_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
WEAK_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets",
                                                    "Resource": "*"}]}


def iam_arn(kind: str, name: str) -> str:
    """``arn:aws:iam::<account>:<kind>/<name>`` (kind: user, role, group, policy)."""
    return f"arn:aws:iam::{ACCOUNT}:{kind}/{name}"


role, user, group, policy = (partial(iam_arn, kind) for kind in ("role", "user", "group", "policy"))


def function(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def notebook(name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/{name}"


def allow(actions: str | list[str], resources: str | list[str] = "*", **condition: Any) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": "Allow", "Action": actions, "Resource": resources}
    if condition:
        stmt["Condition"] = condition
    return stmt


def deny(actions: str | list[str], resources: str | list[str] = "*") -> dict[str, Any]:
    return {"Effect": "Deny", "Action": actions, "Resource": resources}


@dataclass(frozen=True)
class Actor:
    """A user or role holding ``statements`` inline (and optionally in a managed policy, groups, a boundary)."""

    name: str
    statements: list[dict[str, Any]]
    kind: str = "user"  # user | role
    groups: tuple[str, ...] = ()
    group_statements: list[dict[str, Any]] | None = None  # inline statements of its groups
    boundary: list[dict[str, Any]] | None = None  # roles only: moto has no user permissions boundaries
    managed: list[dict[str, Any]] | None = None  # statements of a customer-managed policy attached to it
    managed_v2: dict[str, Any] | None = None  # a non-default second version of that managed policy


@dataclass(frozen=True)
class Case:
    """``principal`` (an Actor's name) must (``escalates``) or must not escalate by ``technique``.

    ``target`` is the node the can_escalate edge points at: a role or user ARN,
    or ``"admin"`` for the principal's account node (it grants itself admin).
    """

    technique: str
    principal: str
    escalates: bool
    target: str | None = None
    why: str = ""
    kind: str = "user"  # of the principal: user | role

    @property
    def arn(self) -> str:
        """The principal's ARN."""
        return role(self.principal) if self.kind == "role" else user(self.principal)


def _cases(instances: dict[str, str]) -> tuple[list[Actor], list[Case]]:
    """Every technique's can and cannot actors (instance ARNs are known only after launch)."""
    admin_i, weak_i = instances["admin"], instances["weak"]
    pr = "iam:PassRole"
    table: list[tuple[str, Actor, str | None, Actor, str]] = [
        ("iam-create-policy-version",
         Actor("esc-cpv-can", [], managed=[allow("iam:CreatePolicyVersion", policy("esc-cpv-can-managed"))]), "admin",
         Actor("esc-cpv-cannot", [allow("iam:CreatePolicyVersion", policy("esc-orphan"))]),
         "may rewrite only a policy attached to nobody"),
        ("iam-set-default-policy-version",
         Actor("esc-sdpv-can", [], managed=[allow("iam:SetDefaultPolicyVersion", policy("esc-sdpv-can-managed"))],
               managed_v2=ADMIN_DOC), "admin",
         Actor("esc-sdpv-cannot", [], managed=[allow("iam:SetDefaultPolicyVersion",
                                                     policy("esc-sdpv-cannot-managed"))], managed_v2=WEAK_DOC),
         "the other version of its policy grants nothing more"),
        ("iam-attach-user-policy",
         Actor("esc-aup-can", [allow("iam:AttachUserPolicy", user("esc-aup-can"))]), "admin",
         Actor("esc-aup-cannot", [allow("iam:AttachUserPolicy", user("esc-weak-user"))]),
         "may attach only to another user it cannot act as"),
        ("iam-attach-group-policy",
         Actor("esc-agp-can", [allow("iam:AttachGroupPolicy", group("esc-agp-can-group"))],
               groups=("esc-agp-can-group",)), "admin",
         Actor("esc-agp-cannot", [allow("iam:AttachGroupPolicy", group("esc-readers"))],
               groups=("esc-agp-cannot-group",)),
         "may attach only to a group it is not in"),
        ("iam-attach-role-policy",
         Actor("esc-arp-can", [allow("iam:AttachRolePolicy", role("esc-arp-can"))], kind="role"), "admin",
         Actor("esc-arp-cannot", [allow("iam:AttachRolePolicy", role("esc-arp-cannot"))], kind="role",
               boundary=[allow(["iam:AttachRolePolicy", "s3:ListAllMyBuckets"])]),
         "its permissions boundary caps whatever it attaches"),
        ("iam-put-user-policy",
         Actor("esc-pup-can", [allow("iam:PutUserPolicy", user("esc-pup-can"))]), "admin",
         Actor("esc-pup-cannot", [allow("iam:PutUserPolicy", user("esc-pup-cannot")), deny("iam:PutUserPolicy")]),
         "an explicit deny overrides the allow"),
        ("iam-put-group-policy",
         Actor("esc-pgp-can", [allow("iam:PutGroupPolicy", group("esc-pgp-can-group"))],
               groups=("esc-pgp-can-group",)), "admin",
         Actor("esc-pgp-cannot", [allow("iam:PutGroupPolicy", group("esc-pgp-cannot-group"))],
               groups=("esc-pgp-cannot-group",), group_statements=[deny("iam:PutGroupPolicy")]),
         "its group's own policy denies iam:PutGroupPolicy"),
        ("iam-put-role-policy",
         Actor("esc-prp-can", [allow(["sts:AssumeRole", "iam:PutRolePolicy"], role("esc-prp-target"))]),
         role("esc-prp-target"),
         Actor("esc-prp-cannot", [allow("iam:PutRolePolicy", role("esc-prp-target"))]),
         "may write on a role it cannot assume"),
        ("iam-add-user-to-group",
         Actor("esc-autg-can", [allow("iam:AddUserToGroup", group("esc-admins"))]), "admin",
         Actor("esc-autg-cannot", [allow("iam:AddUserToGroup", group("esc-readers"))]),
         "may join only a group that grants nothing more"),
        ("iam-create-access-key",
         Actor("esc-cak-can", [allow("iam:CreateAccessKey", user("esc-admin-user"))]), user("esc-admin-user"),
         Actor("esc-cak-cannot", [allow("iam:CreateAccessKey", user("esc-weak-user"))]),
         "may create keys only for a user with less privilege"),
        ("iam-create-login-profile",
         Actor("esc-clp-can", [allow("iam:CreateLoginProfile", user("esc-admin-user"))]), user("esc-admin-user"),
         Actor("esc-clp-cannot", [allow("iam:CreateLoginProfile", user("esc-admin-console-user"))]),
         "the only admin it may target already has a password"),
        ("iam-update-login-profile",
         Actor("esc-ulp-can", [allow("iam:UpdateLoginProfile", user("esc-admin-console-user"))]),
         user("esc-admin-console-user"),
         Actor("esc-ulp-cannot", [allow("iam:UpdateLoginProfile", user("esc-admin-mfa-user"))]),
         "the only admin it may target signs in with MFA"),
        ("iam-update-assume-role-policy",
         Actor("esc-uarp-can", [allow("iam:UpdateAssumeRolePolicy", role("esc-remote-admin"))]),
         role("esc-remote-admin"),
         Actor("esc-uarp-cannot", [allow("iam:UpdateAssumeRolePolicy", role("esc-lambda-weak"))]),
         "may rewrite only the trust of a role with less privilege"),
        ("passrole-ec2-run-instances",
         Actor("esc-pr-ec2-can", [allow(pr, role("esc-ec2-admin")), allow("ec2:RunInstances")]),
         role("esc-ec2-admin"),
         Actor("esc-pr-ec2-cannot", [allow(pr, role("esc-lambda-admin")), allow("ec2:RunInstances")]),
         "may pass only a role EC2 cannot assume"),
        ("passrole-lambda-create-function",
         Actor("esc-pr-lcf-can", [allow(pr, role("esc-lambda-admin")),
                                  allow(["lambda:CreateFunction", "lambda:InvokeFunction"])]),
         role("esc-lambda-admin"),
         Actor("esc-pr-lcf-cannot", [allow(pr, role("esc-lambda-admin")), allow("lambda:CreateFunction")]),
         "cannot invoke the function it creates"),
        ("passrole-lambda-event-source",
         Actor("esc-pr-les-can", [allow(pr, role("esc-lambda-admin")),
                                  allow(["lambda:CreateFunction", "lambda:CreateEventSourceMapping"])]),
         role("esc-lambda-admin"),
         Actor("esc-pr-les-cannot", [allow(pr, role("esc-lambda-weak")),
                                     allow(["lambda:CreateFunction", "lambda:CreateEventSourceMapping"])]),
         "may pass only a role with less privilege"),
        ("passrole-lambda-update-config",
         Actor("esc-pr-luc-can", [allow(pr, role("esc-lambda-admin")), allow(
             ["lambda:UpdateFunctionConfiguration", "lambda:UpdateFunctionCode", "lambda:InvokeFunction"],
             function("esc-weak-fn"))]), role("esc-lambda-admin"),
         Actor("esc-pr-luc-cannot", [allow(pr, role("esc-lambda-admin")), allow(
             ["lambda:UpdateFunctionConfiguration", "lambda:UpdateFunctionCode", "lambda:InvokeFunction"],
             function("esc-missing-fn"))]),
         "may update only a function that does not exist"),
        ("passrole-glue-dev-endpoint",
         Actor("esc-pr-glue-can", [allow(pr, role("esc-glue-admin")), allow("glue:CreateDevEndpoint")]),
         role("esc-glue-admin"),
         Actor("esc-pr-glue-cannot", [allow(pr, role("esc-glue-admin")), allow("glue:CreateDevEndpoint"),
                                      deny("glue:CreateDevEndpoint")]),
         "an explicit deny on glue:CreateDevEndpoint"),
        ("passrole-cloudformation-create-stack",
         Actor("esc-pr-cfn-can", [allow(pr, role("esc-cfn-admin")), allow("cloudformation:CreateStack")]),
         role("esc-cfn-admin"),
         Actor("esc-pr-cfn-cannot", [allow(pr, role("esc-remote-admin")), allow("cloudformation:CreateStack")]),
         "may pass only a role no service trusts"),
        ("passrole-codebuild-create-project",
         Actor("esc-pr-cb-can", [allow(pr, role("esc-codebuild-admin")),
                                 allow(["codebuild:CreateProject", "codebuild:StartBuild"])]),
         role("esc-codebuild-admin"),
         Actor("esc-pr-cb-cannot", [allow(pr, role("esc-codebuild-admin")), allow("codebuild:CreateProject")]),
         "cannot start a build of the project it creates"),
        ("passrole-datapipeline",
         Actor("esc-pr-dp-can", [allow(pr, role("esc-datapipeline-admin")), allow(
             ["datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition", "datapipeline:ActivatePipeline"])]),
         role("esc-datapipeline-admin"),
         Actor("esc-pr-dp-cannot", [allow(pr, role("esc-ec2-admin")), allow(
             ["datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition", "datapipeline:ActivatePipeline"])]),
         "may pass only a role Data Pipeline cannot assume"),
        ("passrole-sagemaker-notebook",
         Actor("esc-pr-smnb-can", [allow(pr, role("esc-sagemaker-admin")), allow(
             ["sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"])]),
         role("esc-sagemaker-admin"),
         Actor("esc-pr-smnb-cannot", [allow(pr, role("esc-sagemaker-admin")), allow(
             ["sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"])],
             kind="role", boundary=[allow([pr, "sagemaker:CreateNotebookInstance"])]),
         "its permissions boundary does not allow opening the notebook"),
        ("passrole-sagemaker-training-job",
         Actor("esc-pr-smtj-can", [allow(pr, role("esc-sagemaker-admin")), allow("sagemaker:CreateTrainingJob")]),
         role("esc-sagemaker-admin"),
         Actor("esc-pr-smtj-cannot", [allow(pr, role("esc-sagemaker-weak")), allow("sagemaker:CreateTrainingJob")]),
         "may pass only a role with less privilege"),
        ("passrole-sagemaker-processing-job",
         Actor("esc-pr-smpj-can", [allow(pr, role("esc-sagemaker-admin")),
                                   allow("sagemaker:CreateProcessingJob")]), role("esc-sagemaker-admin"),
         Actor("esc-pr-smpj-cannot", [allow(pr, role("esc-sagemaker-admin")), allow("sagemaker:CreateProcessingJob"),
                                      deny(pr)]),
         "an explicit deny on iam:PassRole"),
        ("passrole-ecs-task",
         Actor("esc-pr-ecs-can", [allow(pr, role("esc-ecs-admin")),
                                  allow(["ecs:RegisterTaskDefinition", "ecs:RunTask"])]), role("esc-ecs-admin"),
         Actor("esc-pr-ecs-cannot", [allow(pr, role("esc-ecs-admin")), allow("ecs:RunTask")]),
         "cannot register the task definition that names the role"),
        ("lambda-update-function-code",
         Actor("esc-lufc-can", [allow(["lambda:UpdateFunctionCode", "lambda:InvokeFunction"],
                                      function("esc-admin-fn"))]), role("esc-lambda-admin"),
         Actor("esc-lufc-cannot", [allow(["lambda:UpdateFunctionCode", "lambda:InvokeFunction"],
                                         function("esc-weak-fn"))]),
         "may update only a function whose role has less privilege"),
        ("ssm-send-command",
         Actor("esc-ssm-cmd-can", [allow("ssm:SendCommand", [admin_i, "arn:aws:ssm:*:*:document/*"])]),
         role("esc-ec2-admin"),
         Actor("esc-ssm-cmd-cannot", [allow("ssm:SendCommand", [weak_i, "arn:aws:ssm:*:*:document/*"])]),
         "may command only an instance whose role has less privilege"),
        ("ssm-start-session",
         Actor("esc-ssm-sess-can", [allow("ssm:StartSession")]), role("esc-ec2-admin"),
         Actor("esc-ssm-sess-cannot", [allow("ssm:StartSession"), deny("ssm:StartSession", admin_i)]),
         "an explicit deny on the privileged instance"),
        ("ec2-modify-instance-user-data",
         Actor("esc-ud-can", [allow(["ec2:StopInstances", "ec2:ModifyInstanceAttribute", "ec2:StartInstances"])]),
         role("esc-ec2-admin"),
         Actor("esc-ud-cannot", [allow(["ec2:StopInstances", "ec2:StartInstances"])]),
         "cannot change the user data"),
        ("sagemaker-notebook-lifecycle-config",
         Actor("esc-lcc-can", [allow("sagemaker:CreateNotebookInstanceLifecycleConfig"), allow(
             ["sagemaker:StopNotebookInstance", "sagemaker:UpdateNotebookInstance", "sagemaker:StartNotebookInstance"],
             notebook("esc-admin-nb"))]), role("esc-sagemaker-admin"),
         Actor("esc-lcc-cannot", [allow("sagemaker:CreateNotebookInstanceLifecycleConfig"), allow(
             ["sagemaker:StopNotebookInstance", "sagemaker:UpdateNotebookInstance", "sagemaker:StartNotebookInstance"],
             notebook("esc-weak-nb"))]),
         "may reconfigure only a notebook whose role has less privilege"),
        ("sagemaker-notebook-presigned-url",
         Actor("esc-url-can", [allow("sagemaker:CreatePresignedNotebookInstanceUrl", notebook("esc-admin-nb"))]),
         role("esc-sagemaker-admin"),
         Actor("esc-url-cannot", [allow("sagemaker:CreatePresignedNotebookInstanceUrl", notebook("esc-weak-nb"))]),
         "may open only a notebook whose role has less privilege"),
        ("sts-assume-role",
         Actor("esc-sts-can", [allow("sts:AssumeRole", role("esc-assumable-admin"))]), role("esc-assumable-admin"),
         Actor("esc-sts-cannot", [allow("sts:AssumeRole", role("esc-ec2-admin"))]),
         "the admin role it may assume trusts only EC2"),
    ]
    actors: list[Actor] = []
    cases: list[Case] = []
    for technique, can, target, cannot, why in table:
        actors += [can, cannot]
        cases.append(Case(technique, can.name, True, target, kind=can.kind))
        cases.append(Case(technique, cannot.name, False, None, why, kind=cannot.kind))
    return actors + EXTRA_ACTORS, cases + EXTRA_CASES


# Beyond one pair per technique: a role writing on itself, a conditional grant, and a two-hop chain.
EXTRA_ACTORS = [
    Actor("esc-prp-self", [allow("iam:PutRolePolicy", role("esc-prp-self"))], kind="role"),
    Actor("esc-aup-mfa", [allow("iam:AttachUserPolicy", user("esc-aup-mfa"),
                                Bool={"aws:MultiFactorAuthPresent": "true"})]),
    Actor("esc-chain-user", [allow("sts:AssumeRole", role("esc-chain-hop"))]),
    Actor("esc-chain-dead-end", [allow("sts:AssumeRole", role("esc-prp-target"))]),
]
EXTRA_CASES = [
    Case("iam-put-role-policy", "esc-prp-self", True, "admin", kind="role"),
    Case("iam-attach-user-policy", "esc-aup-mfa", True, "admin", "allowed only with MFA: conditional"),
]
CHAIN_HOP = Actor("esc-chain-hop", [allow("iam:UpdateAssumeRolePolicy", role("esc-remote-admin"))], kind="role")


def _trust(*services: str, aws: str | None = None) -> str:
    principal: dict[str, Any] = {"Service": list(services)} if services else {"AWS": aws}
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]})


def _code() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buf.getvalue()


def _plant_targets(iam: Any) -> None:
    """The identities worth taking over, and their harmless twins."""
    admin = iam.create_policy(PolicyName="esc-admin", PolicyDocument=json.dumps(ADMIN_DOC))["Policy"]["Arn"]
    weak = iam.create_policy(PolicyName="esc-weak", PolicyDocument=json.dumps(WEAK_DOC))["Policy"]["Arn"]
    iam.create_policy(PolicyName="esc-orphan", PolicyDocument=json.dumps(WEAK_DOC))
    for short, service in SERVICES.items():
        for strength, arn in (("admin", admin), ("weak", weak)):
            iam.create_role(RoleName=f"esc-{short}-{strength}", AssumeRolePolicyDocument=_trust(service))
            iam.attach_role_policy(RoleName=f"esc-{short}-{strength}", PolicyArn=arn)
    for strength in ("admin", "weak"):
        iam.create_instance_profile(InstanceProfileName=f"esc-ec2-{strength}-profile")
        iam.add_role_to_instance_profile(InstanceProfileName=f"esc-ec2-{strength}-profile",
                                         RoleName=f"esc-ec2-{strength}")
    for name, trust, arn in (("esc-remote-admin", "arn:aws:iam::111122223333:root", admin),
                             ("esc-assumable-admin", f"arn:aws:iam::{ACCOUNT}:root", admin),
                             ("esc-prp-target", f"arn:aws:iam::{ACCOUNT}:root", weak)):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust(aws=trust))
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    for name, arn in (("esc-admin-user", admin), ("esc-admin-console-user", admin), ("esc-admin-mfa-user", admin),
                      ("esc-weak-user", weak)):
        iam.create_user(UserName=name)
        iam.attach_user_policy(UserName=name, PolicyArn=arn)
    for name in ("esc-admin-console-user", "esc-admin-mfa-user"):
        iam.create_login_profile(UserName=name, Password="Escalation-Passw0rd!-not-a-secret")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="esc-mfa")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="esc-admin-mfa-user", SerialNumber=serial,
                          AuthenticationCode1="123456", AuthenticationCode2="654321")
    for name, arn in (("esc-admins", admin), ("esc-readers", weak)):
        iam.create_group(GroupName=name)
        iam.attach_group_policy(GroupName=name, PolicyArn=arn)


def _plant_compute() -> dict[str, str]:
    """An admin and a weak instance, function and notebook; returns the instance ARNs by strength."""
    ec2 = boto3.client("ec2", region_name=REGION)
    fn = boto3.client("lambda", region_name=REGION)
    sm = boto3.client("sagemaker", region_name=REGION)
    instances = {}
    for strength in ("admin", "weak"):
        reservation = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1,
                                        IamInstanceProfile={"Name": f"esc-ec2-{strength}-profile"})
        iid = reservation["Instances"][0]["InstanceId"]
        instances[strength] = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{iid}"
        fn.create_function(FunctionName=f"esc-{strength}-fn", Runtime="python3.12", Role=role(f"esc-lambda-{strength}"),
                           Handler="handler.handler", Code={"ZipFile": _code()})
        sm.create_notebook_instance(NotebookInstanceName=f"esc-{strength}-nb", InstanceType="ml.t3.medium",
                                    RoleArn=role(f"esc-sagemaker-{strength}"))
    return instances


def _plant_actor(iam: Any, actor: Actor) -> None:
    if actor.kind == "role":
        iam.create_role(RoleName=actor.name, AssumeRolePolicyDocument=_trust(ACTOR_SERVICE))
        put, attach, boundary = iam.put_role_policy, iam.attach_role_policy, iam.put_role_permissions_boundary
        key = {"RoleName": actor.name}
    else:
        iam.create_user(UserName=actor.name)
        put, attach, boundary = iam.put_user_policy, iam.attach_user_policy, iam.put_user_permissions_boundary
        key = {"UserName": actor.name}
    if actor.statements:
        put(PolicyName=f"{actor.name}-inline", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": actor.statements}), **key)
    if actor.managed is not None:
        doc = json.dumps({"Version": "2012-10-17", "Statement": actor.managed})
        arn = iam.create_policy(PolicyName=f"{actor.name}-managed", PolicyDocument=doc)["Policy"]["Arn"]
        if actor.managed_v2 is not None:
            iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(actor.managed_v2), SetAsDefault=False)
        attach(PolicyArn=arn, **key)
    if actor.boundary is not None:
        doc = json.dumps({"Version": "2012-10-17", "Statement": actor.boundary})
        arn = iam.create_policy(PolicyName=f"{actor.name}-boundary", PolicyDocument=doc)["Policy"]["Arn"]
        boundary(PermissionsBoundary=arn, **key)
    for name in actor.groups:
        iam.create_group(GroupName=name)
        if actor.group_statements:
            iam.put_group_policy(GroupName=name, PolicyName=f"{name}-inline", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": actor.group_statements}))
        iam.add_user_to_group(GroupName=name, UserName=actor.name)


def plant() -> list[Case]:
    """Create the escalation estate in moto; returns every case (one can and one cannot per technique, and extras)."""
    iam = boto3.client("iam", region_name=REGION)
    _plant_targets(iam)
    actors, cases = _cases(_plant_compute())
    for actor in actors + [CHAIN_HOP]:
        _plant_actor(iam, actor)
    iam.update_assume_role_policy(RoleName=CHAIN_HOP.name, PolicyDocument=_trust(aws=f"arn:aws:iam::{ACCOUNT}:root"))
    return cases
