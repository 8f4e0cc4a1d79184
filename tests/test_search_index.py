"""The search index across builds into the same output folder: kept as it is when no page
changed what Pagefind reads of it, made again when one did (or when the last index cannot be
trusted), and either way byte for byte what a cold build of the same data writes. Real builds
(`publish.py build`, real Pelican and Pagefind) of a copy of tests/fixtures/basic, and real
Pagefind runs over small hand-written pages for what it reads."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, tree_bytes
from test_cache import NEW_TINY_ROW

from scoring.search import COMPARED_PAGES, STAMP, SearchIndex, SearchInput, search_copy
from scoring.site import KEPT, SEARCH_COPIES


def build(build_site, data: Path, output: Path, *options: object) -> dict:
    """A build of `data` into `output`; its --timings document."""
    timings = output.parent / f"{output.name}-timings.json"
    done = build_site(data, output, "--timings", timings, *options)
    assert done.result.returncode == 0, done.result.stderr
    return json.loads(timings.read_text("utf-8"))


def assert_cold_build_equal(build_site, data: Path, output: Path, tmp_path: Path) -> None:
    """The whole output folder, search index included, is what a build of `data` into a new
    folder, without the cache, writes."""
    cold = tmp_path / "cold"
    assert build(build_site, data, cold, "--no-cache")["search_reused"] is False
    built, expected = tree_bytes(output), tree_bytes(cold)
    assert sorted(built) == sorted(expected)
    assert [name for name in expected if built[name] != expected[name]] == []


def indexed_text(output: Path) -> str:
    """The text of every page as the search index holds it (gzipped JSON after a signature)."""
    texts = []
    for path in sorted((output / "pagefind" / "fragment").glob("*.pf_fragment")):
        fragment = json.loads(gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd"))
        texts.append(fragment["content"])
    return "\n".join(texts)


@pytest.fixture
def first(build_site, fixture_copy, tmp_path) -> Path:
    """The fixture built once into tmp_path/site (with a cache): an index and its stamp."""
    output = tmp_path / "site"
    assert build(build_site, fixture_copy, output, "--cache", tmp_path / "cache")[
        "search_reused"] is False
    assert (output / "pagefind" / STAMP).is_file()
    return output


def test_a_rating_change_keeps_the_index_and_builds_what_a_cold_build_does(
        build_site, fixture_copy, first, tmp_path):
    # a24 (no comment) rated 4 -> 2: acme's CSAT, Candor score and interval move, on its page,
    # the leaderboard and its industry's page; nothing Pagefind reads does.
    october = fixture_copy / "acme" / "feedback" / "2026-10.csv"
    text = october.read_text("utf-8")
    row = "a24,2026-10-04T09:00:00+02:00,chat,,post_sale,refund,vendor-a,4,"
    assert text.count(row) == 1
    october.write_text(text.replace(row, row.replace(",4,", ",2,")), "utf-8")
    before = tree_bytes(first)
    timings = build(build_site, fixture_copy, first, "--cache", tmp_path / "cache")
    assert timings["search_reused"] is True
    after = tree_bytes(first)
    changed = {n for n in after if n.endswith(".html") and after[n] != before.get(n)}
    assert {"companies/acme/index.html", "index.html",
            "industries/e-commerce/index.html"} <= changed
    assert {n: b for n, b in after.items() if n.startswith("pagefind/")} == {
        n: b for n, b in before.items() if n.startswith("pagefind/")}
    assert_cold_build_equal(build_site, fixture_copy, first, tmp_path)


COMMENT = ("a41,2026-10-20T08:00:00+02:00,chat,,post_sale,refund,vendor-a,5,10,30,true,"
           "2026-10-20T12:00:00Z,The courier whistled opera on my doorstep,true\n")


def add_comment(data: Path, row: str = COMMENT) -> None:
    """Append a row (by default COMMENT, a consented comment) to acme's newest file."""
    with (data / "acme" / "feedback" / "2026-10.csv").open("a") as stream:
        stream.write(row)


ACTION = """- id: gondola
  topic: delivery
  you_said: Deliver to the canal boats.
  we_did: A gondola round on Thursdays.
  status: planned
  opened: 2026-10-01
"""


@pytest.mark.parametrize("change, word", [("comment", "opera"), ("action", "gondola")])
def test_a_change_to_searchable_text_indexes_again(build_site, fixture_copy, first, tmp_path,
                                                   change, word):
    if change == "comment":  # a consented comment, newer than acme's others
        add_comment(fixture_copy)
    else:
        with (fixture_copy / "acme" / "actions.yaml").open("a") as stream:
            stream.write(ACTION)
    assert word not in indexed_text(first)
    timings = build(build_site, fixture_copy, first, "--cache", tmp_path / "cache")
    assert timings["search_reused"] is False
    assert word in indexed_text(first)
    # Pagefind starts on acme's page as soon as acme is scored (SearchIndex.speculate); a new
    # action is on /actions/ too, written after it: Pagefind starts again, on both
    assert timings["search_started"] == {"comment": "speculative", "action": "again"}[change]
    assert_cold_build_equal(build_site, fixture_copy, first, tmp_path)


# publish.py's build, its pages of the companies read rendered ahead (site.speculative_pages)
# with a heading that acme's final page does not have
WRONG_AHEAD = (
    "import sys, publish, scoring.site as site\n"
    "real = site.speculative_pages\n"
    "def wrong(*arguments):\n"
    "    return {name: page.replace(b'What customers said', b'What customers whispered')\n"
    "            for name, page in real(*arguments).items()}\n"
    "site.speculative_pages = wrong\n"
    "sys.exit(publish.main(sys.argv[1:]))\n")


def test_a_page_rendered_ahead_that_reads_otherwise_than_the_final_one_is_indexed_again(
        build_site, fixture_copy, first, tmp_path):
    """Pagefind starts on acme's page as soon as acme is scored, and that page reads
    otherwise than the one the build writes: Pagefind starts again, on the final page."""
    add_comment(fixture_copy)
    timings = tmp_path / "timings.json"
    done = subprocess.run(
        [sys.executable, "-c", WRONG_AHEAD, "build", "--data", str(fixture_copy), "--output",
         str(first), "--cache", str(tmp_path / "cache"), "--timings", str(timings)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(timings.read_text("utf-8"))["search_started"] == "again"
    text = indexed_text(first)
    assert "opera" in text and "whispered" not in text
    assert_cold_build_equal(build_site, fixture_copy, first, tmp_path)


def _copies(cache: Path) -> dict[str, tuple[int, bytes]]:
    """The search copies kept in the build's cache: name -> (modification time, bytes)."""
    (folder,) = cache.glob(f"*/{SEARCH_COPIES}")
    return {path.relative_to(folder).as_posix(): (path.stat().st_mtime_ns, path.read_bytes())
            for path in folder.rglob("*.html")}


def test_only_the_pages_that_changed_are_copied_again_for_the_index(
        build_site, fixture_copy, first, tmp_path):
    site = tree_bytes(first)
    pages = sorted(name for name in site
                   if name.endswith(".html") and not name.startswith("pagefind/"))
    before = _copies(tmp_path / "cache")
    assert sorted(before) == pages
    assert b"opera" not in before["companies/acme/index.html"][1]
    add_comment(fixture_copy)
    timings = build(build_site, fixture_copy, first, "--cache", tmp_path / "cache")
    assert timings["search_reused"] is False
    after, now = _copies(tmp_path / "cache"), tree_bytes(first)
    assert sorted(after) == pages
    made = sorted(name for name in pages if after[name][0] != before[name][0])
    # acme's page shows the comment: the only page whose searchable words changed, so the
    # only copy made again, and Pagefind started on it as soon as acme was scored;
    # the pages that list every company show its new scores, outside what Pagefind reads
    assert made == ["companies/acme/index.html"]
    changed = {name for name in pages if now[name] != site[name]}
    assert {"index.html", "companies/tiny/index.html"} <= changed
    assert (timings["search_copied"], timings["search_started"]) == (1, "speculative")
    assert b"opera" in after["companies/acme/index.html"][1]
    assert all(after[name] == before[name] for name in pages if name not in made)
    assert_cold_build_equal(build_site, fixture_copy, first, tmp_path)
    # the copies as this build left them are known without listing them again: the next
    # build trusts them, and starts Pagefind early again
    add_comment(fixture_copy, COMMENT.replace("a41,", "a42,").replace("opera", "sea shanties"))
    timings = build(build_site, fixture_copy, first, "--cache", tmp_path / "cache")
    assert (timings["search_copied"], timings["search_started"]) == (1, "speculative")
    assert "sea shanties" in indexed_text(first)
    assert_cold_build_equal(build_site, fixture_copy, first, tmp_path / "again")


def _index_files(output: Path) -> dict[str, tuple[int, int]]:
    """The index's files: name -> (inode, modification time)."""
    folder = output / "pagefind"
    return {path.relative_to(folder).as_posix(): (path.stat().st_ino, path.stat().st_mtime_ns)
            for path in folder.rglob("*") if path.is_file()}


def test_pagefind_indexes_over_the_last_index_and_what_it_no_longer_names_goes(
        build_site, fixture_copy, first, tmp_path):
    before = _index_files(first)
    held = {name: (first / "pagefind" / name).read_bytes() for name in before}
    add_comment(fixture_copy)
    assert build(build_site, fixture_copy, first, "--cache", tmp_path / "cache")[
        "search_started"] == "speculative"
    after = _index_files(first)
    fragments = {name for name in after if name.startswith("fragment/")}
    old_fragments = {name for name in before if name.startswith("fragment/")}
    # acme's page is the only one whose fragment changed: its old fragment is gone, its new
    # one written; every other page's is the very file the last build wrote, not written again
    (gone,), (new,) = old_fragments - fragments, fragments - old_fragments
    assert b"acme" in gzip.decompress(held[gone])
    assert b"opera" in gzip.decompress((first / "pagefind" / new).read_bytes())
    assert all(after[name] == before[name] for name in fragments - {new})
    assert_cold_build_equal(build_site, fixture_copy, first, tmp_path)


def test_an_index_pagefind_would_not_make_over_is_made_from_nothing(
        fixture_copy, tmp_path, monkeypatch):
    """When the index made over the last one cannot be read as Pagefind 1.5 writes it (another
    version's), it is made again from nothing: the same index."""
    from scoring import search
    from scoring.board import build_scoreboard
    from scoring.cache import Cache
    from scoring.site import build_site

    def built(output: Path, cache: Cache | None):
        return build_site(build_scoreboard(fixture_copy, cache=cache), output, cache=cache)

    cache = Cache(tmp_path / "cache")
    built(tmp_path / "site", cache)
    stale = tmp_path / "site" / "pagefind" / "fragment" / "en_0000000.pf_fragment"
    add_comment(fixture_copy)
    calls = []
    monkeypatch.setattr(search, "_prune", lambda folder: calls.append(
        stale.write_bytes(b"left by an index made before")) or False)
    done = built(tmp_path / "site", cache)
    assert calls and not done.search_reused and not stale.exists()
    assert "opera" in indexed_text(tmp_path / "site")
    built(tmp_path / "cold", None)
    assert tree_bytes(tmp_path / "site") == tree_bytes(tmp_path / "cold")


def test_prune_removes_the_hashed_files_the_index_does_not_name(tmp_path):
    from scoring.search import _prune

    site = tmp_path / "site"
    site.mkdir()
    for name in ("one", "two"):
        (site / f"{name}.html").write_text(
            f"<!DOCTYPE html><html lang=\"en\"><head><title>{name}</title></head><body>"
            f"<main data-pagefind-body><h1>{name}</h1><p>Words about {name}.</p></main>"
            "</body></html>", "utf-8")
    index = tmp_path / "index"
    subprocess.run([sys.executable, "-m", "pagefind_bin", "--site", site, "--output-path",
                    index, "--silent"], check=True)
    made = sorted(path.relative_to(index).as_posix() for path in index.rglob("*.pf_*"))
    assert len([name for name in made if name.startswith("fragment/")]) == 2
    stale = ["fragment/en_1234567.pf_fragment", "index/en_7654321.pf_index"]
    for name in stale:
        (index / name).write_bytes(b"an older index's")
    assert _prune(index) is True
    assert sorted(path.relative_to(index).as_posix() for path in index.rglob("*.pf_*")) == made
    # a fragment the meta names is missing: not an index to keep
    next((index / "fragment").iterdir()).unlink()
    assert _prune(index) is False
    (meta,) = index.glob("*.pf_meta")
    meta.write_bytes(gzip.compress(b"pagefind_dcd" + b"\xff\x00"))
    assert _prune(index) is False


def test_copies_of_changed_pages_not_held_are_made_once_they_are_written(
        fixture_copy, tmp_path, monkeypatch):
    """Past HELD_PAGES changed pages, the index waits for the writer thread and copies the
    others from the written pages: the same index."""
    from scoring import search
    from scoring.board import build_scoreboard
    from scoring.cache import Cache
    from scoring.site import build_site

    def built(output: Path, cache: Cache | None):
        return build_site(build_scoreboard(fixture_copy, cache=cache), output, cache=cache)

    cache = Cache(tmp_path / "cache")
    built(tmp_path / "site", cache)
    add_comment(fixture_copy)
    monkeypatch.setattr(search, "HELD_PAGES", 1)
    done = built(tmp_path / "site", cache)
    assert not done.search_reused and 1 < done.search_copied < done.pages
    assert "opera" in indexed_text(tmp_path / "site")
    built(tmp_path / "cold", None)
    assert tree_bytes(tmp_path / "site") == tree_bytes(tmp_path / "cold")


def test_copies_changed_behind_the_builds_back_are_all_made_again(
        build_site, fixture_copy, first, tmp_path):
    (folder,) = (tmp_path / "cache").glob(f"*/{SEARCH_COPIES}")
    # tiny's copy now says something its page does not: were it read, the index would too
    tiny = folder / "companies" / "tiny" / "index.html"
    tiny.write_bytes(tiny.read_bytes().replace(b"<h1>", b"<h1>Zeppelin "))
    add_comment(fixture_copy)
    timings = build(build_site, fixture_copy, first, "--cache", tmp_path / "cache")
    assert timings["search_reused"] is False
    assert timings["search_copied"] == len(_copies(tmp_path / "cache"))
    assert "Zeppelin" not in indexed_text(first) and "opera" in indexed_text(first)
    assert_cold_build_equal(build_site, fixture_copy, first, tmp_path)


def test_an_index_folder_that_is_a_link_is_replaced_not_followed(build_site, fixture_copy,
                                                                  first, tmp_path):
    import shutil

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("not the build's", "utf-8")
    shutil.rmtree(first / "pagefind")
    (first / "pagefind").symlink_to(elsewhere, target_is_directory=True)
    add_comment(fixture_copy)
    assert build(build_site, fixture_copy, first, "--cache", tmp_path / "cache")[
        "search_started"] == "written"
    assert not (first / "pagefind").is_symlink() and (first / "pagefind" / STAMP).is_file()
    assert [path.name for path in elsewhere.iterdir()] == ["keep.txt"]
    assert_cold_build_equal(build_site, fixture_copy, first, tmp_path)


def test_a_copies_folder_that_is_a_link_is_replaced_not_followed(build_site, fixture_copy,
                                                                  first, tmp_path):
    import shutil

    (folder,) = (tmp_path / "cache").glob(f"*/{SEARCH_COPIES}")
    elsewhere = Path(shutil.copytree(folder, tmp_path / "elsewhere"))
    before = {path: path.read_bytes() for path in elsewhere.rglob("*") if path.is_file()}
    shutil.rmtree(folder)
    folder.symlink_to(elsewhere, target_is_directory=True)
    add_comment(fixture_copy)
    assert build(build_site, fixture_copy, first, "--cache", tmp_path / "cache")[
        "search_started"] == "written"
    assert not folder.is_symlink() and b"opera" in (
        folder / "companies" / "acme" / "index.html").read_bytes()
    assert {path: path.read_bytes() for path in elsewhere.rglob("*") if path.is_file()} == before
    assert_cold_build_equal(build_site, fixture_copy, first, tmp_path)


def _a_copy(first: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A search copy kept in the cache (acme's), and its folder."""
    (folder,) = (tmp_path / "cache").glob(f"*/{SEARCH_COPIES}")
    return folder / "companies" / "acme" / "index.html", folder


def _an_index_file(first: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A fragment of the index, and the index's folder."""
    return next((first / "pagefind" / "fragment").iterdir()), first / "pagefind"


@pytest.mark.parametrize("which", [_a_copy, _an_index_file])
def test_a_file_of_the_search_index_that_is_a_link_is_not_trusted(
        build_site, fixture_copy, first, tmp_path, which):
    """A kept search copy, or a file of the index, replaced by a link to the same bytes (and
    times): only the link itself tells it apart. It is neither trusted nor written through."""
    import shutil

    path, folder = which(first, tmp_path)
    elsewhere = Path(shutil.copy2(path, tmp_path / f"elsewhere{path.suffix}"))
    held = elsewhere.read_bytes()
    path.unlink()
    path.symlink_to(elsewhere)
    add_comment(fixture_copy)
    assert build(build_site, fixture_copy, first, "--cache", tmp_path / "cache")[
        "search_started"] == "written"
    assert not path.is_symlink()
    assert not any(path.is_symlink() for path in folder.rglob("*"))
    assert elsewhere.read_bytes() == held
    assert_cold_build_equal(build_site, fixture_copy, first, tmp_path)


def test_a_removed_company_indexes_again(build_site, fixture_copy, first, tmp_path):
    for path in sorted((fixture_copy / "tiny").rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    (fixture_copy / "tiny").rmdir()
    assert build(build_site, fixture_copy, first, "--cache", tmp_path / "cache")[
        "search_reused"] is False
    assert not (first / "companies" / "tiny").exists()
    assert "companies/tiny/index.html" not in _copies(tmp_path / "cache")
    assert_cold_build_equal(build_site, fixture_copy, first, tmp_path)


def test_a_new_data_commit_alone_keeps_the_index(build_site, fixture_in_git, tmp_path):
    """Every page shows the data commit, which every commit changes, in its footer and a
    company's provenance: places Pagefind does not read. A commit that adds a row without a
    comment writes every page again and keeps the index, stamped with the new commit; the
    site is what a cold build of that commit writes. A commit that adds a comment does not."""
    data, commit = fixture_in_git
    first = commit("first")
    output, cache = tmp_path / "site", tmp_path / "cache"
    assert build(build_site, data, output, "--cache", cache)["search_reused"] is False
    before = tree_bytes(output)
    with (data / "tiny" / "feedback" / "2026-10.jsonl").open("a") as stream:
        stream.write(NEW_TINY_ROW)
    second = commit("tiny adds a row")
    assert build(build_site, data, output, "--cache", cache)["search_reused"] is True
    after = tree_bytes(output)
    pages = [name for name in after if name.endswith(".html")
             and not name.startswith("pagefind/")]
    assert len(pages) > 10 and [n for n in pages if after[n] == before[n]] == []
    for name in pages:
        assert first[:12].encode() in before[name] and second[:12].encode() in after[name]
        read = repr(SearchInput(after[name]).parts)
        assert second[:12] not in read and "not in git" not in read, name
    stamp = "pagefind/" + STAMP
    assert {n: b for n, b in after.items() if n.startswith("pagefind/") and n != stamp} == {
        n: b for n, b in before.items() if n.startswith("pagefind/") and n != stamp}
    assert (json.loads(before[stamp])["commit"], json.loads(after[stamp])["commit"]) == (
        first, second)
    assert_cold_build_equal(build_site, data, output, tmp_path)

    add_comment(data)
    third = commit("acme adds a comment")
    copies = _copies(cache)
    timings = build(build_site, data, output, "--cache", cache)
    assert timings["search_reused"] is False
    assert "opera" in indexed_text(output)
    # every page shows the new commit, and some show acme's new scores; only acme's shows
    # words Pagefind reads that changed: its copy is the one made again, the others are kept
    last = tree_bytes(output)
    moved = [name for name in pages
             if after[name].replace(second.encode(), b"").replace(second[:12].encode(), b"")
             != last[name].replace(third.encode(), b"").replace(third[:12].encode(), b"")]
    assert "companies/tiny/index.html" in moved and "methodology/index.html" not in moved
    made = [name for name in pages if _copies(cache)[name] != copies[name]]
    assert made == ["companies/acme/index.html"]
    assert timings["search_started"] == "speculative"
    assert timings["search_copied"] == len(made)
    assert_cold_build_equal(build_site, data, output, tmp_path)


def test_a_page_that_differs_only_where_it_shows_the_data_commit_is_not_compared(first):
    """However many pages a new commit rewrites, none is parsed to be compared (past
    COMPARED_PAGES the index would be made again); any other difference still is."""
    name = "companies/acme/index.html"
    page = (first / name).read_bytes()
    assert page.count(b"<code>not in git</code>") == 2  # the provenance, then the footer
    commit = "0123456789abcdef" * 2 + "01234567"
    moved = page.replace(b"not in git", commit.encode(), 1).replace(b"not in git",
                                                                    commit[:12].encode(), 1)
    search = SearchIndex(first, KEPT, commit)
    assert search.reused
    for _ in range(COMPARED_PAGES + 1):
        search.rewritten(name, page, moved)
    assert search.reused and search.compared == 0
    search.rewritten(name, page, moved.replace(b"<h1>Acme", b"<h1>Acne"))
    assert (search.reused, search.compared) == (False, 1)


def test_an_unchanged_build_says_so_on_the_terminal(build_site, fixture_copy, first, tmp_path):
    done = build_site(fixture_copy, first, "--cache", tmp_path / "cache")
    assert done.result.returncode == 0, done.result.stderr
    seconds = next(line for line in done.result.stdout.splitlines()
                   if line.startswith("  seconds "))
    assert seconds.endswith("(search index reused)")
    assert "search 0.0" in seconds


def _unfinished(output: Path, index_before: Path) -> None:
    """What a build that wrote its pages and failed before Pagefind finished leaves: these
    pages, the index of the pages before, and no stamp (removed before any page changed)."""
    import shutil

    shutil.rmtree(output / "pagefind")
    shutil.copytree(index_before, output / "pagefind")
    (output / "pagefind" / STAMP).unlink()


def _fragment_lost(output: Path, index_before: Path) -> None:
    """A file of the index gone: the stamp is there, the index is not whole."""
    next((output / "pagefind" / "fragment").glob("*.pf_fragment")).unlink()


def _index_gone(output: Path, index_before: Path) -> None:
    import shutil

    shutil.rmtree(output / "pagefind")


def _other_pagefind(output: Path, index_before: Path) -> None:
    """An index stamped by another Pagefind version."""
    stamp = output / "pagefind" / STAMP
    document = json.loads(stamp.read_text("utf-8"))
    document["pagefind"] = "1.4.0"
    stamp.write_text(json.dumps(document, indent=1) + "\n", "utf-8")


@pytest.mark.parametrize("damage", [_unfinished, _fragment_lost, _index_gone,
                                    _other_pagefind])
def test_an_index_that_cannot_be_trusted_is_made_again(build_site, fixture_copy, first,
                                                       tmp_path, damage):
    import shutil

    index_before = Path(shutil.copytree(first / "pagefind", tmp_path / "index-before"))
    add_comment(fixture_copy)
    assert build(build_site, fixture_copy, first, "--cache", tmp_path / "cache")[
        "search_reused"] is False
    damage(first, index_before)
    # The pages on disk are this data's: only the index is in doubt.
    assert build(build_site, fixture_copy, first, "--cache", tmp_path / "cache")[
        "search_reused"] is False
    assert "opera" in indexed_text(first)
    assert_cold_build_equal(build_site, fixture_copy, first, tmp_path)


# --- what Pagefind reads of a page ----------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html lang="en"><head><title>Alpha title</title>
<meta name="description" content="about alpha"></head>
<body><nav>Menu</nav>
<main data-pagefind-body><h1>Alpha</h1><p>Roaming in Leeds.</p>
<section data-pagefind-ignore="all"><h2 id="scores">Scores</h2><p>CSAT 71.3%</p>
<img src="badge.svg" alt="Candor score 71"><table><tr><td>9</td></tr></table></section>
<h2 id="kept">Kept</h2><p>Chat <a href="../b/">link</a></p>
<p data-pagefind-ignore="all">rank 2&ndash;4 of 9</p></main>
<footer>data commit abc</footer></body></html>
"""
# (what is changed, whether Pagefind's index changes with it, found by running Pagefind 1.5,
# and whether SearchInput's parts do): the parts differ whenever the index does, and may
# differ when it does not (the tags' attributes are parts), never the other way round.
VARIANTS = [
    (("71.3%", "64.0%"), False, False),  # text in an ignored element
    (('id="scores"', 'id="other"'), False, False),  # a heading's anchor in one
    (('alt="Candor score 71"', 'alt="Candor score 64"'), False, False),  # an image in one
    (("rank 2&ndash;4", "rank 1&ndash;3"), False, False),
    (("Alpha title", "Other title"), False, True),  # the <title>, with an <h1> in the body
    (("about alpha", "about beta"), False, False),
    (("Menu", "Other menu"), False, False),  # outside the body
    (("data commit abc", "data commit def"), False, False),
    (('<p>Chat', '<p class="x">Chat'), False, True),  # an attribute Pagefind does not read
    (("Roaming in Leeds", "Roaming in York"), True, True),
    (('id="kept"', 'id="moved"'), True, True),
    (("<p>Roaming in Leeds.</p>", "<h3>Roaming in Leeds.</h3>"), True, True),  # weighs more
    (('lang="en"', 'lang="fr"'), True, True),
    (("<h1>Alpha</h1>", ""), True, True),  # the result's title is the <title> now
    (('<section data-pagefind-ignore="all">', "<section>"), True, True),
]


def _pagefind(site: Path) -> dict[str, bytes]:
    subprocess.run([sys.executable, "-m", "pagefind_bin", "--site", str(site), "--silent"],
                   check=True, capture_output=True)
    return tree_bytes(site / "pagefind")


def test_search_input_changes_whenever_what_pagefind_reads_does(tmp_path):
    def site(name: str, page: str) -> Path:
        root = tmp_path / name
        (root / "a").mkdir(parents=True)
        (root / "a" / "index.html").write_text(page, "utf-8")
        (root / "b").mkdir()
        (root / "b" / "index.html").write_text(PAGE.replace("Alpha", "Beta"), "utf-8")
        return root

    base = _pagefind(site("base", PAGE))
    parts = SearchInput(PAGE.encode()).parts
    assert ("", "CSAT 71.3%") not in parts and ("", "Roaming in Leeds.") in parts
    for number, ((old, new), reads, differs) in enumerate(VARIANTS):
        assert PAGE.count(old) == 1, old
        assert differs or not reads
        page = PAGE.replace(old, new)
        assert (_pagefind(site(f"v{number}", page)) != base) is reads, old
        assert (SearchInput(page.encode()).parts != parts) is differs, old


# search_copy: (page, its copy, None: the page as it is), worked out by hand
COPIES = [
    ('<main><p data-pagefind-ignore="all">rank 2</p><p>kept</p></main>',
     '<main><p data-pagefind-ignore="all"></p><p>kept</p></main>'),
    # elements of the same name nested in it are counted to its own end tag
    ('<ol data-pagefind-ignore="all"><li><ol><li>a</li></ol></li><li>b</li></ol><p>kept</p>',
     '<ol data-pagefind-ignore="all"></ol><p>kept</p>'),
    ("<section data-pagefind-ignore><section>x</section>y</section>z",
     "<section data-pagefind-ignore></section>z"),
    # the mark as text, in an attribute's value or in another attribute's name: no element
    ("<p>data-pagefind-ignore</p>", None),
    ('<p title="x data-pagefind-ignore y">kept</p>', None),
    ('<p data-pagefind-ignored="1">kept</p>', None),
    # a void or self-closed element has no content; one never closed is copied as it is
    ('<img data-pagefind-ignore="all" alt="a"><p>kept</p>', None),
    ('<div data-pagefind-ignore="all"/><p>kept</p>', None),
    ('<div data-pagefind-ignore="all"><p>kept</p>', None),
    # names that begin like the element's are not it
    ('<b data-pagefind-ignore="all"><br><bdi>x</bdi></b>kept',
     '<b data-pagefind-ignore="all"></b>kept'),
]


@pytest.mark.parametrize("page, copy", COPIES)
def test_a_search_copy_leaves_out_the_content_of_ignored_elements(page, copy):
    assert search_copy(page.encode()) == (page if copy is None else copy).encode()


def test_pagefind_indexes_the_search_copies_as_it_does_the_pages(tmp_path):
    """PAGE and its variants, hostile text included: Pagefind run on the pages themselves makes
    the index it makes of their search copies."""
    hostile = ('<p>data-pagefind-ignore="all" &lt;section data-pagefind-ignore&gt; '
               '<a title="&#34; data-pagefind-ignore=&#34;all">Leeds</a></p>')
    pages = [PAGE, PAGE.replace("<p>Chat", hostile + "<p>Chat"),
             *(PAGE.replace(old, new) for (old, new), _, _ in VARIANTS)]
    for number, page in enumerate(pages):
        for kind, text in (("page", page), ("copy", search_copy(page.encode()).decode())):
            (tmp_path / kind / str(number)).mkdir(parents=True)
            (tmp_path / kind / str(number) / "index.html").write_text(text, "utf-8")
    pages, copies = _pagefind(tmp_path / "page"), _pagefind(tmp_path / "copy")
    # with two languages (the lang="fr" variant), Pagefind lists them in either order
    entry = "pagefind-entry.json"
    assert json.loads(pages.pop(entry)) == json.loads(copies.pop(entry))
    assert pages == copies


def test_the_demo_sites_index_is_pagefinds_of_its_pages(demo_site, tmp_path):
    """The index a build makes (of the pages' search copies) is what Pagefind makes of the
    pages themselves, byte for byte; the copies hold under a third of the bytes."""
    shutil.copytree(demo_site, tmp_path / "site", ignore=shutil.ignore_patterns("pagefind"))
    built = {name: data for name, data in tree_bytes(demo_site / "pagefind").items()
             if name != STAMP}
    assert built == _pagefind(tmp_path / "site")
    pages = [path.read_bytes() for path in (tmp_path / "site").rglob("*.html")]
    assert sum(len(search_copy(page)) for page in pages) < sum(map(len, pages)) / 3
