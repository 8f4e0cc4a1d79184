"""Every metric in scoring.metrics.METRICS, on small inline frames; expected numbers by hand."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pandas as pd
import pytest

from scoring.board import build_scoreboard
from scoring.gaming import GamingConfig
from scoring.metrics import METRICS, Sample, Table, Tables, Thresholds
from scoring.summary import summarize
from scoring.validate import empty_contacts

Z = 1.959964  # two-sided 95% normal quantile, from a table
AS_OF = pd.Timestamp("2026-10-20", tz="UTC")
DEFAULTS = Thresholds()  # candor.yaml's thresholds, methodology 1.0's values
BASIC = Path(__file__).parent / "fixtures" / "basic"


def textbook_wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson score interval (percent): centre (p + z²/2n)/(1 + z²/n),
    half-width z·sqrt(p(1-p)/n + z²/4n²)/(1 + z²/n)."""
    p = k / n
    denominator = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denominator
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denominator
    return 100 * (centre - half), 100 * (centre + half)


def contacts_frame(n: int, **columns) -> pd.DataFrame:
    """n typed contacts shaped like validate.empty_contacts(); columns not given are missing,
    except id (c000, c001, ...), submitted_at (one fixed time) and channel (phone)."""
    template = empty_contacts()
    defaults = {
        "id": [f"c{i:03d}" for i in range(n)],
        "submitted_at": ["2026-10-01T10:00:00Z"] * n,
        "channel": ["phone"] * n,
    }
    data = {}
    for name in template.columns:
        dtype = template[name].dtype
        if name in ("submitted_at", "resolved_at"):
            dtype = "datetime64[ns, UTC]"
        values = columns.pop(name, defaults.get(name, [None] * n))
        assert len(values) == n, name
        data[name] = pd.Series(values, dtype=dtype)
    assert not columns, f"not contract columns: {sorted(columns)}"
    frame = pd.DataFrame(data)
    frame["case_id"] = frame["case_id"].where(frame["case_id"].notna(), frame["id"])
    return frame


def tables_of(contacts: pd.DataFrame) -> Tables:
    """The contacts summarized, as the metrics read them."""
    return Tables.of(summarize(contacts, GamingConfig()))


def cube_of(contacts: pd.DataFrame) -> Table:
    return tables_of(contacts).contacts


def sample_of(contacts: pd.DataFrame, as_of: pd.Timestamp = AS_OF,
              thresholds: Thresholds = DEFAULTS) -> Sample:
    return Sample(tables_of(contacts), as_of, thresholds=thresholds)


def score(metric_id: str, contacts: pd.DataFrame, as_of: pd.Timestamp = AS_OF,
          thresholds: Thresholds = DEFAULTS):
    return METRICS[metric_id].compute(sample_of(contacts, as_of, thresholds))


# --- csat ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratings", "good", "n"),
    [
        # exactly the minimum of 30 ratings: 24 of them 4 or 5
        pytest.param([5] * 12 + [4] * 12 + [3] * 3 + [2] * 2 + [1] * 1, 24, 30, id="30-boundary"),
        # 4 is good, 3 is not: 15 + 0 of 30
        pytest.param([4] * 15 + [3] * 15, 15, 30, id="threshold-4"),
        pytest.param([5] * 10 + [1] * 30, 10, 40, id="40-ratings"),
        # unrated contacts are not in n: 30 ratings among 45 contacts
        pytest.param([5] * 27 + [2] * 3 + [None] * 15, 27, 30, id="missing-ignored"),
        pytest.param([5] * 30, 30, 30, id="all-good"),
    ],
)
def test_csat_is_share_of_4_and_5_with_wilson_interval(ratings, good, n):
    result = score("csat", contacts_frame(len(ratings), rating=ratings))
    low, high = textbook_wilson(good, n)
    assert result.value == pytest.approx(100 * good / n)
    assert result.n == n
    assert result.unit == "percent"
    assert result.low == pytest.approx(low, abs=1e-6)
    assert result.high == pytest.approx(high, abs=1e-6)


def test_csat_worked_example_40_ratings():
    # 30 good of 40: 75.0; Wilson by hand: p = .75, z² = 3.8415, 1 + z²/n = 1.096,
    # centre = (.75 + .04802) / 1.096 = .72813, half = 1.96 * sqrt(.0046875 + .0006002)/1.096
    # = .13003 -> 59.81 .. 85.82
    result = score("csat", contacts_frame(40, rating=[5] * 30 + [1] * 10))
    assert result.value == 75.0
    assert result.low == pytest.approx(59.81, abs=0.01)
    assert result.high == pytest.approx(85.82, abs=0.01)


@pytest.mark.parametrize("count", [0, 1, 29])
def test_csat_below_30_ratings_is_not_enough_data(count):
    # 29 ratings with 5 more unrated contacts: still 29 ratings
    result = score("csat", contacts_frame(count + 5, rating=[5] * count + [None] * 5))
    assert result.value is None
    assert result.n == count
    assert result.low is None and result.high is None
    assert "not enough data" in result.reason


# --- nps ----------------------------------------------------------------------------------


def textbook_nps(promoters: int, detractors: int, n: int) -> tuple[float, float, float]:
    p, d = promoters / n, detractors / n
    value = p - d
    half = Z * math.sqrt((p + d - value**2) / n)
    return 100 * value, 100 * max(-1.0, value - half), 100 * min(1.0, value + half)


@pytest.mark.parametrize(
    ("answers", "promoters", "detractors"),
    [
        # 9 and 10 promote, 7 and 8 are passive, 0 to 6 detract: (20 - 15) / 40 = 12.5
        pytest.param([10] * 10 + [9] * 10 + [8] * 3 + [7] * 2 + [6] * 10 + [0] * 5, 20, 15,
                     id="mixed-40"),
        pytest.param([9] * 30, 30, 0, id="all-promoters"),
        pytest.param([6] * 15 + [0] * 15, 0, 30, id="all-detractors"),
        pytest.param([8] * 15 + [7] * 15, 0, 0, id="all-passive"),
        pytest.param([10] * 12 + [3] * 18 + [None] * 4, 12, 18, id="missing-ignored"),
    ],
)
def test_nps_promoters_minus_detractors_with_interval(answers, promoters, detractors):
    n = sum(a is not None for a in answers)
    result = score("nps", contacts_frame(len(answers), nps=answers))
    value, low, high = textbook_nps(promoters, detractors, n)
    assert result.value == pytest.approx(value)
    assert result.n == n
    assert result.unit == "points"
    assert result.low == pytest.approx(low, abs=1e-6)
    assert result.high == pytest.approx(high, abs=1e-6)


def test_nps_worked_example():
    # p = 20/40 = .5, d = 15/40 = .375: value 12.5; variance (.5 + .375 - .125²) / 40
    # = .0214844, half = 1.96 * .146576 = .28728 -> -16.23 .. 41.23
    answers = [10] * 20 + [8] * 5 + [2] * 15
    result = score("nps", contacts_frame(40, nps=answers))
    assert result.value == 12.5
    assert result.low == pytest.approx(-16.23, abs=0.01)
    assert result.high == pytest.approx(41.23, abs=0.01)


def test_nps_interval_is_clipped_to_100():
    # 29 promoters and 1 detractor: 93.33; half = 1.96 * sqrt((1 - .8711) / 30) = 12.85 -> high
    # would be 106.2 without the clip
    result = score("nps", contacts_frame(30, nps=[10] * 29 + [0]))
    assert result.value == pytest.approx(100 * 28 / 30)
    assert result.high == 100.0
    assert result.low == pytest.approx(100 * 28 / 30 - 12.85, abs=0.01)


def test_nps_below_30_answers_is_not_enough_data():
    result = score("nps", contacts_frame(35, nps=[10] * 29 + [None] * 6))
    assert result.value is None
    assert result.n == 29


# --- cases ---------------------------------------------------------------------------------


def test_cases_group_contacts_by_case_id_by_hand():
    contacts = contacts_frame(
        6,
        id=["c1", "c2", "c3", "c4", "c5", "c6"],
        case_id=["k1", None, "k1", "k4", "k4", "k1"],
        submitted_at=["2026-10-03T10:00:00Z", "2026-10-01T10:00:00Z", "2026-10-02T10:00:00Z",
                      "2026-10-05T10:00:00Z", "2026-10-04T10:00:00Z", "2026-10-06T10:00:00Z"],
        resolved=[False, None, True, None, False, None],
        resolved_at=[None, None, "2026-10-02T12:00:00Z", None, None, None],
    )
    cases = summarize(contacts, GamingConfig()).cases.set_index("day")
    assert list(cases.index.strftime("%m-%d")) == ["10-01", "10-02", "10-04"]
    assert list(cases["count"]) == [1, 1, 1]
    # k1: c1, c3, c6; first contact c3 on 10-02 10:00; c3 says resolved, at 12:00
    assert cases.loc["2026-10-02", "n_contacts"] == 3
    assert cases.loc["2026-10-02", "resolved"] == 1.0
    assert cases.loc["2026-10-02", "resolution_hours"] == 2.0
    # c2 (10-01) has no case_id: a case of its own, outcome unknown
    assert cases.loc["2026-10-01", "n_contacts"] == 1
    assert pd.isna(cases.loc["2026-10-01", "resolved"])
    # k4: first contact c5 on 10-04; one contact says false, the other nothing: known, not
    # resolved
    assert cases.loc["2026-10-04", "n_contacts"] == 2
    assert cases.loc["2026-10-04", "resolved"] == 0.0
    assert pd.isna(cases.loc["2026-10-04", "resolution_hours"])


# --- first_contact_resolution -------------------------------------------------------------


def fcr_contacts(single_true: int, single_false: int, two_false_true: int, two_true: int,
                 unknown: int) -> pd.DataFrame:
    """Cases: resolved at one contact; one contact, not resolved; two contacts, false then
    true; two contacts, the first already true; one contact with no resolved value."""
    case_ids, resolved = [], []
    for i in range(single_true):
        case_ids.append(f"st{i}")
        resolved.append(True)
    for i in range(single_false):
        case_ids.append(f"sf{i}")
        resolved.append(False)
    for i in range(two_false_true):
        case_ids += [f"ft{i}", f"ft{i}"]
        resolved += [False, True]
    for i in range(two_true):
        case_ids += [f"tt{i}", f"tt{i}"]
        resolved += [True, True]
    for i in range(unknown):
        case_ids.append(f"u{i}")
        resolved.append(None)
    return contacts_frame(len(case_ids), case_id=case_ids, resolved=resolved)


@pytest.mark.parametrize(
    ("counts", "solved", "known"),
    [
        # 20 solved at once; 10 single unresolved; 1 solved at the second contact;
        # 5 with no outcome are left out: 20 / 31
        pytest.param((20, 10, 1, 0, 5), 20, 31, id="mixed"),
        # two contacts that both say true: resolved, but not at the first contact: 25 / 30
        pytest.param((25, 0, 0, 5, 0), 25, 30, id="two-contacts-not-first"),
        pytest.param((30, 0, 0, 0, 40), 30, 30, id="unknown-excluded"),
        pytest.param((0, 15, 15, 0, 0), 0, 30, id="none-at-first-contact"),
    ],
)
def test_first_contact_resolution(counts, solved, known):
    result = score("first_contact_resolution", fcr_contacts(*counts))
    low, high = textbook_wilson(solved, known)
    assert result.value == pytest.approx(100 * solved / known)
    assert result.n == known
    assert result.low == pytest.approx(low, abs=1e-6)
    assert result.high == pytest.approx(high, abs=1e-6)


def test_first_contact_resolution_false_then_true_is_resolved_not_first_contact():
    # 29 single-contact resolved cases + 1 case (false, true): 29 / 30, not 30 / 30
    result = score("first_contact_resolution", fcr_contacts(29, 0, 1, 0, 0))
    assert result.value == pytest.approx(100 * 29 / 30)
    cases = summarize(fcr_contacts(29, 0, 1, 0, 0), GamingConfig()).cases
    # ft0 is the one case of two contacts: resolved
    assert cases[["n_contacts", "resolved", "count"]].values.tolist() == [
        [1, 1.0, 29], [2, 1.0, 1]]


def test_first_contact_resolution_below_30_known_cases():
    # 40 cases, but only 29 with a known outcome
    result = score("first_contact_resolution", fcr_contacts(29, 0, 0, 0, 11))
    assert result.value is None
    assert result.n == 29


# --- contacts_per_case --------------------------------------------------------------------


def test_contacts_per_case_groups_rows_by_case_id():
    # 20 single-contact cases and 10 cases of 2 contacts, whose rows are not adjacent:
    # 40 contacts / 30 cases
    case_ids = [f"s{i}" for i in range(20)] + [f"d{i}" for i in range(10)] * 2
    result = score("contacts_per_case", contacts_frame(40, case_id=case_ids))
    sizes = [1] * 20 + [2] * 10
    mean = 40 / 30
    sd = math.sqrt(sum((s - mean) ** 2 for s in sizes) / (30 - 1))
    half = Z * sd / math.sqrt(30)
    assert result.value == pytest.approx(40 / 30)
    assert result.n == 30
    assert result.unit == "contacts"
    assert result.low == pytest.approx(mean - half, abs=1e-6)
    assert result.high == pytest.approx(mean + half, abs=1e-6)


def test_contacts_per_case_interval_never_below_one():
    # 29 cases of 1 contact, 1 case of 10: mean 39/30 = 1.3, sd = sqrt((29*.09 + 8.7²)/29)
    # = 1.643, half = 1.96 * 1.643 / sqrt(30) = .588 -> low would be .71, published 1
    case_ids = [f"s{i}" for i in range(29)] + ["big"] * 10
    result = score("contacts_per_case", contacts_frame(39, case_id=case_ids))
    assert result.value == pytest.approx(1.3)
    assert result.low == 1.0
    assert result.high == pytest.approx(1.3 + 0.588, abs=0.001)


def test_contacts_per_case_below_30_cases():
    case_ids = [f"s{i}" for i in range(29)] * 2
    result = score("contacts_per_case", contacts_frame(58, case_id=case_ids))
    assert result.value is None
    assert result.n == 29


# --- waits ---------------------------------------------------------------------------------


# 40 waits 10, 20, ..., 400, given in a scrambled order; sorted[i] = 10 * (i + 1)
WAITS_40 = [10 * ((7 * i) % 40 + 1) for i in range(40)]


@pytest.mark.parametrize(
    ("metric_id", "waits", "value", "low", "high"),
    [
        # p50, n = 40: position .5 * 39 = 19.5 -> (200 + 210) / 2 = 205;
        # ranks 20 -+ 1.96 * sqrt(10) = 20 -+ 6.198 -> 13 and 27 -> 130 and 270
        pytest.param("wait_seconds_p50", WAITS_40, 205.0, 130.0, 270.0, id="p50-n40"),
        # p90, n = 40: position .9 * 39 = 35.1 -> 360 + .1 * 10 = 361;
        # ranks 36 -+ 1.96 * sqrt(3.6) = 36 -+ 3.719 -> 32 and 40 -> 320 and 400
        pytest.param("wait_seconds_p90", WAITS_40, 361.0, 320.0, 400.0, id="p90-n40"),
        # p50, n = 30 (1..30): position 14.5 -> 15.5; ranks 15 -+ 1.96 * sqrt(7.5) = 15 -+ 5.368
        # -> 9 and 21
        pytest.param("wait_seconds_p50", list(range(30, 0, -1)), 15.5, 9.0, 21.0, id="p50-n30"),
        # p90, n = 30: position .9 * 29 = 26.1 -> 27.1; ranks 27 -+ 1.96 * sqrt(2.7) = 27 -+ 3.221
        # -> 23 and 31, capped at 30
        pytest.param("wait_seconds_p90", list(range(30, 0, -1)), 27.1, 23.0, 30.0, id="p90-n30"),
    ],
)
def test_wait_quantiles_with_order_statistic_interval(metric_id, waits, value, low, high):
    # unreported waits are not in n
    contacts = contacts_frame(len(waits) + 3, wait_seconds=[*waits, None, None, None])
    result = score(metric_id, contacts)
    assert result.value == pytest.approx(value)
    assert result.low == low
    assert result.high == high
    assert result.n == len(waits)
    assert result.unit == "seconds"


@pytest.mark.parametrize("metric_id", ["wait_seconds_p50", "wait_seconds_p90",
                                       "share_waits_over_5min"])
def test_waits_below_30_is_not_enough_data(metric_id):
    result = score(metric_id, contacts_frame(35, wait_seconds=[600.0] * 29 + [None] * 6))
    assert result.value is None
    assert result.n == 29


@pytest.mark.parametrize(
    ("waits", "over"),
    [
        # 300 itself is not over 5 minutes; 301 is: 10 / 40
        pytest.param([300] * 10 + [301] * 10 + [0] * 20, 10, id="300-not-counted"),
        pytest.param([300.5] * 3 + [299.9] * 27, 3, id="fractions"),
        pytest.param([300] * 30, 0, id="none-over"),
    ],
)
def test_share_waits_over_5min_is_strictly_greater_than_300(waits, over):
    result = score("share_waits_over_5min",
                   contacts_frame(len(waits) + 2, wait_seconds=[*waits, None, None]))
    low, high = textbook_wilson(over, len(waits))
    assert result.value == pytest.approx(100 * over / len(waits))
    assert result.n == len(waits)
    assert result.low == pytest.approx(low, abs=1e-6)
    assert result.high == pytest.approx(high, abs=1e-6)


# --- volumes and freshness ----------------------------------------------------------------


def test_contacts_cases_and_responses_are_counts_without_minimum():
    # 5 contacts in 3 cases (k1 twice, k2 twice, c4 alone), 2 ratings
    contacts = contacts_frame(5, case_id=["k1", "k2", "k1", "k2", None],
                              rating=[5, None, 1, None, None])
    for metric_id, expected in (("contacts", 5), ("cases", 3), ("responses", 2)):
        result = score(metric_id, contacts)
        assert (result.value, result.n, result.unit) == (expected, expected, "count"), metric_id


@pytest.mark.parametrize(
    ("newest", "as_of", "days"),
    [
        pytest.param("2026-10-10T23:30:00Z", "2026-10-20", 10, id="ten-days"),
        pytest.param("2026-10-20T08:00:00Z", "2026-10-20", 0, id="same-day"),
        pytest.param("2026-08-21T00:00:00Z", "2026-10-20", 31 - 21 + 30 + 20, id="two-months"),
    ],
)
def test_freshness_days_from_newest_contact_to_as_of(newest, as_of, days):
    contacts = contacts_frame(2, submitted_at=["2026-01-01T10:00:00Z", newest])
    result = score("freshness_days", contacts, pd.Timestamp(as_of, tz="UTC"))
    assert result.value == days
    assert result.unit == "days"


def test_freshness_days_without_contacts_is_none():
    assert score("freshness_days", contacts_frame(0)).value is None


# --- methodology: the docs match the code -------------------------------------------------


@pytest.mark.parametrize("metric_id", sorted(METRICS))
def test_every_metric_is_documented(metric_id):
    metric = METRICS[metric_id].published(DEFAULTS)
    assert metric.id == metric_id
    assert metric.title.strip()
    assert metric.unit.strip()
    assert len(metric.methodology.split()) >= 5
    assert "{" not in metric.methodology + metric.title
    assert "}" not in metric.methodology + metric.title
    if metric.min_n > 0:
        assert str(metric.min_n) in metric.methodology
    for name, value in metric.params.items():
        assert str(value) in metric.methodology, name
    for name in metric.thresholds:
        assert str(getattr(DEFAULTS, name)) in metric.methodology, name


def test_published_thresholds_are_the_ones_computed():
    # The text says ratings of 4 count, waits over 300 s, promoters 9+, detractors <= 6.
    published = {metric_id: m.published(DEFAULTS) for metric_id, m in METRICS.items()}
    assert "4 or 5" in published["csat"].methodology
    assert "300 seconds" in published["share_waits_over_5min"].methodology
    assert published["share_waits_over_5min"].title == "Waits over 5 minutes"
    assert "9 or 10" in published["nps"].methodology
    assert "0 to 6" in published["nps"].methodology


def test_the_default_thresholds_are_methodology_1_0s_constants():
    # Issue 4's hold bar, resolution window and top topics, and the look-backs 1.0 used.
    assert dataclasses.asdict(DEFAULTS) == {
        "long_wait_seconds": 300, "resolution_window_days": 14, "top_complaint_topics": 5,
        "complaint_lookback_days": 365, "follow_through_days": 90, "effect_window_days": 90,
        "stale_days": 60}


def test_a_threshold_changes_both_the_number_and_its_published_text():
    # 10 waits of 300 s, 5 of 600 s, 10 of 601 s and 15 of 0 s: 40 waits.
    # Hold bar 300: 15 over (600 and 601) = 37.5%; hold bar 600: 10 over = 25%.
    waits = [300] * 10 + [600] * 5 + [601] * 10 + [0] * 15
    contacts = contacts_frame(40, wait_seconds=waits)
    ten_minutes = Thresholds(long_wait_seconds=600)
    assert score("share_waits_over_5min", contacts).value == pytest.approx(37.5)
    assert score("share_waits_over_5min", contacts, thresholds=ten_minutes).value \
        == pytest.approx(25.0)
    metric = METRICS["share_waits_over_5min"]
    assert metric.thresholds == ("long_wait_seconds",)
    assert metric.published(ten_minutes).title == "Waits over 10 minutes"
    assert "more than 600 seconds" in metric.published(ten_minutes).methodology
    assert metric.published(Thresholds(long_wait_seconds=90)).title == "Waits over 1.5 minutes"


# --- the fixture tree tests/fixtures/basic ------------------------------------------------


@pytest.fixture(scope="module")
def basic_board():
    return build_scoreboard(BASIC)


def acme_of(board):
    return next(c for c in board.companies if c.slug == "acme")


@pytest.mark.parametrize(
    ("metric_id", "value", "n"),
    [
        # 2026-06.csv (a01-a20) + 2026-10.csv (a21-a40); 2026-05.csv is quarantined
        ("contacts", 40, 40),
        # 20 + 10 single-contact cases, 5 two-contact cases k31..k39
        ("cases", 35, 35),
        ("responses", 40, 40),
        # ratings >= 4: 15 fives (a01-a15) + 15 fours (a21-a35)
        ("csat", 100 * 30 / 40, 40),
        # promoters: 10 tens + 10 nines; detractors: 5 threes + 10 fives
        ("nps", 100 * (20 - 15) / 40, 40),
        # a01-a30 solved at one contact; k31..k39 solved at the second
        ("first_contact_resolution", 100 * 30 / 35, 35),
        ("contacts_per_case", 40 / 35, 35),
        # waits: 20 x 30 s, then 60, 120, ..., 1200; sorted[19] = 30, sorted[20] = 60 -> 45
        ("wait_seconds_p50", (30 + 60) / 2, 40),
        # position 35.1: sorted[35] = 960, sorted[36] = 1020 -> 966
        ("wait_seconds_p90", 960 + 0.1 * 60, 40),
        # 360 .. 1200 are over 300: 15 of 40
        ("share_waits_over_5min", 100 * 15 / 40, 40),
        # newest contact a40 on 2026-10-20, which is also as_of
        ("freshness_days", 0, 40),
    ],
)
def test_basic_fixture_all_time(basic_board, metric_id, value, n):
    result = acme_of(basic_board).windows["all"][metric_id]
    assert result.value == pytest.approx(value)
    assert result.n == n


def test_basic_fixture_intervals(basic_board):
    scores = acme_of(basic_board).windows["all"]
    assert (scores["csat"].low, scores["csat"].high) == pytest.approx(textbook_wilson(30, 40))
    # p50 ranks 13 and 27: sorted[12] = 30, sorted[26] = 60 * 7 = 420
    assert (scores["wait_seconds_p50"].low, scores["wait_seconds_p50"].high) == (30.0, 420.0)
    # p90 ranks 32 and 40: sorted[31] = 60 * 12 = 720, sorted[39] = 1200
    assert (scores["wait_seconds_p90"].low, scores["wait_seconds_p90"].high) == (720.0, 1200.0)


def test_basic_fixture_90_day_window(basic_board):
    assert basic_board.as_of.isoformat() == "2026-10-20"
    recent = acme_of(basic_board).windows["90d"]
    # only 2026-10.csv lies in the 90 days to 2026-10-20: 20 contacts, 15 cases
    assert recent["contacts"].value == 20
    assert recent["cases"].value == 15
    assert recent["csat"].value is None
    assert recent["csat"].n == 20
    assert "not enough data" in recent["csat"].reason


def test_basic_fixture_quarantines_the_file_with_rating_6(basic_board):
    acme = acme_of(basic_board)
    assert [Path(f.file).name for f in acme.quarantined] == ["2026-05.csv"]
    (problem,) = acme.quarantined[0].problems
    assert (problem.line, problem.column, problem.code) == (4, 4, "bad_int")
    assert "6" in problem.message
    assert acme.rows_read == 43
    assert acme.rows_counted == 40


def test_equal_shares_and_scores_without_value_are_one_object_and_pickle_once():
    """Scores are immutable: a share asked for again, or a missing value for the same reason, is
    the Score made the first time, so a worker's pickled batch of results holds it once."""
    import pickle

    from scoring.metrics import missing, not_enough, share

    first, again = share(36, 40, 30), share(36, 40, 30)
    assert first is again and first.value == 90.0 and first.n == 40
    assert share(36.0, 40, 30) is not first  # a float k is another question (typed)
    assert not_enough(12, "percent", 30) is share(5, 12, 30)
    assert not_enough(12, "percent", 30).reason == "not enough data: 12 of the 30 needed"
    assert missing(0, "days", "no contacts") is missing(0, "days", "no contacts")
    copies = pickle.loads(pickle.dumps([first, again, not_enough(12, "percent", 30)] * 3))
    assert len({id(score) for score in copies}) == 2
    assert copies[0] == first and copies[2] == not_enough(12, "percent", 30)
