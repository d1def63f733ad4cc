"""Build a moto estate of about 1,000 resources in two regions, for benchmark (b).

Every call goes through boto3 to the server in ``AWS_ENDPOINT_URL`` (moto); nothing
here talks to a real cloud. The mix is chosen so that every cloudwarden collector
(and a peer tool's) has work: IAM principals and policies (global), and per region
a network (VPCs, subnets, gateways, security groups with rules), instances with
volumes and addresses, load balancers, S3 buckets located in the region, KMS keys,
secrets, RDS instances, Lambda functions, CloudTrail trails and SageMaker items.
A share of each family is misconfigured on purpose (world-open ports, public
buckets, unencrypted volumes, no rotation) so that policies have findings to make.

Run on its own against a running moto server:

    AWS_ENDPOINT_URL=http://127.0.0.1:5000 python benchmarks/estate_1k.py
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
import zipfile
from collections import Counter
from typing import Any

import boto3

REGIONS = ("us-east-1", "eu-west-1")
PREFIX = "cwb"

# Sizes: IAM is global (~250); each region gets the rest (~375 each).
IAM_USERS, IAM_GROUPS, IAM_ROLES, IAM_POLICIES = 100, 20, 80, 50
VPCS, SUBNETS_PER_VPC, SGS, INSTANCES, VOLUMES = 5, 4, 125, 40, 40
EIPS, ALBS, CLASSIC_ELBS, BUCKETS, KEYS, SECRETS = 5, 4, 2, 32, 15, 30
DBS, FUNCTIONS, TRAILS, NOTEBOOKS, MODELS = 10, 30, 2, 2, 3

AMI = "ami-12c6146b"  # one of moto's built-in AMIs (present in every region)
EC2_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
CROSS_ACCOUNT_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": "sts:AssumeRole"}]}


def _client(service: str, region: str = "us-east-1") -> Any:
    return boto3.client(service, region_name=region)


def _doc(actions: list[str], resource: str = "*") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]})


def _lambda_zip() -> bytes:
    """A tiny deployment package; moto stores it and needs no docker to create or list functions."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("handler.py", "def handler(event, context):\n    return {'ok': True}\n")
    return buf.getvalue()


def build_iam(counts: Counter[str]) -> dict[str, str]:
    """Users, groups, roles, customer policies and instance profiles; returns role ARNs by use."""
    iam = _client("iam")
    policy_arns = []
    actions = [["s3:GetObject"], ["ec2:Describe*"], ["iam:PassRole", "ec2:RunInstances"], ["*"], ["kms:Decrypt"]]
    for i in range(IAM_POLICIES):
        arn = iam.create_policy(PolicyName=f"{PREFIX}-policy-{i}", PolicyDocument=_doc(actions[i % len(actions)]))["Policy"]["Arn"]
        policy_arns.append(arn)
    counts["iam.policy"] += IAM_POLICIES
    for i in range(IAM_GROUPS):
        name = f"{PREFIX}-group-{i}"
        iam.create_group(GroupName=name)
        iam.attach_group_policy(GroupName=name, PolicyArn=policy_arns[i % IAM_POLICIES])
        if i % 5 == 0:
            iam.attach_group_policy(GroupName=name, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    counts["iam.group"] += IAM_GROUPS
    for i in range(IAM_USERS):
        name = f"{PREFIX}-user-{i}"
        iam.create_user(UserName=name, Tags=[{"Key": "team", "Value": f"t{i % 7}"}])
        iam.add_user_to_group(GroupName=f"{PREFIX}-group-{i % IAM_GROUPS}", UserName=name)
        if i % 3 == 0:
            iam.create_access_key(UserName=name)
        if i % 4 == 0:
            iam.create_login_profile(UserName=name, Password="Bench-Passw0rd!")
        if i % 10 == 0:
            iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=_doc(["iam:*"]))
        if i % 25 == 0:
            iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    counts["iam.user"] += IAM_USERS
    roles: dict[str, str] = {}
    for i in range(IAM_ROLES):
        name = f"{PREFIX}-role-{i}"
        trust = (EC2_TRUST, LAMBDA_TRUST, CROSS_ACCOUNT_TRUST)[i % 3]
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        iam.attach_role_policy(RoleName=name, PolicyArn=policy_arns[(i * 7) % IAM_POLICIES])
        if i % 3 == 0 and "ec2_profile" not in roles:
            iam.create_instance_profile(InstanceProfileName=f"{PREFIX}-profile")
            iam.add_role_to_instance_profile(InstanceProfileName=f"{PREFIX}-profile", RoleName=name)
            roles["ec2_profile"] = f"{PREFIX}-profile"
            counts["iam.instance_profile"] += 1
        if i % 3 == 1:
            roles.setdefault("lambda", arn)
    counts["iam.role"] += IAM_ROLES
    return roles


def _subnet(subnets: list[str], vpc: int, n: int) -> str:
    """The n-th subnet of VPC number ``vpc`` (subnets 0 and 1 of each VPC are public)."""
    return subnets[vpc * SUBNETS_PER_VPC + n]


def _group(groups: list[str], vpc: int, n: int) -> str:
    """The n-th security group of VPC number ``vpc`` (groups are dealt round-robin over the VPCs)."""
    return groups[vpc + VPCS * n]


def build_network(ec2: Any, region: str, counts: Counter[str]) -> tuple[list[str], list[str]]:
    """VPCs with subnets, gateways and route tables, and security groups with rules."""
    subnets: list[str] = []
    azs = [f"{region}a", f"{region}b"]
    vpc_ids = []
    for v in range(VPCS):
        vpc = ec2.create_vpc(CidrBlock=f"10.{v}.0.0/16")["Vpc"]["VpcId"]
        vpc_ids.append(vpc)
        ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": f"{PREFIX}-vpc-{v}"}])
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        for s in range(SUBNETS_PER_VPC):
            sub = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{v}.{s}.0/24", AvailabilityZone=azs[s % 2])["Subnet"]["SubnetId"]
            if s < 2:  # half the subnets are public
                ec2.associate_route_table(RouteTableId=rtb, SubnetId=sub)
            subnets.append(sub)
    counts.update({"ec2.vpc": VPCS, "ec2.subnet": VPCS * SUBNETS_PER_VPC, "ec2.internet_gateway": VPCS,
                   "ec2.route_table": VPCS})
    groups = []
    for g in range(SGS):
        sg = ec2.create_security_group(GroupName=f"{PREFIX}-sg-{g}", Description="bench", VpcId=vpc_ids[g % VPCS])["GroupId"]
        open_cidr = "0.0.0.0/0" if g % 6 == 0 else f"10.{g % 250}.0.0/16"
        ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": (22, 443, 3306, 8080)[g % 4], "ToPort": (22, 443, 3306, 8080)[g % 4],
             "IpRanges": [{"CidrIp": open_cidr}]},
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": sg}]},
        ])
        groups.append(sg)
    counts["ec2.security_group"] += SGS
    return subnets, groups


def build_compute(ec2: Any, region: str, subnets: list[str], groups: list[str], roles: dict[str, str],
                  key_arn: str, counts: Counter[str]) -> None:
    """Instances (some public, some with a role), EBS volumes (some encrypted, some attached), EIPs."""
    instances: list[str] = []
    batch = 8
    for b in range(INSTANCES // batch):
        kw: dict[str, Any] = {
            "ImageId": AMI, "MinCount": batch, "MaxCount": batch, "InstanceType": "t3.micro",
            "NetworkInterfaces": [{"DeviceIndex": 0, "SubnetId": _subnet(subnets, b % VPCS, b % 2),
                                   "Groups": [_group(groups, b % VPCS, 0), _group(groups, b % VPCS, 1)],
                                   "AssociatePublicIpAddress": b % 2 == 0}],
            "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": f"{PREFIX}-i-{b}"}]}],
        }
        if b % 2 == 1:
            kw["IamInstanceProfile"] = {"Name": roles["ec2_profile"]}
        if b == 0:
            kw["MetadataOptions"] = {"HttpTokens": "optional"}
        instances += [i["InstanceId"] for i in ec2.run_instances(**kw)["Instances"]]
    counts["ec2.instance"] += len(instances)
    for v in range(VOLUMES):
        kw = {"AvailabilityZone": f"{region}a", "Size": 8}
        if v % 2 == 0:
            kw.update(Encrypted=True, KmsKeyId=key_arn)
        vol = ec2.create_volume(**kw)["VolumeId"]
        if v < 10:
            ec2.attach_volume(VolumeId=vol, InstanceId=instances[v], Device="/dev/sdf")
    counts["ec2.volume"] += VOLUMES
    for e in range(EIPS):
        alloc = ec2.allocate_address(Domain="vpc")["AllocationId"]
        if e < 2:
            ec2.associate_address(AllocationId=alloc, InstanceId=instances[-1 - e])
    counts["ec2.elastic_ip"] += EIPS
    if region == REGIONS[0]:
        ec2.enable_ebs_encryption_by_default()


def build_load_balancers(region: str, subnets: list[str], groups: list[str], counts: Counter[str]) -> None:
    """Application load balancers with listeners, and a couple of classic ELBs."""
    elbv2 = _client("elbv2", region)
    for n in range(ALBS):
        lb = elbv2.create_load_balancer(Name=f"{PREFIX}-alb-{n}", Subnets=[subnets[0], subnets[1]],
                                        SecurityGroups=[_group(groups, 0, n)], Scheme="internet-facing")["LoadBalancers"][0]
        tg = elbv2.create_target_group(Name=f"{PREFIX}-tg-{n}", Protocol="HTTP", Port=80,
                                       VpcId=lb["VpcId"])["TargetGroups"][0]["TargetGroupArn"]
        elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                              DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    counts["elb.application"] += ALBS
    elb = _client("elb", region)
    for n in range(CLASSIC_ELBS):
        elb.create_load_balancer(LoadBalancerName=f"{PREFIX}-clb-{n}", AvailabilityZones=[f"{region}a"],
                                 Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}])
    counts["elb.classic"] += CLASSIC_ELBS


def build_kms(region: str, counts: Counter[str]) -> str:
    """Customer keys, some with rotation and an alias; returns one key ARN for others to use."""
    kms = _client("kms", region)
    first = ""
    for k in range(KEYS):
        meta = kms.create_key(Description=f"{PREFIX} key {k}", Tags=[{"TagKey": "n", "TagValue": str(k)}])["KeyMetadata"]
        first = first or meta["Arn"]
        if k % 2 == 0:
            kms.enable_key_rotation(KeyId=meta["KeyId"])
        if k % 3 == 0:
            kms.create_alias(AliasName=f"alias/{PREFIX}-{k}", TargetKeyId=meta["KeyId"])
    counts["kms.key"] += KEYS
    return first


def build_s3(region: str, key_arn: str, counts: Counter[str]) -> str:
    """Buckets located in the region, a mix of encrypted, versioned, blocked, public and logged."""
    s3 = _client("s3", region)
    extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    names = [f"{PREFIX}-{region}-{b}" for b in range(BUCKETS)]
    for b, name in enumerate(names):
        s3.create_bucket(Bucket=name, **extra)
        if b % 3 == 0:
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}}]})
        if b % 2 == 0:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        if b % 4 == 0:
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
                "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
        if b % 10 == 5:
            s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*"}]}))
        if b % 5 == 1:
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "data", "Value": "pii"}]})
    counts["s3.bucket"] += BUCKETS
    return names[0]


def build_secrets(region: str, key_arn: str, counts: Counter[str]) -> None:
    """Secrets (values are dummies), a third encrypted with the customer key."""
    sm = _client("secretsmanager", region)
    for s in range(SECRETS):
        kw: dict[str, Any] = {"Name": f"{PREFIX}/secret-{s}", "SecretString": "not-a-real-secret"}
        if s % 3 == 0:
            kw["KmsKeyId"] = key_arn
        sm.create_secret(**kw)
    counts["secretsmanager.secret"] += SECRETS


def build_rds(region: str, subnets: list[str], groups: list[str], counts: Counter[str]) -> None:
    """A subnet group and DB instances, some public or unencrypted."""
    rds = _client("rds", region)
    rds.create_db_subnet_group(DBSubnetGroupName=f"{PREFIX}-dbsubnets", DBSubnetGroupDescription="bench",
                               SubnetIds=[subnets[0], subnets[1]])
    for d in range(DBS):
        rds.create_db_instance(DBInstanceIdentifier=f"{PREFIX}-db-{d}", DBInstanceClass="db.t3.micro",
                               Engine=("postgres", "mysql")[d % 2], MasterUsername="admin",
                               MasterUserPassword="Bench-Passw0rd!", AllocatedStorage=20,
                               DBSubnetGroupName=f"{PREFIX}-dbsubnets", VpcSecurityGroupIds=[_group(groups, 0, d)],
                               PubliclyAccessible=d % 4 == 0, StorageEncrypted=d % 2 == 0)
    counts["rds.instance"] += DBS


def build_lambda(region: str, role_arn: str, subnets: list[str], groups: list[str], counts: Counter[str]) -> None:
    """Functions from a tiny zip (no docker needed to create or list), some in a VPC, some with env."""
    lam = _client("lambda", region)
    code = _lambda_zip()
    for f in range(FUNCTIONS):
        kw: dict[str, Any] = {"FunctionName": f"{PREFIX}-fn-{f}", "Runtime": "python3.12", "Role": role_arn,
                              "Handler": "handler.handler", "Code": {"ZipFile": code}}
        if f % 3 == 0:
            kw["Environment"] = {"Variables": {"MODE": "bench"}}
        if f % 4 == 0:
            kw["VpcConfig"] = {"SubnetIds": [subnets[2]], "SecurityGroupIds": [_group(groups, 0, f // 4)]}
        lam.create_function(**kw)
    counts["lambda.function"] += FUNCTIONS


def build_cloudtrail(region: str, bucket: str, counts: Counter[str]) -> None:
    """Trails writing to one of the region's buckets; the first one multi-region and logging."""
    ct = _client("cloudtrail", region)
    for t in range(TRAILS):
        name = f"{PREFIX}-trail-{region}-{t}"
        ct.create_trail(Name=name, S3BucketName=bucket, IsMultiRegionTrail=t == 0 and region == REGIONS[0],
                        EnableLogFileValidation=t == 0)
        if t == 0:
            ct.start_logging(Name=name)
    counts["cloudtrail.trail"] += TRAILS


def build_sagemaker(region: str, role_arn: str, subnets: list[str], groups: list[str], counts: Counter[str]) -> None:
    """A few notebook instances and models, so the AI collector has work too."""
    sm = _client("sagemaker", region)
    for n in range(NOTEBOOKS):
        sm.create_notebook_instance(NotebookInstanceName=f"{PREFIX}-nb-{n}", InstanceType="ml.t3.medium",
                                    RoleArn=role_arn, SubnetId=subnets[0], SecurityGroupIds=[groups[0]],
                                    DirectInternetAccess=("Enabled", "Disabled")[n % 2])
    for m in range(MODELS):
        sm.create_model(ModelName=f"{PREFIX}-model-{m}", ExecutionRoleArn=role_arn,
                        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:latest"})
    counts["sagemaker.notebook"] += NOTEBOOKS
    counts["sagemaker.model"] += MODELS


def build_region(region: str, roles: dict[str, str], counts: Counter[str]) -> None:
    """Everything regional, in dependency order."""
    ec2 = _client("ec2", region)
    key_arn = build_kms(region, counts)
    subnets, groups = build_network(ec2, region, counts)
    build_compute(ec2, region, subnets, groups, roles, key_arn, counts)
    build_load_balancers(region, subnets, groups, counts)
    bucket = build_s3(region, key_arn, counts)
    build_secrets(region, key_arn, counts)
    build_rds(region, subnets, groups, counts)
    build_lambda(region, roles["lambda"], subnets, groups, counts)
    build_cloudtrail(region, bucket, counts)
    build_sagemaker(region, roles["lambda"], subnets, groups, counts)


def build_estate() -> Counter[str]:
    """Create the whole estate against ``AWS_ENDPOINT_URL``; returns resources created by type."""
    if not os.environ.get("AWS_ENDPOINT_URL"):
        raise SystemExit("AWS_ENDPOINT_URL is not set: this builder only talks to a local moto server")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    counts: Counter[str] = Counter()
    roles = build_iam(counts)
    for region in REGIONS:
        build_region(region, roles, counts)
    return counts


def main() -> int:
    """Build the estate and print the counts."""
    start = time.perf_counter()
    counts = build_estate()
    for key, n in sorted(counts.items()):
        print(f"{key:28} {n:5}")
    print(f"{'total':28} {sum(counts.values()):5}   (built in {time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
