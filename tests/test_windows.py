"""scoring.metrics.Windows: a company's windows (all time, the recent days, every month) scored
together give what each window scored alone gives, over the demo companies' real data; the
quantiles of many overlapping runs at once against np.quantile of each run written out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scoring.board import (
    _month_windows,
    _read_company,
    _validate_company,
    discover,
    known_actions,
)
from scoring.gaming import GamingConfig
from scoring.metrics import (
    METRICS,
    Ranked,
    Sample,
    Tables,
    Thresholds,
    Window,
    Windows,
    score_windows,
)
from scoring.summary import Summary, summarize

DEMO = Path(__file__).resolve().parent.parent / "data"
AS_OF = pd.Timestamp("2026-10-31", tz="UTC")
THRESHOLDS = Thresholds()
DAY = np.timedelta64(1, "D")


def demo_company(index: int) -> tuple[Summary, list]:
    """One demo company's contacts up to AS_OF, summarized, and its action log."""
    companies, _ = discover(DEMO)
    result, tables = _read_company(companies[index], DEMO)
    contacts = _validate_company(result, tables, None)
    contacts = contacts[contacts["submitted_at"] < AS_OF + pd.Timedelta(days=1)]
    return summarize(contacts, GamingConfig()), result.actions


def window(tables: Tables, actions: list, start: np.datetime64 | None,
           stop: np.datetime64 | None) -> Window:
    """The window of these days, as of its last day (or AS_OF), with the log of then."""
    as_of = AS_OF if stop is None else pd.Timestamp(stop - DAY, tz="UTC")
    known = known_actions(actions, tables.contacts.days(None, as_of.to_datetime64() + DAY),
                          as_of.date(), THRESHOLDS)
    return Window(start, stop, as_of, known)


def alone(tables: Tables, each: Window) -> dict:
    """Every metric of one window, from its own rows only (Table.days), as a Sample."""
    sample = Sample(tables.days(each.start, each.stop), each.as_of, each.actions,
                    tables.contacts, thresholds=THRESHOLDS)
    return {metric_id: m.compute(sample) for metric_id, m in METRICS.items()}


@pytest.mark.parametrize("index", [0, 3, 7])
def test_windows_scored_together_equal_each_scored_alone(index):
    summary, actions = demo_company(index)
    tables = Tables.of(summary)
    day = tables.contacts["day"]
    months = np.arange(day[0].astype("datetime64[M]"), day[-1].astype("datetime64[M]") + 1)
    first = day[0].astype("datetime64[D]")
    bounds = [(None, None), (AS_OF.to_datetime64() - 89 * DAY, None),
              *((m.astype("datetime64[D]"), (m + 1).astype("datetime64[D]")) for m in months),
              # windows that overlap each other and the months, and one without a contact
              (first, first + 45 * DAY), (first + 20 * DAY, first + 200 * DAY),
              (first + 10 * DAY, first + 11 * DAY), (np.datetime64("1999-01-01"),
                                                     np.datetime64("1999-02-01"))]
    windows = [window(tables, actions, *(None if b is None else b.astype("datetime64[ns]")
                                          for b in pair)) for pair in bounds]
    together = score_windows(Windows(tables, windows, tables.contacts, THRESHOLDS))
    assert len(together) == len(windows) > 20
    for each, scores in zip(windows, together, strict=True):
        assert scores == alone(tables, each)
    # and the windows hold data: most metrics have a value somewhere
    assert sum(s.value is not None for scores in together for s in scores.values()) > 300


@pytest.mark.parametrize("index", range(10))
def test_months_measure_each_action_as_a_month_alone_would(index):
    # _month_windows measures an entry known alike and measured to the same end once: each
    # month's log, effects included (Action equality leaves the effect out), is what
    # known_actions gives for that month alone
    summary, actions = demo_company(index)
    tables = Tables.of(summary)
    _, months = _month_windows(tables, actions, THRESHOLDS)
    effects = 0
    for month in months:
        alone = known_actions(actions, tables.contacts, month.as_of.date(), THRESHOLDS,
                              pd.Timestamp(month.stop, tz="UTC"))
        assert [(a, a.effect) for a in month.actions] == [(a, a.effect) for a in alone]
        effects += sum(a.effect is not None for a in alone)
    assert effects > 0 or not any(a.status == "done" for a in actions)


def test_a_summary_scores_the_same_from_its_frames():
    """A Summary made from pandas frames (as summary files are read) and the Summary summarize
    made (numpy columns, dimension codes found on the way) give the same scores."""
    summary, actions = demo_company(1)
    again = Summary(summary.contacts, summary.waits, summary.cases, summary.comments,
                    summary.public_comments, summary.bursts)
    assert again.dimensions == {} and summary.dimensions
    scores = []
    for each in (summary, again):
        tables = Tables.of(each)
        windows = [window(tables, actions, None, None)]
        scores.append(score_windows(Windows(tables, windows, tables.contacts, THRESHOLDS)))
    assert scores[0] == scores[1]
    assert scores[0][0]["csat"].n > 1000


def written_out_quantile(values, counts, q: float) -> float | None:
    """np.quantile of the values each repeated `count` times, NaN left out."""
    given = ~np.isnan(values)
    written = np.repeat(values[given], counts[given])
    return float(np.quantile(written, q)) if len(written) else None


@pytest.mark.parametrize("q", [0.5, 0.9])
def test_ranked_quantiles_of_overlapping_runs_match_np_quantile(q):
    rng = np.random.default_rng(5)
    values = np.floor(rng.lognormal(4, 1, 400))
    values[rng.random(400) < 0.1] = np.nan
    values[100:140] = 7.0  # ties
    counts = rng.integers(1, 4, 400)
    first = np.array([0, 0, 50, 100, 150, 120, 399, 200, 0])
    last = np.array([400, 100, 150, 200, 400, 380, 400, 200, 3])
    scores = Ranked(values, counts, first, last).quantile(q, 1, "seconds")
    for a, b, score in zip(first, last, scores, strict=True):
        expected = written_out_quantile(values[a:b], counts[a:b], q)
        assert score.value == expected
        assert score.n == int(counts[a:b][~np.isnan(values[a:b])].sum())
        if expected is not None:
            assert score.low <= score.value <= score.high


def test_windows_rows_and_ends_by_hand():
    summary, _ = demo_company(0)
    tables = Tables.of(summary)
    day = tables.contacts["day"]
    june, july = np.datetime64("2026-06-01", "ns"), np.datetime64("2026-07-01", "ns")
    windows = Windows(tables, [Window(None, None, AS_OF), Window(june, july,
                                                                 pd.Timestamp("2026-06-30",
                                                                              tz="UTC"))],
                      None, THRESHOLDS)
    first, last = windows.rows("contacts")
    assert (first[0], last[0]) == (0, len(day))
    assert day[first[1]] >= june > day[first[1] - 1]
    assert day[last[1] - 1] < july <= day[last[1]]
    assert list(windows.ends) == [np.datetime64("2026-11-01", "ns"),
                                  np.datetime64("2026-07-01", "ns")]
    assert dt.date(2026, 6, 30) == windows.as_of[1].date()
