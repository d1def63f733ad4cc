"""Identity estate: planted IAM, password-policy and secret misconfigurations next to clean twins.

Everything is created in us-east-1 of moto's single account. Access key ages
cannot be back-dated in moto, so the key-rotation and unused-credential
policies have no expectations here (their arithmetic is unit-tested in
tests/providers/aws/test_iam.py).
"""

from __future__ import annotations

import json

import boto3

from tests.estates import Expect

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
PASSWORD = "Planted-Passw0rd!-not-a-secret"
TRUST_LAMBDA = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def _document(action: str | list[str], resource: str = "*") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]})


def _role_with_policy(iam, role: str, policy: str, document: str) -> None:
    arn = iam.create_policy(PolicyName=policy, PolicyDocument=document)["Policy"]["Arn"]
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA))
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)


def _plant_principals(iam) -> list[Expect]:
    iam.create_user(UserName="planted-admin-user")
    iam.attach_user_policy(UserName="planted-admin-user", PolicyArn=ADMIN)
    iam.create_user(UserName="clean-user")
    _role_with_policy(iam, "planted-admin-role", "planted-admin-policy", _document("*"))
    _role_with_policy(iam, "clean-app-role", "clean-scoped-policy",
                      _document(["s3:GetObject", "s3:ListBucket"], "arn:aws:s3:::clean-app-data/*"))
    _role_with_policy(iam, "planted-iam-role", "planted-iam-star-policy", _document("iam:*"))
    return [
        Expect("principal-no-admin-policy", "identity.user", "planted-admin-user", True),
        Expect("principal-no-admin-policy", "identity.user", "clean-user", False),
        Expect("principal-no-admin-policy", "identity.role", "planted-admin-role", True),
        Expect("principal-no-admin-policy", "identity.role", "clean-app-role", False),
        Expect("policy-no-admin-equivalent", "identity.policy", "planted-admin-policy", True),
        Expect("policy-no-admin-equivalent", "identity.policy", "clean-scoped-policy", False),
        Expect("policy-no-wildcard-sensitive-services", "identity.policy", "planted-iam-star-policy", True),
        Expect("policy-no-wildcard-sensitive-services", "identity.policy", "clean-scoped-policy", False),
    ]


def _plant_users(iam) -> list[Expect]:
    iam.create_user(UserName="planted-console-no-mfa")
    iam.create_login_profile(UserName="planted-console-no-mfa", Password=PASSWORD)
    iam.create_user(UserName="clean-console-mfa")
    iam.create_login_profile(UserName="clean-console-mfa", Password=PASSWORD)
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="clean-console-mfa")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="clean-console-mfa", SerialNumber=serial,
                          AuthenticationCode1="123456", AuthenticationCode2="654321")

    iam.create_user(UserName="planted-inline-user")
    iam.put_user_policy(UserName="planted-inline-user", PolicyName="planted-inline-user-policy",
                        PolicyDocument=_document("s3:ListAllMyBuckets"))
    iam.create_group(GroupName="clean-readers")
    iam.put_group_policy(GroupName="clean-readers", PolicyName="clean-readers-policy",
                         PolicyDocument=_document("s3:ListAllMyBuckets"))
    iam.create_user(UserName="clean-group-member")
    iam.add_user_to_group(GroupName="clean-readers", UserName="clean-group-member")

    iam.create_user(UserName="planted-two-keys")
    iam.create_access_key(UserName="planted-two-keys")
    iam.create_access_key(UserName="planted-two-keys")
    iam.create_user(UserName="clean-one-key")
    iam.create_access_key(UserName="clean-one-key")
    return [
        Expect("user-console-mfa", "identity.user", "planted-console-no-mfa", True),
        Expect("user-console-mfa", "identity.user", "clean-console-mfa", False),
        Expect("user-no-direct-policies", "identity.user", "planted-inline-user", True),
        Expect("user-no-direct-policies", "identity.user", "clean-group-member", False),
        Expect("user-single-active-access-key", "identity.user", "planted-two-keys", True),
        Expect("user-single-active-access-key", "identity.user", "clean-one-key", False),
    ]


def _plant_secrets() -> list[Expect]:
    sm = boto3.client("secretsmanager", region_name=REGION)
    kms = boto3.client("kms", region_name=REGION)
    sm.create_secret(Name="planted-secret", SecretString="planted-value-not-collected")
    key = kms.create_key(Description="clean-secret key")["KeyMetadata"]
    kms.enable_key_rotation(KeyId=key["KeyId"])  # so the twin's key is clean for key rotation too
    sm.create_secret(Name="clean-secret", SecretString="clean-value-not-collected", KmsKeyId=key["Arn"])
    # moto accepts a rotation schedule without a rotation function; AWS would need one (or managed rotation).
    sm.rotate_secret(SecretId="clean-secret", RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
    return [
        Expect("secret-rotation-enabled", "secret", "planted-secret", True),
        Expect("secret-rotation-enabled", "secret", "clean-secret", False),
        Expect("secret-encrypted-with-cmk", "secret", "planted-secret", True),
        Expect("secret-encrypted-with-cmk", "secret", "clean-secret", False),
    ]


def _plant_password_policy(iam) -> list[Expect]:
    # The account has one password policy, so there is no clean twin: a weak one is planted.
    iam.update_account_password_policy(MinimumPasswordLength=8, RequireNumbers=True)
    return [Expect("account-password-policy-strong", "account", ACCOUNT_ID, True)]


def plant() -> list[Expect]:
    """Create the identity estate in moto and say what must (and must not) be reported."""
    iam = boto3.client("iam", region_name=REGION)
    return _plant_principals(iam) + _plant_users(iam) + _plant_secrets() + _plant_password_policy(iam)
