"""The ``cloudwarden`` command line.

Exit codes (firm): 0 nothing at or above ``--fail-on``; 1 findings at or above
it; 2 bad input (flags, policy, snapshot, credentials). Machine formats go to
stdout or ``-o``; progress and logs go to stderr.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from types import ModuleType

from cloudwarden import __version__
from cloudwarden.engine.cel import BACKENDS, DEFAULT_BACKEND
from cloudwarden.engine.clouds import PROVIDERS
from cloudwarden.engine.findings import SEVERITY_ORDER
from cloudwarden.engine.outputs import FORMATS
from cloudwarden.engine.remediation.command import add_options as add_remediate_options
from cloudwarden.engine.tickets.command import add_parser as add_tickets_parser
from cloudwarden.graph.model import EDGE_KINDS

def _policy_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--policies", action="append", default=[], metavar="DIR",
                        help="policy directory (repeatable; default: the built-in pack)")
    parser.add_argument("--cel-backend", choices=BACKENDS, default=DEFAULT_BACKEND,
                        help=f"CEL implementation (default {DEFAULT_BACKEND})")


def _scan_options(parser: argparse.ArgumentParser, default: object) -> None:
    """Report and policy options of ``scan``; on a cloud subcommand they default to SUPPRESS so that a
    value given before the cloud name (``scan --format json aws``) is not reset by the subcommand."""

    def value(real: object) -> object:
        return real if default is None else default

    parser.add_argument("--format", choices=sorted(FORMATS), default=value("table"),
                        help="output format (default table)")
    parser.add_argument("-o", "--output", metavar="FILE", default=value(None),
                        help="write the report here instead of stdout")
    parser.add_argument("--fail-on", choices=list(SEVERITY_ORDER), metavar="SEVERITY", default=value(None),
                        help="exit 1 when a finding is at or above this severity (critical|high|medium|low|info)")
    parser.add_argument("--policy", action="append", default=value([]), metavar="ID",
                        help="evaluate only these policies")
    parser.add_argument("--policies", action="append", default=value([]), metavar="DIR",
                        help="policy directory (repeatable; default: the built-in pack)")
    parser.add_argument("--cel-backend", choices=BACKENDS, default=value(DEFAULT_BACKEND),
                        help=f"CEL implementation (default {DEFAULT_BACKEND})")
    _store_option(parser, value(None))
    parser.add_argument("--no-store", action="store_true", default=value(False),
                        help="do not record this scan in the history store")
    parser.add_argument("--suppressions", metavar="FILE", default=value(None),
                        help="YAML file of accepted findings (default: $CLOUDWARDEN_SUPPRESSIONS)")


def _store_option(parser: argparse.ArgumentParser, default: object = None) -> None:
    parser.add_argument("--store", metavar="PATH", default=default,
                        help="scan history database (default: $CLOUDWARDEN_STORE, else history.sqlite3 "
                        "in the user data folder)")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _history_commands(sub: argparse._SubParsersAction) -> None:
    """``diff`` and ``history``: reading the scan history."""
    diff = sub.add_parser("diff", help="new, resolved and unchanged findings between two scans",
                          description="OLD and NEW are scan ids of the history store, latest, previous, or "
                          "findings JSON files (scan --format json). Findings are matched by fingerprint. "
                          "Exit 1 with --fail-on-new when NEW adds findings at or above it; 2 on bad input.")
    diff.add_argument("old", metavar="OLD", help="scan id, latest, previous or findings JSON file")
    diff.add_argument("new", metavar="NEW", help="scan id, latest, previous or findings JSON file")
    diff.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")
    diff.add_argument("-o", "--output", metavar="FILE", help="write the diff here instead of stdout")
    diff.add_argument("--fail-on-new", choices=list(SEVERITY_ORDER), metavar="SEVERITY",
                      help="exit 1 when a new (or newly raised) unsuppressed finding is at or above this severity")
    _store_option(diff)

    history = sub.add_parser("history", help="recorded scans with counts by severity and the trend")
    history.add_argument("--limit", type=_positive_int, default=20, metavar="N", help="newest N scans (default 20)")
    history.add_argument("--by-policy", action="store_true", help="also count findings per policy")
    history.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")
    history.add_argument("-o", "--output", metavar="FILE", help="write the listing here instead of stdout")
    _store_option(history)


def available_providers() -> dict[str, tuple[ModuleType, str]]:
    """The clouds whose provider is installed, with their command modules."""
    found = {}
    for cloud, (module, text) in PROVIDERS.items():
        try:
            found[cloud] = (importlib.import_module(module), text)
        except ModuleNotFoundError as exc:
            if exc.name is None or not module.startswith(exc.name):
                raise
    return found


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(prog="cloudwarden", description="Multi-cloud security policy engine.")
    parser.add_argument("--version", action="version", version=f"cloudwarden {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging on stderr")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    collect = sub.add_parser("collect", help="collect a cloud estate into a snapshot file")
    csub = collect.add_subparsers(dest="cloud", required=True, metavar="CLOUD")
    for cloud, (command, text) in available_providers().items():
        cp = csub.add_parser(cloud, help=f"collect {text}")
        command.add_options(cp)
        cp.add_argument("-o", "--output", required=True, metavar="SNAPSHOT", help="snapshot file (.json or .json.gz)")

    scan = sub.add_parser("scan", help="evaluate policies on a live estate, a snapshot or the demo",
                          description="scan CLOUD [options] collects and evaluates; scan --snapshot FILE or "
                          "scan --demo evaluates a saved estate.")
    scan.add_argument("--snapshot", metavar="FILE", help="evaluate a saved snapshot")
    scan.add_argument("--demo", action="store_true", help="evaluate the demo estate shipped with cloudwarden")
    _scan_options(scan, None)
    ssub = scan.add_subparsers(dest="cloud", required=False, metavar="CLOUD")
    for cloud, (command, text) in available_providers().items():
        sp = ssub.add_parser(cloud, help=f"collect {text}, then evaluate")
        sp.add_argument("--save-snapshot", metavar="FILE", help="also write the collected snapshot")
        _scan_options(sp, argparse.SUPPRESS)
        command.add_options(sp)

    paths = sub.add_parser("paths", help="attack paths between nodes of a snapshot, every hop explained",
                           description="Selectors: internet, a node id, kind:KIND, cel:EXPR (over resource). "
                           "Exit 0 whether or not a path exists (\"no path\" goes to stderr); 2 on bad input.")
    paths.add_argument("--snapshot", required=True, metavar="FILE", help="snapshot to query")
    paths.add_argument("--from", dest="from_", required=True, metavar="SELECTOR", help="where paths start")
    paths.add_argument("--to", required=True, metavar="SELECTOR", help="where paths end")
    paths.add_argument("--max-hops", type=int, default=6, metavar="N", help="longest path (default 6)")
    paths.add_argument("-k", type=int, default=3, metavar="N", help="shortest paths per source/target pair (default 3)")
    paths.add_argument("--limit", type=int, default=100, metavar="N", help="paths in all (default 100)")
    paths.add_argument("--edge", action="append", default=[], choices=sorted(EDGE_KINDS), metavar="KIND",
                       help="follow only this edge kind (repeatable; default: reaches, runs_as, can_assume, "
                       "can_escalate, can_access, writes_to, reads_from)")
    paths.add_argument("--format", choices=["table", "json", "dot", "mermaid"], default="table",
                       help="output format (default table)")
    paths.add_argument("-o", "--output", metavar="FILE", help="write the result here instead of stdout")
    paths.add_argument("--derive", action=argparse.BooleanOptionalAction, default=True,
                       help="derive attack edges (permissions, reachability...) before querying (default on)")
    paths.add_argument("--cel-backend", choices=BACKENDS, default=DEFAULT_BACKEND,
                       help=f"CEL implementation for cel: selectors (default {DEFAULT_BACKEND})")

    remediate = sub.add_parser("remediate", help="plan (and with --apply, make) safe fixes for findings",
                               description="Sources: --findings FILE, --snapshot FILE, or a cloud to scan now; with --findings or "
                               "--snapshot, a cloud name only brings its sign-in options (remediate gcp --key-file K "
                               "--findings F). "
                               "Prints the plan (exact API calls) unless --apply is given. Exit 1 when a fix failed.")
    add_remediate_options(remediate, None)
    rsub = remediate.add_subparsers(dest="cloud", required=False, metavar="CLOUD")
    for cloud, (command, text) in available_providers().items():
        rp = rsub.add_parser(cloud, help=f"collect {text} and evaluate, then remediate")
        add_remediate_options(rp, argparse.SUPPRESS)
        command.add_options(rp)

    _history_commands(sub)

    add_tickets_parser(sub)

    policies = sub.add_parser("policies", help="list, validate and test policies")
    psub = policies.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, text in (("list", "list policies"), ("validate", "report every problem in the policies"),
                       ("test", "run the policies' test cases")):
        p = psub.add_parser(name, help=text)
        _policy_options(p)
        if name == "test":
            p.add_argument("--tests", action="append", default=[], metavar="DIR",
                           help="folder of policy test files (default: the pack's fixtures/policies)")
            p.add_argument("--verbose-cases", action="store_true", help="print every case, not only failures")
        if name == "list":
            p.add_argument("--format", choices=["table", "json"], default="table")
    return parser


def _configure_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("botocore", "boto3", "urllib3", "azure", "google", "msal"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    # The credential chains log every attempt as a multi-line warning before failing; cloudwarden
    # reports the failure itself in one line, so their own account only shows with -v.
    for chatty in ("azure.identity", "google.auth"):
        logging.getLogger(chatty).setLevel(logging.ERROR if verbose == 0 else level)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    from cloudwarden.engine.commands import run_command

    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    return run_command(args, parser)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
