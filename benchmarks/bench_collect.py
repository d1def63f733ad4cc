"""Benchmark (b): ``cloudwarden scan aws`` end to end against moto, with a peer tool beside it.

One moto server (a child process on 127.0.0.1) gets the ~1,000-resource estate of
``estate_1k.py``; then ``cloudwarden scan aws`` and the peer (ScoutSuite) each run
against that same server as child processes, with ``AWS_ENDPOINT_URL`` pointing at it.
Each child is reaped with ``os.wait4``, whose rusage is that child's own, so its peak
RSS is not mixed up with the other tool's (``RUSAGE_CHILDREN`` would give the max over
all children). Targets for cloudwarden: under 15 s and 400 MB on the 2-core machine.

    .venv/bin/python benchmarks/bench_collect.py                 # cloudwarden only
    CLOUDWARDEN_PEER_SCOUT=/work/peer-venv/bin/scout .venv/bin/python benchmarks/bench_collect.py

See benchmarks/README.md for installing the peer and for the figures measured.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import estate_1k  # noqa: E402 - the estate builder lives beside this file

TARGET_SECONDS, TARGET_MB = 15.0, 400.0

# moto ignores the ``opt-in-status`` filter of DescribeRegions, so ScoutSuite, which
# drops every region reported as "not-opted-in", would scan no region at all. This
# shim applies that filter client-side (a botocore handler) and then runs ScoutSuite's
# own CLI unchanged; it costs nothing measurable and does not touch ScoutSuite's work.
SCOUT_SHIM = """
import sys
import botocore.handlers

def _stash(params, context, **_):
    context["bench_filters"] = params.get("Filters") or []

def _apply(parsed, context, **_):
    for f in context.get("bench_filters", []):
        if f.get("Name") == "opt-in-status":
            parsed["Regions"] = [r for r in parsed.get("Regions", []) if r.get("OptInStatus") in f["Values"]]

botocore.handlers.BUILTIN_HANDLERS += [
    ("before-parameter-build.ec2.DescribeRegions", _stash),
    ("after-call.ec2.DescribeRegions", _apply),
]
from ScoutSuite.__main__ import run_from_cli
sys.argv[0] = "scout"
sys.exit(run_from_cli())
"""
# ScoutSuite exits 200 when the report was written and has findings.
SCOUT_OK = (0, 200)
# Bookkeeping counters in ScoutSuite's results, not resources.
SCOUT_NOT_RESOURCES = {"regions_count", "regional_settings_count", "credential_reports_count", "password_policy_count"}


@dataclass
class Run:
    """One measured child process."""

    tool: str
    wall_s: float
    peak_mb: float
    exit_code: int
    ok: bool
    resources: int | None = None
    findings: int | None = None
    detail: dict[str, object] = field(default_factory=dict)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_moto(port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """One moto server on 127.0.0.1 with AWS managed policies loaded; waits until it answers."""
    env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true")
    log = log_path.open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/data.json", timeout=1).read()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"moto server exited early; see {log_path}")
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit(f"moto server did not answer on port {port} within 30 s; see {log_path}")


def aws_env(endpoint: str) -> dict[str, str]:
    """An environment whose every boto3 call goes to the moto server, with throwaway credentials."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")}
    env.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
               AWS_EC2_METADATA_DISABLED="true")
    return env


def measure(tool: str, cmd: list[str], env: dict[str, str], log_path: Path, cwd: Path,
            ok_codes: tuple[int, ...]) -> Run:
    """Run ``cmd`` as a fresh child; wall time and that child's own peak RSS (``os.wait4``)."""
    load = os.getloadavg()[0]  # other work on the 2 cores skews wall time: record it
    with log_path.open("wb") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = code = os.waitstatus_to_exitcode(status)  # reaped by wait4, so tell Popen
    # ru_maxrss is in KiB on Linux.
    return Run(tool, wall, usage.ru_maxrss / 1024, code, code in ok_codes,
               detail={"cpu_s": round(usage.ru_utime + usage.ru_stime, 1), "load": round(load, 2), "log": str(log_path)})


def cloudwarden_command() -> list[str]:
    """The installed console script beside this interpreter (the project venv), else on PATH."""
    script = Path(sys.executable).parent / "cloudwarden"
    found = str(script) if script.exists() else shutil.which("cloudwarden")
    if not found:
        raise SystemExit("cloudwarden is not installed: run `.venv/bin/pip install -e .` first")
    return [found]


def run_cloudwarden(env: dict[str, str], work: Path, n: int) -> Run:
    """``cloudwarden scan aws`` over both regions, JSON findings to a file."""
    out = work / f"cloudwarden-{n}.json"
    cmd = cloudwarden_command() + ["scan", "aws", *sum((["--region", r] for r in estate_1k.REGIONS), []),
                                   "--format", "json", "-o", str(out)]
    run = measure("cloudwarden", cmd, env, work / f"cloudwarden-{n}.log", work, (0, 1))
    run.detail["run"] = n
    if out.exists():
        report = json.loads(out.read_text())
        summary = report.get("summary", {})
        run.resources = summary.get("resources")
        run.findings = summary.get("findings")
        run.detail["gaps"] = [f"{g.get('service')}/{g.get('operation')}: {g.get('message', '')[:90]}"
                              for g in report.get("coverage", [])]
    match = re.search(r"collected (\d+) nodes, (\d+) edges", Path(run.detail["log"]).read_text())  # type: ignore[arg-type]
    if match:
        run.detail["nodes"], run.detail["edges"] = int(match[1]), int(match[2])
    return run


def peer_python(scout: Path) -> str:
    """The interpreter of the peer's venv, read from the ``scout`` script's shebang."""
    first = scout.read_text(errors="replace").splitlines()[0]
    if first.startswith("#!") and Path(first[2:].strip()).exists():
        return first[2:].strip()
    return str(scout.parent / "python")


def run_scout(scout: Path, env: dict[str, str], work: Path, n: int) -> Run:
    """ScoutSuite over the same two regions (through the region-filter shim above)."""
    report_dir = work / f"scout-report-{n}"
    cmd = [peer_python(scout), "-c", SCOUT_SHIM, "aws", "--no-browser", "--force", "--report-dir", str(report_dir),
           "--regions", *estate_1k.REGIONS]
    run = measure("scoutsuite", cmd, env, work / f"scout-{n}.log", work, SCOUT_OK)
    run.detail["run"] = n
    results = sorted((report_dir / "scoutsuite-results").glob("scoutsuite_results_aws-*.js"))
    if results:
        text = results[0].read_text()
        data = json.loads(text[text.index("{"):])  # the file is `scoutsuite_results = {...}`
        counts: dict[str, int] = {}
        flagged = 0
        for name, svc in data.get("services", {}).items():
            for key, value in svc.items():
                if key.endswith("_count") and key not in SCOUT_NOT_RESOURCES and isinstance(value, int) and value:
                    counts[f"{name}.{key[:-6]}"] = value
            flagged += sum(f.get("flagged_items", 0) for f in svc.get("findings", {}).values())
        run.resources, run.findings = sum(counts.values()), flagged
        run.detail["counts"] = counts
    errors = sorted((report_dir / "scoutsuite-results").glob("scoutsuite_errors_aws-*.json"))
    if errors:
        run.detail["errors"] = len(json.loads(errors[0].read_text()))
    return run


def print_table(runs: list[Run]) -> None:
    """Per-run figures, the medians per tool, and the peer/cloudwarden ratios."""
    print(f"\n{'tool':12} {'run':>3} {'wall s':>7} {'peak MB':>8} {'cpu s':>6} {'load1':>5} {'exit':>4} "
          f"{'resources':>9} {'findings':>8}")
    for r in runs:
        print(f"{r.tool:12} {r.detail['run']!s:>3} {r.wall_s:7.1f} {r.peak_mb:8.0f} {r.detail['cpu_s']!s:>6} {r.detail['load']!s:>5} "
              f"{r.exit_code:>4} "
              f"{r.resources if r.resources is not None else '-':>9} {r.findings if r.findings is not None else '-':>8}")
    med: dict[str, tuple[float, float]] = {}
    for tool in dict.fromkeys(r.tool for r in runs):
        ok = [r for r in runs if r.tool == tool and r.ok]
        if ok:
            med[tool] = (statistics.median(r.wall_s for r in ok), statistics.median(r.peak_mb for r in ok))
    print("\nmedian of successful runs:")
    for tool, (wall, mb) in med.items():
        print(f"  {tool:12} {wall:6.1f} s  {mb:6.0f} MB")
    if "cloudwarden" in med:
        wall, mb = med["cloudwarden"]
        verdict = "meets" if wall < TARGET_SECONDS and mb < TARGET_MB else "MISSES"
        print(f"  cloudwarden {verdict} the target (< {TARGET_SECONDS:.0f} s and < {TARGET_MB:.0f} MB)")
        for tool, (pw, pm) in med.items():
            if tool != "cloudwarden":
                print(f"  ratio {tool}/cloudwarden: time {pw / wall:.2f}x, memory {pm / mb:.2f}x")


def main(argv: list[str] | None = None) -> int:
    """Start moto, build the estate, measure cloudwarden and the peer, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="measured runs of each tool, interleaved (default 1)")
    parser.add_argument("--port", type=int, default=0, help="moto server port (default: a free one)")
    parser.add_argument("--no-peer", action="store_true", help="measure cloudwarden only")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (reports, logs)")
    parser.add_argument("--json", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="cw-bench-"))
    port = args.port or free_port()
    endpoint = f"http://127.0.0.1:{port}"
    scout_path = os.environ.get("CLOUDWARDEN_PEER_SCOUT")
    scout = Path(scout_path) if scout_path and not args.no_peer else None
    if scout and not os.access(scout, os.X_OK):
        print(f"CLOUDWARDEN_PEER_SCOUT={scout_path} is not an executable; skipping the peer", file=sys.stderr)
        scout = None
    elif not scout and not args.no_peer:
        print("peer skipped: set CLOUDWARDEN_PEER_SCOUT=/work/peer-venv/bin/scout (see benchmarks/README.md)",
              file=sys.stderr)

    moto = start_moto(port, work / "moto.log")
    try:
        env = aws_env(endpoint)
        os.environ.update(env)  # the builder runs in this process, through boto3
        start = time.perf_counter()
        counts = estate_1k.build_estate()
        print(f"estate: {sum(counts.values())} resources created in {time.perf_counter() - start:.1f} s on {endpoint}")
        print("  " + ", ".join(f"{k} {n}" for k, n in sorted(counts.items())))
        runs: list[Run] = []
        for n in range(args.repeat):
            runs.append(run_cloudwarden(env, work, n))
            if scout:
                runs.append(run_scout(scout, env, work, n))
        for r in runs:
            if not r.ok:
                print(f"{r.tool} exited {r.exit_code}; see {r.detail['log']}", file=sys.stderr)
        print_table(runs)
        cw = next((r for r in runs if r.tool == "cloudwarden" and r.ok), None)
        if cw:
            print(f"\ncloudwarden collected {cw.detail.get('nodes')} nodes, {cw.detail.get('edges')} edges; "
                  f"{len(cw.detail.get('gaps', []))} coverage gap(s)")
            for gap in cw.detail.get("gaps", []):  # type: ignore[union-attr]
                print(f"  gap: {gap}")
        peer = next((r for r in runs if r.tool == "scoutsuite" and r.ok), None)
        if peer:
            print(f"scoutsuite counted {peer.resources} resources ({peer.detail.get('errors')} errors logged): "
                  + ", ".join(f"{k} {v}" for k, v in sorted(peer.detail.get("counts", {}).items())))  # type: ignore[union-attr]
        if args.json:
            args.json.write_text(json.dumps({"estate": dict(counts), "runs": [r.__dict__ for r in runs]}, indent=2))
        return 0 if cw else 1
    finally:
        moto.terminate()
        try:
            moto.wait(timeout=10)
        except subprocess.TimeoutExpired:
            moto.kill()
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
