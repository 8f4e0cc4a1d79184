"""Small costs of an incremental build: /actions/ and its feed kept in the page cache, the
summary key's file names, and the cache's own files written only when they change.

tests/fixtures/basic: acme has an action log (three entries), tiny has none; a row added to
tiny changes tiny's files only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, same_tree
from test_cache import NEW_TINY_ROW

from scoring.board import Job
from scoring.cache import Cache, code_version, summary_key
from scoring.config import read_config
from scoring.load import discover
from scoring.site import OutputRecord


def _actions_entries(cache: Path) -> dict[str, os.stat_result]:
    """The page cache's entries holding /actions/ and its feed, by path, with their stat."""
    (folder,) = cache.iterdir()
    found = {}
    for path in folder.glob(f"*{Cache.FILES}"):
        files = Cache(folder).get_files(path.stem)
        if files is not None and "actions/index.html" in files:
            assert sorted(files) == ["actions/feed.xml", "actions/index.html"]
            found[str(path)] = path.stat()
    return found


def test_an_unchanged_action_log_is_copied_from_the_page_cache(fixture_in_git, tmp_path,
                                                                build_site):
    """A commit that changes no action log leaves /actions/ and its feed as the cache kept
    them (the entry is read, not written again), with the new data commit put back; a changed
    entry of a log renders them again. Either way the site is the one a build without any
    cache makes."""
    data, commit = fixture_in_git
    first = commit("first")
    cache = tmp_path / "cache"
    cold = build_site(data, tmp_path / "cold", "--cache", cache)
    assert cold.result.returncode == 0, cold.result.stderr
    (kept,) = _actions_entries(cache).items()
    assert f"<code>{first[:12]}</code>" in (cold.output / "actions/index.html").read_text()

    with (data / "tiny" / "feedback" / "2026-10.jsonl").open("a") as stream:
        stream.write(NEW_TINY_ROW)
    second = commit("tiny adds a row")
    after = build_site(data, tmp_path / "after", "--cache", cache)
    assert after.result.returncode == 0, after.result.stderr
    (again,) = _actions_entries(cache).items()
    assert again[0] == kept[0]  # the same key
    assert (again[1].st_ino, again[1].st_mtime_ns) == (kept[1].st_ino, kept[1].st_mtime_ns)
    page = (after.output / "actions/index.html").read_text()
    assert f"<code>{second[:12]}</code>" in page
    assert first[:12] not in page and "candor-data-commit" not in page
    same_tree(build_site(data, tmp_path / "fresh", "--no-cache").output, after.output)

    log = data / "acme" / "actions.yaml"
    log.write_text(log.read_text().replace("A staffed chat is being planned.",
                                           "A staffed chat opens in December."))
    commit("acme's plan for chat")
    changed = build_site(data, tmp_path / "changed", "--cache", tmp_path / "cache")
    assert changed.result.returncode == 0, changed.result.stderr
    (new,) = _actions_entries(cache)  # a new entry; the old one is pruned
    assert new != kept[0]
    assert "A staffed chat opens in December." in (changed.output / "actions/index.html"
                                                   ).read_text()
    assert "A staffed chat opens in December." in (changed.output / "actions/feed.xml"
                                                   ).read_text()
    same_tree(build_site(data, tmp_path / "fresh2", "--no-cache").output, changed.output)


def test_a_summary_key_is_the_hash_of_the_files_as_named_from_the_data_folder(fixture_copy):
    """The summary key, worked out here from its definition: the header, then per file (the
    profile, the action log, the feedback) its name from the data folder's parent (the copy is
    outside the working directory) and the SHA-256 of its bytes."""
    config = read_config()
    companies, _ = discover(fixture_copy)
    acme = next(c for c in companies if c.slug == "acme")
    header = {"format": "candor.summary-entry/1", "code": code_version(),
              "gaming": dataclasses.asdict(config.gaming), "pinned": None, "slug": "acme"}
    digest = hashlib.sha256(json.dumps(header, sort_keys=True).encode() + b"\0")
    files = ["company.yaml", "actions.yaml", *sorted(
        f"feedback/{p.name}" for p in (fixture_copy / "acme" / "feedback").iterdir())]
    for name in files:
        digest.update(f"basic/acme/{name}".encode() + b"\0")
        digest.update(hashlib.sha256((fixture_copy / "acme" / name).read_bytes()).digest())
    assert summary_key(Job(acme, fixture_copy, None, None, config)) == digest.hexdigest()


def test_the_cache_files_are_written_only_when_they_change(fixture_copy, tmp_path,
                                                           build_site):
    """A build of unchanged data leaves the summaries index and the digests file as they were
    (not written again); a changed file writes both anew."""
    cache = tmp_path / "cache"
    assert build_site(fixture_copy, tmp_path / "one", "--cache", cache).result.returncode == 0
    (folder,) = cache.iterdir()

    def stats() -> list[tuple[int, int]]:
        return [((folder / name).stat().st_ino, (folder / name).stat().st_mtime_ns)
                for name in (Cache.INDEX, Cache.DIGESTS)]

    before = stats()
    assert build_site(fixture_copy, tmp_path / "two", "--cache", cache).result.returncode == 0
    assert stats() == before
    with (fixture_copy / "tiny" / "feedback" / "2026-10.jsonl").open("a") as stream:
        stream.write(NEW_TINY_ROW)
    assert build_site(fixture_copy, tmp_path / "three", "--cache", cache).result.returncode == 0
    index, digests = stats()
    assert index != before[0] and digests != before[1]
    # what they say now: tiny's new file and its summary, acme's as before
    document = json.loads((folder / Cache.DIGESTS).read_bytes())
    named = {row[0] for row in document["files"]}
    assert str(fixture_copy / "tiny" / "feedback" / "2026-10.jsonl") in named
    assert len(json.loads((folder / Cache.INDEX).read_bytes())["newest"]) == 2


def test_the_output_record_knows_a_file_as_the_last_build_left_it(fixture_in_git, tmp_path,
                                                                   build_site):
    """The record says which page-cache files of the output folder are as the last build
    wrote them (key, size, modification time), so that they need not be read. Any file
    changed behind the build's back is not one of them, and is put right by the next build."""
    data, commit = fixture_in_git
    first = commit("first")
    cache, output = tmp_path / "cache", tmp_path / "site"
    assert build_site(data, output, "--cache", cache).result.returncode == 0
    (folder,) = cache.iterdir()
    record = OutputRecord(Cache(folder), output)
    assert record.commit == first
    key = record.before["badges/acme.svg"][0]
    assert record.kept("badges/acme.svg", key)
    assert not record.kept("badges/acme.svg", "another key")
    assert not OutputRecord(Cache(folder), tmp_path / "elsewhere").before
    badge, feed, page = (output / name for name in (
        "badges/acme.svg", "companies/acme/actions.xml", "companies/tiny/index.html"))
    badge.write_bytes(badge.read_bytes() + b" ")  # another size
    os.utime(feed, ns=(feed.stat().st_atime_ns, feed.stat().st_mtime_ns + 1))  # another time
    page.write_bytes(b"")
    download = output / "data/companies/acme.json"  # a download the record knows too
    assert OutputRecord(Cache(folder), output).kept(
        "data/companies/acme.json", record.before["data/companies/acme.json"][0])
    download.write_bytes(download.read_bytes()[:-2])
    again = OutputRecord(Cache(folder), output)
    assert [again.kept(name, again.before[name][0]) for name in (
        "badges/acme.svg", "companies/acme/actions.xml", "companies/tiny/index.html",
        "companies/acme/index.html")] == [False, False, False, True]

    with (data / "tiny" / "feedback" / "2026-10.jsonl").open("a") as stream:
        stream.write(NEW_TINY_ROW)
    commit("tiny adds a row")
    assert build_site(data, output, "--cache", cache).result.returncode == 0
    same_tree(build_site(data, tmp_path / "fresh", "--no-cache").output, output)


def test_a_company_as_the_last_build_left_it_shows_the_new_commit_without_the_page_cache(
        fixture_in_git, tmp_path, build_site):
    """After a data commit that changes tiny only, acme's page, feed, badge and JSON file are
    as the last build left them: its page and JSON file are made to show the new data commit
    where they showed the last one, in place, its entry of scores.json is the last one's, and
    its page cache entry is neither read (here it cannot be: cut short) nor dropped. The site
    is what a cold build makes, commit after commit."""
    data, commit = fixture_in_git
    first = commit("first")
    cache, output = tmp_path / "cache", tmp_path / "site"
    assert build_site(data, output, "--cache", cache).result.returncode == 0
    (folder,) = cache.iterdir()
    (acme,) = [path for path in folder.glob(f"*{Cache.FILES}")
               if "companies/acme/index.html" in (Cache(folder).get_files(path.stem) or {})]
    acme.write_bytes(acme.read_bytes()[:100])
    page, download = output / "companies/acme/index.html", output / "data/companies/acme.json"
    inodes = [page.stat().st_ino, download.stat().st_ino]
    assert first in page.read_text() and f'"data_commit": "{first}"' in download.read_text()
    for number in (1, 2):
        with (data / "tiny" / "feedback" / "2026-10.jsonl").open("a") as stream:
            stream.write(NEW_TINY_ROW.replace('"t4"', f'"t{4 + number}"'))
        now = commit(f"tiny adds row {number}")
        assert build_site(data, output, "--cache", cache).result.returncode == 0
        shown = page.read_text()
        assert now in shown and now[:12] in shown and first[:12] not in shown
        assert f'"data_commit": "{now}"' in download.read_text()
        assert [page.stat().st_ino, download.stat().st_ino] == inodes
        assert acme.exists() and Cache(folder).get_files(acme.stem) is None
        same_tree(build_site(data, tmp_path / f"cold{number}", "--no-cache").output, output)


def test_a_file_is_written_over_in_place_and_cut_to_its_length(tmp_path):
    from scoring.site import _write_file

    path = tmp_path / "page.html"
    status = _write_file(path, b"a page of some length")
    assert path.read_bytes() == b"a page of some length"
    assert (status.st_size, status.st_mtime_ns) == (21, path.stat().st_mtime_ns)
    inode = path.stat().st_ino
    _write_file(path, b"shorter")  # in place: the same file, nothing left of the longer text
    assert (path.read_bytes(), path.stat().st_ino) == (b"shorter", inode)
    _write_file(path, b"longer than it was before")
    assert (path.read_bytes(), path.stat().st_ino) == (b"longer than it was before", inode)
    umask = os.umask(0o022)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_company_whose_page_cache_entry_cannot_be_read_is_rendered_again(
        fixture_copy, tmp_path, build_site):
    """Which companies to render is known from the keys the page cache holds; their files
    are read as they are written, when they are not as the last build left them. An entry
    that is there but cannot be read (here acme's, cut short) is rendered then, kept again,
    and the site is what a cold build makes."""
    cache = tmp_path / "cache"
    first = build_site(fixture_copy, tmp_path / "site", "--cache", cache)
    assert first.result.returncode == 0, first.result.stderr
    (folder,) = cache.iterdir()
    (acme,) = [path for path in folder.glob(f"*{Cache.FILES}")
               if "companies/acme/index.html" in (Cache(folder).get_files(path.stem) or {})]
    acme.write_bytes(acme.read_bytes()[:100])
    assert Cache(folder).get_files(acme.stem) is None
    page = tmp_path / "site" / "companies" / "acme" / "index.html"  # not as it was left
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 1))
    with (fixture_copy / "tiny" / "feedback" / "2026-10.jsonl").open("a") as stream:
        stream.write(NEW_TINY_ROW)  # tiny is rendered again; acme is not, but for this
    again = build_site(fixture_copy, tmp_path / "site", "--cache", cache)
    assert again.result.returncode == 0, again.result.stderr
    assert "companies/acme/index.html" in Cache(folder).get_files(acme.stem)
    same_tree(build_site(fixture_copy, tmp_path / "cold", "--no-cache").output, again.output)


# publish.py build, run here, saying at its exit whether pandas was ever imported, and whether
# what only reading a company's files needs was (pyarrow's compute functions, the comments'
# redaction)
BUILD_SAYING_PANDAS = """
import atexit, runpy, sys
atexit.register(lambda: print("pandas imported:", "pandas" in sys.modules, file=sys.stderr))
atexit.register(lambda: print("reading imported:", [name for name in (
    "pyarrow.compute", "scoring.redact") if name in sys.modules], file=sys.stderr))
sys.argv = ["publish.py", *sys.argv[1:]]
runpy.run_path("publish.py", run_name="__main__")
"""


@pytest.mark.parametrize("row, moves", [
    (NEW_TINY_ROW, False),
    # newer than every other contact: the scoreboard's as_of moves to its day
    (NEW_TINY_ROW.replace("2026-10-05", "2026-11-03"), True)])
def test_a_company_that_changed_is_read_on_a_process_of_its_own(
        fixture_copy, tmp_path, build_site, row, moves):
    """After a data commit that changes tiny only, tiny is read and scored on a process of
    its own (board._apart) while the build looks up acme in the cache: the build's process
    never imports pandas. When tiny's new day moves the as_of, acme is looked up again, as
    of it (and scored here from its summary). Nor does it import what only reading needs
    when the as_of stays. Either way the site is what a build without the cache makes."""
    cache = tmp_path / "cache"
    first = build_site(fixture_copy, tmp_path / "site", "--cache", cache)
    assert first.result.returncode == 0, first.result.stderr
    with (fixture_copy / "tiny" / "feedback" / "2026-10.jsonl").open("a") as stream:
        stream.write(row)
    done = subprocess.run(
        [sys.executable, "-c", BUILD_SAYING_PANDAS, "build", "--data", fixture_copy,
         "--output", tmp_path / "site", "--cache", cache, "--processes", "2",
         "--timings", tmp_path / "timings.json"],
        cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    # acme scored again here, from its summary, when the as_of moved
    assert f"pandas imported: {moves}" in done.stderr
    if not moves:
        assert "reading imported: []" in done.stderr
    timings = json.loads((tmp_path / "timings.json").read_text())
    # acme's result is the cache's, or scored again from its kept summary as of the new day
    assert (timings["read"], timings["reused"], timings["rescored"]) == (
        (1, 0, 1) if moves else (1, 1, 0))
    scores = json.loads((tmp_path / "site" / "data" / "scores.json").read_text())
    assert scores["as_of"] == ("2026-11-03" if moves else "2026-10-20")
    cold = build_site(fixture_copy, tmp_path / "cold", "--no-cache")
    assert cold.result.returncode == 0, cold.result.stderr
    same_tree(cold.output, tmp_path / "site")
