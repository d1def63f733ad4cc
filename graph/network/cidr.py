"""Sets of IP addresses as sorted integer intervals, for exact firewall and route arithmetic.

Reachability asks set questions: which internet addresses survive a NACL that
denies some ranges and allows others, which part of a range a longer route
takes away from the default route. Ranges (not single sample addresses) keep
those answers exact: two ``/1`` routes to a NAT gateway do cover the whole
internet, and a NACL denying one abusive ``/32`` does not hide an open port.
Each family (IPv4, IPv6) is its own tuple of inclusive ``(first, last)`` intervals.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

Interval = tuple[int, int]
Intervals = tuple[Interval, ...]


@lru_cache(maxsize=65536)
def parse_network(text: str) -> tuple[int, int, int, int] | None:
    """``(version, first, last, prefix_length)`` of a CIDR or address; None for anything else.

    Prefix-list ids (``pl-..``) and security-group ARNs are peers too, so they
    are answered with None rather than an error.
    """
    if not text or text[0] not in "0123456789abcdefABCDEF:" or text.startswith(("arn:", "pl-")):
        return None
    try:
        net = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None
    return net.version, int(net.network_address), int(net.broadcast_address), net.prefixlen


def _merge(intervals: Iterable[Interval]) -> Intervals:
    merged: list[list[int]] = []
    for low, high in sorted(intervals):
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return tuple((a, b) for a, b in merged)


def _intersect(left: Intervals, right: Intervals) -> Intervals:
    # Fast paths: one side inside a single interval of the other (a host set inside its VPC range).
    if len(right) == 1 and left and right[0][0] <= left[0][0] and left[-1][1] <= right[0][1]:
        return left
    if len(left) == 1 and right and left[0][0] <= right[0][0] and right[-1][1] <= left[0][1]:
        return right
    out: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        low = max(left[i][0], right[j][0])
        high = min(left[i][1], right[j][1])
        if low <= high:
            out.append((low, high))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def _subtract(left: Intervals, right: Intervals) -> Intervals:
    out: list[Interval] = []
    j = 0
    for low, high in left:
        cursor = low
        while j < len(right) and right[j][1] < cursor:
            j += 1
        k = j
        while k < len(right) and right[k][0] <= high:
            if right[k][0] > cursor:
                out.append((cursor, right[k][0] - 1))
            cursor = max(cursor, right[k][1] + 1)
            k += 1
        if cursor <= high:
            out.append((cursor, high))
    return tuple(out)


class AddressSet:
    """An immutable set of IPv4 and IPv6 addresses."""

    __slots__ = ("v4", "v6")

    def __init__(self, v4: Intervals = (), v6: Intervals = ()) -> None:
        self.v4 = v4
        self.v6 = v6

    @classmethod
    def of(cls, *texts: str) -> AddressSet:
        """The addresses of the given CIDRs or addresses; anything that is not one is ignored."""
        return cls.from_iter(texts)

    @classmethod
    def from_iter(cls, texts: Iterable[str]) -> AddressSet:
        """As ``of``, from any iterable."""
        v4: list[Interval] = []
        v6: list[Interval] = []
        for text in texts:
            parsed = parse_network(text)
            if parsed is not None:
                (v4 if parsed[0] == 4 else v6).append((parsed[1], parsed[2]))
        return cls(_merge(v4), _merge(v6))

    @classmethod
    def union_all(cls, sets: Iterable[AddressSet]) -> AddressSet:
        """The union of many sets, merged once (cheaper than folding ``|``)."""
        v4: list[Interval] = []
        v6: list[Interval] = []
        for item in sets:
            v4 += item.v4
            v6 += item.v6
        return cls(_merge(v4), _merge(v6))

    def __bool__(self) -> bool:
        return bool(self.v4 or self.v6)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AddressSet) and self.v4 == other.v4 and self.v6 == other.v6

    def __hash__(self) -> int:
        return hash((self.v4, self.v6))

    def __repr__(self) -> str:
        return f"AddressSet({', '.join(self.cidrs(limit=8))})"

    def __or__(self, other: AddressSet) -> AddressSet:
        if not other:
            return self
        if not self:
            return other
        return AddressSet(_merge(self.v4 + other.v4), _merge(self.v6 + other.v6))

    def __and__(self, other: AddressSet) -> AddressSet:
        if not self or not other:
            return EMPTY
        if other is ALL_ADDRESSES or self is other:
            return self
        if self is ALL_ADDRESSES:
            return other
        return AddressSet(_intersect(self.v4, other.v4), _intersect(self.v6, other.v6))

    def __sub__(self, other: AddressSet) -> AddressSet:
        if not self or not other:
            return self
        return AddressSet(_subtract(self.v4, other.v4), _subtract(self.v6, other.v6))

    def covers(self, other: AddressSet) -> bool:
        """Every address of ``other`` is in this set."""
        return not (other - self)

    def overlaps(self, other: AddressSet) -> bool:
        """Some address is in both sets."""
        return bool(self & other)

    def family(self, version: int) -> AddressSet:
        """Only the IPv4 (4) or IPv6 (6) part."""
        return AddressSet(self.v4, ()) if version == 4 else AddressSet((), self.v6)

    def cidrs(self, limit: int | None = None) -> list[str]:
        """The set as the fewest CIDRs, IPv4 first; at most ``limit`` of them."""
        out: list[str] = []
        for intervals, factory in ((self.v4, ipaddress.IPv4Address), (self.v6, ipaddress.IPv6Address)):
            for low, high in intervals:
                for net in ipaddress.summarize_address_range(factory(low), factory(high)):
                    out.append(str(net))
                    if limit is not None and len(out) >= limit:
                        return out
        return out


EMPTY = AddressSet()
ALL_ADDRESSES = AddressSet.of("0.0.0.0/0", "::/0")

# Addresses no internet host can have as a source: private, shared (CGNAT), loopback,
# link-local, multicast and reserved IPv4 space; for IPv6 only global unicast is routed.
_NOT_INTERNET_V4 = (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4",
)
PUBLIC_INTERNET = AddressSet.of("0.0.0.0/0") - AddressSet.of(*_NOT_INTERNET_V4) | AddressSet.of("2000::/3")
