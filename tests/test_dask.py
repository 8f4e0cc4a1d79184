"""The per-company scoring runs unchanged on a Dask cluster, with the same results byte for
byte as the single-machine run (tests/fixtures/basic: acme, with one quarantined file, and
tiny)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from scoring.board import build_scoreboard
from scoring.distributed import dask_runner
from scoring.export import scores_json

REPO = Path(__file__).resolve().parent.parent


def test_a_local_cluster_gives_the_scores_json_of_a_single_machine(fixture_copy):
    single = scores_json(build_scoreboard(fixture_copy))
    with dask_runner(workers=2, processes=False) as run:
        board = build_scoreboard(fixture_copy, run=run)
    assert board.stats.scored == 2
    assert scores_json(board) == single
    assert '"slug": "acme"' in single and '"slug": "tiny"' in single


def test_publish_build_workers_writes_the_same_scores_json(fixture_copy, tmp_path, build_site):
    plain = build_site(fixture_copy, tmp_path / "plain", "--no-cache")
    dask = build_site(fixture_copy, tmp_path / "dask", "--no-cache", "--workers", "2")
    assert dask.result.returncode == 0, dask.result.stdout + dask.result.stderr
    assert (dask.output / "data" / "scores.json").read_bytes() == (
        plain.output / "data" / "scores.json").read_bytes()


def test_an_unreachable_scheduler_is_a_usage_error(fixture_copy, tmp_path):
    # Dask's own setting, shortened from 30 s so that the test does not wait.
    env = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}
    done = subprocess.run(
        [sys.executable, str(REPO / "publish.py"), "build", "--data", str(fixture_copy),
         "--output", str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:9", "--no-cache"],
        capture_output=True, text=True, timeout=120, env=env, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "publish.py build:" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
