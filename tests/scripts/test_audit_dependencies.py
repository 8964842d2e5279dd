"""`make audit`: a known vulnerability fails it unless accepted with a reason; no network skips it, green.

pip-audit itself is stood in for by a small executable that prints what pip-audit prints, so these run
offline and in a second."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.audit_dependencies import AuditError, main, read_ignores

VULNERABLE = {
    "dependencies": [
        {"name": "jinja2", "version": "3.1.6", "vulns": []},
        {
            "name": "requests",
            "version": "2.34.2",
            "vulns": [{"id": "PYSEC-2099-1", "aliases": ["GHSA-aaaa-bbbb-cccc"], "fix_versions": ["2.34.3"]}],
        },
    ],
    "fixes": [],
}


def _venv_with_pip_audit(tmp_path: Path, stdout: str = "", stderr: str = "", status: int = 0) -> Path:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    tool = venv / "bin" / "pip-audit"
    tool.write_text(f"#!/bin/sh\ncat <<'EOF'\n{stdout}\nEOF\ncat >&2 <<'EOF'\n{stderr}\nEOF\nexit {status}\n")
    tool.chmod(0o755)
    return venv


def _audit(venv: Path, ignore_text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    ignore_file = tmp_path / ".pip-audit-ignore"
    ignore_file.write_text(ignore_text)
    monkeypatch.setattr("scripts.audit_dependencies.IGNORE_FILE", ignore_file)
    return main(["--venv", str(venv), "--tool-venv", str(tmp_path / "unused")])


def test_a_known_vulnerability_fails(tmp_path: Path, monkeypatch, capsys) -> None:
    venv = _venv_with_pip_audit(tmp_path, json.dumps(VULNERABLE), status=1)
    assert _audit(venv, "", tmp_path, monkeypatch) == 1
    out = capsys.readouterr().out
    assert "VULNERABLE  requests 2.34.2: PYSEC-2099-1 (GHSA-aaaa-bbbb-cccc); fixed in: 2.34.3" in out


def test_an_accepted_vulnerability_passes_and_shows_its_reason(tmp_path: Path, monkeypatch, capsys) -> None:
    venv = _venv_with_pip_audit(tmp_path, json.dumps(VULNERABLE), status=1)
    ignores = "# accepted\nGHSA-aaaa-bbbb-cccc  # only the netrc path, unused here\nCVE-2000-1  # gone since\n"
    assert _audit(venv, ignores, tmp_path, monkeypatch) == 0
    out = capsys.readouterr().out
    assert "accepted  requests 2.34.2: PYSEC-2099-1 (GHSA-aaaa-bbbb-cccc): only the netrc path, unused here" in out
    assert "accepts CVE-2000-1, which no pinned package has any more" in out


def test_an_unreachable_service_skips(tmp_path: Path, monkeypatch, capsys) -> None:
    error = "requests.exceptions.ConnectionError: Max retries exceeded (Failed to resolve 'example.invalid')"
    venv = _venv_with_pip_audit(tmp_path, stderr=f"Traceback (most recent call last):\n{error}", status=1)
    assert _audit(venv, "", tmp_path, monkeypatch) == 0
    assert "skipped: the vulnerability service is out of reach: " + error in capsys.readouterr().out


def test_a_service_that_knows_no_package_skips(tmp_path: Path, monkeypatch, capsys) -> None:
    report = {"dependencies": [{"name": "jinja2", "skip_reason": "Dependency not found on PyPI"}], "fixes": []}
    venv = _venv_with_pip_audit(tmp_path, json.dumps(report))
    assert _audit(venv, "", tmp_path, monkeypatch) == 0
    assert "skipped: the vulnerability service answered for none of the 1 pins" in capsys.readouterr().out


def test_another_pip_audit_failure_is_an_error(tmp_path: Path, monkeypatch, capsys) -> None:
    venv = _venv_with_pip_audit(tmp_path, stderr="ERROR: requirement jinja2>=3 is not pinned", status=1)
    assert _audit(venv, "", tmp_path, monkeypatch) == 2
    assert "is not pinned" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "message"),
    [("PYSEC-2099-1\n", "needs a reason"), ("PYSEC-2099-1  #  \n", "needs a reason"), ("requests  # old\n", "not a")],
)
def test_every_accepted_vulnerability_has_an_id_and_a_reason(text: str, message: str) -> None:
    with pytest.raises(AuditError, match=message):
        read_ignores(text)


def test_the_committed_ignore_file_is_valid() -> None:
    read_ignores((Path(__file__).resolve().parents[2] / ".pip-audit-ignore").read_text(encoding="utf-8"))
