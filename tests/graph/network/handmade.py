"""Hand-built AWS network snapshots, shaped like the collectors' output, for reachability unit tests.

``NetworkEstate.standard()`` is one VPC (10.0.0.0/16) with an attached internet
gateway, a public subnet (10.0.1.0/24, routed 0.0.0.0/0 to the gateway) and a
private one (10.0.2.0/24, main table: local only), both under the default ACL
that allows everything. Tests then add groups and workloads, or change one hop.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.graph.estate import EstateGraph
from cloudwarden.graph.model import Edge, Node
from cloudwarden.graph.snapshot import Snapshot

ACCOUNT = "111122223333"
REGION = "us-east-1"
WORLD = "0.0.0.0/0"

# (protocol, (from, to), peer) for groups; (number, action, protocol, (from, to), cidr) for ACLs.
GroupRule = tuple[str, tuple[int, int], str]
AclRule = tuple[int, str, str, tuple[int, int], str]


def arn(resource: str) -> str:
    """The ARN of an EC2 resource of the test account, e.g. ``arn("vpc/vpc-1")``."""
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:{resource}"


def sg(name: str) -> str:
    """A security group's node id."""
    return arn(f"security-group/{name}")


def _rule(direction: str, action: str, protocol: str, ports: tuple[int, int], peer: str, priority: int | None) -> dict[str, Any]:
    ingress = direction == "ingress"
    return {
        "direction": direction, "action": action, "protocol": protocol,
        "ports": [] if protocol in ("icmp", "icmpv6") else [list(ports)],
        "sources": [peer] if ingress else [], "destinations": [] if ingress else [peer],
        "priority": priority, "description": None,
    }


class NetworkEstate:
    """A snapshot under construction."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []

    def add(self, node_id: str, kind: str, props: dict[str, Any], raw: dict[str, Any] | None = None,
            name: str | None = None) -> str:
        """Add a node of the test account."""
        self.nodes[node_id] = Node(id=node_id, cloud="aws", kind=kind, account=ACCOUNT, region=REGION,
                                   name=name or node_id.rsplit("/", 1)[-1], props=props, raw=raw or {})
        return node_id

    def link(self, source: str, target: str, kind: str, **detail: Any) -> None:
        """Add a collected edge."""
        self.edges.append(Edge(source=source, target=target, kind=kind, detail=detail))

    # --- network ---------------------------------------------------------------

    def vpc(self, name: str = "vpc-1", cidr: str = "10.0.0.0/16") -> str:
        return self.add(arn(f"vpc/{name}"), "network.vpc", {"cidrs": [cidr]})

    def igw(self, name: str, vpc: str) -> str:
        node = self.add(arn(f"internet-gateway/{name}"), "network.gateway",
                        {"gateway_type": "internet", "attached_vpcs": [vpc.rsplit("/", 1)[-1]]})
        self.link(node, vpc, "in_vpc")
        return node

    def route_table(self, name: str, vpc: str, routes: list[tuple[str, str]], main: bool = False) -> str:
        """Routes as (destination, target id): ``local``, ``igw-..``, ``nat-..``, ``pcx-..``."""
        kinds = {"local": "local", "igw": "igw", "nat": "nat", "pcx": "pcx"}
        normalized = [
            {"destination": d, "target": t, "target_kind": kinds.get(t.split("-")[0], "other"), "state": "active"}
            for d, t in routes
        ]
        node = self.add(arn(f"route-table/{name}"), "network.route_table", {"routes": normalized, "main": main})
        self.link(node, vpc, "in_vpc")
        return node

    def acl(self, name: str, vpc: str, inbound: list[AclRule], outbound: list[AclRule], default: bool = False) -> str:
        rules = [_rule("ingress", a, p, r, c, n) for n, a, p, r, c in inbound]
        rules += [_rule("egress", a, p, r, c, n) for n, a, p, r, c in outbound]
        node = self.add(arn(f"network-acl/{name}"), "network.acl", {"rules": rules, "is_default": default})
        self.link(node, vpc, "in_vpc")
        return node

    def subnet(self, name: str, vpc: str, cidr: str, table: str | None = None, acl: str | None = None,
               main: bool = False) -> str:
        node = self.add(arn(f"subnet/{name}"), "network.subnet", {"cidrs": [cidr]})
        self.link(node, vpc, "in_vpc")
        if table:
            self.link(node, table, "routes_to", main=main)
        if acl:
            self.link(node, acl, "protected_by")
        return node

    def group(self, name: str, vpc: str, ingress: list[GroupRule], egress: list[GroupRule] | None = None) -> str:
        """A security group; egress defaults to AWS's allow-all."""
        egress = [("all", (0, 65535), WORLD)] if egress is None else egress
        rules = [_rule("ingress", "allow", p, r, peer, None) for p, r, peer in ingress]
        rules += [_rule("egress", "allow", p, r, peer, None) for p, r, peer in egress]
        node = self.add(sg(name), "network.firewall", {"rules": rules})
        self.link(node, vpc, "in_vpc")
        return node

    # --- workloads -------------------------------------------------------------

    def _place(self, node: str, subnet: str, groups: list[str]) -> None:
        self.link(node, subnet, "in_subnet")
        for group in groups:
            self.link(node, group, "protected_by")

    def instance(self, name: str, subnet: str, groups: list[str], private_ip: str, public_ip: str | None = None,
                 ipv6: str | None = None, state: str = "running") -> str:
        network = {"public_ips": [public_ip] if public_ip else [], "private_ips": [private_ip],
                   "ipv6_ips": [ipv6] if ipv6 else []}
        node = self.add(arn(f"instance/{name}"), "compute.instance",
                        {"state": state, "network": network, "security_groups": groups})
        self._place(node, subnet, groups)
        return node

    def database(self, name: str, subnets: list[str], groups: list[str], public: bool | None, port: int = 5432) -> str:
        node = self.add(f"arn:aws:rds:{REGION}:{ACCOUNT}:db:{name}", "database.instance",
                        {"public": public, "engine": "postgres"},
                        raw={"Endpoint": {"Address": f"{name}.rds.example", "Port": port}})
        for subnet in subnets:
            self._place(node, subnet, groups)
        return node

    def load_balancer(self, name: str, subnets: list[str], groups: list[str], listeners: list[tuple[str, int]],
                      scheme: str = "internet-facing", lb_type: str = "application") -> str:
        node = self.add(
            f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/{name}/1", "network.load_balancer",
            {"scheme": scheme, "type": lb_type, "dns_name": f"{name}.elb.example",
             "listeners": [{"protocol": p, "port": port} for p, port in listeners], "targets": []},
        )
        for subnet in subnets:
            self._place(node, subnet, groups)
        return node

    def target(self, lb: str, target: str, port: int, protocol: str = "HTTP") -> None:
        self.link(lb, target, "routes_to", port=port, protocol=protocol, target_group="tg-1")

    def function(self, name: str, props: dict[str, Any], subnets: list[str] = (), groups: list[str] = ()) -> str:  # type: ignore[assignment]
        node = self.add(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}", "compute.function", props)
        for subnet in subnets:
            self._place(node, subnet, list(groups))
        return node

    def notebook(self, name: str, direct_internet_access: bool, status: str = "InService") -> str:
        return self.add(f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/{name}", "ai.notebook",
                        {"direct_internet_access": direct_internet_access, "status": status})

    # --- result ----------------------------------------------------------------

    def graph(self) -> EstateGraph:
        """The estate as a graph."""
        return EstateGraph(Snapshot(nodes=list(self.nodes.values()), edges=self.edges))

    @classmethod
    def standard(cls, public_routes: list[tuple[str, str]] | None = None) -> NetworkEstate:
        """One VPC with a public and a private subnet (see the module notes)."""
        estate = cls()
        vpc = estate.vpc()
        estate.igw("igw-1", vpc)
        # As AWS makes it for a VPC with IPv6: rule 100 for IPv4, 101 for IPv6.
        allow_all: list[AclRule] = [(100, "allow", "all", (0, 65535), WORLD), (101, "allow", "all", (0, 65535), "::/0")]
        acl = estate.acl("acl-default", vpc, allow_all, allow_all, default=True)
        routes = public_routes if public_routes is not None else [("10.0.0.0/16", "local"), (WORLD, "igw-1")]
        public = estate.route_table("rtb-public", vpc, routes)
        main = estate.route_table("rtb-main", vpc, [("10.0.0.0/16", "local")], main=True)
        estate.subnet("subnet-public", vpc, "10.0.1.0/24", public, acl)
        estate.subnet("subnet-private", vpc, "10.0.2.0/24", main, acl, main=True)
        return estate


VPC = arn("vpc/vpc-1")
PUBLIC = arn("subnet/subnet-public")
PRIVATE = arn("subnet/subnet-private")
