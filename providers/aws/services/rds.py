"""RDS DB instances and DB clusters: encryption, public accessibility, backups, network placement.

Both become ``database.instance`` nodes (native types ``AWS::RDS::DBInstance`` and
``AWS::RDS::DBCluster``). An Aurora cluster has no ``PubliclyAccessible`` of its
own: it is public when one of its member instances is.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.graph.model import Node
from cloudwarden.providers.aws.context import AwsContext
from cloudwarden.providers.aws.payload import raw_payload, tag_map
from cloudwarden.providers.aws.references import KeyResolver, link_key, link_network
from cloudwarden.providers.aws.services import ServiceSpec


def encryption_facet(ctx: AwsContext, item: dict[str, Any], keys: KeyResolver) -> dict[str, Any]:
    """Storage encryption; the key is resolved to tell the AWS-managed ``aws/rds`` key from a customer key."""
    encrypted = item.get("StorageEncrypted")
    facet: dict[str, Any] = {"at_rest": encrypted, "key_id": None, "customer_managed": False if encrypted is False else None}
    key_ref = item.get("KmsKeyId")
    if encrypted and key_ref:
        key = keys.resolve(key_ref, ctx.region)
        facet.update(key_id=key.arn, customer_managed=key.customer_managed)
    return facet


def _common_props(ctx: AwsContext, item: dict[str, Any], keys: KeyResolver) -> dict[str, Any]:
    return {
        "encryption": encryption_facet(ctx, item, keys),
        "engine": item.get("Engine"),
        "engine_version": item.get("EngineVersion"),
        "backup_retention_days": item.get("BackupRetentionPeriod"),
        "iam_auth": item.get("IAMDatabaseAuthenticationEnabled"),
        "multi_az": item.get("MultiAZ"),
        "deletion_protection": item.get("DeletionProtection"),
    }


def _link(ctx: AwsContext, node: Node, item: dict[str, Any], subnet_group: dict[str, Any] | None) -> None:
    group = subnet_group or {}
    link_network(
        ctx,
        node.id,
        ctx.region,
        vpc=group.get("VpcId"),
        subnets=[s.get("SubnetIdentifier", "") for s in group.get("Subnets", [])],
        security_groups=[g.get("VpcSecurityGroupId", "") for g in item.get("VpcSecurityGroups", [])],
    )
    link_key(ctx, node.id, node.props["encryption"]["key_id"])
    ctx.edge(ctx.account_id, node.id, "contains")


def instance_node(ctx: AwsContext, db: dict[str, Any], keys: KeyResolver) -> Node:
    """Normalize one DB instance (``DescribeDBInstances`` item)."""
    props = _common_props(ctx, db, keys)
    props.update(
        public=db.get("PubliclyAccessible"),
        instance_class=db.get("DBInstanceClass"),
        cluster=db.get("DBClusterIdentifier"),
    )
    return _database(ctx, db, "DBInstance", props, db.get("DBSubnetGroup"))


def cluster_node(
    ctx: AwsContext,
    cluster: dict[str, Any],
    keys: KeyResolver,
    subnet_groups: dict[str, dict[str, Any]],
    members_public: list[bool | None],
) -> Node:
    """Normalize one DB cluster; without a flag of its own it is as public as its most public member."""
    public = cluster.get("PubliclyAccessible")
    if public is None:
        public = True if any(p is True for p in members_public) else (
            None if any(p is None for p in members_public) else False)
    props = _common_props(ctx, cluster, keys)
    props.update(public=public, members=[m.get("DBInstanceIdentifier") for m in cluster.get("DBClusterMembers", [])])
    return _database(ctx, cluster, "DBCluster", props, subnet_groups.get(str(cluster.get("DBSubnetGroup"))))


def _database(ctx: AwsContext, payload: dict[str, Any], native: str, props: dict[str, Any],
              subnet_group: dict[str, Any] | None) -> Node:
    """A ``database.instance`` node for a DB instance or cluster (``native``), linked to its network."""
    node = Node(
        id=payload[f"{native}Arn"],
        cloud="aws",
        kind="database.instance",
        native_type=f"AWS::RDS::{native}",
        name=payload[f"{native}Identifier"],
        tags=tag_map(payload.get("TagList")),
        props=props,
        raw=raw_payload(payload),
    )
    _link(ctx, node, payload, subnet_group)
    return node


def collect(ctx: AwsContext) -> None:
    """Every DB instance and DB cluster of the region."""
    rds = ctx.client()
    keys = KeyResolver(ctx)
    public_by_instance: dict[str, bool | None] = {}
    for db in ctx.paginate(rds, "describe_db_instances", "DBInstances"):
        ctx.add(instance_node(ctx, db, keys))
        public_by_instance[db["DBInstanceIdentifier"]] = db.get("PubliclyAccessible")
    clusters = list(ctx.paginate(rds, "describe_db_clusters", "DBClusters"))
    if not clusters:
        return
    subnet_groups = {g["DBSubnetGroupName"]: g for g in ctx.paginate(rds, "describe_db_subnet_groups", "DBSubnetGroups")}
    for cluster in clusters:
        members = [public_by_instance.get(m.get("DBInstanceIdentifier", "")) for m in cluster.get("DBClusterMembers", [])]
        ctx.add(cluster_node(ctx, cluster, keys, subnet_groups, members))


SERVICE = ServiceSpec("rds", "regional", collect, "RDS DB instances and clusters")
