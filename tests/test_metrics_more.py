"""The §5 metrics beyond volume, CSAT, NPS and waits: resolution, the two gaps and the action
log. Small inline frames; expected numbers by hand or by a textbook formula written here."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest
from test_metrics import AS_OF, DEFAULTS, contacts_frame, cube_of, tables_of, textbook_wilson

from scoring.actions import Action, Effect, Update, with_effect
from scoring.board import _monthly, build_scoreboard, known_actions
from scoring.metrics import (
    METRICS,
    CandorConfig,
    Sample,
    Score,
    Thresholds,
    newcombe,
)

DEMO = Path(__file__).resolve().parent.parent / "data"


def textbook_newcombe(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float]:
    """Newcombe (1998) method 10, in points: with Wilson limits (l, u) of each share,
    L = d - sqrt((p1 - l1)² + (u2 - p2)²), U = d + sqrt((u1 - p1)² + (p2 - l2)²)."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = (x / 100 for x in textbook_wilson(k1, n1))
    l2, u2 = (x / 100 for x in textbook_wilson(k2, n2))
    d = p1 - p2
    return (100 * (d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)),
            100 * (d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)))


def score(metric_id: str, contacts: pd.DataFrame, actions=(), as_of=AS_OF, history=None,
          thresholds: Thresholds = DEFAULTS):
    return METRICS[metric_id].compute(Sample(
        tables_of(contacts), as_of, tuple(actions),
        None if history is None else cube_of(history), thresholds=thresholds))


def stamp(day: str, hours: float = 10) -> str:
    return (pd.Timestamp(day, tz="UTC") + pd.Timedelta(hours=hours)).isoformat()


# --- Newcombe's interval ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873, Table II, method 10, examples (a)-(f)
        (56, 70, 48, 80, 5.24, 33.39),
        (9, 10, 3, 10, 17.05, 80.90),
        (6, 7, 2, 7, 5.82, 80.62),
        (5, 56, 0, 29, -3.81, 19.26),
        (0, 10, 0, 20, -16.11, 27.75),
        (10, 10, 0, 20, 67.91, 100.0),
    ],
)
def test_newcombe_matches_the_published_table(k1, n1, k2, n2, low, high):
    assert newcombe(k1, n1, k2, n2) == pytest.approx((low, high), abs=0.006)


@pytest.mark.parametrize(("k1", "n1", "k2", "n2"), [
    (36, 40, 25, 50), (30, 30, 0, 30), (0, 30, 30, 30), (15, 30, 15, 30), (1, 31, 29, 77),
])
def test_newcombe_matches_the_textbook_formula(k1, n1, k2, n2):
    assert newcombe(k1, n1, k2, n2) == pytest.approx(textbook_newcombe(k1, n1, k2, n2),
                                                     abs=1e-6)


# --- resolution_rate -------------------------------------------------------------------------


def resolution_contacts(old_true: int, old_false: int, edge_false: int, new_true: int,
                        unknown: int, reopened: int = 0) -> pd.DataFrame:
    """Cases against AS_OF 2026-10-20, whose cutoff is 2026-10-06: resolved ones opened
    2026-10-01; unresolved ones opened 2026-10-06 23:00 (14 days: in); resolved ones opened
    2026-10-07 00:00 (13 days: out); ones without an outcome; and two-contact cases opened
    2026-09-01 (false) and resolved 2026-10-10 (true)."""
    rows = ([(f"t{i}", "2026-10-01T10:00:00Z", True) for i in range(old_true)]
            + [(f"f{i}", "2026-10-06T23:00:00Z", False) for i in range(edge_false)]
            + [(f"g{i}", "2026-10-01T10:00:00Z", False) for i in range(old_false)]
            + [(f"n{i}", "2026-10-07T00:00:00Z", True) for i in range(new_true)]
            + [(f"u{i}", "2026-10-01T10:00:00Z", None) for i in range(unknown)])
    for i in range(reopened):
        rows += [(f"r{i}", "2026-09-01T10:00:00Z", False), (f"r{i}", "2026-10-10T10:00:00Z", True)]
    return contacts_frame(len(rows), case_id=[r[0] for r in rows],
                          submitted_at=[r[1] for r in rows], resolved=[r[2] for r in rows])


@pytest.mark.parametrize(
    ("counts", "resolved", "n"),
    [
        # 19 + 1 reopened resolved, 10 unresolved on the cutoff day; the 5 opened 13 days before
        # as_of and the 4 without an outcome are left out: 20 / 30
        pytest.param((19, 0, 10, 5, 4, 1), 20, 30, id="mixed"),
        # exactly 30 old cases, 0 resolved
        pytest.param((0, 20, 10, 30, 0, 0), 0, 30, id="none-resolved"),
        pytest.param((30, 10, 0, 0, 0, 0), 30, 40, id="forty"),
    ],
)
def test_resolution_rate_counts_cases_14_days_old(counts, resolved, n):
    result = score("resolution_rate", resolution_contacts(*counts))
    assert result.value == pytest.approx(100 * resolved / n)
    assert result.n == n
    assert result.unit == "percent"
    assert (result.low, result.high) == pytest.approx(textbook_wilson(resolved, n), abs=1e-6)


def test_resolution_rate_below_30_old_cases():
    # 29 old cases; the 20 cases 13 days old do not count
    result = score("resolution_rate", resolution_contacts(29, 0, 0, 20, 0))
    assert result.value is None
    assert result.n == 29
    assert "not enough data" in result.reason


# --- resolution_hours_p50 --------------------------------------------------------------------


def resolution_hours_contacts(hours: list[int], unresolved: int) -> pd.DataFrame:
    """One case per entry of hours, opened 2026-10-01 10:00 and resolved that many hours later;
    the case of 26 hours has two contacts, the first without resolved_at, the second a day
    later. Plus unresolved cases without resolved_at."""
    ids, when, resolved_at = [], [], []
    for i, h in enumerate(hours):
        if h == 26:
            ids.append(f"k{i}")
            when.append("2026-10-01T10:00:00Z")
            resolved_at.append(None)
            ids.append(f"k{i}")
            when.append("2026-10-02T10:00:00Z")
            resolved_at.append("2026-10-02T12:00:00Z")
        else:
            ids.append(f"k{i}")
            when.append("2026-10-01T10:00:00Z")
            resolved_at.append(stamp("2026-10-01", 10 + h))
    for i in range(unresolved):
        ids.append(f"u{i}")
        when.append("2026-10-01T10:00:00Z")
        resolved_at.append(None)
    return contacts_frame(len(ids), case_id=ids, submitted_at=when, resolved_at=resolved_at)


def test_resolution_hours_p50_from_first_contact_with_order_statistic_interval():
    # hours 1..30 scrambled; n = 30: position 14.5 -> (15 + 16) / 2 = 15.5;
    # ranks 15 -+ 1.96 * sqrt(7.5) = 15 -+ 5.368 -> 9 and 21. The 26-hour case is measured from
    # its first contact (10-01 10:00 to 10-02 12:00), not its second (2 hours).
    hours = [(7 * i) % 30 + 1 for i in range(30)]
    result = score("resolution_hours_p50", resolution_hours_contacts(hours, unresolved=5))
    assert result.value == pytest.approx(15.5)
    assert (result.low, result.high) == (9.0, 21.0)
    assert result.n == 30
    assert result.unit == "hours"


def test_resolution_hours_p50_below_30_resolved_cases():
    result = score("resolution_hours_p50",
                   resolution_hours_contacts(list(range(1, 30)), unresolved=10))
    assert result.value is None
    assert result.n == 29


# --- post_sale_gap ---------------------------------------------------------------------------


def staged(pre: tuple[int, int], post: tuple[int, int], other: int = 0) -> pd.DataFrame:
    """(good, all) ratings per stage: good ones are 4 or 5, the rest 3 or less; plus `other`
    rated contacts without a stage and 5 unrated contacts of each stage."""
    rows = []
    for stage, (good, n) in (("pre_sale", pre), ("post_sale", post)):
        rows += [(stage, 5 if i % 2 else 4) for i in range(good)]
        rows += [(stage, 3 if i % 2 else 1) for i in range(n - good)]
        rows += [(stage, None)] * 5
    rows += [(None, 1)] * other
    return contacts_frame(len(rows), stage=[r[0] for r in rows], rating=[r[1] for r in rows])


def test_post_sale_gap_worked_example():
    # pre 36 / 40 = 90%, post 25 / 50 = 50%: 40 points. Wilson: pre .7695 .. .9604,
    # post .3664 .. .6336; L = .4 - sqrt(.1305² + .1336²) = .4 - .1868 = .2133,
    # U = .4 + sqrt(.0604² + .1336²) = .4 + .1466 = .5466
    result = score("post_sale_gap", staged((36, 40), (25, 50), other=20))
    assert result.value == pytest.approx(40.0)
    assert result.n == 90
    assert result.unit == "points"
    assert result.low == pytest.approx(21.33, abs=0.01)
    assert result.high == pytest.approx(54.66, abs=0.01)


@pytest.mark.parametrize(("pre", "post"), [
    pytest.param((30, 30), (0, 30), id="30-each-boundary"),
    pytest.param((10, 35), (30, 31), id="negative"),
    pytest.param((20, 40), (20, 40), id="zero"),
])
def test_post_sale_gap_is_pre_minus_post_with_newcombe(pre, post):
    result = score("post_sale_gap", staged(pre, post))
    assert result.value == pytest.approx(100 * (pre[0] / pre[1] - post[0] / post[1]))
    assert result.n == pre[1] + post[1]
    assert (result.low, result.high) == pytest.approx(textbook_newcombe(*pre, *post), abs=1e-6)


@pytest.mark.parametrize(("pre", "post"), [((29, 29), (10, 40)), ((30, 40), (0, 29))])
def test_post_sale_gap_needs_30_ratings_on_each_side(pre, post):
    result = score("post_sale_gap", staged(pre, post, other=100))
    assert result.value is None
    assert result.n == pre[1] + post[1]
    assert result.low is None and result.high is None
    assert "not enough data" in result.reason


# --- service_lottery -------------------------------------------------------------------------


def grouped(cells: list[tuple[str | None, str, int, int]]) -> pd.DataFrame:
    """(site, channel, good, all) cells of rated contacts: good ones rate 5, the rest 2."""
    rows = []
    for site, channel, good, n in cells:
        rows += [(site, channel, 5 if i < good else 2) for i in range(n)]
    return contacts_frame(len(rows), site=[r[0] for r in rows], channel=[r[1] for r in rows],
                          rating=[r[2] for r in rows])


def test_service_lottery_sites_worked_example():
    # in-house 36 / 40 = 90%, vendor-a 25 / 50 = 50%, vendor-b left out (29 ratings, all bad),
    # 40 ratings without a site are not a group; one channel only: 40 points, as in
    # test_post_sale_gap_worked_example: 21.33 .. 54.66
    contacts = grouped([("in-house", "phone", 36, 40), ("vendor-a", "phone", 25, 50),
                        ("vendor-b", "phone", 0, 29), (None, "phone", 0, 40)])
    result = score("service_lottery", contacts)
    assert result.value == pytest.approx(40.0)
    assert result.n == 90
    assert result.low == pytest.approx(21.33, abs=0.01)
    assert result.high == pytest.approx(54.66, abs=0.01)
    assert "sites: in-house best, vendor-a worst" in result.reason
    assert "1 group below 30 responses left out" in result.reason


def test_service_lottery_takes_the_channels_when_they_differ_more():
    # sites: a 33 / 55 = 60.0%, b 32 / 55 = 58.2% (1.8 points); channels: phone 45 / 50 = 90%,
    # chat 20 / 50 = 40% (50 points); email, 10 ratings, left out
    contacts = grouped([("a", "phone", 23, 25), ("b", "phone", 22, 25), ("a", "chat", 10, 25),
                        ("b", "chat", 10, 25), ("a", "email", 0, 5), ("b", "email", 0, 5)])
    result = score("service_lottery", contacts)
    assert result.value == pytest.approx(50.0)
    assert result.n == 100
    assert (result.low, result.high) == pytest.approx(textbook_newcombe(45, 50, 20, 50),
                                                      abs=1e-6)
    assert "channels: phone best, chat worst" in result.reason
    assert "1 group below 30 responses left out (0 sites, 1 channel)" in result.reason


def test_service_lottery_tie_goes_to_sites():
    contacts = grouped([("a", "phone", 45, 50), ("b", "chat", 20, 50)])
    result = score("service_lottery", contacts)
    assert result.value == pytest.approx(50.0)
    assert result.reason.startswith("sites: a best, b worst")


def test_service_lottery_three_sites_best_minus_worst():
    # 80%, 60%, 30% (all at the 30 boundary): 80 - 30 = 50
    contacts = grouped([("x", "phone", 24, 30), ("y", "phone", 18, 30), ("z", "phone", 9, 30)])
    result = score("service_lottery", contacts)
    assert result.value == pytest.approx(50.0)
    assert result.n == 60
    assert (result.low, result.high) == pytest.approx(textbook_newcombe(24, 30, 9, 30),
                                                      abs=1e-6)


def test_service_lottery_needs_two_groups_with_30_ratings():
    # one site of 40 and one of 29; one channel
    contacts = grouped([("x", "phone", 30, 40), ("y", "phone", 0, 29)])
    result = score("service_lottery", contacts)
    assert result.value is None
    assert "not enough data" in result.reason
    assert "1 group below 30 responses left out (1 site, 0 channels)" in result.reason


# --- action_coverage -------------------------------------------------------------------------


def act(id: str, topic: str, status: str = "planned", opened=dt.date(2026, 1, 1),
        updates=()) -> Action:
    return Action(id, topic, "said", "did", status, opened, tuple(updates))


def complaints(cells: list[tuple[str | None, int, str]]) -> pd.DataFrame:
    """(topic, count, submitted_at) cells of contacts rated `rating` 1 or 2 (complaints)."""
    rows = []
    for topic, count, when in cells:
        rows += [(topic, 1 + i % 2, when) for i in range(count)]
    return contacts_frame(len(rows), topic=[r[0] for r in rows], rating=[r[1] for r in rows],
                          submitted_at=[r[2] for r in rows])


IN_YEAR = "2026-03-01T10:00:00Z"


def coverage_contacts() -> pd.DataFrame:
    frame = complaints([
        ("refund", 6, IN_YEAR), ("delivery", 5, IN_YEAR), ("app", 4, IN_YEAR),
        ("billing", 3, IN_YEAR), ("fees", 2, IN_YEAR), ("zeta", 2, IN_YEAR),
        ("order", 1, IN_YEAR),
        # before the 365 days to 2026-10-20 (from 2025-10-21 00:00): not counted
        ("old", 10, "2025-10-20T23:59:59Z"),
        (None, 10, IN_YEAR),
    ])
    # ratings of 3 and more are not complaints
    praise = contacts_frame(20, id=[f"p{i}" for i in range(20)], topic=["order"] * 20,
                            rating=[3, 5] * 10, submitted_at=[IN_YEAR] * 20)
    return pd.concat([frame, praise], ignore_index=True)


COVERAGE_ACTIONS = (act("r", "refund", "done"), act("a", "app", "declined"),
                    act("z", "zeta"), act("x", "returns"))


def test_action_coverage_worked_example():
    # top 5 by complaints: refund 6, delivery 5, app 4, billing 3, fees 2 (fees before zeta,
    # 2 each, by name); answered: refund (done) and app (declined): 2 / 5 = 40%
    result = score("action_coverage", coverage_contacts(), COVERAGE_ACTIONS)
    assert result.value == pytest.approx(40.0)
    assert result.n == 5
    assert result.unit == "percent"
    assert (result.low, result.high) == pytest.approx(textbook_wilson(2, 5), abs=1e-6)
    assert result.reason == "answered: refund, app; not answered: delivery, billing, fees"


def test_action_coverage_looks_back_a_year_whatever_the_window():
    # the window holds no contacts; the history holds the year of complaints
    window = coverage_contacts().iloc[0:0]
    result = score("action_coverage", window, COVERAGE_ACTIONS, history=coverage_contacts())
    assert (result.value, result.n) == (40.0, 5)


def test_action_coverage_year_edge():
    # 2025-10-21 00:00 is 365 days before the end of 2026-10-20: in; a second before: out
    contacts = complaints([("in", 1, "2025-10-21T00:00:00Z"), ("out", 3, "2025-10-20T23:59:59Z")])
    result = score("action_coverage", contacts, [act("o", "out")])
    assert (result.value, result.n) == (0.0, 1)


def test_action_coverage_fewer_topics_than_five():
    contacts = complaints([("refund", 3, IN_YEAR), ("app", 1, IN_YEAR)])
    result = score("action_coverage", contacts, [act("r", "refund")])
    assert (result.value, result.n) == (50.0, 2)


def test_action_coverage_without_complaints_is_not_enough_data():
    contacts = contacts_frame(40, topic=["refund"] * 40, rating=[3] * 40)
    result = score("action_coverage", contacts, COVERAGE_ACTIONS)
    assert result.value is None
    assert result.n == 0
    assert "not enough data" in result.reason


# --- follow_through --------------------------------------------------------------------------


def done_action(id: str, opened: dt.date, done_on: dt.date) -> Action:
    return act(id, "refund", "done", opened, [Update(done_on, "done", "")])


# as_of 2026-10-20: actions opened on or before 2026-07-22 (90 days) are due
FOLLOW_ACTIONS = (
    done_action("a1", dt.date(2026, 1, 1), dt.date(2026, 3, 2)),  # 31 + 28 + 1 = 60 days
    done_action("a2", dt.date(2026, 2, 1), dt.date(2026, 5, 12)),  # 28 + 31 + 30 + 11 = 100
    act("a3", "app", "in_progress", dt.date(2026, 7, 22)),  # exactly 90 days: due
    act("a4", "fees", "declined", dt.date(2026, 3, 1)),
    done_action("a5", dt.date(2026, 7, 23), dt.date(2026, 8, 1)),  # 89 days: not yet due
)


def test_follow_through_worked_example():
    # due: a1, a2, a3, a4; done: a1, a2 -> 2 / 4; median of 60 and 100 days = 80
    result = score("follow_through", contacts_frame(0), FOLLOW_ACTIONS)
    assert result.value == pytest.approx(50.0)
    assert result.n == 4
    assert result.unit == "percent"
    assert (result.low, result.high) == pytest.approx(textbook_wilson(2, 4), abs=1e-6)
    assert result.reason == "median 80 days from opened to done (2 dated)"


def test_follow_through_counts_a_done_entry_without_a_done_date_as_done():
    # due: a1, a3, a4 and the undated a6; done: a1 (60 days) and a6 (no days): 2 / 4
    undated = act("a6", "card", "done", dt.date(2026, 1, 5))
    result = score("follow_through", contacts_frame(0),
                   [FOLLOW_ACTIONS[0], *FOLLOW_ACTIONS[2:], undated])
    assert (result.value, result.n) == (50.0, 4)
    assert result.reason == "median 60 days from opened to done (1 dated)"


def test_follow_through_at_the_minimum_of_3():
    # due: a1, a3, a4; done: a1 -> 1 / 3
    result = score("follow_through", contacts_frame(0),
                   [FOLLOW_ACTIONS[0], FOLLOW_ACTIONS[2], FOLLOW_ACTIONS[3]])
    assert (result.value, result.n) == (pytest.approx(100 / 3), 3)
    assert result.reason == "median 60 days from opened to done (1 dated)"


def test_follow_through_below_3_due_actions():
    result = score("follow_through", contacts_frame(0), FOLLOW_ACTIONS[:2] + FOLLOW_ACTIONS[4:])
    assert result.value is None
    assert result.n == 2
    assert "not enough data" in result.reason


# --- action_effect ---------------------------------------------------------------------------


def measured(id: str, before: float | None, after: float | None) -> Action:
    def csat(value):
        return Score(value, 40 if value is not None else 12, "percent")

    done_on = dt.date(2026, 5, 20)
    return Action(id, "refund", "said", "did", "done", dt.date(2026, 1, 1),
                  (Update(done_on, "done", ""),), effect=Effect(done_on, csat(before),
                                                               csat(after), 90))


def test_action_effect_is_the_mean_change_over_measured_actions():
    # +30 (50 -> 80) and -10 (70 -> 60): mean 10 over 2; the one with too few ratings before
    # and the planned one without an effect are not counted
    actions = [measured("up", 50.0, 80.0), measured("down", 70.0, 60.0),
               measured("thin", None, 90.0), act("p", "fees")]
    result = score("action_effect", contacts_frame(0), actions)
    assert result.value == pytest.approx(10.0)
    assert result.n == 2
    assert result.unit == "points"
    assert result.low is None and result.high is None
    assert result.reason == "up +30.0; down -10.0"


def test_action_effect_without_a_measured_action_is_not_enough_data():
    result = score("action_effect", contacts_frame(0), [measured("thin", 50.0, None)])
    assert result.value is None
    assert result.n == 0


def test_action_effect_uses_with_effect_on_the_window_data():
    # 40 refund ratings in the 90 days before 2026-05-20, 10 good (25%); 40 after, 32 good
    # (80%): +55 points, measured by known_actions through actions.with_effect
    when = ([stamp("2026-03-01", 24 * i) for i in range(40)]
            + [stamp("2026-05-20", 24 * i) for i in range(40)])
    ratings = [5] * 10 + [1] * 30 + [4] * 32 + [2] * 8
    contacts = contacts_frame(80, submitted_at=when, topic=["refund"] * 80, rating=ratings)
    done = done_action("d", dt.date(2026, 1, 1), dt.date(2026, 5, 20))
    actions = known_actions([done], cube_of(contacts), AS_OF.date(), DEFAULTS)
    assert actions == (done,)
    assert actions[0].effect == with_effect(done, cube_of(contacts), 90).effect
    result = score("action_effect", contacts, actions)
    assert (result.value, result.n) == (pytest.approx(80.0 - 25.0), 1)


# --- windows: the action log as it stood at each window's end --------------------------------


def test_known_actions_on_a_date_before_the_action_was_done():
    done = act("d", "refund", "done", dt.date(2026, 1, 1),
               [Update(dt.date(2026, 2, 1), "in_progress", ""),
                Update(dt.date(2026, 5, 20), "done", "")])
    later = act("l", "app", "planned", dt.date(2026, 6, 1))
    (then,) = known_actions([done, later], cube_of(contacts_frame(0)), dt.date(2026, 4, 30),
                            DEFAULTS)
    assert (then.id, then.status, then.done_on, then.effect) == ("d", "in_progress", None, None)


def test_monthly_action_coverage_counts_actions_opened_by_the_month_end():
    # refund complaints in September and October; the refund action is opened 2026-10-05:
    # September's coverage is 0 of 1, October's 1 of 1
    contacts = complaints([("refund", 3, "2026-09-10T10:00:00Z"),
                           ("refund", 3, "2026-10-10T10:00:00Z")])
    months = dict(_monthly(tables_of(contacts),
                           [act("r", "refund", opened=dt.date(2026, 10, 5))], DEFAULTS))
    assert list(months) == ["2026-09", "2026-10"]
    assert (months["2026-09"]["action_coverage"].value, months["2026-09"]["action_coverage"].n) \
        == (0.0, 1)
    assert (months["2026-10"]["action_coverage"].value, months["2026-10"]["action_coverage"].n) \
        == (100.0, 1)


# --- methodology -----------------------------------------------------------------------------


NEW_METRICS = ("resolution_rate", "resolution_hours_p50", "post_sale_gap", "service_lottery",
               "action_coverage", "follow_through", "action_effect")


def test_the_new_metrics_are_registered_under_their_product_ids():
    assert set(NEW_METRICS) <= set(METRICS)
    assert "candor_score" in METRICS  # issue 4: the composite is published like the others


@pytest.mark.parametrize(("metric_id", "phrases"), [
    ("resolution_rate", ["14 days", "30 such cases", "Wilson"]),
    ("resolution_hours_p50", ["30 resolved cases"]),
    ("post_sale_gap", ["Newcombe", "30 ratings on each side"]),
    ("service_lottery", ["sites and channels", "30", "Newcombe"]),
    ("action_coverage", ["top 5", "2 or less", "365 days"]),
    ("follow_through", ["90 days", "3 entries"]),
    ("action_effect", ["90 days", "30 ratings", "1 measured"]),
])
def test_published_text_states_the_parameters(metric_id, phrases):
    # as the page flows it
    text = " ".join(METRICS[metric_id].published(DEFAULTS).methodology.split())
    for phrase in phrases:
        assert phrase in text, phrase


# --- thresholds from candor.yaml: the same fixtures under other settings ---------------------


def test_resolution_window_from_the_config():
    # 13 days instead of 14: the cutoff moves to 2026-10-08, so the 5 resolved cases opened
    # 2026-10-07 00:00 count too: 19 + 1 reopened + 5 resolved of 35 (10 unresolved).
    result = score("resolution_rate", resolution_contacts(19, 0, 10, 5, 4, 1),
                   thresholds=Thresholds(resolution_window_days=13))
    assert (result.value, result.n) == (pytest.approx(100 * 25 / 35), 35)
    text = METRICS["resolution_rate"].published(Thresholds(resolution_window_days=13))
    assert "at least 13 days before" in text.methodology


def test_top_complaint_topics_and_look_back_from_the_config():
    # top 3: refund, delivery, app; answered refund and app: 2 / 3
    top3 = Thresholds(top_complaint_topics=3)
    result = score("action_coverage", coverage_contacts(), COVERAGE_ACTIONS, thresholds=top3)
    assert (result.value, result.n) == (pytest.approx(200 / 3), 3)
    assert result.reason == "answered: refund, app; not answered: delivery"
    # a look-back of 366 days starts 2025-10-20 00:00: "old" (10 complaints) leads;
    # top 3: old, refund, delivery; answered refund: 1 / 3
    longer = Thresholds(top_complaint_topics=3, complaint_lookback_days=366)
    result = score("action_coverage", coverage_contacts(), COVERAGE_ACTIONS, thresholds=longer)
    assert (result.value, result.n) == (pytest.approx(100 / 3), 3)
    assert "top 3 complaint topics" in METRICS["action_coverage"].published(top3).methodology


def test_follow_through_days_from_the_config():
    # 89 days: the cutoff is 2026-07-23, so a5 (done after 9 days) is due too: 3 / 5 done,
    # median of 60, 100 and 9 days = 60
    result = score("follow_through", contacts_frame(0), FOLLOW_ACTIONS,
                   thresholds=Thresholds(follow_through_days=89))
    assert (result.value, result.n) == (pytest.approx(60.0), 5)
    assert result.reason == "median 60 days from opened to done (3 dated)"


def test_effect_window_from_the_config():
    # 30-day windows around 2026-05-20: before from 2026-04-20, after to 2026-06-19.
    # Refund ratings, one a day at 10:00: 10 good and 10 poor from 2026-03-01 (inside 90 days,
    # outside 30), 30 good from 2026-04-20 (before) and 30 poor from 2026-05-20 (after).
    when = ([stamp("2026-03-01", 24 * i) for i in range(20)]
            + [stamp("2026-04-20", 24 * i) for i in range(30)]
            + [stamp("2026-05-20", 24 * i) for i in range(30)])
    ratings = [5] * 10 + [1] * 10 + [5] * 30 + [1] * 30
    contacts = contacts_frame(80, submitted_at=when, topic=["refund"] * 80, rating=ratings)
    done = done_action("d", dt.date(2026, 1, 1), dt.date(2026, 5, 20))
    # 90 days: before 40 of 50 good = 80%, after 0 of 30: -80; 30 days: 100% -> 0%: -100
    (wide,) = known_actions([done], cube_of(contacts), AS_OF.date(), DEFAULTS)
    (narrow,) = known_actions([done], cube_of(contacts), AS_OF.date(),
                              Thresholds(effect_window_days=30))
    assert (wide.effect.before.n, wide.effect.change) == (50, pytest.approx(-80.0))
    assert (narrow.effect.before.n, narrow.effect.change) == (30, pytest.approx(-100.0))


def test_stale_days_from_the_config(tmp_path):
    # one company whose newest contact is 2026-08-01; as_of 2026-10-20 is 80 days later:
    # stale under the default 60 days, not under 90
    company = tmp_path / "data" / "old"
    (company / "feedback").mkdir(parents=True)
    (company / "company.yaml").write_text("name: Old\nindustry: banking\n")
    (company / "feedback" / "2026-08.csv").write_text(
        "id,submitted_at,channel,rating\nx1,2026-08-01T10:00:00Z,phone,5\n")
    config = CandorConfig({"csat": 1.0}, 1.0, 0.5)
    for days, stale in ((60, True), (90, False)):
        board = build_scoreboard(tmp_path / "data", as_of=AS_OF.date(), config=dataclasses.replace(
            config, thresholds=Thresholds(stale_days=days)))
        (result,) = board.companies
        assert result.windows["all"]["freshness_days"].value == 80
        assert result.stale is stale
        assert f"Over {days} days" in board.metrics["freshness_days"].methodology


# --- the demo data's stories, as published numbers -------------------------------------------


@pytest.fixture(scope="module")
def demo():
    return {c.slug: c.windows["all"] for c in build_scoreboard(DEMO).companies}


@pytest.mark.parametrize(("slug", "metric_id", "at_least"), [
    ("tellurian-mobile", "service_lottery", 20),  # in-house against vendor-a
    ("brassbridge-bank", "post_sale_gap", 20),
    ("parcelwick", "action_effect", 20),  # faster refunds
])
def test_demo_story_shows_as_a_number(demo, slug, metric_id, at_least):
    result = demo[slug][metric_id]
    assert result.value is not None and result.value > at_least, result
