"""Incremental builds: per-company results reused from .candor-cache only when everything they
depend on is unchanged; a cache entry that does not match or cannot be read is recomputed.

tests/fixtures/basic holds two companies, acme (newest contact 2026-10-20) and tiny (newest
2026-10-04). A row added to tiny on 2026-10-05 leaves the scoreboard's as_of where it was, so
only tiny's key changes: one company scored, one reused.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import same_tree, scored

from scoring import cache as cache_module
from scoring.board import CompanyResult, Job, build_scoreboard, run_here, score_company
from scoring.cache import Cache, decode, encode, key
from scoring.config import read_config
from scoring.export import scores_json
from scoring.load import discover
from scoring.metrics import Score

NEW_TINY_ROW = '{"id": "t4", "submitted_at": "2026-10-05T08:00:00Z", "channel": "app", ' \
               '"rating": 5}\n'


def test_cached_and_uncached_builds_are_byte_identical(fixture_copy, tmp_path, build_site):
    cache = tmp_path / "cache"
    plain = build_site(fixture_copy, tmp_path / "plain", "--no-cache")
    assert plain.result.returncode == 0, plain.result.stderr
    assert re.search(r"^\s+scored\s+2 \(no cache\)$", plain.result.stdout, re.MULTILINE)
    cold = build_site(fixture_copy, tmp_path / "cold", "--cache", cache)
    warm = build_site(fixture_copy, tmp_path / "warm", "--cache", cache)
    assert scored(cold.result.stdout) == (2, 0)
    assert scored(warm.result.stdout) == (0, 2)
    assert _pages_reused(cold.result.stdout) == 0
    assert _pages_reused(warm.result.stdout) == 2  # copied from the page cache, not rendered
    same_tree(plain.output, cold.output)
    same_tree(plain.output, warm.output)

    # A commit touching one company re-scores that company only, and the site is the one a
    # build without any cache makes of the new data.
    with (fixture_copy / "tiny" / "feedback" / "2026-10.jsonl").open("a") as stream:
        stream.write(NEW_TINY_ROW)
    after = build_site(fixture_copy, tmp_path / "after", "--cache", cache)
    assert scored(after.result.stdout) == (1, 1)
    fresh = build_site(fixture_copy, tmp_path / "fresh", "--no-cache")
    same_tree(fresh.output, after.output)
    tiny = next(c for c in json.loads((after.output / "data" / "scores.json").read_text())[
        "companies"] if c["slug"] == "tiny")
    assert tiny["windows"]["all"]["contacts"]["value"] == 4
    # The entries of the data as it was are pruned: one scoreboard's worth is kept.
    (folder,) = cache.iterdir()
    assert len(list(folder.glob(f"*{Cache.SUFFIX}"))) == 2


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
    assert scored(before.result.stdout) == (3, 0)
    # acme-two's customers turn unhappy: every NPS answer of 9 in its newest file becomes a 2.
    newest = fixture_copy / "acme-two" / "feedback" / "2026-10.csv"
    newest.write_text(newest.read_text().replace(",9,", ",2,"))
    after = build_site(fixture_copy, tmp_path / "after", "--cache", cache)
    assert scored(after.result.stdout) == (1, 2)  # acme's scores came from the cache...
    acme = Path("companies/acme/index.html")
    # ...but its page changed, and was rendered again, as a fresh build renders it
    assert (before.output / acme).read_bytes() != (after.output / acme).read_bytes()
    same_tree(build_site(fixture_copy, tmp_path / "fresh", "--no-cache").output, after.output)

    again = build_site(fixture_copy, tmp_path / "again", "--cache", cache)
    assert _pages_reused(again.result.stdout) == 3
    moved = build_site(fixture_copy, tmp_path / "moved", "--cache", cache,
                       "--site-url", "https://example.org/scores")
    assert _pages_reused(moved.result.stdout) == 0
    assert "https://example.org/scores/badges/acme.svg" in (moved.output / acme).read_text()
    same_tree(build_site(fixture_copy, tmp_path / "moved-fresh", "--no-cache",
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
    assert scored(after.result.stdout) == (1, 9)
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
    same_tree(build_site(data, tmp_path / "fresh", "--no-cache").output, after.output)


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
    same_tree(build_site(fixture_copy, tmp_path / "fresh", "--no-cache").output, output)

    # A kept folder that is a link to another folder is not written through.
    elsewhere = Path(shutil.copytree(output / "badges", tmp_path / "elsewhere"))
    shutil.rmtree(output / "badges")
    (output / "badges").symlink_to(elsewhere, target_is_directory=True)
    (elsewhere / "acme.svg").write_text("not a badge")
    linked = build_site(fixture_copy, output, "--cache", cache)
    assert linked.result.returncode == 0, linked.result.stderr
    assert (elsewhere / "acme.svg").read_text() == "not a badge"
    same_tree(build_site(fixture_copy, tmp_path / "fresh", "--no-cache").output, output)

    shutil.rmtree(fixture_copy / "tiny")
    gone = build_site(fixture_copy, output, "--cache", cache)
    assert gone.result.returncode == 0, gone.result.stderr
    assert not (output / "companies" / "tiny").exists()
    same_tree(build_site(fixture_copy, tmp_path / "fresh-gone", "--no-cache").output, output)


def _board_json(data: Path, cache: Cache | None = None) -> tuple[str, object]:
    board = build_scoreboard(data, cache=cache)
    return scores_json(board), board.stats


def _rewritten(entry: bytes, change) -> bytes:
    """An entry (scoring.cache.dumps) whose unpacked bytes are `change`d and packed again with
    a right checksum: what a hostile cache, one that knows the format, could hold."""
    return cache_module.pack(change(cache_module.unpack(entry)))


def _columns_changed(body: bytes, column: int, value: int) -> bytes:
    """The body with the first row of its `column`th int32 column (0: the Score keys' text
    codes, 1: units', 2: reasons') set to `value`."""
    length = int.from_bytes(body[:8], "little")
    rows = json.loads(body[8:8 + length])[2]
    # keys (int32), then value (float64, byte), n (int64), unit (int32), low (float64,
    # byte), high (float64, byte), reason (int32)
    offsets = [0, 4 + 9 + 8, 4 + 9 + 8 + 4 + 9 + 9]
    at = 8 + length + offsets[column] * rows
    return body[:at] + value.to_bytes(4, "little", signed=True) + body[at + 4:]


SPOILS = {
    "truncated": lambda entry, key: entry[:1000],
    "lengthened": lambda entry, key: entry + b"\0",
    "flipped_byte": lambda entry, key: entry[:500] + bytes([entry[500] ^ 1]) + entry[501:],
    "not_an_entry": lambda entry, key: b"\x80\x04\x95 not an entry, e.g. a pickle",
    "says_it_is_huge": lambda entry, key: (2**40).to_bytes(8, "little") + entry[8:],
    "old_format": lambda entry, key: json.dumps(["candor.cache/3", "x", None]).encode(),
    "other_key": lambda entry, key: _rewritten(
        entry, lambda body: body.replace(key.encode(), b"0" * 64, 1)),
    "other_format": lambda entry, key: _rewritten(entry, lambda body: body.replace(
        b"candor.cache/4", b"candor.cache/3", 1)),
    "unknown_type": lambda entry, key: _rewritten(  # a class outside the result types
        entry, lambda body: body.replace(b'{"t":"CompanyResult"', b'{"t":"Popen"', 1)),
    "extra_field": lambda entry, key: _rewritten(
        entry, lambda body: body[:-2] + b',"rm -rf /"]}'),
    "code_out_of_range": lambda entry, key: _rewritten(
        entry, lambda body: _columns_changed(body, 1, 10**6)),
    "negative_code": lambda entry, key: _rewritten(
        entry, lambda body: _columns_changed(body, 2, -1)),
    "table_out_of_range": lambda entry, key: _rewritten(
        entry, lambda body: re.sub(rb'\{"t":"table","v":\[\d+,\d+\]\}',
                                   b'{"t":"table","v":[0,1000000]}', body, count=1)),
    "columns_cut_short": lambda entry, key: _rewritten(
        entry, lambda body: body[:8 + int.from_bytes(body[:8], "little") + 40]),
}


@pytest.mark.parametrize("spoil", [*SPOILS, "other_company"])
def test_an_entry_that_does_not_match_is_recomputed_never_trusted(fixture_copy, tmp_path,
                                                                   spoil):
    expected, _ = _board_json(fixture_copy)
    cache = Cache(tmp_path / "cache")
    _board_json(fixture_copy, cache)
    config = read_config()
    jobs = {c.slug: Job(c, fixture_copy, dt.date(2026, 10, 20))
            for c in discover(fixture_copy)[0]}
    acme = cache.folder / f"{key(jobs['acme'], config)}{Cache.SUFFIX}"
    tiny = cache.folder / f"{key(jobs['tiny'], config)}{Cache.SUFFIX}"
    if spoil == "other_company":  # tiny's entry, as if made under acme's key
        acme.write_bytes(_rewritten(tiny.read_bytes(), lambda body: body.replace(
            tiny.stem.encode(), acme.stem.encode())))
    else:
        acme.write_bytes(SPOILS[spoil](acme.read_bytes(), acme.stem))
    again, stats = _board_json(fixture_copy, Cache(tmp_path / "cache"))
    assert (stats.scored, stats.reused) == (1, 1)
    assert again == expected


def test_a_digests_file_that_is_not_one_costs_only_reading_the_files(fixture_copy, tmp_path,
                                                                      monkeypatch):
    """Digests remembered between builds that are not SHA-256 hex digests (damaged, or made
    by hand) are not used: the files are hashed again, and the build is the build without a
    cache (it used to stop with a traceback from bytes.fromhex)."""
    expected, _ = _board_json(fixture_copy)
    build_scoreboard(fixture_copy, cache=Cache(tmp_path / "cache"))
    remembered = tmp_path / "cache" / Cache.DIGESTS
    document = json.loads(remembered.read_text())
    # acme's 5 files and tiny's 2 (and those of any build before in this process)
    assert len([e for e in document["files"] if e[0].startswith(f"{fixture_copy}/")]) == 7
    for entry in document["files"]:
        entry[5] = "not hex " * 8  # 64 characters
    remembered.write_text(json.dumps(document))
    monkeypatch.setattr(cache_module, "_DIGESTS", {})
    again, stats = _board_json(fixture_copy, Cache(tmp_path / "cache"))
    assert again == expected and stats.reused == 2
    assert "not hex" not in (tmp_path / "cache" / Cache.DIGESTS).read_text()


def test_an_entry_packs_and_unpacks_any_body():
    """pack/unpack: the empty body and the most compressible ones (LZ4 packs at most about 255
    bytes into 1) come back as they were; a size past that is refused before unpacking."""
    for body in (b"", b"\0" * 10**7, b"ab" * 3 * 10**6, bytes(range(256)) * 1000):
        assert cache_module.unpack(cache_module.pack(body)) == body
    entry = cache_module.pack(b"\0" * 10**6)
    with pytest.raises(ValueError, match="not a cache entry"):
        cache_module.unpack((256 * len(entry) + 1).to_bytes(8, "little") + entry[8:])


def test_rendered_files_come_back_as_kept_and_a_spoilt_entry_is_not_used(tmp_path):
    """The page cache (put_files, get_files): files come back exactly, whatever they hold; an
    entry damaged, cut, kept under another key or whose sizes do not add up is not used."""
    cache = Cache(tmp_path / "cache")
    files = {"companies/a/index.html": '<p class="x">caf\u00e9 \u2014 "quoted" \\ \U0001f600</p>'
             .encode(), "badges/a.svg": b"", "": b'{"slug": "a"}', "odd": b"not \xff UTF-8"}
    cache.put_files("a" * 64, files)
    assert cache.get_files("a" * 64) == files
    assert cache.get_files("b" * 64) is None  # nothing kept under it
    kept = cache.folder / f"{'a' * 64}{Cache.FILES}"
    entry = kept.read_bytes()

    def sizes_off(body: bytes) -> bytes:
        length = int.from_bytes(body[:8], "little")
        header = json.loads(body[8:8 + length])
        header["files"][0][1] += 1
        header = json.dumps(header).encode()
        return len(header).to_bytes(8, "little") + header + body[8 + length:]

    for spoilt in (entry[:-1], entry[:40] + bytes([entry[40] ^ 1]) + entry[41:],
                   cache_module.pack(cache_module.unpack(entry).replace(b"a" * 64, b"b" * 64)),
                   cache_module.pack(sizes_off(cache_module.unpack(entry))),
                   json.dumps({"format": "candor.files/1", "key": "a" * 64,
                               "files": {name: data.decode("latin-1")
                                         for name, data in files.items()}}).encode()):
        kept.write_bytes(spoilt)
        assert cache.get_files("a" * 64) is None


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


def test_an_entry_gives_back_each_demo_company_s_result_exactly():
    """The demo companies' results, kept (dumps) and read back (result_of): equal, value for
    value and type for type (an int stays an int, a float a float: the JSON of both is the
    same), every Score table in columns; the same result makes the same bytes."""
    from conftest import DEMO_DATA

    companies, _ = discover(DEMO_DATA)
    assert len(companies) == 10
    shared = cache_module.Shared()
    for company in companies:
        result = score_company(Job(company, DEMO_DATA, dt.date(2026, 10, 31)))
        entry = cache_module.dumps("k" * 64, result)
        assert entry == cache_module.dumps("k" * 64, result)
        back = cache_module.result_of("k" * 64, entry, shared)
        assert back == result
        assert json.dumps(encode(back)) == json.dumps(encode(result))
        body = cache_module.unpack(entry)
        assert b'"t":"scores"' not in body and b'"t":"table"' in body
        tables = [*result.windows.values(), *(scores for _, scores in result.monthly)]
        assert len(tables) == 2 + len(result.monthly) > 2
        rows = json.loads(body[8:8 + int.from_bytes(body[:8], "little")])[2]
        assert rows == sum(len(table) for table in tables)
    with pytest.raises(ValueError, match="not an entry for this key"):
        cache_module.result_of("j" * 64, entry)


def _result(**tables) -> CompanyResult:
    return CompanyResult("x", {"name": "X"}, [], windows=tables, newest=dt.date(2026, 1, 2))


def test_scores_columns_cannot_keep_exactly_are_kept_as_json():
    """A Score table with a value that float64 or int64 columns would change (an int where a
    float is expected, a number too large) is kept as JSON; numpy numbers become Python's, as
    JSON makes them; -0.0 and NaN stay what they are; equal Scores of two entries read by one
    Cache are one object, but not a 0.0 and a -0.0."""
    import math

    import numpy as np

    result = _result(
        all={"a": Score(-0.0, 1, "percent", float("nan"), None, "r"),
             "b": Score(0.0, 1, "percent")},
        whole={"c": Score(3, 4, "count")},  # an int value
        big={"d": Score(1.0, 2**70, "count")},  # n past int64
        numpy={"e": Score(np.float64(2.5), np.int64(7), "u", np.float32(0.5))})
    back = cache_module.result_of("k" * 64, cache_module.dumps("k" * 64, result),
                                  shared := cache_module.Shared())
    a, b = back.windows["all"]["a"], back.windows["all"]["b"]
    assert math.copysign(1, a.value) == -1 and math.isnan(a.low) and a.high is None
    assert math.copysign(1, b.value) == 1 and (a.n, a.unit, a.reason) == (1, "percent", "r")
    c, d, e = back.windows["whole"]["c"], back.windows["big"]["d"], back.windows["numpy"]["e"]
    assert (type(c.value), c.value, d.n, type(d.n)) == (int, 3, 2**70, int)
    assert [type(v) for v in (e.value, e.n, e.low)] == [float, int, float]
    assert (e.value, e.n, e.low) == (2.5, 7, 0.5)
    again = cache_module.result_of("k" * 64, cache_module.dumps("k" * 64, _result(
        one={"b": Score(0.0, 1, "percent"), "a": Score(-0.0, 1, "percent")})), shared)
    assert again.windows["one"]["b"] is b
    assert again.windows["one"]["a"] is not b and math.copysign(
        1, again.windows["one"]["a"].value) == -1


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


def test_in_git_a_new_commit_reuses_the_pages_it_did_not_change(fixture_in_git, tmp_path,
                                                                build_site):
    """Every page shows the data commit, which every commit changes; the page cache keeps it
    out of its pages and puts the new one back, so a commit touching one company still reuses
    the other's page, and the site is the one a build without any cache makes."""
    data, commit = fixture_in_git
    first = commit("first")
    cache = tmp_path / "cache"
    before = build_site(data, tmp_path / "before", "--cache", cache)
    assert first[:12] in (before.output / "companies/acme/index.html").read_text()
    with (data / "tiny" / "feedback" / "2026-10.jsonl").open("a") as stream:
        stream.write(NEW_TINY_ROW)
    second = commit("tiny adds a row")
    after = build_site(data, tmp_path / "after", "--cache", cache)
    assert scored(after.result.stdout) == (1, 1)
    assert _pages_reused(after.result.stdout) == 1  # acme's: tiny has too few ratings to move it
    page = (after.output / "companies/acme/index.html").read_text()
    assert f"<code>{second}</code>" in page and f"<code>{second[:12]}</code>" in page
    assert first not in page and "candor-data-commit" not in page
    same_tree(build_site(data, tmp_path / "fresh", "--no-cache").output, after.output)


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
    same_tree(build_site(fixture_copy, tmp_path / "plain", "--no-cache").output, cached.output)
