"""A build's two phases (scoring.board._score_all): each company is read, validated and
summarized once (phase 1), its summary kept as bytes (scoring.summary_bytes) in the cache, or
in memory without one, and scored as of a guess; once every company's newest counted day is
known, phase 2 scores from the kept summary any company scored as of a wrong guess. With a
cache, a company whose files are unchanged is never read again, even when the as_of moves.

tests/fixtures/basic: acme (newest counted contact 2026-10-20) and tiny (2026-10-04).
"""

from __future__ import annotations

import datetime as dt
import json
import pickle

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from scoring import cache as cache_module
from scoring import summary_bytes
from scoring.board import Job, build_scoreboard, summarize_company
from scoring.cache import Cache, summary_key
from scoring.config import read_config
from scoring.export import scores_json
from scoring.gaming import Signal
from scoring.load import discover
from scoring.summary import CONTACT_COUNTS, Summary, _frame, summarize
from scoring.validate import empty_contacts

# tiny's customer writes on 2026-10-25, after acme's newest contact: the as_of moves there
LATER_TINY_ROW = '{"id": "t9", "submitted_at": "2026-10-25T09:00:00Z", "channel": "app", ' \
                 '"rating": 4}\n'


def _recording(calls: list[tuple[str, str]]):
    """run_here, noting (phase function, company) for every company of every job it runs."""

    def run(function, jobs):
        for position, job in enumerate(jobs):
            for one in job if isinstance(job, list) else [job]:  # a batch: each company
                slug = one.company.slug if isinstance(one, Job) else one.result.slug
                calls.append((function.__name__, slug))
            yield position, function(job)

    return run


def _summary_file(data, cache: Cache, slug: str, pinned: dt.date | None = None):
    company = next(c for c in discover(data)[0] if c.slug == slug)
    return cache.folder / f"{summary_key(Job(company, data, None, pinned, read_config()))}.summary"


def test_a_commit_that_moves_the_as_of_scores_every_company_without_reading_it_again(
        fixture_copy, tmp_path):
    calls: list[tuple[str, str]] = []
    first = build_scoreboard(fixture_copy, cache=Cache(tmp_path / "cache"),
                             run=_recording(calls))
    assert first.as_of == dt.date(2026, 10, 20)
    # read once each; acme first, as of its own newest day, which tiny's guess then is
    assert calls == [("summarize_companies", "acme"), ("summarize_companies", "tiny")]

    with (fixture_copy / "tiny" / "feedback" / "2026-10.jsonl").open("a") as stream:
        stream.write(LATER_TINY_ROW)
    calls.clear()
    board = build_scoreboard(fixture_copy, cache=Cache(tmp_path / "cache"),
                             run=_recording(calls))
    assert board.as_of == dt.date(2026, 10, 25)
    # tiny is read (its file changed); acme is scored again from its kept summary, not read
    assert calls == [("summarize_companies", "tiny"), ("score_summary", "acme")]
    stats = board.stats
    assert (stats.summarized, stats.scored, stats.reused) == (1, 2, 0)
    assert scores_json(board) == scores_json(build_scoreboard(fixture_copy))
    acme = next(c for c in board.companies if c.slug == "acme")
    assert acme.windows["all"]["freshness_days"].value == 5  # 2026-10-20 .. 2026-10-25


def test_without_a_cache_a_wrong_guess_is_read_and_scored_again(fixture_copy):
    """tiny is read first here (its folder renamed to sort first), so acme's phase 1 knows the
    guess 2026-10-04 and its own newest day, 2026-10-20, beats it; tiny's guess was wrong, and
    without a cache no summary was kept: tiny is read again."""
    (fixture_copy / "tiny").rename(fixture_copy / "a-tiny")
    calls: list[tuple[str, str]] = []
    board = build_scoreboard(fixture_copy, run=_recording(calls))
    assert calls == [("summarize_companies", "a-tiny"), ("summarize_companies", "acme"),
                     ("score_company", "a-tiny")]
    assert board.as_of == dt.date(2026, 10, 20)
    tiny = next(c for c in board.companies if c.slug == "a-tiny")
    assert tiny.windows["all"]["freshness_days"].value == 16  # 2026-10-04 .. 2026-10-20


@pytest.mark.parametrize("damage", ["head", "summary"])
def test_a_damaged_kept_summary_is_made_again_never_trusted(fixture_copy, tmp_path, damage):
    build_scoreboard(fixture_copy, cache=Cache(tmp_path / "cache"))
    kept = _summary_file(fixture_copy, Cache(tmp_path / "cache"), "acme")
    data = kept.read_bytes()
    if damage == "head":  # the JSON document before the summary
        kept.write_bytes(data[:8] + data[8:40].replace(b"[", b"{") + data[40:])
    else:  # the summary's zstd frame cut short
        kept.write_bytes(data[:-20])
    with (fixture_copy / "tiny" / "feedback" / "2026-10.jsonl").open("a") as stream:
        stream.write(LATER_TINY_ROW)  # the as_of moves: acme needs its summary
    board = build_scoreboard(fixture_copy, cache=Cache(tmp_path / "cache"))
    assert board.as_of == dt.date(2026, 10, 25)
    assert scores_json(board) == scores_json(build_scoreboard(fixture_copy))


def test_the_newest_stamp_in_a_quarantined_file_never_moves_the_as_of(fixture_copy, tmp_path):
    cache = tmp_path / "cache"
    build_scoreboard(fixture_copy, cache=Cache(cache))
    late = fixture_copy / "acme" / "feedback" / "2026-11.csv"
    late.write_text("id,submitted_at,channel,rating\nz1,2026-11-05T10:00:00Z,phone,9\n")
    board = build_scoreboard(fixture_copy, cache=Cache(cache))
    assert board.as_of == dt.date(2026, 10, 20)
    assert "basic/acme/feedback/2026-11.csv" in [f.file for f in board.quarantined]
    assert board.stats.reused == 1  # tiny: as_of and files unchanged
    assert scores_json(board) == scores_json(build_scoreboard(fixture_copy))


def test_pinned_and_default_builds_keep_summaries_apart(fixture_copy, tmp_path):
    """A pinned as_of cuts the contacts before they are summarized: its summaries are kept
    under other keys, and each build equals the same build without a cache."""
    pin = dt.date(2026, 10, 10)  # acme's 2026-10.csv runs to 10-20: quarantined
    for as_of in (pin, None, pin, None):
        board = build_scoreboard(fixture_copy, as_of=as_of, cache=Cache(tmp_path / "cache"))
        assert scores_json(board) == scores_json(build_scoreboard(fixture_copy, as_of=as_of))
    cache = Cache(tmp_path / "cache")
    assert _summary_file(fixture_copy, cache, "tiny", pin).is_file()
    assert _summary_file(fixture_copy, cache, "tiny").is_file()
    pinned = build_scoreboard(fixture_copy, as_of=pin, cache=Cache(tmp_path / "cache"))
    assert pinned.as_of == pin and pinned.stats.summarized == 0
    tiny = next(c for c in pinned.companies if c.slug == "tiny")
    assert tiny.windows["all"]["contacts"].value == 3
    assert tiny.windows["all"]["freshness_days"].value == 6  # 2026-10-04 .. 2026-10-10
    assert "basic/acme/feedback/2026-10.csv" in [f.file for f in pinned.quarantined]


def test_file_digests_are_remembered_by_path_size_time_inode_and_device(fixture_copy, tmp_path,
                                                                        monkeypatch):
    """Between builds the cache remembers each file's SHA-256 by its stat, so an unchanged file
    is not read for its key; a file whose stat changed is hashed again."""
    import hashlib

    build_scoreboard(fixture_copy, cache=Cache(tmp_path / "cache"))
    remembered = tmp_path / "cache" / Cache.DIGESTS
    document = json.loads(remembered.read_text())
    newest = fixture_copy / "acme" / "feedback" / "2026-10.csv"
    (entry,) = [f for f in document["files"] if f[0] == str(newest)]
    stat = newest.stat()
    assert entry == [str(newest), stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_dev,
                     hashlib.sha256(newest.read_bytes()).hexdigest()]

    # A new process (no digest in memory) trusts the remembered one while the stat matches:
    # a remembered digest that is not the file's gives acme another key, so it is scored.
    entry[5] = "0" * 64
    remembered.write_text(json.dumps(document))
    monkeypatch.setattr(cache_module, "_DIGESTS", {})
    board = build_scoreboard(fixture_copy, cache=Cache(tmp_path / "cache"))
    assert (board.stats.scored, board.stats.reused) == (1, 1)
    # Once the file's modification time changes, it is hashed again: acme is reused.
    monkeypatch.setattr(cache_module, "_DIGESTS", {})
    newest.touch()
    board = build_scoreboard(fixture_copy, cache=Cache(tmp_path / "cache"))
    assert (board.stats.scored, board.stats.reused) == (0, 2)


# --- scoring.summary_bytes ------------------------------------------------------------------------

def _same(left: Summary, right: Summary) -> None:
    """Equal column for column: names, dtypes, values bit for bit, None apart from NaN."""
    for name in ("contacts", "waits", "cases", "comments"):
        a, b = getattr(left, name), getattr(right, name)
        assert list(a.columns) == list(b.columns) and list(a.dtypes) == list(b.dtypes), name
        for column in a.columns:
            x, y = a[column].to_numpy(), b[column].to_numpy()
            if x.dtype == object:
                assert [(type(v), v if v == v else "NaN") for v in x] == [
                    (type(v), v if v == v else "NaN") for v in y], (name, column)
            else:
                assert x.tobytes() == y.tobytes(), (name, column)
    assert (left.public_comments, left.bursts) == (right.public_comments, right.bursts)


def test_a_summary_comes_back_from_its_bytes_exactly():
    day = np.datetime64("2026-10-04", "ns")
    contacts = {"day": np.array([day, day]), "channel": np.array(["chat", "phone"], object),
                "stage": np.array([None, "pre_sale"], object),
                "site": np.array([None, None], object), "topic": np.array(["ünïcode ☃", None],
                                                                            object),
                **{count: (0, 0) for count in CONTACT_COUNTS},
                "contacts": [3, 2**62], "rating_1": [1, 0], "nps_10": [0, 2]}
    summary = Summary(
        _frame(contacts, Summary().contacts.columns),
        _frame({"day": [day], "wait_seconds": [299.9], "count": [1]}, Summary().waits.columns),
        _frame({"day": [day, day], "n_contacts": [1, 2], "resolved": [np.nan, 1.0],
                "resolution_hours": [np.nan, 0.1 + 0.2], "count": [4, 1]},
               Summary().cases.columns),
        _frame({"id": np.array(["a1"], object), "submitted_at": [day + 5],
                "channel": np.array(["chat"], object), "topic": np.array([np.nan], object),
                "rating": [np.nan], "comment": np.array(['"quoted", <b> & \x00'], object)},
               Summary().comments.columns),
        7, (Signal("burst", "2026-10-04T08:00", "2026-10-04T08:05", 5, "Five in 5 minutes."),))
    _same(summary_bytes.loads(summary_bytes.dumps(summary)), summary)
    _same(summary_bytes.loads(summary_bytes.dumps(Summary())), Summary())
    assert pd.isna(summary_bytes.loads(summary_bytes.dumps(summary)).comments["topic"][0])


def _widths(data: bytes) -> dict[str, int]:
    """Each table's width of whole numbers, from the bytes' header."""
    body = pa.decompress(data[8:], int.from_bytes(data[:8], "little"), codec="zstd",
                         asbytes=True)
    header = json.loads(body[8:8 + int.from_bytes(body[:8], "little")])
    return {name: table["width"] for name, table in header["tables"].items()}


@pytest.mark.parametrize(("largest", "width"), [
    (127, 1), (128, 2), (32_767, 2), (32_768, 4), (2**31 - 1, 4), (2**31, 8), (2**63 - 1, 8)])
def test_counts_are_kept_as_the_narrowest_whole_numbers_that_hold_them(largest, width):
    # int8 holds -128..127, int16 up to 32,767, int32 up to 2,147,483,647
    day = np.datetime64("2026-10-04", "ns")
    summary = Summary(
        _frame({"day": [day], "channel": np.array(["chat"], object),
                "stage": np.array([None], object), "site": np.array([None], object),
                "topic": np.array([None], object), **{count: [0] for count in CONTACT_COUNTS},
                "contacts": [largest], "rating_5": [1]}, Summary().contacts.columns),
        _frame({"day": [day, day], "wait_seconds": [1.0, 2.0], "count": [largest, 1]},
               Summary().waits.columns))
    data = summary_bytes.dumps(summary)
    assert _widths(data) == {"contacts": width, "waits": width, "cases": 1, "comments": 1}
    again = summary_bytes.loads(data)
    _same(again, summary)
    assert again.contacts["contacts"].tolist() == [largest]


@pytest.mark.parametrize("width", [3, 16, "1", 1.0, True, None])
def test_a_summary_of_another_width_is_refused(width):
    data = summary_bytes.dumps(Summary(public_comments=1))
    body = pa.decompress(data[8:], int.from_bytes(data[:8], "little"), codec="zstd",
                         asbytes=True)
    size = int.from_bytes(body[:8], "little")
    header = json.loads(body[8:8 + size])
    header["tables"]["waits"]["width"] = width
    forged = json.dumps(header).encode()
    body = len(forged).to_bytes(8, "little") + forged + body[8 + size:]
    with pytest.raises(ValueError):
        summary_bytes.loads(len(body).to_bytes(8, "little")
                            + pa.compress(body, codec="zstd", asbytes=True))


def test_the_fixtures_summaries_come_back_exactly(fixture_copy):
    for company in discover(fixture_copy)[0]:
        job = Job(company, fixture_copy, None, None, read_config(), keep=True)
        result, _, kept = summarize_company(job)
        assert kept.key == summary_key(job)
        _, data = cache_module.summary_of(kept.key, kept.entry)
        again = summary_bytes.loads(data)
        assert summary_bytes.dumps(again) == data
        assert int(again.contacts["contacts"].sum()) == result.rows_counted
    assert summary_bytes.dumps(summarize(empty_contacts(), read_config().gaming)) == (
        summary_bytes.dumps(Summary()))


def test_bytes_that_are_not_a_summary_are_refused():
    data = summary_bytes.dumps(Summary(public_comments=1))
    size = int.from_bytes(data[:8], "little")
    body = pa.decompress(data[8:], size, codec="zstd", asbytes=True)

    def rewrapped(body: bytes) -> bytes:
        return len(body).to_bytes(8, "little") + pa.compress(body, codec="zstd", asbytes=True)

    header_size = int.from_bytes(body[:8], "little")
    header = json.loads(body[8:8 + header_size])
    header["tables"]["comments"]["rows"] = 1  # columns the bytes do not hold
    longer = json.dumps(header).encode()
    for bad in (data[:-3], b"", pickle.dumps(Summary()), rewrapped(body + b"\0"),
                rewrapped(body.replace(b"candor.summary/1", b"candor.summary/9")),
                rewrapped(len(longer).to_bytes(8, "little") + longer + body[8 + header_size:])):
        with pytest.raises(ValueError):
            summary_bytes.loads(bad)
    assert summary_bytes.loads(rewrapped(body)).public_comments == 1


def test_a_fresh_checkout_of_the_same_bytes_reuses_everything(fixture_copy, tmp_path):
    """CI restores the cache onto a fresh clone: every file has a new modification time (here:
    each rewritten with the same bytes, and the digests held in memory forgotten, as in a new
    process), so the digests are made again from the bytes, and match."""
    build_scoreboard(fixture_copy, cache=Cache(tmp_path / "cache"))
    for path in fixture_copy.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            path.unlink()
            path.write_bytes(data)
    cache_module._DIGESTS.clear()
    board = build_scoreboard(fixture_copy, cache=Cache(tmp_path / "cache"))
    assert (board.stats.summarized, board.stats.scored, board.stats.reused) == (0, 0, 2)


def test_a_site_whose_as_of_moved_is_the_cold_builds_byte_for_byte(fixture_copy, tmp_path,
                                                                    build_site):
    import filecmp

    cache = tmp_path / "cache"
    assert build_site(fixture_copy, tmp_path / "before", "--cache", cache).result.returncode == 0
    with (fixture_copy / "tiny" / "feedback" / "2026-10.jsonl").open("a") as stream:
        stream.write(LATER_TINY_ROW)
    after = build_site(fixture_copy, tmp_path / "after", "--cache", cache)
    assert "  read         1, summaries of 1 reused from cache\n" in after.result.stdout
    assert "  scored       2, reused 0 from cache\n" in after.result.stdout
    assert "  as of        2026-10-25 " in after.result.stdout
    cold = build_site(fixture_copy, tmp_path / "cold", "--no-cache")
    files = sorted(p.relative_to(cold.output) for p in cold.output.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(after.output) for p in after.output.rglob("*")
                           if p.is_file())
    assert all(filecmp.cmp(cold.output / f, after.output / f, shallow=False) for f in files)
