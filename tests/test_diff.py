"""`publish.py diff --base REV` on real temporary git repositories."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

HEADER = "id,submitted_at,channel,rating\n"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _rows(prefix: str, month: str, ratings: list[int]) -> str:
    return HEADER + "".join(f"{prefix}{i},{month}-{i % 28 + 1:02d},phone,{rating}\n"
                            for i, rating in enumerate(ratings))


@pytest.fixture
def repo(tmp_path) -> Path:
    """A git repository whose one commit holds acme: 40 ratings, 30 of them 5 -> CSAT 75.0."""
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "config", "user.email", "test@example.com")
    _git(tmp_path, "config", "user.name", "Test")
    feedback = tmp_path / "data" / "acme" / "feedback"
    feedback.mkdir(parents=True)
    (tmp_path / "data" / "acme" / "company.yaml").write_text(
        "name: Acme | Sons\nindustry: banking\n")
    (feedback / "2026-01.csv").write_text(_rows("a", "2026-01", [5] * 30 + [1] * 10))
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "acme")
    return tmp_path


def _diff(publish_in, repo: Path, *args: str) -> subprocess.CompletedProcess:
    return publish_in(repo, "diff", "--data", repo / "data", *args)


@pytest.fixture
def publish_in():
    import sys

    script = Path(__file__).resolve().parent.parent / "publish.py"

    def run(cwd: Path, *args) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(script), *map(str, args)], cwd=cwd,
                              capture_output=True, text=True, timeout=120, check=False)

    return run


def test_new_rows_move_csat_and_volume(repo, publish_in):
    # head adds 10 ratings of 5: CSAT (30 + 10) / 50 = 80.0, up 5.0 points from 30 / 40.
    (repo / "data" / "acme" / "feedback" / "2026-02.csv").write_text(
        _rows("b", "2026-02", [5] * 10))
    done = _diff(publish_in, repo, "--base", "HEAD")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("### Score changes against `HEAD` (all time, as of 2026-02-10)")
    assert ("| Acme \\| Sons | Customer satisfaction (CSAT) | 75.0% (n=40) | 80.0% (n=50) "
            "| +5.0 |") in out
    assert "| Acme \\| Sons | Contacts | 40 (n=40) | 50 (n=50) | +10 |" in out
    # NPS had no answers on either side: it did not move and is not listed.
    assert "Net Promoter Score" not in out


def test_nothing_changed(repo, publish_in):
    done = _diff(publish_in, repo, "--base", "HEAD")
    assert done.returncode == 0
    assert "No score changed." in done.stdout


def test_a_new_company_is_marked_new(repo, publish_in):
    feedback = repo / "data" / "beta" / "feedback"
    feedback.mkdir(parents=True)
    (repo / "data" / "beta" / "company.yaml").write_text("name: Beta\nindustry: telecom\n")
    (feedback / "2026-01.csv").write_text(_rows("c", "2026-01", [4] * 30))
    done = _diff(publish_in, repo, "--base", "HEAD")
    assert "| Beta (new) | Customer satisfaction (CSAT) | — | 100.0% (n=30) |  |" in done.stdout


def test_a_revision_without_the_data_folder_makes_every_company_new(repo, publish_in):
    # An orphan commit that holds a README but not data/ (data/ stays in the working tree).
    (repo / "README").write_text("x")
    _git(repo, "checkout", "-q", "--orphan", "empty")
    _git(repo, "rm", "-rq", "--cached", "data")
    _git(repo, "add", "README")
    _git(repo, "commit", "-q", "-m", "no data")
    done = _diff(publish_in, repo, "--base", "HEAD")
    assert done.returncode == 0, done.stderr
    assert "| Acme \\| Sons (new) | Contacts | — | 40 (n=40) |  |" in done.stdout


def test_an_unknown_revision_is_a_usage_error(repo, publish_in):
    done = _diff(publish_in, repo, "--base", "no-such-branch")
    assert done.returncode == 2
    assert "'no-such-branch' is not a commit" in done.stderr
