"""Policies: one YAML file each, loaded, checked and compiled once.

Every problem is a ``PolicyProblem`` naming the file, line and column, so that
``policies validate`` can report all of them and ``scan`` can refuse to run a
broken pack (a broken policy must never become a silently clean result).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cloudwarden.engine.cel import CelBackend, CelCompileError, CompiledExpr
from cloudwarden.graph.kinds import KINDS
from cloudwarden.graph.model import CLOUDS

SEVERITIES = ("critical", "high", "medium", "low", "info")
CATEGORIES = (
    "encryption",
    "least-privilege",
    "privilege-escalation",
    "segmentation",
    "exposure",
    "lateral-movement",
    "identity",
    "logging",
    "data-protection",
    "ai",
)
REQUIRED = ("id", "title", "severity", "categories", "resource", "assert")
OPTIONAL = ("clouds", "match", "message", "remediation", "compliance", "description", "references", "path")
NODE_FIELDS = ("id", "cloud", "kind", "native_type", "account", "region", "name", "tags", "props")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_FIELD_REF = re.compile(
    r"\bresource\.([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?(?:\.([A-Za-z_][A-Za-z0-9_]*))?"
)


@dataclass(frozen=True)
class PolicyProblem:
    """One thing wrong with a policy file, at a 1-based line and column."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class PolicyLoadError(Exception):
    """One or more policies are invalid; ``problems`` lists every one of them."""

    def __init__(self, problems: list[PolicyProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class Policy:
    """A loaded, compiled policy."""

    id: str
    title: str
    severity: str
    categories: list[str]
    kinds: list[str]
    assertion: CompiledExpr
    path: str
    clouds: list[str] = field(default_factory=list)
    match: CompiledExpr | None = None
    message: CompiledExpr | None = None
    remediation: dict[str, Any] = field(default_factory=dict)
    compliance: dict[str, list[str]] = field(default_factory=dict)
    description: str = ""
    facets: tuple[str, ...] = ()
    fact_paths: tuple[tuple[str, str | None], ...] = ()
    explainer: str | None = None  # the ``path:`` field: how a finding explains its attack path
    uses_graph: bool = False
    _remediations: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False, compare=False)

    def applies_to_cloud(self, cloud: str) -> bool:
        """Whether the optional ``clouds`` narrowing admits ``cloud``."""
        return not self.clouds or cloud in self.clouds

    def remediation_for(self, cloud: str) -> dict[str, Any]:
        """The remediation a finding on ``cloud`` shows: the summary, and the action of that cloud if any.

        ``action`` (the firm field) and the optional ``actions`` list may name
        actions of several clouds (``aws.s3...``, ``azure.storage...``); a finding
        carries only the one whose prefix is its own cloud.
        """
        cached = self._remediations.get(cloud)
        if cached is None:
            named = [self.remediation.get("action"), *(self.remediation.get("actions") or [])]
            mine = next((a for a in named if isinstance(a, str) and a.startswith(cloud + ".")), None)
            cached = {k: v for k, v in self.remediation.items() if k not in ("action", "actions")}
            if mine is not None:
                cached["action"] = mine
            self._remediations[cloud] = cached
        return cached


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _expr_position(node: yaml.ScalarNode, line: int | None, column: int | None) -> tuple[int, int]:
    """Map a position inside a CEL string back onto the YAML file."""
    base_line, base_col = _position(node)
    if line is None:
        return base_line, base_col
    column = column or 1
    if node.style in ("|", ">"):
        indent = node.end_mark.column if node.end_mark.line == node.start_mark.line else None
        indent = _block_indent(node) if indent is None else indent
        return base_line + line, indent + column
    quote = 1 if node.style in ("'", '"') else 0
    if line == 1:
        return base_line, base_col + quote + column - 1
    return base_line + line - 1, column


def _block_indent(node: yaml.ScalarNode) -> int:
    buffer = node.start_mark.buffer or ""
    lines = buffer.splitlines()
    following = lines[node.start_mark.line + 1] if node.start_mark.line + 1 < len(lines) else ""
    return len(following) - len(following.lstrip(" "))


class _Loader:
    """Collects problems while turning one YAML document into a Policy."""

    def __init__(self, path: str, backend: CelBackend) -> None:
        self.path = path
        self.backend = backend
        self.problems: list[PolicyProblem] = []

    def problem(self, node: yaml.Node | None, message: str, at: tuple[int, int] | None = None) -> None:
        line, column = at or (_position(node) if node is not None else (1, 1))
        self.problems.append(PolicyProblem(self.path, line, column, message))

    def load(self, text: str) -> Policy | None:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            at = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            self.problem(None, f"invalid YAML: {exc.problem or exc}", at)
            return None
        if not isinstance(root, yaml.MappingNode):
            self.problem(root, "a policy file must hold one mapping (id, title, severity, ...)")
            return None
        nodes: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, value in root.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key)
            if name in nodes:
                self.problem(key, f"duplicate field {name!r}")
            elif name not in REQUIRED + OPTIONAL:
                self.problem(key, f"unknown field {name!r}; expected one of: {', '.join(REQUIRED + OPTIONAL)}")
            nodes[name] = (key, value)
        for name in REQUIRED:
            if name not in nodes:
                self.problem(root, f"missing required field {name!r}")
        if self.problems:
            return None
        data = {name: yaml.safe_load(yaml.serialize(value)) for name, (_, value) in nodes.items()}
        return self._build(data, nodes)

    def _strings(self, data: dict[str, Any], nodes: dict[str, Any], name: str, allowed: Iterable[str] | None) -> list[str]:
        value = data.get(name)
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            self.problem(nodes[name][1], f"{name!r} must be a non-empty list of strings")
            return []
        if allowed is not None:
            allowed = list(allowed)
            for v in values:
                if v not in allowed:
                    self.problem(nodes[name][1], f"unknown {name[:-1] if name.endswith('s') else name} {v!r} in {name!r}; known: {', '.join(allowed)}")
        return values

    def _compile(self, nodes: dict[str, Any], name: str, want: tuple[str, ...]) -> CompiledExpr | None:
        if name not in nodes:
            return None
        node = nodes[name][1]
        if not isinstance(node, yaml.ScalarNode) or not isinstance(yaml.safe_load(yaml.serialize(node)), str):
            self.problem(node, f"{name!r} must be a CEL expression string")
            return None
        try:
            expr = self.backend.compile(node.value)
        except CelCompileError as exc:
            self.problem(node, f"{name}: {exc.message}", _expr_position(node, exc.line, exc.column))
            return None
        if expr.result_type not in want:
            self.problem(node, f"{name}: expression must evaluate to {' or '.join(w for w in want if w != 'dyn')}, not {expr.result_type}")
            return None
        return expr

    def _build(self, data: dict[str, Any], nodes: dict[str, Any]) -> Policy | None:
        pid = data["id"]
        if not isinstance(pid, str) or not _ID.match(pid):
            self.problem(nodes["id"][1], f"id {pid!r} must be kebab-case (a-z, 0-9, '-')")
        elif Path(self.path).stem != pid:
            self.problem(nodes["id"][1], f"id {pid!r} must match the file name ({Path(self.path).name})")
        if not isinstance(data["title"], str) or not data["title"].strip():
            self.problem(nodes["title"][1], "'title' must be a non-empty string")
        if data["severity"] not in SEVERITIES:
            self.problem(nodes["severity"][1], f"severity {data['severity']!r} must be one of: {', '.join(SEVERITIES)}")
        categories = self._strings(data, nodes, "categories", CATEGORIES)
        kinds = self._strings(data, nodes, "resource", KINDS)
        clouds = self._strings(data, nodes, "clouds", CLOUDS) if "clouds" in data else []
        for name in ("remediation", "compliance"):
            if name in data and not isinstance(data[name], dict):
                self.problem(nodes[name][1], f"{name!r} must be a mapping")
        remediation = data.get("remediation") if isinstance(data.get("remediation"), dict) else {}
        actions = remediation.get("actions", [])
        if not isinstance(remediation.get("action", ""), str) or not isinstance(actions, list) or not all(
                isinstance(a, str) and a.split(".", 1)[0] in CLOUDS for a in actions):
            self.problem(nodes["remediation"][1], "remediation 'action' must be a string and 'actions' a list of "
                         "action ids starting with their cloud (aws., azure., gcp.)")
        compliance = data.get("compliance") or {}
        if isinstance(compliance, dict):
            for framework, refs in compliance.items():
                if not isinstance(refs, list) or not all(isinstance(r, (str, int, float)) for r in refs):
                    self.problem(nodes["compliance"][1], f"compliance {framework!r} must list control ids")
        assertion = self._compile(nodes, "assert", ("bool", "dyn"))
        match = self._compile(nodes, "match", ("bool", "dyn"))
        message = self._compile(nodes, "message", ("string", "dyn"))
        facets, fact_paths = self._check_references(nodes, kinds)
        path = data.get("path")
        if path is not None and path not in path_explainers():
            self.problem(nodes["path"][1], f"unknown path explainer {path!r}; known: {', '.join(sorted(path_explainers()))}")
        sources = " ".join(str(data.get(n) or "") for n in ("assert", "match", "message"))
        uses_graph = any(re.search(rf"\b{name}\s*\(", sources) for name in graph_function_names())
        if self.problems or assertion is None:
            return None
        return Policy(
            id=pid,
            title=data["title"].strip(),
            severity=data["severity"],
            categories=categories,
            kinds=kinds,
            assertion=assertion,
            path=self.path,
            clouds=clouds,
            match=match,
            message=message,
            remediation=dict(data.get("remediation") or {}),
            compliance={str(k): [str(r) for r in v] for k, v in compliance.items()},
            description=str(data.get("description") or ""),
            facets=facets,
            fact_paths=fact_paths,
            explainer=path,
            uses_graph=uses_graph or path is not None,
        )

    def _check_references(
        self, nodes: dict[str, Any], kinds: list[str]
    ) -> tuple[tuple[str, ...], tuple[tuple[str, str | None], ...]]:
        """``resource.X`` must be a node field and ``resource.props.F`` a facet of every kind the policy names.

        Returns the facets read (the finding's evidence) and the (facet, sub-field)
        paths read (to tell an unknown fact from a broken policy at run time).
        """
        facets: list[str] = []
        paths: list[tuple[str, str | None]] = []
        for name in ("assert", "match", "message"):
            if name not in nodes or not isinstance(nodes[name][1], yaml.ScalarNode):
                continue
            node = nodes[name][1]
            for ref in _FIELD_REF.finditer(node.value):
                top, facet = ref.group(1), ref.group(2)
                if top not in NODE_FIELDS:
                    self.problem(node, f"{name}: resource has no field {top!r}; fields: {', '.join(NODE_FIELDS)}",
                                 _expr_position(node, 1 + node.value.count("\n", 0, ref.start()), ref.start() + 1 - (node.value.rfind("\n", 0, ref.start()) + 1)))
                elif top == "props" and facet:
                    for kind in kinds:
                        if kind in KINDS and facet not in KINDS[kind].all_facets():
                            self.problem(node, f"{name}: facet {facet!r} is not declared for kind {kind!r} (graph/kinds.py)")
                    if facet not in facets:
                        facets.append(facet)
                    if (facet, ref.group(3)) not in paths:
                        paths.append((facet, ref.group(3)))
        return tuple(facets), tuple(paths)


def path_explainers() -> frozenset[str]:
    """Names a policy's ``path`` field may take (see ``engine/path_explainers.py``)."""
    from cloudwarden.engine.path_explainers import EXPLAINERS

    return frozenset(EXPLAINERS)


def graph_function_names() -> frozenset[str]:
    """The graph-aware CEL functions (a policy calling one needs the derived graph)."""
    from cloudwarden.engine.graph_functions import GRAPH_FUNCTION_NAMES

    return GRAPH_FUNCTION_NAMES


def load_policy_text(text: str, path: str, backend: CelBackend) -> tuple[Policy | None, list[PolicyProblem]]:
    """Load one policy from its YAML text; returns the policy (or None) and every problem found."""
    loader = _Loader(path, backend)
    policy = loader.load(text)
    return policy, loader.problems


def policy_files(directories: Iterable[str | Path]) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` policy file under the directories, sorted."""
    files: list[Path] = []
    for directory in directories:
        root = Path(directory)
        if root.is_file():
            files.append(root)
            continue
        if not root.is_dir():
            raise PolicyLoadError([PolicyProblem(str(root), 1, 1, "policy directory does not exist")])
        files.extend(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    return sorted(files)


def load_policies(directories: Iterable[str | Path], backend: CelBackend) -> tuple[list[Policy], list[PolicyProblem]]:
    """Load every policy under the directories; problems are collected, not raised."""
    policies: list[Policy] = []
    problems: list[PolicyProblem] = []
    seen: dict[str, str] = {}
    for path in policy_files(directories):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(PolicyProblem(str(path), 1, 1, f"cannot read policy: {exc}"))
            continue
        policy, found = load_policy_text(text, str(path), backend)
        problems.extend(found)
        if policy is None:
            continue
        if policy.id in seen:
            problems.append(PolicyProblem(str(path), 1, 1, f"duplicate policy id {policy.id!r} (also in {seen[policy.id]})"))
            continue
        seen[policy.id] = str(path)
        policies.append(policy)
    return policies, problems


def builtin_policy_dir() -> Path:
    """The folder of the built-in pack shipped with the package."""
    import cloudwarden.policies

    return Path(cloudwarden.policies.__file__).parent
