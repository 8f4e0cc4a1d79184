"""Property tests (Hypothesis) for the scoring: order- and split-independence, ranges, intervals
and CSAT monotonicity, over generated contact sets built through build_scoreboard.

Each property is also a plain function of plain data (`check_*`), so a fuzzer such as atheris
can drive it without Hypothesis."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import math
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scoring.board import Scoreboard, build_scoreboard
from scoring.ledger import ACTION_STATUSES, CHANNELS, STAGES
from scoring.metrics import METRICS, Score

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, print_blob=True)
EPSILON = 1e-9
COLUMNS = ("id", "submitted_at", "channel", "case_id", "stage", "topic", "site", "rating", "nps",
           "wait_seconds", "resolved", "resolved_at")
PROFILE = "name: Acme\nindustry: banking\n"
TOPICS = ("refund", "delivery", "billing")
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SPAN_SECONDS = int((dt.datetime(2026, 4, 1, tzinfo=dt.UTC) - START).total_seconds()) - 1
LAST_DAY = dt.date(2026, 3, 31)
# Where each unit's values (and interval ends) must lie; a metric with a new unit fails
# test_every_metric_unit_has_a_range until its range is written here.
UNIT_RANGES = {
    "percent": (0.0, 100.0),
    "points": (-100.0, 100.0),
    "count": (0.0, math.inf),
    "contacts": (1.0, math.inf),
    "hours": (0.0, math.inf),
    "seconds": (0.0, math.inf),
    "days": (0.0, math.inf),
    "score": (0.0, 100.0),
}

Row = dict[str, str]


# --- strategies ---------------------------------------------------------------------------


def _stamp(seconds: int) -> dt.datetime:
    return START + dt.timedelta(seconds=seconds)


def _text(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _maybe(values: st.SearchStrategy, dense: bool) -> st.SearchStrategy:
    """A column either always filled or sometimes missing: dense columns let the metrics with a
    minimum of 30 reach it in 120 rows."""
    return values if dense else st.one_of(st.none(), values)


@st.composite
def contact_rows(draw, min_size: int = 0, max_size: int = 120) -> list[Row]:
    """Contract-valid contact rows as CSV cells ("" is missing): ids unique, submitted_at in
    2026-01..2026-03 (UTC, whole seconds), a few shared case ids, resolved_at not before the
    contact."""
    n = draw(st.integers(min_size, max_size))
    dense = {column: draw(st.booleans()) for column in COLUMNS[3:]}
    # a few channels per company, so that two of them can reach the service lottery's minimum
    channels = draw(st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=3, unique=True))
    # and a few topics, so that one can have the ratings an action's effect needs
    topics = draw(st.lists(st.sampled_from(TOPICS), min_size=1, max_size=3, unique=True))
    # a few instants, or any second of the quarter: ties in submitted_at are interesting too
    seconds = st.one_of(st.integers(0, SPAN_SECONDS),
                        st.sampled_from([0, 86_400 * 31, SPAN_SECONDS]))
    labels = {
        "case_id": st.sampled_from(["k1", "k2", "k3", "k4", "k5"]),
        "stage": st.sampled_from(STAGES),
        "topic": st.sampled_from(topics),
        "site": st.sampled_from(["in-house", "vendor-a"]),
        "rating": st.integers(1, 5).map(str),
        "nps": st.integers(0, 10).map(str),
        "wait_seconds": st.one_of(st.integers(0, 900).map(str),
                                  st.integers(0, 9000).map(lambda t: str(t / 10))),
        "resolved": st.sampled_from(["true", "false"]),
    }
    rows = []
    for index in range(n):
        when = _stamp(draw(seconds))
        row = {"id": f"c{index:03d}", "submitted_at": _text(when),
               "channel": draw(st.sampled_from(channels))}
        for column, values in labels.items():
            row[column] = draw(_maybe(values, dense[column])) or ""
        after = draw(_maybe(st.integers(0, 20 * 86_400), dense["resolved_at"]))
        row["resolved_at"] = "" if after is None else _text(when + dt.timedelta(seconds=after))
        rows.append(row)
    return rows


@st.composite
def action_logs(draw) -> str:
    """An actions.yaml of 0-4 valid entries on the generated topics, opened from 2025-10 on; a
    done or declined entry has the update that made it so (a declined one says why)."""
    lines = []
    for index in range(draw(st.integers(0, 4))):
        status = draw(st.sampled_from(ACTION_STATUSES))
        opened = dt.date(2025, 10, 1) + dt.timedelta(days=draw(st.integers(0, 180)))
        lines += [f"- id: action-{index}", f"  topic: {draw(st.sampled_from(TOPICS))}",
                  "  you_said: Fix it.", "  we_did: We changed it.", f"  status: {status}",
                  f"  opened: {opened.isoformat()}"]
        if status in ("done", "declined") or draw(st.booleans()):
            day = opened + dt.timedelta(days=draw(st.integers(0, 120)))
            lines += ["  updates:", f"    - date: {day.isoformat()}", f"      status: {status}",
                      "      note: Why we did it."]
    return "\n".join(lines) + "\n" if lines else ""


as_of_dates = st.integers(0, 45).map(lambda days: LAST_DAY + dt.timedelta(days=days))


@st.composite
def rows_and_splits(draw) -> tuple[list[Row], list[list[Row]]]:
    """Contact rows, and the same rows shuffled and cut into 1-4 files (some possibly empty)."""
    rows = draw(contact_rows())
    shuffled = draw(st.permutations(rows))
    files = draw(st.integers(1, 4))
    cuts = sorted(draw(st.lists(st.integers(0, len(rows)), min_size=files - 1,
                                max_size=files - 1)))
    bounds = [0, *cuts, len(rows)]
    return rows, [shuffled[a:b] for a, b in itertools.pairwise(bounds)]


def rich_rows() -> list[Row]:
    """120 contacts with every column filled, two channels, two sites, both stages and one
    topic: enough for every metric to have a value, so each run checks each metric at least
    once whatever Hypothesis draws."""
    rows = []
    for i in range(120):
        when = _stamp(i * (SPAN_SECONDS // 120))
        rows.append({
            "id": f"r{i:03d}", "submitted_at": _text(when),
            "channel": "phone" if i % 2 else "chat",
            "case_id": f"k{i // 2}" if i % 4 < 2 else "",
            "stage": "pre_sale" if i % 2 else "post_sale", "topic": "refund",
            "site": "in-house" if i % 3 else "vendor-a", "rating": str(1 + (i * 7) % 5),
            "nps": str((i * 3) % 11), "wait_seconds": str((i * 37) % 900),
            "resolved": "true" if i % 3 else "false",
            "resolved_at": _text(when + dt.timedelta(hours=i % 5)),
        })
    return rows


RICH_AS_OF = dt.date(2026, 4, 10)
RICH_ACTIONS = """\
- {id: faster-refunds, topic: refund, you_said: Slow., we_did: Faster., status: done,
   opened: 2025-10-01, updates: [{date: 2026-02-15, status: done}]}
- {id: refund-form, topic: refund, you_said: Hard., we_did: Easier., status: done,
   opened: 2025-11-01, updates: [{date: 2025-12-01, status: done}]}
- {id: refund-chat, topic: refund, you_said: No chat., we_did: Chat., status: planned,
   opened: 2025-12-01}
- {id: refund-sunday, topic: refund, you_said: Sundays., we_did: No., status: declined,
   opened: 2025-12-15, updates: [{date: 2026-01-05, status: declined, note: No carriers.}]}
"""


# --- building -----------------------------------------------------------------------------


def _write(folder: Path, files: list[list[Row]], actions: str) -> Path:
    """One company, `acme`, with one CSV per list of rows (names sort in list order) and its
    action log, if any."""
    company = folder / "acme"
    (company / "feedback").mkdir(parents=True)
    (company / "company.yaml").write_text(PROFILE, encoding="utf-8")
    if actions:
        (company / "actions.yaml").write_text(actions, encoding="utf-8")
    for index, rows in enumerate(files):
        with open(company / "feedback" / f"part-{index:02d}.csv", "w", newline="",
                  encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return folder


def build(files: list[list[Row]], as_of: dt.date, actions: str = "") -> Scoreboard:
    """build_scoreboard over a fresh temporary data folder; every row must be counted, so a
    property cannot pass by quarantining its input."""
    with tempfile.TemporaryDirectory(prefix="candor-prop-") as folder:
        board = build_scoreboard(_write(Path(folder), files, actions), as_of=as_of)
    (company,) = board.companies
    assert not company.problems, company.problems
    assert company.rows_counted == sum(map(len, files))
    return board


def scores_of(board: Scoreboard) -> Iterator[tuple[str, str, Score]]:
    """(where, metric id, score) for every window, every month and every breakdown group (its
    contacts as a count, and its CSAT)."""
    (company,) = board.companies
    for window, scores in company.windows.items():
        for metric_id, score in scores.items():
            yield f"window {window}", metric_id, score
    for month, scores in company.monthly:
        for metric_id, score in scores.items():
            yield f"month {month}", metric_id, score
    for dimension, groups in company.breakdowns.items():
        for group in groups:
            where = f"{dimension} {group.name}"
            yield where, "contacts", Score(float(group.contacts), group.contacts, "count")
            yield where, "csat", group.csat


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a == pytest.approx(b, rel=EPSILON, abs=EPSILON)


# --- the properties, as plain functions ---------------------------------------------------


def check_order_and_split_independence(rows: list[Row], files: list[list[Row]],
                                       as_of: dt.date, actions: str = "") -> None:
    """The same contacts in one file in one order, or shuffled across several files, give the
    same scores everywhere: windows, months and breakdowns."""
    one = {(where, m): s for where, m, s in scores_of(build([rows], as_of, actions))}
    split = {(where, m): s for where, m, s in scores_of(build(files, as_of, actions))}
    assert one.keys() == split.keys()
    for key, a in one.items():
        b = split[key]
        assert (a.n, a.unit, a.reason) == (b.n, b.unit, b.reason), (key, a, b)
        for field in ("value", "low", "high"):
            assert _same(getattr(a, field), getattr(b, field)), (key, field, a, b)


def check_ranges_and_intervals(rows: list[Row], as_of: dt.date, actions: str = "") -> None:
    """Every score lies in its unit's range, n is never negative, a count equals its n, an
    interval contains its value, and "not enough data" has no interval and says why."""
    for where, metric_id, score in scores_of(build([rows], as_of, actions)):
        label = (where, metric_id, score)
        assert score.n >= 0, label
        assert score.unit in UNIT_RANGES, label
        if score.value is None:
            assert score.low is None and score.high is None, label
            assert score.reason, label
            continue
        low, high = UNIT_RANGES[score.unit]
        for bound in (score.value, score.low, score.high):
            assert bound is None or low - EPSILON <= bound <= high + EPSILON, label
        if score.unit == "count":
            assert score.value == score.n, label
        if score.low is not None and score.high is not None:
            assert score.low - EPSILON <= score.value <= score.high + EPSILON, label


def check_five_star_never_lowers_csat(rows: list[Row], extra: Row, as_of: dt.date) -> None:
    """One more contact rated 5 never lowers CSAT and never turns a number into "not enough
    data", in any window, month or breakdown group."""
    before = {(where, m): s for where, m, s in scores_of(build([rows], as_of)) if m == "csat"}
    after = {(where, m): s for where, m, s in scores_of(build([[*rows, extra]], as_of))
             if m == "csat"}
    for key, old in before.items():
        new = after[key]
        if old.value is not None:
            assert new.value is not None, (key, old, new)
            assert new.value >= old.value - EPSILON, (key, old, new)


# --- Hypothesis drivers -------------------------------------------------------------------


def test_every_metric_unit_has_a_range():
    missing = {m.id: m.unit for m in METRICS.values() if m.unit not in UNIT_RANGES}
    assert not missing, f"add these units to UNIT_RANGES in {__name__}: {missing}"


def test_the_rich_example_scores_every_metric():
    board = build([rich_rows()], RICH_AS_OF, RICH_ACTIONS)
    missing = [metric_id for metric_id, score in board.companies[0].windows["all"].items()
               if score.value is None]
    assert not missing, f"rich_rows() leaves these metrics without a value: {missing}"


@SETTINGS
@given(split=rows_and_splits(), as_of=as_of_dates, actions=action_logs())
@example(split=(rich_rows(), [rich_rows()[::-1][:50], [], rich_rows()[::-1][50:]]),
         as_of=RICH_AS_OF, actions=RICH_ACTIONS)
def test_scores_do_not_depend_on_row_order_or_file_split(split, as_of, actions):
    check_order_and_split_independence(*split, as_of, actions)


@SETTINGS
@given(rows=contact_rows(), as_of=as_of_dates, actions=action_logs())
@example(rows=rich_rows(), as_of=RICH_AS_OF, actions=RICH_ACTIONS)
def test_scores_stay_in_range_and_inside_their_intervals(rows, as_of, actions):
    check_ranges_and_intervals(rows, as_of, actions)


@SETTINGS
@given(rows=contact_rows(max_size=119), extra=contact_rows(min_size=1, max_size=1),
       as_of=as_of_dates)
@example(rows=rich_rows(), as_of=RICH_AS_OF,
         extra=[{**rich_rows()[0], "submitted_at": "2026-03-31T23:59:59Z", "resolved_at": ""}])
def test_a_five_star_rating_never_lowers_csat(rows, extra, as_of):
    check_five_star_never_lowers_csat(rows, {**extra[0], "id": "new-5-star", "rating": "5"},
                                      as_of)
