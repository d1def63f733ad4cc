"""Suppressions: accepted findings, each with a reason, an owner and an expiry date.

A suppressions file (``scan --suppressions FILE`` or ``CLOUDWARDEN_SUPPRESSIONS``)::

    suppressions:
      - policy: bucket-access-logging          # globs (fnmatch, case-sensitive)
        resource: "arn:aws:s3:::logs-*"        # matched against the resource id
        account: "1234*"
        tags: {env: sandbox}                   # every listed tag must exist and match
        reason: the log bucket cannot log to itself
        owner: platform-team@example.com
        expires: 2025-12-31                    # applies through that day (UTC)

At least one matcher is required (a suppression of everything is a mistake), and every
entry must say why, who owns it and until when. A suppressed finding stays in the JSON
output, marked, and never counts toward ``--fail-on``; an expired entry no longer applies
and is reported, so accepted risk is revisited rather than forgotten.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml
from cloudwarden.engine.findings import Evaluation, Finding

ENV_VAR = "CLOUDWARDEN_SUPPRESSIONS"
MATCHERS = ("policy", "resource", "account", "tags")
REQUIRED = ("reason", "owner", "expires")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class SuppressionError(Exception):
    """A suppressions file that cannot be used; each problem names file:line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Suppression:
    """One entry of a suppressions file."""

    reason: str
    owner: str
    expires: date
    policy: str | None = None
    resource: str | None = None
    account: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    file: str = ""
    line: int = 0

    def matches(self, finding: Finding, tags: Mapping[str, str]) -> bool:
        """Whether every matcher of this entry matches the finding (and its resource's tags)."""
        if self.policy is not None and not fnmatchcase(finding.policy, self.policy):
            return False
        if self.resource is not None and not fnmatchcase(finding.resource.id, self.resource):
            return False
        if self.account is not None and not fnmatchcase(finding.resource.account or "", self.account):
            return False
        return all(key in tags and fnmatchcase(str(tags[key]), pattern) for key, pattern in self.tags.items())

    def expired(self, today: date) -> bool:
        """True once ``today`` is past the expiry date."""
        return today > self.expires

    def where(self) -> str:
        """``file:line`` of the entry."""
        return f"{self.file}:{self.line}"

    def details(self) -> dict[str, str]:
        """What a suppressed finding carries: why, who, until when."""
        return {"reason": self.reason, "owner": self.owner, "expires": self.expires.isoformat()}

    def to_json(self) -> dict[str, Any]:
        """The entry as plain data, with where it was defined."""
        matchers: dict[str, Any] = {k: getattr(self, k) for k in ("policy", "resource", "account")
                                    if getattr(self, k) is not None}
        if self.tags:
            matchers["tags"] = dict(self.tags)
        return {**matchers, **self.details(), "file": self.file, "line": self.line}


# --- loading ------------------------------------------------------------------------------------


def suppressions_path(explicit: str | None) -> str | None:
    """The suppressions file to use: ``--suppressions``, else ``CLOUDWARDEN_SUPPRESSIONS``, else none."""
    return explicit or os.environ.get(ENV_VAR, "").strip() or None


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def load_suppressions(path: str | Path) -> list[Suppression]:
    """Parse and validate a suppressions file; every problem is reported at once."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SuppressionError([f"{name}: cannot read suppressions file: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise SuppressionError([f"{name}: suppressions file is not UTF-8 text"]) from None
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return []
        problems: list[str] = []
        entries = _entry_nodes(root, name, problems)
        found = [s for i, node in enumerate(entries, 1) if (s := _entry(node, i, name, loader, problems))]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}:{mark.line + 1}" if mark else name
        raise SuppressionError([f"{where}: invalid YAML: {exc.problem or exc}"]) from None
    except yaml.YAMLError as exc:
        raise SuppressionError([f"{name}: invalid YAML: {exc}"]) from None
    finally:
        loader.dispose()
    if problems:
        raise SuppressionError(problems)
    return found


def _entry_nodes(root: yaml.Node, name: str, problems: list[str]) -> list[yaml.Node]:
    """The entry nodes: a top-level list, or the list under ``suppressions:``."""
    if isinstance(root, yaml.MappingNode):
        listed = None
        for key, value in root.value:
            if key.value == "suppressions":
                listed = value
            elif key.value != "version":
                problems.append(f"{name}:{_line(key)}: unknown top-level key {key.value!r} (expected suppressions)")
        if listed is None:
            problems.append(f"{name}:{_line(root)}: no 'suppressions:' list")
            return []
        root = listed
    if isinstance(root, yaml.ScalarNode) and root.tag.endswith(":null"):
        return []
    if not isinstance(root, yaml.SequenceNode):
        problems.append(f"{name}:{_line(root)}: suppressions must be a list of entries")
        return []
    return list(root.value)


def _entry(node: yaml.Node, index: int, name: str, loader: yaml.SafeLoader, problems: list[str]) -> Suppression | None:
    where = f"{name}:{_line(node)}: suppression {index}"
    if not isinstance(node, yaml.MappingNode):
        problems.append(f"{where}: must be a mapping of matchers, reason, owner and expires")
        return None
    before = len(problems)
    fields: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = key_node.value
        at = f"{name}:{_line(key_node)}: suppression {index}"
        if key not in MATCHERS and key not in REQUIRED:
            problems.append(f"{at}: unknown field {key!r} (expected {', '.join(MATCHERS + REQUIRED)})")
        elif key in fields:
            problems.append(f"{at}: field {key!r} given twice")
        else:
            fields[key] = _field(key, value_node, at, loader, problems)
    missing = [k for k in REQUIRED if k not in fields]
    if missing:
        problems.append(f"{where}: missing required field(s): {', '.join(missing)}")
    if not any(k in fields for k in MATCHERS):
        problems.append(f"{where}: needs at least one matcher ({', '.join(MATCHERS)})")
    if len(problems) > before:
        return None
    return Suppression(reason=fields["reason"], owner=fields["owner"], expires=fields["expires"],
                       policy=fields.get("policy"), resource=fields.get("resource"), account=fields.get("account"),
                       tags=fields.get("tags", {}), file=name, line=_line(node))


def _field(key: str, node: yaml.Node, at: str, loader: yaml.SafeLoader, problems: list[str]) -> Any:
    value = loader.construct_object(node, deep=True)
    if key == "expires":
        return _date(value, node, at, problems)
    if key == "tags":
        if not isinstance(value, dict) or not value:
            problems.append(f"{at}: tags must be a non-empty mapping of tag key to glob")
            return {}
        bad = [str(k) for k, v in value.items() if not isinstance(k, str) or not isinstance(v, str)]
        if bad:
            problems.append(f"{at}: tag(s) {', '.join(bad)}: keys and values must be strings (quote them)")
        return {str(k): str(v) for k, v in value.items()}
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{at}: {key} must be a non-empty string")
        return ""
    return value.strip() if key in REQUIRED else value


def _date(value: Any, node: yaml.Node, at: str, problems: list[str]) -> date | None:
    # YAML reads an unquoted 2025-12-31 as a date and a quoted one as a string: accept both, nothing else.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    text = getattr(node, "value", value)
    problems.append(f"{at}: expires {text!r} is not a date YYYY-MM-DD")
    return None


# --- applying -----------------------------------------------------------------------------------


@dataclass
class SuppressionReport:
    """What a suppressions file did to one scan."""

    file: str
    entries: list[Suppression]
    applied: dict[str, Suppression] = field(default_factory=dict)  # finding fingerprint -> entry
    expired: list[Suppression] = field(default_factory=list)
    would_apply: dict[int, int] = field(default_factory=dict)  # id(expired entry) -> findings it would cover

    def unused(self) -> list[Suppression]:
        """Active entries that matched no finding (fixed, or a pattern that never matched)."""
        used = {id(s) for s in self.applied.values()} | {id(s) for s in self.expired}
        return [s for s in self.entries if id(s) not in used]

    def warnings(self) -> list[str]:
        """One line per expired entry, for stderr."""
        lines = []
        for s in self.expired:
            count = self.would_apply.get(id(s), 0)
            lines.append(f"{s.where()}: suppression expired on {s.expires.isoformat()} (owner {s.owner}): "
                         f"no longer applied" + (f"; {count} finding(s) it matched now count" if count else ""))
        return lines

    def to_json(self) -> dict[str, Any]:
        """The ``suppressions`` section of the JSON findings document."""
        return {
            "file": self.file,
            "entries": len(self.entries),
            "applied": len(self.applied),
            "expired": [{**s.to_json(), "matching_findings": self.would_apply.get(id(s), 0)} for s in self.expired],
            "unused": [s.to_json() for s in self.unused()],
        }


def today_utc() -> date:
    """Today's date in UTC: expiry must not depend on the scanning machine's time zone."""
    return datetime.now(UTC).date()


def apply_suppressions(evaluation: Evaluation, entries: list[Suppression], file: str,
                       tags: Mapping[str, Mapping[str, str]] | None = None, today: date | None = None) -> SuppressionReport:
    """Mark matching findings suppressed (first active entry in file order wins); report expired entries.

    ``tags`` maps resource ids to their tags (findings do not carry tags).
    """
    today = today or today_utc()
    active = [s for s in entries if not s.expired(today)]
    report = SuppressionReport(file=file, entries=entries, expired=[s for s in entries if s.expired(today)])
    tags = tags or {}
    for finding in evaluation.findings:
        resource_tags = tags.get(finding.resource.id, {})
        entry = next((s for s in active if s.matches(finding, resource_tags)), None)
        if entry is not None:
            finding.suppressed = True
            report.applied[finding.id] = entry
            continue
        for s in report.expired:
            if s.matches(finding, resource_tags):
                report.would_apply[id(s)] = report.would_apply.get(id(s), 0) + 1
    return report


def annotate_findings(findings: list[dict[str, Any]], report: SuppressionReport | None) -> list[dict[str, Any]]:
    """Add ``suppression: {reason, owner, expires}`` to each suppressed finding's plain data (in place)."""
    if report is not None:
        for f in findings:
            entry = report.applied.get(f.get("id", ""))
            if entry is not None and f.get("suppressed"):
                f["suppression"] = entry.details()
    return findings


def annotate_document(doc: dict[str, Any], report: SuppressionReport | None) -> dict[str, Any]:
    """The findings document with suppression details per finding and a ``suppressions`` section."""
    if report is not None:
        annotate_findings(doc.get("findings", []), report)
        doc["suppressions"] = report.to_json()
    return doc
