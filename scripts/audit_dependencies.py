"""Check the pinned dependencies for known vulnerabilities with pip-audit (`make audit`, CI).

    python scripts/audit_dependencies.py     # audits requirements.txt and requirements-audit.txt

Exit status: 0 when nothing unaccepted is known, or when the check could not run because the vulnerability
service is out of reach (it prints `skipped: <reason>`: CI stays green without a network); 1 when a
vulnerability is found that .pip-audit-ignore does not accept; 2 when the check itself is broken (a bad
ignore file, pip-audit failing for another reason).

pip-audit runs from the project's venv when it is installed there, else from a small tool venv
(.venv-audit) made from the pinned requirements-audit.txt. It asks the vulnerability service about each
exact pin (--no-deps: requirements.txt is a full pip freeze, so nothing needs resolving, and --disable-pip:
nothing is installed to find out).

.pip-audit-ignore accepts a vulnerability, one a line, always with the reason:
    GHSA-xxxx-xxxx-xxxx  # why it does not affect us, and when to look again
An ID matches the vulnerability's own ID or any of its aliases (PYSEC-, GHSA-, CVE-).
Only the standard library is used: this runs before any venv exists.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import venv
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ("requirements.txt", "requirements-audit.txt")
IGNORE_FILE = PROJECT_ROOT / ".pip-audit-ignore"
TOOL_REQUIREMENTS = PROJECT_ROOT / "requirements-audit.txt"
# What a run that could not reach a service prints (requests, urllib3, pip): then the check is skipped.
NETWORK_ERRORS = re.compile(
    r"ConnectionError|NewConnectionError|NameResolutionError|Failed to establish a new connection|"
    r"Temporary failure in name resolution|Name or service not known|Network is unreachable|"
    r"Connection refused|ConnectTimeout|ReadTimeout|timed out|ProxyError|Max retries exceeded"
)
RUN_TIMEOUT_SECONDS = 300


class AuditError(Exception):
    """The check itself is broken (exit 2)."""


class Skipped(Exception):
    """The check could not run for want of a network (exit 0, says why)."""


@dataclass
class Finding:
    package: str
    version: str
    id: str
    aliases: list[str]
    fix_versions: list[str]

    @property
    def ids(self) -> set[str]:
        return {self.id, *self.aliases}


@dataclass
class Report:
    audited: list[str] = field(default_factory=list)
    not_audited: dict[str, str] = field(default_factory=dict)  # package: why
    findings: list[Finding] = field(default_factory=list)


def read_ignores(text: str) -> dict[str, str]:
    """`ID  # reason` lines (blank lines and whole-line comments skipped) as {ID: reason}."""
    ignores = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        vuln_id, _, reason = (part.strip() for part in line.partition("#"))
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*-[A-Za-z0-9-]+", vuln_id):
            raise AuditError(f"{IGNORE_FILE.name} line {number}: {vuln_id!r} is not a vulnerability ID")
        if not reason:
            raise AuditError(f"{IGNORE_FILE.name} line {number}: {vuln_id} needs a reason (`{vuln_id}  # why`)")
        ignores[vuln_id] = reason
    return ignores


def parse_report(document: dict) -> Report:
    """pip-audit's JSON output (`-f json`) as a Report."""
    report = Report()
    for dependency in document.get("dependencies", []):
        name = dependency["name"]
        if "skip_reason" in dependency:
            report.not_audited[name] = dependency["skip_reason"]
            continue
        report.audited.append(name)
        for vuln in dependency.get("vulns", []):
            report.findings.append(
                Finding(name, dependency["version"], vuln["id"], vuln.get("aliases", []), vuln.get("fix_versions", []))
            )
    return report


def judge(report: Report, ignores: dict[str, str]) -> tuple[int, list[str]]:
    """The exit status and the lines to print for a finished audit."""
    if not report.audited:
        reasons = sorted(set(report.not_audited.values()))
        raise Skipped(
            f"the vulnerability service answered for none of the {len(report.not_audited)} pins "
            f"(e.g. {reasons[0] if reasons else 'no packages'})"
        )
    lines = [f"pip-audit: {len(report.audited)} pins checked"]
    if report.not_audited:
        lines.append(f"  not checked ({len(report.not_audited)}): " + ", ".join(sorted(report.not_audited)))
    open_findings = 0
    used = set()
    for finding in report.findings:
        accepted = sorted(finding.ids & ignores.keys())
        fix = ", ".join(finding.fix_versions) or "none yet"
        where = f"{finding.package} {finding.version}: {finding.id}"
        if finding.aliases:
            where += f" ({', '.join(finding.aliases)})"
        if accepted:
            used.update(accepted)
            lines.append(f"  accepted  {where}: {ignores[accepted[0]]}")
        else:
            open_findings += 1
            lines.append(f"  VULNERABLE  {where}; fixed in: {fix}")
    for vuln_id in sorted(ignores.keys() - used):
        lines.append(f"  note: {IGNORE_FILE.name} accepts {vuln_id}, which no pinned package has any more: remove it")
    if open_findings:
        lines.append(
            f"{open_findings} known vulnerabilities: upgrade the pin (make lock), or accept one in "
            f"{IGNORE_FILE.name} with its reason (docs/security-checks.md)"
        )
        return 1, lines
    lines.append("no known vulnerabilities" + (" (apart from the accepted ones)" if used else ""))
    return 0, lines


def _network_problem(output: str) -> str | None:
    """The line of `output` that says a service was out of reach, if one does."""
    for line in reversed(output.splitlines()):
        if NETWORK_ERRORS.search(line):
            return line.strip()[:300]
    return None


def _tool_venv_pip_audit(venv_dir: Path) -> Path:
    """pip-audit in the tool venv, (re)made when requirements-audit.txt changed since it was installed."""
    pip_audit = venv_dir / "bin" / "pip-audit"
    stamp = venv_dir / ".installed"
    wanted = hashlib.sha256(TOOL_REQUIREMENTS.read_bytes()).hexdigest()
    if pip_audit.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return pip_audit
    print(f"== installing pip-audit into {venv_dir.name} (requirements-audit.txt)", flush=True)
    venv.create(venv_dir, clear=True, with_pip=True)
    install = subprocess.run(  # noqa: S603 - the venv's pip with a fixed argv, no shell
        [str(venv_dir / "bin" / "pip"), "install", "--quiet", "-r", str(TOOL_REQUIREMENTS)],
        capture_output=True,
        text=True,
        check=False,
    )
    if install.returncode != 0:
        output = install.stdout + install.stderr
        problem = _network_problem(output)
        if problem:
            raise Skipped(f"could not install pip-audit, the package index is out of reach: {problem}")
        raise AuditError(f"could not install pip-audit into {venv_dir}:\n{output[-2000:]}")
    stamp.write_text(wanted + "\n")
    return pip_audit


def find_pip_audit(project_venv: Path, tool_venv: Path) -> Path:
    installed = project_venv / "bin" / "pip-audit"
    return installed if installed.exists() else _tool_venv_pip_audit(tool_venv)


def run_pip_audit(pip_audit: Path, requirements: Path) -> dict:
    """pip-audit's JSON report on one requirements file (one a run: two files may pin a package differently)."""
    command = [str(pip_audit), "--no-deps", "--disable-pip", "--format", "json", "--progress-spinner", "off"]
    command += ["--timeout", "10", "--requirement", str(requirements)]
    try:
        # pip-audit exits 1 when it finds vulnerabilities: the JSON, not the status, says what happened.
        done = subprocess.run(  # noqa: S603 - pip-audit with an argv built here, no shell
            command, capture_output=True, text=True, check=False, timeout=RUN_TIMEOUT_SECONDS
        )
    except subprocess.TimeoutExpired:
        raise Skipped(f"pip-audit took more than {RUN_TIMEOUT_SECONDS} s (a slow or silent network?)") from None
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        problem = _network_problem(done.stderr)
        if problem:
            raise Skipped(f"the vulnerability service is out of reach: {problem}") from None
        raise AuditError(f"pip-audit failed (exit {done.returncode}):\n{done.stderr[-2000:]}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=PROJECT_ROOT / ".venv", help="use its pip-audit if installed")
    parser.add_argument("--tool-venv", type=Path, default=PROJECT_ROOT / ".venv-audit", help="else install it here")
    args = parser.parse_args(argv)
    try:
        ignores = read_ignores(IGNORE_FILE.read_text(encoding="utf-8") if IGNORE_FILE.exists() else "")
        pip_audit = find_pip_audit(args.venv, args.tool_venv)
        dependencies = []
        for name in REQUIREMENTS:
            dependencies += run_pip_audit(pip_audit, PROJECT_ROOT / name).get("dependencies", [])
        unique = {(d["name"], d.get("version")): d for d in dependencies}  # the same pin in both files once
        status, lines = judge(parse_report({"dependencies": list(unique.values())}), ignores)
    except Skipped as skipped:
        print(f"pip-audit skipped: {skipped}")
        return 0
    except AuditError as error:
        print(f"pip-audit could not check the dependencies: {error}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main())
