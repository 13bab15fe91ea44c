"""The publish workflow notifies after a successful deployment of a push."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def job() -> dict:  # type: ignore[type-arg]
    workflow = yaml.safe_load((REPO / ".github/workflows/publish.yml").read_text(encoding="utf-8"))
    notify = workflow["jobs"]["notify"]
    assert isinstance(notify, dict)
    return notify


def test_notify_runs_after_deploy_on_pushes_with_the_push_range_and_secrets_from_env() -> None:
    notify = job()
    assert notify["needs"] == "deploy"
    assert notify["if"] == "github.event_name == 'push'"
    checkout = notify["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@") and checkout["with"]["fetch-depth"] == 0
    step = notify["steps"][-1]
    assert step["env"]["BEFORE"] == "${{ github.event.before }}"
    assert 'statusgen notify --since "$BEFORE"' in step["run"]
    for name in ("SMTP_PASSWORD", "STATUS_WEBHOOK_URL", "SLACK_WEBHOOK_URL", "TEAMS_WEBHOOK_URL"):
        assert step["env"][name] == f"${{{{ secrets.{name} }}}}"
        assert name in (REPO / "statusgen.yml").read_text(encoding="utf-8")  # the demo names them


def run_step(before: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The step's script with a stand-in `statusgen` that records its arguments."""
    (tmp_path / "statusgen").write_text('#!/bin/sh\necho "statusgen $*"\n', encoding="utf-8")
    (tmp_path / "statusgen").chmod(0o755)
    env = {**os.environ, "BEFORE": before, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", "-e", "-c", job()["steps"][-1]["run"]], env=env, capture_output=True, text=True, timeout=30
    )


def test_a_new_branch_with_an_all_zero_before_sends_nothing(tmp_path: Path) -> None:
    result = run_step("0" * 40, tmp_path)
    assert result.returncode == 0
    assert "statusgen notify" not in result.stdout
    assert "::notice::" in result.stdout


def test_a_push_notifies_since_its_before_commit(tmp_path: Path) -> None:
    result = run_step("3f2a" + "0" * 36, tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"statusgen notify --since 3f2a{'0' * 36}"
