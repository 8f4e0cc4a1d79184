"""Companies scored in worker processes on this machine (`publish.py build --processes N`, and
by default on boards of PARALLEL_FROM companies or more) give the single-process results byte
for byte."""

from __future__ import annotations

import multiprocessing
import shutil
from pathlib import Path

from scoring.board import (
    PARALLEL_FROM,
    build_scoreboard,
    process_runner,
    run_here,
    summarize_companies,
)
from scoring.export import scores_json


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_two_worker_processes_give_the_scores_of_one(fixture_copy):
    here = build_scoreboard(fixture_copy, run=run_here)
    board = build_scoreboard(fixture_copy, run=process_runner(2))
    assert board.stats.scored == len(board.companies) == 2
    assert scores_json(board) == scores_json(here)


def test_publish_build_processes_writes_the_same_site(fixture_copy, tmp_path, build_site):
    one = build_site(fixture_copy, tmp_path / "one", "--no-cache", "--processes", "1")
    two = build_site(fixture_copy, tmp_path / "two", "--no-cache", "--processes", "2")
    assert two.result.returncode == 0, two.result.stdout + two.result.stderr
    assert _files(two.output) == _files(one.output)


def test_the_default_runner_starts_workers_only_for_a_large_board(fixture_copy):
    # PARALLEL_FROM companies (copies of the fixture's clean one under new slugs) are scored in
    # worker processes, one fewer here; the scores are the same either way
    tiny = fixture_copy / "tiny"
    for number in range(PARALLEL_FROM - 2):
        shutil.copytree(tiny, fixture_copy / f"tiny-{number:02}")
    workers: list[int] = []  # worker processes alive as each company's first phase ends

    def watched(function, jobs):
        for item in process_runner(2, minimum=PARALLEL_FROM)(function, jobs):
            if function is summarize_companies:
                workers.append(len(multiprocessing.active_children()))
            yield item

    board = build_scoreboard(fixture_copy, run=watched)
    assert len(workers) == len(board.companies) == PARALLEL_FROM
    assert min(workers) >= 1
    assert scores_json(board) == scores_json(build_scoreboard(fixture_copy, run=run_here))

    shutil.rmtree(fixture_copy / "tiny-00")
    workers.clear()
    build_scoreboard(fixture_copy, run=watched)
    assert len(workers) == PARALLEL_FROM - 1
    assert max(workers) == 0


def test_companies_rendered_on_worker_processes_give_the_files_of_one(fixture_copy, tmp_path):
    """scoring.site renders the companies' pages, feeds, badges and JSON entries on forked
    worker processes when asked: the site is the one-process site byte for byte, with and
    without the page cache (whose pages hold a marker for the data commit), and a second
    build that finds every company's files in the cache starts no worker. (The first company
    to render is rendered here, the other two on the workers.)"""
    from scoring.cache import Cache
    from scoring.site import build_site

    shutil.copytree(fixture_copy / "tiny", fixture_copy / "tiny-2")
    board = build_scoreboard(fixture_copy, run=run_here)
    assert len(board.companies) == 3
    one = build_site(board, tmp_path / "one")
    assert one.processes == 0
    two = build_site(board, tmp_path / "two", processes=2, parallel_from=2)
    assert two.processes == 2
    assert _files(tmp_path / "two") == _files(tmp_path / "one")

    cache = Cache(tmp_path / "cache")
    cached = build_scoreboard(fixture_copy, run=run_here, cache=cache)
    cold = build_site(cached, tmp_path / "cold", cache=cache, processes=2, parallel_from=2)
    assert (cold.processes, cold.reused) == (2, 0)
    assert _files(tmp_path / "cold") == _files(tmp_path / "one")
    warm = build_site(cached, tmp_path / "cold", cache=cache, processes=2, parallel_from=2)
    # no company to render; the pages that list them are rendered on a worker meanwhile
    assert (warm.processes, warm.reused, warm.board_elsewhere) == (0, 3, True)
    assert _files(tmp_path / "cold") == _files(tmp_path / "one")
    assert not build_site(cached, tmp_path / "cold", cache=cache).board_elsewhere


def test_rendering_stays_in_this_process_below_parallel_from(fixture_copy, tmp_path):
    from scoring.site import build_site

    board = build_scoreboard(fixture_copy, run=run_here)
    assert build_site(board, tmp_path / "site", processes=2, parallel_from=3).processes == 0
    # two companies: one rendered here before forking would leave one worker, not worth it
    assert build_site(board, tmp_path / "site", processes=2, parallel_from=2).processes == 0


def test_a_render_worker_that_fails_fails_the_build(fixture_copy, tmp_path, monkeypatch):
    """A company whose rendering raises on a worker raises the same error in the build, and a
    worker that dies (here: exits without a word) fails the build instead of hanging it."""
    import os
    from concurrent.futures.process import BrokenProcessPool

    import pytest

    from scoring.site import ScoreboardGenerator, build_site

    for number in range(3):
        shutil.copytree(fixture_copy / "tiny", fixture_copy / f"tiny-{number}")
    board = build_scoreboard(fixture_copy, run=run_here)
    here, render = os.getpid(), ScoreboardGenerator._company

    def failing(self, company, shown):
        if os.getpid() != here and company.slug == "tiny-1":
            raise ValueError("no page for tiny-1")
        return render(self, company, shown)

    monkeypatch.setattr(ScoreboardGenerator, "_company", failing)
    with pytest.raises(ValueError, match="no page for tiny-1"):
        build_site(board, tmp_path / "raised", processes=2, parallel_from=2)

    def dying(self, company, shown):
        if os.getpid() != here and company.slug == "tiny-1":
            os._exit(1)
        return render(self, company, shown)

    monkeypatch.setattr(ScoreboardGenerator, "_company", dying)
    with pytest.raises(BrokenProcessPool):
        build_site(board, tmp_path / "died", processes=2, parallel_from=2)


def test_a_board_worker_that_fails_fails_the_build(fixture_copy, tmp_path, monkeypatch):
    """The worker that renders the pages listing every company (while the build copies the
    cached companies' files) raises its error in the build, or fails it if it dies."""
    import os
    from concurrent.futures.process import BrokenProcessPool

    import pytest

    from scoring.cache import Cache
    from scoring.site import ScoreboardGenerator, build_site

    cache = Cache(tmp_path / "cache")
    board = build_scoreboard(fixture_copy, run=run_here, cache=cache)
    build_site(board, tmp_path / "site", cache=cache)  # every company's files in the cache
    here, files = os.getpid(), ScoreboardGenerator._board_files

    def failing(self):
        if os.getpid() != here:
            raise ValueError("no leaderboard")
        return files(self)

    monkeypatch.setattr(ScoreboardGenerator, "_board_files", failing)
    with pytest.raises(ValueError, match="no leaderboard"):
        build_site(board, tmp_path / "site", cache=cache, processes=2, parallel_from=2)

    def dying(self):
        if os.getpid() != here:
            os._exit(1)
        return files(self)

    monkeypatch.setattr(ScoreboardGenerator, "_board_files", dying)
    with pytest.raises(BrokenProcessPool):
        build_site(board, tmp_path / "site", cache=cache, processes=2, parallel_from=2)


def test_a_score_crosses_to_another_process_whole():
    """A worker hands back about 500 Scores a company, each pickled as its fields in order
    (Score.__reduce__): every field comes back, None and text included."""
    import pickle

    from scoring.metrics import Score

    scores = [Score(71.5, 104, "percent", 61.25, 79.75),
              Score(None, 3, "points", reason="not enough data (3 of 30 responses)"),
              Score(-12.0, 0, "points", -30.5, None, "partial")]
    for score in scores:
        data = pickle.dumps(score, protocol=pickle.HIGHEST_PROTOCOL)
        back = pickle.loads(data)
        assert (back.value, back.n, back.unit, back.low, back.high, back.reason) == (
            score.value, score.n, score.unit, score.low, score.high, score.reason)


def _printed(folder: Path, script: str) -> list[str]:
    """The lines a script prints when run as a program of its own (a fresh process, whose
    threads and forks are its own)."""
    import subprocess
    import sys

    path = folder / "script.py"
    path.write_text(script)
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


WORKERS_PARENT = '''
import os, threading
from scoring.board import process_runner

def parent(_job):
    return os.getppid()

if __name__ == "__main__":
    run = process_runner(2)
    print(sorted({pid for _, pid in run(parent, range(4))}) == [os.getpid()])
    threading.Thread(target=threading.Event().wait, daemon=True).start()
    print(os.getpid() not in {pid for _, pid in run(parent, range(4))})
'''


def test_workers_are_forked_only_from_a_process_without_threads(tmp_path):
    """Workers forked from the build's process start with what it has imported; with another
    thread running (publish.py serve's server), they come from the forkserver instead."""
    assert _printed(tmp_path, WORKERS_PARENT) == ["True", "True"]


APART_CALLS = '''
import os, threading, time
from scoring.board import _apart, _forkable, process_runner

def parent(_job):
    return os.getppid()

def fails():
    raise ValueError("no history")

if __name__ == "__main__":
    with _apart() as apart:
        slow = apart.submit(time.sleep, 1)
        # while a call runs apart, no thread runs here: the workers are still forked
        print(_forkable(), sorted({pid for _, pid in process_runner(2)(parent, range(4))})
              == [os.getpid()])
        print(apart.submit(os.getpid).result() != os.getpid(), slow.result() is None)
        try:
            apart.submit(fails).result()
        except ValueError as error:
            print("on the forked process" in "".join(error.__notes__), str(error))
        try:
            apart.submit(os._exit, 3).result()
        except Exception as error:
            print(type(error).__name__)
'''


def test_calls_apart_run_on_forked_processes_and_leave_this_one_without_threads(tmp_path):
    """The audit's process (board._apart) holds no thread here, so the build's workers are
    forked while it runs; a call's result, its error (with the forked process's traceback as
    a note) and its process's death come back as from a pool."""
    assert _printed(tmp_path, APART_CALLS) == [
        "True True", "True True", "True no history", "BrokenProcessPool"]


SPARE_CALLS = '''
import os, sys
from scoring.board import _apart

def prepare():
    import colorsys  # noqa: F401  (nothing here imports it)

def prepared():
    return "colorsys" in sys.modules, os.getpid()

def dies():
    os._exit(3)

if __name__ == "__main__":
    with _apart() as apart:
        apart.spare(prepare)
        alone, spared = apart.submit(prepared), apart.submit(prepared, spare=True)
        again = apart.submit(prepared, spare=True)  # the spare is taken: forked for it
        print(alone.result()[0], spared.result()[0], again.result()[0],
              spared.result()[1] not in (os.getpid(), alone.result()[1]))
    print("colorsys" in sys.modules)
    with _apart() as apart:  # a spare never called ends with the others
        apart.spare(prepare)
    print("ended")
    with _apart() as apart:
        apart.spare(dies)
        try:
            apart.submit(prepared, spare=True).result()
        except Exception as error:
            print(type(error).__name__)
'''


def test_a_spare_process_forked_ahead_takes_the_first_call_made_for_it(tmp_path):
    """_Apart.spare forks a process that prepares itself (imports) while this one works on,
    then answers the first call submitted with spare=True; later calls get processes of their
    own. A spare never called ends with the others; one that died is BrokenProcessPool."""
    assert _printed(tmp_path, SPARE_CALLS) == [
        "False True False True", "False", "ended", "BrokenProcessPool"]


def test_the_pages_listing_every_company_go_to_a_worker_only_while_no_index_is_made():
    """board_apart: two processes at least, fewer companies rendered than the threshold (no
    worker renders companies) and at least that many copied; and no Pagefind running, whose
    core the worker would take."""
    from scoring.site import board_apart

    assert board_apart(2, 16, 1, 999, indexing=False)
    assert not board_apart(2, 16, 1, 999, indexing=True)  # a comment's rebuild
    assert not board_apart(1, 16, 1, 999, indexing=False)  # one process
    assert not board_apart(2, 16, 16, 984, indexing=False)  # companies go to workers
    assert not board_apart(2, 16, 0, 15, indexing=False)  # too few copied to be worth it
    assert board_apart(2, 2, 0, 2, indexing=False)
