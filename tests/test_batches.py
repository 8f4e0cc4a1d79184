"""A build's first phase reads, checks and summarizes companies in batches (board.
summarize_companies): each company's result must be the one it gets alone, whatever its
batch holds."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import pytest

from scoring import board
from scoring.board import (
    Job,
    _read_company,
    _validate_companies,
    build_scoreboard,
    run_here,
    summarize_companies,
    summarize_company,
)
from scoring.config import read_config
from scoring.export import scores_json
from scoring.load import discover

REPO = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "basic"
HEADER = "id,submitted_at,channel,case_id,rating,comment,comment_public\n"


def _jobs(data: Path, pinned=None, keep=True) -> list[Job]:
    config = read_config()
    return [Job(company, data, None, pinned, config, keep=keep)
            for company in discover(data)[0]]


def _seen(result) -> dict:
    """All of a company's result but the seconds it took."""
    return {name: value for name, value in dataclasses.asdict(result).items()
            if name != "seconds"}


def _company(data: Path, slug: str, rows: list[str]) -> None:
    (data / slug / "feedback").mkdir(parents=True)
    (data / slug / "company.yaml").write_text(f"name: {slug.title()}\nindustry: telecom\n")
    (data / slug / "feedback" / "2026-10.csv").write_text(HEADER + "".join(rows))


def _shops(data: Path, count: int) -> None:
    """`count` companies of six contacts in files of one set of columns (a batch's fast path
    takes them together), which share their ids and case ids but not their ratings; the first
    one's ids ascend, the others' do not."""
    for number in range(count):
        _company(data, f"shop-{number}", [
            f"s{n if number == 0 else 7 - n},2026-10-0{n}T09:00:00Z,chat,k{n // 2},"
            f"{1 + (n + number) % 5},"
            f"Visit {n} of shop {number},{'true' if n % 2 else 'false'}\n" for n in range(1, 7)])


@pytest.mark.parametrize("pinned", [None, "2026-10-10"])
def test_companies_summarized_together_are_each_as_summarized_alone(tmp_path, pinned):
    """The demo's companies (CSV, JSONL and Parquet files, summary files, action logs) and
    three shops, in one batch: each result, guess and kept summary (its bytes) is the one the
    company gets alone. The demo's companies are checked in one piece, the shops in another;
    pinned before the demo's newest day, the demo's companies each alone (exact path)."""
    data = Path(shutil.copytree(REPO / "data", tmp_path / "data"))
    _shops(data, 3)
    pinned = dt.date.fromisoformat(pinned) if pinned else None
    jobs = _jobs(data, pinned)
    together = summarize_companies(jobs)
    # each scored as of the batch's guess: the newest counted day of any (or the pinned day)
    day = pinned or dt.date(2026, 10, 31)
    assert [guess for _, guess, _ in together] == [day] * len(jobs)
    alone = [summarize_company(dataclasses.replace(job, as_of=day)) for job in jobs]
    assert len(together) == len(alone) == 13
    for job, (result, day, kept), (result_alone, day_alone, kept_alone) in zip(
            jobs, together, alone, strict=True):
        assert _seen(result) == _seen(result_alone), job.company.slug
        assert day == day_alone
        assert kept == kept_alone  # key, entry bytes and digests
    read = [_read_company(job.company, data) for job in jobs]
    pieces = _validate_companies([r for r, _ in read], [t for _, t in read], pinned)
    shops = [index for index, job in enumerate(jobs) if job.company.slug.startswith("shop-")]
    demo = [index for index in range(len(jobs)) if index not in shops]
    # pinned, the demo's later contacts are problems: its companies are then checked alone
    assert [indices for indices, _, _ in pieces if len(indices) > 1] == (
        [shops] if pinned else [demo, shops])
    # the shops' comments are their own: a batch that mixed their rows up would show others'
    comments = {result.slug: sorted(c.text for c in result.comments)
                for result, _, _ in together if result.slug.startswith("shop-")}
    assert comments == {f"shop-{shop}": [f"Visit {n} of shop {shop}" for n in (1, 3, 5)]
                        for shop in range(3)}


def test_a_repeated_id_in_one_company_of_a_batch_is_that_companys_problem_alone(tmp_path):
    """shop-1 repeats one of its ids, so the batch's checks fail and each company is checked
    alone: shop-1's file is quarantined for it, and the ids the shops share are no problem."""
    data = tmp_path / "data"
    _shops(data, 3)
    month = data / "shop-1" / "feedback" / "2026-10.csv"
    lines = month.read_text().splitlines(keepends=True)
    month.write_text("".join([*lines, lines[3]]))  # s4 again, on line 8
    results = {result.slug: result for result, _, _ in summarize_companies(_jobs(data))}
    codes = {slug: [(p.code, p.line) for f in result.files for p in f.problems]
             for slug, result in results.items()}
    assert codes == {"shop-0": [], "shop-1": [("duplicate_id", 8)], "shop-2": []}
    assert [results[slug].rows_counted for slug in sorted(results)] == [6, 0, 6]


def test_a_batch_guesses_the_newest_day_of_any_of_its_companies(tmp_path):
    """shop-0's newest contact is on 2026-10-06; "late" writes on 2026-10-20. Read in one
    batch, both are scored as of 2026-10-20, as the scoreboard will be: shop-0 is not scored
    again (a guess of its own newest day, as alone, would be wrong)."""
    data = tmp_path / "data"
    _shops(data, 1)
    _company(data, "late", ["l1,2026-10-20T09:00:00Z,chat,k1,5,,false\n"])
    together = summarize_companies(_jobs(data))
    assert [day for _, day, _ in together] == [dt.date(2026, 10, 20)] * 2
    shop = next(result for result, _, _ in together if result.slug == "shop-0")
    assert shop.newest == dt.date(2026, 10, 6)
    assert shop.windows["all"]["freshness_days"].value == 14  # 2026-10-06 .. 2026-10-20
    alone = [day for _, day, _ in map(summarize_company, _jobs(data))]
    assert alone == [dt.date(2026, 10, 20), dt.date(2026, 10, 6)]  # late, then shop-0


def test_companies_in_one_batch_keep_their_own_cases_and_bursts(tmp_path):
    """Two companies whose rows share case ids and a top-rated comment: together they would
    make a case of three contacts and a burst of six (five make one); each has its own."""
    data = tmp_path / "data"
    rows = [f"x{n},2026-10-01T09:0{n}:00Z,chat,k1,5,Brilliant service,true\n" for n in range(3)]
    _company(data, "east", rows)
    _company(data, "west", [*rows[:2], rows[2].replace("k1", "k2")])
    jobs = _jobs(data)
    # a build would not batch two (batch_bounds): here we do
    assert board.batch_bounds([job.company for job in jobs]) == [0, 1, 2]
    results = {result.slug: result for result, _, _ in summarize_companies(jobs)}
    assert results["east"].signals == results["west"].signals == []
    east, west = (results[slug].windows["all"] for slug in ("east", "west"))
    assert (east["contacts"].value, east["cases"].value) == (3, 1)
    assert (west["contacts"].value, west["cases"].value) == (3, 2)


def test_a_large_board_is_read_in_batches_and_scores_as_one_read_a_company_at_a_time(
        fixture_copy, monkeypatch):
    """From 2 * 2 * PARALLEL_FROM companies a build reads them two at a time; the board is the
    one it builds reading one at a time."""
    for number in range(4 * board.PARALLEL_FROM - 2):
        shutil.copytree(fixture_copy / "tiny", fixture_copy / f"tiny-{number:02}")
    batches: list[int] = []

    def watched(function, jobs):
        for item in run_here(function, jobs):
            if function is summarize_companies:
                batches.append(len(jobs[item[0]]))
            yield item

    batched = build_scoreboard(fixture_copy, run=watched)
    assert batches == [2] * (2 * board.PARALLEL_FROM)
    monkeypatch.setattr(board, "BATCH", 1)
    batches.clear()
    alone = build_scoreboard(fixture_copy, run=watched)
    assert batches == [1] * (4 * board.PARALLEL_FROM)
    assert scores_json(batched) == scores_json(alone)


def test_batches_hold_at_most_batch_companies_and_batch_bytes(tmp_path, monkeypatch):
    """96 companies: three a batch (96 // (2 * PARALLEL_FROM)), unless their feedback files
    would hold more than BATCH_BYTES (here 350): a company's file is 100 bytes, but company
    4's is 1,000, a batch alone, and company 3's batch ends before it."""
    data = tmp_path / "data"
    for number in range(96):
        (data / f"c{number:02}" / "feedback").mkdir(parents=True)
        (data / f"c{number:02}" / "company.yaml").write_text("name: C\nindustry: telecom\n")
        (data / f"c{number:02}" / "feedback" / "2026-10.csv").write_bytes(
            b"x" * (1_000 if number == 4 else 100))
    monkeypatch.setattr(board, "BATCH_BYTES", 350)
    companies, _ = discover(data)
    # by hand: [0 1 2] full at three; [3] then 4 would make 1,100; [4] alone; [5 6 7]; ...
    assert board.batch_bounds(companies) == [0, 3, 4, 5, *range(8, 96, 3), 96]
    monkeypatch.setattr(board, "BATCH_BYTES", 10**9)
    assert board.batch_bounds(companies) == list(range(0, 97, 3))
    assert board.batch_bounds(companies[:63]) == list(range(64))  # one each below 64


def test_parquet_files_typed_together_send_a_company_with_a_bad_column_to_the_exact_path(
        tmp_path):
    """Three shops' Parquet files hold their ratings as float64, typed in one call for the
    batch; shop-1's 4.5 is no rating, so the batch is checked a company at a time: shop-1's
    file is quarantined for it (the exact path's problem), the others are counted."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    data = tmp_path / "data"
    for number in range(3):
        (data / f"shop-{number}" / "feedback").mkdir(parents=True)
        (data / f"shop-{number}" / "company.yaml").write_text("name: Shop\nindustry: telecom\n")
        pq.write_table(pa.table({
            "id": [f"s{n}" for n in range(4)],
            "submitted_at": pa.array([f"2026-10-0{n + 1}T09:00:00Z" for n in range(4)]).cast(
                pa.timestamp("s", "UTC")),
            "channel": ["chat"] * 4,
            "rating": [5.0, 4.5 if number == 1 else 4.0, 3.0, None],
        }), data / f"shop-{number}" / "feedback" / "2026-10.parquet")
    jobs = _jobs(data)
    together = summarize_companies(jobs)
    for (result, _, _), (alone, _, _) in zip(
            together, [summarize_company(job) for job in jobs], strict=True):
        assert _seen(result) == _seen(alone)
    codes = {result.slug: [(p.code, p.line) for f in result.files for p in f.problems]
             for result, _, _ in together}
    assert codes == {"shop-0": [], "shop-1": [("bad_int", 2)], "shop-2": []}
    assert [result.windows["all"]["responses"].value for result, _, _ in together] == [3, 0, 3]
