"""Incremental builds: per-company results reused from .candor-cache only when everything they
depend on is unchanged; a cache entry that does not match or cannot be read is recomputed.

tests/fixtures/basic holds two companies, acme (newest contact 2026-10-20) and tiny (newest
2026-10-04). A row added to tiny on 2026-10-05 leaves the scoreboard's as_of where it was, so
only tiny's key changes: one company scored, one reused.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import json
import re
import shutil
from pathlib import Path

import pytest

from scoring import cache as cache_module
from scoring.board import Job, build_scoreboard, run_here, score_company
from scoring.cache import Cache, decode, encode, key
from scoring.config import read_config
from scoring.export import scores_json
from scoring.load import discover

NEW_TINY_ROW = '{"id": "t4", "submitted_at": "2026-10-05T08:00:00Z", "channel": "app", ' \
               '"rating": 5}\n'


def _same_tree(left: Path, right: Path) -> None:
    files = sorted(p.relative_to(left) for p in left.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(right) for p in right.rglob("*") if p.is_file())
    for name in files:
        assert filecmp.cmp(left / name, right / name, shallow=False), name


def _scored(stdout: str) -> tuple[int, int]:
    match = re.search(r"^\s+scored\s+(\d+), reused (\d+) from cache$", stdout, re.MULTILINE)
    assert match, stdout
    return int(match[1]), int(match[2])


def test_cached_and_uncached_builds_are_byte_identical(fixture_copy, tmp_path, build_site):
    cache = tmp_path / "cache"
    plain = build_site(fixture_copy, tmp_path / "plain", "--no-cache")
    assert plain.result.returncode == 0, plain.result.stderr
    assert re.search(r"^\s+scored\s+2 \(no cache\)$", plain.result.stdout, re.MULTILINE)
    cold = build_site(fixture_copy, tmp_path / "cold", "--cache", cache)
    warm = build_site(fixture_copy, tmp_path / "warm", "--cache", cache)
    assert _scored(cold.result.stdout) == (2, 0)
    assert _scored(warm.result.stdout) == (0, 2)
    assert _pages_reused(cold.result.stdout) == 0
    assert _pages_reused(warm.result.stdout) == 2  # copied from the page cache, not rendered
    _same_tree(plain.output, cold.output)
    _same_tree(plain.output, warm.output)

    # A commit touching one company re-scores that company only, and the site is the one a
    # build without any cache makes of the new data.
    with (fixture_copy / "tiny" / "feedback" / "2026-10.jsonl").open("a") as stream:
        stream.write(NEW_TINY_ROW)
    after = build_site(fixture_copy, tmp_path / "after", "--cache", cache)
    assert _scored(after.result.stdout) == (1, 1)
    fresh = build_site(fixture_copy, tmp_path / "fresh", "--no-cache")
    _same_tree(fresh.output, after.output)
    tiny = next(c for c in json.loads((after.output / "data" / "scores.json").read_text())[
        "companies"] if c["slug"] == "tiny")
    assert tiny["windows"]["all"]["contacts"]["value"] == 4
    # The entries of the data as it was are pruned: one scoreboard's worth is kept.
    (folder,) = cache.iterdir()
    assert len(list(folder.glob("*.json"))) == 2


def _pages_reused(stdout: str) -> int:
    match = re.search(r"^\s+pages\s+\d+, (\d+) companies' files reused from cache$", stdout,
                      re.MULTILINE)
    assert match, stdout
    return int(match[1])


def test_a_page_is_rendered_again_when_anything_it_shows_changes(fixture_copy, tmp_path,
                                                                  build_site):
    """The page cache is keyed by what a company's files show, not only by its own data: a
    second e-commerce company moves acme's industry mean, and so acme's Candor score and its
    page, though acme's files and cached scores did not change; the site URL changes every
    company's badge snippets. Each build equals a build without any cache."""
    cache = tmp_path / "cache"
    shutil.copytree(fixture_copy / "acme", fixture_copy / "acme-two")
    (fixture_copy / "acme-two" / "company.yaml").write_text(
        "name: Acme Two\nindustry: e-commerce\n")
    before = build_site(fixture_copy, tmp_path / "before", "--cache", cache)
    assert _scored(before.result.stdout) == (3, 0)
    # acme-two's customers turn unhappy: every NPS answer of 9 in its newest file becomes a 2.
    newest = fixture_copy / "acme-two" / "feedback" / "2026-10.csv"
    newest.write_text(newest.read_text().replace(",9,", ",2,"))
    after = build_site(fixture_copy, tmp_path / "after", "--cache", cache)
    assert _scored(after.result.stdout) == (1, 2)  # acme's scores came from the cache...
    acme = Path("companies/acme/index.html")
    # ...but its page changed, and was rendered again, as a fresh build renders it
    assert (before.output / acme).read_bytes() != (after.output / acme).read_bytes()
    _same_tree(build_site(fixture_copy, tmp_path / "fresh", "--no-cache").output, after.output)

    again = build_site(fixture_copy, tmp_path / "again", "--cache", cache)
    assert _pages_reused(again.result.stdout) == 3
    moved = build_site(fixture_copy, tmp_path / "moved", "--cache", cache,
                       "--site-url", "https://example.org/scores")
    assert _pages_reused(moved.result.stdout) == 0
    assert "https://example.org/scores/badges/acme.svg" in (moved.output / acme).read_text()
    _same_tree(build_site(fixture_copy, tmp_path / "moved-fresh", "--no-cache",
                          "--site-url", "https://example.org/scores").output, moved.output)


def test_a_peer_change_too_small_to_show_re_renders_no_other_page(tmp_path, build_site):
    """One rating of one demo bank flips from satisfied to not: its industry's CSAT mean moves,
    and with it the other bank's shrunk CSAT, but not by the tenth of a point its page shows,
    so only the changed company's files are rendered again, and the site is the one a build
    without any cache makes."""
    from conftest import DEMO_DATA

    data = Path(shutil.copytree(DEMO_DATA, tmp_path / "data"))
    cache = tmp_path / "cache"
    banks = sorted(p.parent.name for p in data.glob("*/company.yaml")
                   if "industry: banking" in p.read_text())
    assert len(banks) == 2
    before = build_site(data, tmp_path / "before", "--cache", cache)
    assert _pages_reused(before.result.stdout) == 0
    peer_before = build_scoreboard(data, cache=Cache.for_data(cache, data))
    newest = sorted((data / banks[0] / "feedback").glob("*.csv"))[-1]
    lines = newest.read_text().split("\n")
    rating = lines[0].split(",").index("rating")
    row = next(i for i, line in enumerate(lines[1:], 1) if line.split(",")[rating] == "5")
    cells = lines[row].split(",")
    cells[rating] = "1"
    lines[row] = ",".join(cells)
    newest.write_text("\n".join(lines))
    after = build_site(data, tmp_path / "after", "--cache", cache)
    assert _scored(after.result.stdout) == (1, 9)
    peer_after = build_scoreboard(data, cache=Cache.for_data(cache, data))

    def csat_part(board, slug):
        company = next(c for c in board.companies if c.slug == slug)
        return next(p for p in company.candor_parts if p.metric_id == "csat")

    moved, kept = csat_part(peer_before, banks[1]), csat_part(peer_after, banks[1])
    assert moved.target != kept.target and moved.shrunk != kept.shrunk  # the means moved...
    assert f"{moved.target:.1f}" == f"{kept.target:.1f}"  # ...by less than the page shows
    assert _pages_reused(after.result.stdout) == 9
    page = Path(f"companies/{banks[0]}/index.html")
    assert (before.output / page).read_bytes() != (after.output / page).read_bytes()
    _same_tree(build_site(data, tmp_path / "fresh", "--no-cache").output, after.output)


def test_a_build_into_the_last_builds_output_writes_only_what_changed(fixture_copy, tmp_path,
                                                                        build_site):
    """The companies, badges and data folders of the output are kept from the last build:
    unchanged files are left as they are (not written again), a file changed by hand is put
    right, and whatever the build does not write there (a stray file, a symbolic link, the
    files of a company that left) is removed: the site is the one a fresh build makes."""
    import os

    output, cache = tmp_path / "site", tmp_path / "cache"
    assert build_site(fixture_copy, output, "--cache", cache).result.returncode == 0
    page = output / "companies" / "acme" / "index.html"
    stamp = page.stat().st_mtime_ns
    os.utime(page, ns=(stamp - 10**9, stamp - 10**9))  # a second older: a rewrite would show
    stamp = page.stat().st_mtime_ns
    (output / "badges" / "acme.svg").write_text("not a badge")
    strays = [output / "companies" / "ghost" / "index.html", output / "badges" / "ghost.svg",
              output / "data" / "companies" / "ghost.json", output / "data" / "notes.txt"]
    for stray in strays:
        stray.parent.mkdir(parents=True, exist_ok=True)
        stray.write_text("left over")
    outside = tmp_path / "outside.txt"
    outside.write_text("outside the site")
    (output / "companies" / "acme" / "link.html").symlink_to(outside)
    (output / "data" / "elsewhere").symlink_to(tmp_path, target_is_directory=True)

    again = build_site(fixture_copy, output, "--cache", cache)
    assert again.result.returncode == 0, again.result.stderr
    assert page.stat().st_mtime_ns == stamp  # the same bytes: not written again
    assert not any(stray.exists() for stray in strays)
    assert outside.read_text() == "outside the site"
    _same_tree(build_site(fixture_copy, tmp_path / "fresh", "--no-cache").output, output)

    # A kept folder that is a link to another folder is not written through.
    elsewhere = Path(shutil.copytree(output / "badges", tmp_path / "elsewhere"))
    shutil.rmtree(output / "badges")
    (output / "badges").symlink_to(elsewhere, target_is_directory=True)
    (elsewhere / "acme.svg").write_text("not a badge")
    linked = build_site(fixture_copy, output, "--cache", cache)
    assert linked.result.returncode == 0, linked.result.stderr
    assert (elsewhere / "acme.svg").read_text() == "not a badge"
    _same_tree(build_site(fixture_copy, tmp_path / "fresh", "--no-cache").output, output)

    shutil.rmtree(fixture_copy / "tiny")
    gone = build_site(fixture_copy, output, "--cache", cache)
    assert gone.result.returncode == 0, gone.result.stderr
    assert not (output / "companies" / "tiny").exists()
    _same_tree(build_site(fixture_copy, tmp_path / "fresh-gone", "--no-cache").output, output)


def _board_json(data: Path, cache: Cache | None = None) -> tuple[str, object]:
    board = build_scoreboard(data, cache=cache)
    return scores_json(board), board.stats


@pytest.mark.parametrize("spoil", ["truncated", "other_key", "unknown_type", "other_company",
                                   "extra_field", "not_json"])
def test_an_entry_that_does_not_match_is_recomputed_never_trusted(fixture_copy, tmp_path,
                                                                   spoil):
    expected, _ = _board_json(fixture_copy)
    cache = Cache(tmp_path / "cache")
    _board_json(fixture_copy, cache)
    config = read_config()
    jobs = {c.slug: Job(c, fixture_copy, dt.date(2026, 10, 20))
            for c in discover(fixture_copy)[0]}
    acme = cache.folder / f"{key(jobs['acme'], config)}.json"
    tiny = cache.folder / f"{key(jobs['tiny'], config)}.json"
    document = json.loads(acme.read_text())
    if spoil == "truncated":
        acme.write_bytes(acme.read_bytes()[:1000])
    elif spoil == "other_key":
        document[1] = "0" * 64
        acme.write_text(json.dumps(document))
    elif spoil == "unknown_type":  # a class outside the result types is never built
        document[2]["t"] = "Popen"
        acme.write_text(json.dumps(document))
    elif spoil == "other_company":
        acme.write_bytes(tiny.read_bytes().replace(tiny.stem.encode(), acme.stem.encode()))
    elif spoil == "extra_field":
        document[2]["v"].append("rm -rf /")
        acme.write_text(json.dumps(document))
    else:
        acme.write_bytes(b"\x80\x04\x95 not json, e.g. a pickle")
    again, stats = _board_json(fixture_copy, Cache(tmp_path / "cache"))
    assert (stats.scored, stats.reused) == (1, 1)
    assert again == expected


def test_decode_builds_only_the_result_types():
    with pytest.raises(ValueError, match="unknown cache type"):
        decode({"t": "Path", "v": ["/etc/passwd"]})
    with pytest.raises(ValueError, match="Score fields do not match"):
        decode({"t": "Score", "v": [1.0, 2, "percent", None, None, "", "extra"]})
    with pytest.raises(ValueError, match="not a cache value"):
        decode({"__reduce__": ["os.system", ["true"]]})
    assert decode(encode((dt.date(2026, 1, 2), {"a": [1, 2.5, None]}))) == (
        dt.date(2026, 1, 2), {"a": [1, 2.5, None]})


def test_a_company_result_holds_scores_never_rows(fixture_copy):
    (acme, _), _ = discover(fixture_copy)
    result = score_company(Job(acme, fixture_copy, dt.date(2026, 10, 20)))
    # encode refuses anything but the result types and plain values: no DataFrame survives.
    decoded = decode(json.loads(json.dumps(encode(result))))
    assert decoded.windows == result.windows and decoded.files == result.files
    assert decoded.newest == dt.date(2026, 10, 20)
    assert result.rows_counted == 40


def test_the_key_covers_files_config_dates_and_code(fixture_copy, tmp_path, monkeypatch):
    config = read_config()
    (acme, _), _ = discover(fixture_copy)
    job = Job(acme, fixture_copy, dt.date(2026, 10, 20))
    before = key(job, config)
    assert key(job, config) == before
    assert key(Job(acme, fixture_copy, dt.date(2026, 10, 21)), config) != before
    assert key(Job(acme, fixture_copy, job.as_of, dt.date(2026, 10, 20)), config) != before
    heavier = type(config)({**config.weights, "csat": config.weights["csat"] + 1},
                           config.prior_strength, config.min_weight_share)
    assert key(job, heavier) != before
    first = acme.feedback[1]
    first.write_bytes(first.read_bytes().replace(b"a01,", b"a0x,", 1))
    assert key(job, config) != before
    # The scoring code: a copy of the package with one byte changed has another version.
    copy = Path(shutil.copytree(cache_module.PACKAGE, tmp_path / "scoring"))
    monkeypatch.setattr(cache_module, "PACKAGE", copy)
    cache_module.code_version.cache_clear()
    original = cache_module.code_version()
    (copy / "metrics.py").write_text((copy / "metrics.py").read_text() + "\n#\n")
    cache_module.code_version.cache_clear()
    assert cache_module.code_version() != original
    cache_module.code_version.cache_clear()


def test_as_of_is_the_newest_counted_contact_even_when_a_quarantined_file_is_newer(
        fixture_copy):
    late = fixture_copy / "acme" / "feedback" / "2026-11.csv"
    late.write_text("id,submitted_at,channel,rating\nz1,2026-11-05T10:00:00Z,phone,9\n")
    board = build_scoreboard(fixture_copy)
    assert board.as_of == dt.date(2026, 10, 20)
    assert "basic/acme/feedback/2026-11.csv" in [f.file for f in board.quarantined]
    late.unlink()
    assert [c.windows for c in board.companies] == [
        c.windows for c in build_scoreboard(fixture_copy).companies]


def test_the_build_holds_no_company_rows_between_companies(fixture_copy):
    """Streaming: once a company is scored, none of its contacts is still referenced (the
    build used to keep every company's rows until all were scored)."""
    import gc

    import pandas as pd

    alive = []

    def watching(function, jobs):
        for position, result in run_here(function, jobs):
            gc.collect()
            alive.append(sum(1 for o in gc.get_objects() if isinstance(o, pd.DataFrame)
                             and "submitted_at" in o.columns and len(o)))
            yield position, result

    board = build_scoreboard(fixture_copy, run=watching)
    assert board.contacts == 43  # acme 40 + tiny 3: rows were read
    assert alive == [0, 0]


def test_in_git_a_new_commit_reuses_the_pages_it_did_not_change(tmp_path, build_site):
    """Every page shows the data commit, which every commit changes; the page cache keeps it
    out of its pages and puts the new one back, so a commit touching one company still reuses
    the other's page, and the site is the one a build without any cache makes."""
    import subprocess

    from conftest import FIXTURE

    repo = tmp_path / "repo"
    data = Path(shutil.copytree(FIXTURE, repo / "data"))

    def commit(message: str) -> str:
        def git(*args: str) -> str:
            return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                                  text=True).stdout.strip()
        if not (repo / ".git").exists():
            git("init", "-q", "-b", "main")
            git("config", "user.email", "test@example.com")
            git("config", "user.name", "Test")
        git("add", "-A")
        git("commit", "-q", "-m", message)
        return git("rev-parse", "HEAD")

    first = commit("first")
    cache = tmp_path / "cache"
    before = build_site(data, tmp_path / "before", "--cache", cache)
    assert first[:12] in (before.output / "companies/acme/index.html").read_text()
    with (data / "tiny" / "feedback" / "2026-10.jsonl").open("a") as stream:
        stream.write(NEW_TINY_ROW)
    second = commit("tiny adds a row")
    after = build_site(data, tmp_path / "after", "--cache", cache)
    assert _scored(after.result.stdout) == (1, 1)
    assert _pages_reused(after.result.stdout) == 1  # acme's: tiny has too few ratings to move it
    page = (after.output / "companies/acme/index.html").read_text()
    assert f"<code>{second}</code>" in page and f"<code>{second[:12]}</code>" in page
    assert first not in page and "candor-data-commit" not in page
    _same_tree(build_site(data, tmp_path / "fresh", "--no-cache").output, after.output)


def test_a_company_named_like_the_commit_marker_keeps_its_name(fixture_copy, tmp_path,
                                                               build_site):
    """Company text cannot pose as the marker the page cache puts the data commit in: its <
    is escaped, so it is shown as written, and the cached build equals the uncached one."""
    profile = fixture_copy / "tiny" / "company.yaml"
    profile.write_text(profile.read_text().replace(
        "name: Tiny Bank", "name: '<!--candor-data-commit--> Tiny'"))
    cached = build_site(fixture_copy, tmp_path / "cached", "--cache", tmp_path / "cache")
    assert cached.result.returncode == 0, cached.result.stderr
    page = (cached.output / "companies/tiny/index.html").read_text()
    assert "<h1>&lt;!--candor-data-commit--&gt; Tiny</h1>" in page
    _same_tree(build_site(fixture_copy, tmp_path / "plain", "--no-cache").output, cached.output)
