"""What each subcommand does, with every bad input turned into a message and exit code 2."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import msgspec

from cloudwarden import __version__
from cloudwarden.engine.cel import DEFAULT_BACKEND, CelBackend, UnknownBackendError, get_backend
from cloudwarden.engine.diff import DiffInputError
from cloudwarden.engine.evaluate import evaluate
from cloudwarden.engine.findings import Evaluation
from cloudwarden.engine.outputs import RunInfo, renderer
from cloudwarden.engine.policy import Policy, PolicyLoadError, builtin_policy_dir, load_policies
from cloudwarden.engine.policy_tests import PolicyTestError, default_tests_dir, run_policy_tests
from cloudwarden.engine.progress import progress_reporter
from cloudwarden.engine.store import ScanMeta, Store, StoreError, open_store
from cloudwarden.engine.suppressions import (
    SuppressionError,
    SuppressionReport,
    annotate_document,
    annotate_findings,
    apply_suppressions,
    load_suppressions,
    suppressions_path,
)
from cloudwarden.graph.snapshot import (
    Snapshot,
    SnapshotError,
    atomic_write_bytes,
    load_snapshot,
    now_rfc3339,
    write_snapshot,
)

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


class UsageError(Exception):
    """Flags that parse but do not make sense together."""


def _fail(message: str) -> int:
    print(f"cloudwarden: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def run_command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Dispatch a parsed command line; named errors become exit 2 with a one-line message."""
    from cloudwarden.providers.aws.collector import UnknownServiceError
    from cloudwarden.providers.aws.errors import AwsCredentialsError
    from cloudwarden.engine.findings_file import FindingsFileError
    from cloudwarden.engine.remediation.audit import AuditLogError
    from cloudwarden.providers.errors import ProviderInputError
    from cloudwarden.providers.remediation import RemediationError

    try:
        if args.command == "collect":
            return _collect(args)
        if args.command == "scan":
            return _scan(args)
        if args.command == "tickets":
            from cloudwarden.engine.tickets.command import run as run_tickets

            return run_tickets(args)
        if args.command == "remediate":
            return _remediate(args)
        if args.command == "policies":
            return _policies(args)
        if args.command == "paths":
            from cloudwarden.engine.paths_command import run_paths

            return run_paths(args)
        if args.command == "diff":
            from cloudwarden.engine.diff import run_diff

            return run_diff(args)
        if args.command == "history":
            from cloudwarden.engine.history import run_history

            return run_history(args)
    except PolicyLoadError as exc:
        for problem in exc.problems:
            print(f"cloudwarden: policy error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SuppressionError as exc:
        for problem in exc.problems:
            print(f"cloudwarden: suppressions error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (SnapshotError, UsageError, UnknownBackendError, UnknownServiceError, PolicyTestError,
            ProviderInputError, StoreError, DiffInputError) as exc:
        return _fail(str(exc))
    except (RemediationError, AuditLogError, FindingsFileError) as exc:
        return _fail(str(exc))
    except AwsCredentialsError as exc:
        return _fail(f"AWS credentials: {exc}")
    except OSError as exc:
        return _fail(f"{getattr(exc, 'filename', '') or ''} {exc.strerror or exc}".strip())
    parser.error(f"unknown command {args.command!r}")
    return EXIT_BAD_INPUT


def _collect_cloud(args: argparse.Namespace) -> Snapshot:
    from cloudwarden.engine.clouds import provider_command

    with progress_reporter(f"collecting {args.cloud}", quiet=args.quiet) as progress:
        snapshot = provider_command(args.cloud).collect_from_args(args, __version__, progress)
    gaps = snapshot.coverage_gaps()
    print(f"collected {len(snapshot.nodes)} nodes, {len(snapshot.edges)} edges"
          + (f"; {len(gaps)} coverage gap(s)" if gaps else ""), file=sys.stderr)
    return snapshot


def _collect(args: argparse.Namespace) -> int:
    snapshot = _collect_cloud(args)
    write_snapshot(snapshot, args.output)
    print(f"snapshot written to {args.output}", file=sys.stderr)
    return EXIT_OK


def load_pack(dirs: list[str], backend: CelBackend) -> list[Policy]:
    """Load policies (built-in by default); any problem stops the run with every problem listed."""
    policies, problems = load_policies(dirs or [builtin_policy_dir()], backend)
    if problems:
        raise PolicyLoadError(problems)
    return policies


def _scan(args: argparse.Namespace) -> int:
    started = now_rfc3339()
    sources = [bool(args.cloud), bool(args.snapshot), bool(args.demo)]
    if sum(sources) != 1:
        raise UsageError("scan needs exactly one of: a cloud (aws, azure, gcp), --snapshot FILE, --demo")
    if args.store and args.no_store:
        raise UsageError("--store and --no-store exclude each other")
    # Every bad input is found before collecting: a doomed run makes no API call.
    backend = get_backend(args.cel_backend)
    policies = load_pack(args.policies, backend)
    if args.policy:
        unknown = sorted(set(args.policy) - {p.id for p in policies})
        if unknown:
            raise UsageError(f"unknown policy id(s): {', '.join(unknown)}")
        policies = [p for p in policies if p.id in args.policy]
    suppressions_file = suppressions_path(args.suppressions)
    entries = load_suppressions(suppressions_file) if suppressions_file else []
    store = None if args.no_store else open_store(args.store)
    try:
        snapshot, origin = _estate(args)
        result = evaluate(snapshot, policies, backend)
        applied = None
        if suppressions_file:
            tags = {n.id: n.tags for n in snapshot.nodes if n.tags}
            applied = apply_suppressions(result, entries, suppressions_file, tags)
            for line in applied.warnings():
                print(f"cloudwarden: warning: {line}", file=sys.stderr)
        trend: tuple = ()
        if store is not None:
            _record(store, args, snapshot, origin, policies, result, applied, started)
            if args.format == "html":
                from cloudwarden.engine.history import trend as history_trend

                trend = history_trend(store)
    finally:
        if store is not None:
            store.close()
    evaluated = None
    if args.format == "junit":  # JUnit lists passing (policy, resource) pairs too
        from cloudwarden.engine.outputs.junit import evaluated_resources

        evaluated = evaluated_resources(snapshot, policies, backend)
    info = RunInfo(tool_version=__version__, snapshot=origin, collected_at=snapshot.collected_at, policies=tuple(policies),
                   suppressions=applied, trend=trend, evaluated=evaluated)
    report = _render(args.format, result, info)
    if args.output:
        atomic_write_bytes(Path(args.output), report.encode())
    else:
        sys.stdout.write(report)
    if args.fail_on and result.at_or_above(args.fail_on):  # suppressed findings never count
        return EXIT_FINDINGS
    return EXIT_OK


def _estate(args: argparse.Namespace) -> tuple[Snapshot, str | None]:
    """The snapshot to evaluate and where it came from (None for a live collection)."""
    if args.snapshot:
        return load_snapshot(args.snapshot), args.snapshot
    if args.demo:
        from cloudwarden.engine.demo import load_demo

        return load_demo(), "demo"
    snapshot = _collect_cloud(args)
    if args.save_snapshot:
        write_snapshot(snapshot, args.save_snapshot)
    return snapshot, None


def _record(store: Store, args: argparse.Namespace, snapshot: Snapshot, origin: str | None, policies: list[Policy],
            result: Evaluation, applied: SuppressionReport | None, started: str) -> None:
    """Record the scan (one transaction) with its findings as the JSON output carries them."""
    saved = getattr(args, "save_snapshot", None)
    meta = ScanMeta.for_snapshot(snapshot, source=_source(origin), started_at=started, tool_version=__version__,
                                 policies=[p.id for p in policies],
                                 saved_snapshot=str(Path(saved).resolve()) if saved else None)
    findings = annotate_findings(msgspec.to_builtins(result.findings), applied)
    scan_id = store.record_scan(meta, result.summary(), findings)
    print(f"recorded scan {scan_id} in {store.path}", file=sys.stderr)


def _source(origin: str | None) -> str:
    """How a scan's source is recorded: "live", "demo", or the snapshot's absolute path."""
    if origin is None:
        return "live"
    return origin if origin == "demo" else str(Path(origin).resolve())


def _render(fmt: str, result: Evaluation, info: RunInfo) -> str:
    if fmt == "json" and isinstance(info.suppressions, SuppressionReport):
        # The JSON document gains each suppressed finding's reason/owner/expiry and a suppressions section.
        from cloudwarden.engine.outputs import json_format

        doc = annotate_document(json_format.document(result, info), info.suppressions)
        return msgspec.json.format(msgspec.json.encode(doc), indent=2).decode() + "\n"
    return renderer(fmt)(result, info)


def _remediate(args: argparse.Namespace) -> int:
    from cloudwarden.engine.findings_file import load_findings
    from cloudwarden.engine.remediation.command import remediate, sessions

    if bool(args.findings) + bool(args.snapshot) > 1 or not (args.cloud or args.findings or args.snapshot):
        raise UsageError("remediate needs one of: --findings FILE, --snapshot FILE, a cloud (aws, azure, gcp) "
                         "to scan now; a cloud after --findings/--snapshot gives its sign-in options")
    if args.findings:
        findings = load_findings(args.findings)
    else:
        snapshot = load_snapshot(args.snapshot) if args.snapshot else _collect_cloud(args)
        backend = get_backend(DEFAULT_BACKEND)
        findings = evaluate(snapshot, load_pack([], backend), backend).findings
    return remediate(findings, args, sessions({}, args))


def _policies(args: argparse.Namespace) -> int:
    backend = get_backend(args.cel_backend)
    dirs = args.policies or [builtin_policy_dir()]
    policies, problems = load_policies(dirs, backend)
    if args.action == "validate":
        for problem in problems:
            print(str(problem))
        print(f"{len(policies)} valid, {len(problems)} problem(s)", file=sys.stderr)
        return EXIT_BAD_INPUT if problems else EXIT_OK
    if problems:
        raise PolicyLoadError(problems)
    if args.action == "list":
        return _list(policies, args.format)
    tests = [Path(t) for t in args.tests] or [default_tests_dir()]
    missing = [str(t) for t in tests if not t.is_dir()]
    if missing:
        raise UsageError(f"policy test folder not found: {', '.join(missing)}")
    results, test_problems = run_policy_tests(policies, tests, backend)
    failed = [r for r in results if not r.ok]
    for r in results if args.verbose_cases else failed:
        status = "ok  " if r.ok else "FAIL"
        print(f"{status} {r.policy}: {r.case}: expected {r.expected}, got {r.actual}"
              + (f" ({r.detail})" if r.detail and not r.ok else ""))
    for problem in test_problems:
        print(f"FAIL {problem}")
    passed = len(results) - len(failed)
    print(f"{passed} passed, {len(failed) + len(test_problems)} failed")
    return EXIT_FINDINGS if failed or test_problems else EXIT_OK


def _list(policies: list[Policy], fmt: str) -> int:
    rows = [
        {"id": p.id, "severity": p.severity, "categories": p.categories, "resource": p.kinds,
         "clouds": p.clouds or ["aws", "azure", "gcp"], "title": p.title, "compliance": p.compliance}
        for p in sorted(policies, key=lambda p: p.id)
    ]
    if fmt == "json":
        sys.stdout.write(msgspec.json.format(msgspec.json.encode(rows), indent=2).decode() + "\n")
    else:
        for row in rows:
            print(f"{row['id']:<50} {row['severity']:<8} {','.join(row['resource'])}")
    return EXIT_OK
