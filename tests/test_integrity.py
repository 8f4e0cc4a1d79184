"""The build shows the audit: an integrity notice on the page and counts in scores.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

HEADER = "id,submitted_at,channel,rating\n"


def _git(repo: Path, *args: str, date: str | None = None) -> str:
    env = dict(os.environ)
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                          text=True, env=env).stdout.strip()


# one process, or two: then the audit runs on a process of its own (board._apart)
@pytest.mark.parametrize("processes", ["1", "2"])
def test_a_rewritten_past_is_shown_on_the_page_and_counted(tmp_path, build_site, processes):
    repo = tmp_path / "repo"
    feedback = repo / "data" / "acme" / "feedback"
    feedback.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "test@example.com")
    _git(repo, "config", "user.name", "Test")
    (repo / "data" / "acme" / "company.yaml").write_text("name: Acme\nindustry: banking\n")
    rows = [f"a{i},2026-01-{i + 1:02d},phone,{1 if i < 3 else 5}\n" for i in range(10)]
    (feedback / "2026-01.csv").write_text(HEADER + "".join(rows))
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "January", date="2026-02-01T10:00:00+00:00")
    # Later the three 1-star rows (a0-a2) vanish and a4's rating changes from 5 to 4.
    kept = rows[3:]
    kept[1] = kept[1].replace(",5\n", ",4\n")
    (feedback / "2026-01.csv").write_text(HEADER + "".join(kept))
    _git(repo, "commit", "-q", "-am", "tidy", date="2026-05-02T09:00:00+00:00")
    commit = _git(repo, "rev-parse", "HEAD")

    done = build_site(repo / "data", tmp_path / "out", "--processes", processes)
    assert done.result.returncode == 0, done.result.stderr
    page = (done.output / "companies" / "acme" / "index.html").read_text(encoding="utf-8")
    assert f"3 earlier contacts were removed on <time datetime=\"2026-05-02T09:00:00+00:00\">" \
           f"2026-05-02</time> in commit <code>{commit[:7]}</code>" in page
    assert "1 earlier contact was altered on" in page
    (company,) = json.loads((done.output / "data" / "scores.json").read_text())["companies"]
    assert company["integrity"]["rows_deleted"] == 3
    assert company["integrity"]["rows_altered"] == 1
    assert {e["commit"] for e in company["integrity"]["events"]} == {commit}


def test_outside_git_the_history_is_unknown_not_clean(tmp_path, build_site):
    data = tmp_path / "data"
    (data / "acme" / "feedback").mkdir(parents=True)
    (data / "acme" / "company.yaml").write_text("name: Acme\nindustry: banking\n")
    (data / "acme" / "feedback" / "2026-01.csv").write_text(HEADER + "a1,2026-01-01,phone,5\n")
    done = build_site(data, tmp_path / "out")
    (company,) = json.loads((done.output / "data" / "scores.json").read_text())["companies"]
    assert company["integrity"] is None
    page = (done.output / "companies" / "acme" / "index.html").read_text(encoding="utf-8")
    assert "history not available" in page


APART = """
import os, sys, threading
from scoring import board

pool = board._apart()
print(pool is not None and pool.submit(os.getpid).result() != os.getpid())
pool.shutdown()
stop = threading.Event()
waiting = threading.Thread(target=stop.wait)
waiting.start()
print(board._apart() is None)
stop.set()
waiting.join()
"""


def test_the_audit_runs_on_a_process_of_its_own_unless_a_thread_runs(tmp_path):
    # in a process of its own: this one may run threads other tests started
    done = subprocess.run([sys.executable, "-c", APART], cwd=REPO, capture_output=True,
                          text=True, check=True)
    assert done.stdout.split() == ["True", "True"]
