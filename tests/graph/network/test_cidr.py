"""Address-set arithmetic behind rule and route evaluation."""

from __future__ import annotations

from cloudwarden.graph.network.cidr import PUBLIC_INTERNET, AddressSet


def test_two_halves_cover_the_whole_ipv4_space() -> None:
    assert AddressSet.of("0.0.0.0/1", "128.0.0.0/1").covers(AddressSet.of("0.0.0.0/0"))


def test_removing_one_host_leaves_the_rest_of_the_range() -> None:
    rest = AddressSet.of("10.0.0.0/30") - AddressSet.of("10.0.0.1")
    assert rest.cidrs() == ["10.0.0.0/32", "10.0.0.2/31"]


def test_intersection_keeps_only_common_addresses() -> None:
    assert (AddressSet.of("10.0.0.0/16") & AddressSet.of("10.0.1.0/24", "192.168.0.0/16")).cidrs() == ["10.0.1.0/24"]


def test_ipv4_and_ipv6_never_overlap() -> None:
    assert not AddressSet.of("0.0.0.0/0").overlaps(AddressSet.of("::/0"))


def test_public_internet_leaves_out_private_ranges() -> None:
    assert not PUBLIC_INTERNET.overlaps(AddressSet.of("10.1.2.3", "172.16.0.1", "192.168.1.1", "fd00::1"))
    assert PUBLIC_INTERNET.covers(AddressSet.of("8.8.8.8", "2001:db8::1"))


def test_peers_that_are_not_addresses_are_ignored() -> None:
    assert not AddressSet.of("pl-12345", "arn:aws:ec2:us-east-1:1:security-group/sg-1", "")


def test_union_of_many_sets_is_merged() -> None:
    parts = [AddressSet.of(f"10.0.{i}.0/24") for i in range(4)]
    assert AddressSet.union_all(parts).cidrs() == ["10.0.0.0/22"]
