"""scoring/summary.py: a company's contacts summarized exactly, and summaries merged. Every
expected table is worked out by hand from the rows written in the test; merge is checked
against summarize of the union."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_metrics import AS_OF, DEFAULTS, contacts_frame

from scoring.board import CompanyResult, _breakdowns, _score_company
from scoring.config import read_config
from scoring.gaming import GamingConfig, Signal
from scoring.metrics import METRICS, Sample, Tables, quantile
from scoring.summary import ANSWERS, RATINGS, Summary, merge, summarize
from scoring.validate import empty_contacts

CONFIG = read_config()  # the repository's candor.yaml
GAMING = GamingConfig()  # candor.yaml's: 5 top ratings with the same words within 10 minutes
DAY = "datetime64[ns, UTC]"


def days(*values: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(values), utc=True), dtype=DAY)


def text(*values: str | None) -> pd.Series:
    return pd.Series(values, dtype=object)


def hand_contacts() -> pd.DataFrame:
    """Five contacts over two days, four cases (k1 has two contacts)."""
    return contacts_frame(
        5,
        id=["c1", "c2", "c3", "c4", "c5"],
        case_id=["k1", "k1", None, None, None],
        submitted_at=["2026-10-01T09:00:00Z", "2026-10-01T23:59:59Z", "2026-10-02T00:00:00Z",
                      "2026-10-02T12:00:00Z", "2026-10-02T20:00:00Z"],
        channel=["phone", "phone", "chat", "phone", "phone"],
        stage=["pre_sale", "pre_sale", None, "pre_sale", "pre_sale"],
        topic=["refund", "refund", None, "refund", "refund"],
        rating=[5, 4, None, 5, 1],
        nps=[10, 10, None, 0, None],
        wait_seconds=[30.0, 30.0, None, 600.5, 600.5],
        resolved=[None, True, False, True, True],
        resolved_at=[None, "2026-10-02T09:00:00Z", None, "2026-10-02T13:30:00Z",
                     "2026-10-02T21:30:00Z"],
        comment=["Great help!", "   ", "no consent", "Fast", "slow refund"],
        comment_public=[True, True, False, False, True],
    )


def test_summarize_counts_contacts_by_day_and_dimensions_by_hand():
    cube = summarize(hand_contacts(), GAMING).contacts
    # (10-01 phone pre_sale - refund): c1 (5, 10), c2 (4, 10); 23:59:59 is still 10-01
    # (10-02 chat - - -): c3, unrated; (10-02 phone pre_sale - refund): c4 (5, 0), c5 (1, -)
    expected = pd.DataFrame({
        "day": days("2026-10-01", "2026-10-02", "2026-10-02"),
        "channel": text("phone", "chat", "phone"),
        "stage": text("pre_sale", None, "pre_sale"),
        "site": text(None, None, None),
        "topic": text("refund", None, "refund"),
        "contacts": [2, 1, 2],
    })
    for name in (*RATINGS, *ANSWERS):
        expected[name] = 0
    expected.loc[0, ["rating_4", "rating_5", "nps_10"]] = [1, 1, 2]
    expected.loc[2, ["rating_1", "rating_5", "nps_0"]] = [1, 1, 1]
    pd.testing.assert_frame_equal(cube, expected)


def test_summarize_counts_waits_and_cases_by_hand():
    summary = summarize(hand_contacts(), GAMING)
    pd.testing.assert_frame_equal(summary.waits, pd.DataFrame({
        "day": days("2026-10-01", "2026-10-02"), "wait_seconds": [30.0, 600.5], "count": [2, 2],
    }))
    # k1: first contact c1 on 10-01 09:00, 2 contacts, c2 says resolved, resolved 10-02 09:00
    # (24 hours); c3: one contact, says not resolved; c4 and c5: one contact each, resolved
    # 1.5 hours after it: the same keys, counted twice
    pd.testing.assert_frame_equal(summary.cases, pd.DataFrame({
        "day": days("2026-10-01", "2026-10-02", "2026-10-02"),
        "n_contacts": [2, 1, 1],
        "resolved": [1.0, 0.0, 1.0],
        "resolution_hours": [24.0, np.nan, 1.5],
        "count": [1, 1, 2],
    }))


def test_summarize_keeps_the_newest_consented_comments_stripped():
    summary = summarize(hand_contacts(), GAMING)
    # c2's comment is blank, c3 and c4 did not consent
    assert summary.public_comments == 2
    pd.testing.assert_frame_equal(summary.comments, pd.DataFrame({
        "id": text("c5", "c1"),
        "submitted_at": days("2026-10-02T20:00:00Z", "2026-10-01T09:00:00Z"),
        "channel": text("phone", "phone"),
        "topic": text("refund", "refund"),
        "rating": [1.0, 5.0],
        "comment": text("slow refund", "Great help!"),
    }))


def test_summarize_keeps_eight_comments_newest_first_ties_by_id():
    stamps = [f"2026-10-{day:02d}T10:00:00Z" for day in (1, 2, 3, 4, 5, 6, 7, 7, 8, 9)]
    contacts = contacts_frame(10, id=[f"c{i}" for i in range(10)], submitted_at=stamps,
                              comment=[f"words {i}" for i in range(10)],
                              comment_public=[True] * 10)
    summary = summarize(contacts, GAMING)
    assert summary.public_comments == 10
    # c6 and c7 share 10-07: c6 first; c0 and c1 (10-01, 10-02) are the oldest, left out
    assert list(summary.comments["id"]) == ["c9", "c8", "c6", "c7", "c5", "c4", "c3", "c2"]


def test_summarize_finds_bursts_in_the_comments():
    contacts = contacts_frame(
        6, submitted_at=[f"2026-10-01T10:0{m}:00Z" for m in (0, 2, 4, 6, 8, 9)],
        rating=[5] * 6, comment=["Great!", "great", "GREAT", "great!!", "Great.", "fine"])
    # five 5s with the same words between 10:00 and 10:08; the sixth says other words
    assert summarize(contacts, GAMING).bursts == (Signal(
        "burst", "2026-10-01T10:00:00Z", "2026-10-01T10:08:00Z", 5,
        "5 ratings of 5 with the same comment within 8 minutes, from 2026-10-01 10:00 UTC."),)


def assert_same(one: Summary, other: Summary) -> None:
    for name in ("contacts", "waits", "cases", "comments"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(other, name))
    assert (one.public_comments, one.bursts) == (other.public_comments, other.bursts)


def test_an_empty_frame_gives_an_empty_summary():
    summary = summarize(empty_contacts(), GAMING)
    assert_same(summary, Summary())
    assert all(len(getattr(summary, name)) == 0
               for name in ("contacts", "waits", "cases", "comments"))
    assert summary.cases.dtypes.to_dict() == {
        "day": DAY, "n_contacts": "int64", "resolved": "float64",
        "resolution_hours": "float64", "count": "int64"}
    assert summary.waits["wait_seconds"].dtype == "float64"


def random_contacts(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """n contacts over 90 days in about n / 3 cases, every optional column sometimes missing."""
    def some(values, missing=0.2):
        chosen = rng.choice(np.array(values, dtype=object), n)
        return [None if drop else v for v, drop in zip(chosen, rng.random(n) < missing,
                                                        strict=True)]

    start = pd.Timestamp("2026-07-01", tz="UTC")
    stamps = start + pd.to_timedelta(rng.integers(0, 90 * 86400, n), unit="s")
    resolved_at = stamps + pd.to_timedelta(rng.integers(0, 5 * 86400, n), unit="s")
    return contacts_frame(
        n,
        id=[f"c{i:05d}" for i in range(n)],
        case_id=[f"k{k}" for k in rng.integers(0, max(1, n // 3), n)],
        submitted_at=list(stamps),
        channel=list(rng.choice(["phone", "chat", "email"], n)),
        stage=some(["pre_sale", "post_sale"]),
        site=some(["in-house", "vendor-a"]),
        topic=some(["refund", "delivery", "billing"]),
        rating=some([1, 2, 3, 4, 5], 0.4),
        nps=some(list(range(11)), 0.5),
        wait_seconds=some([0.0, 12.5, 60.0, 301.0, 999.25]),
        resolved=some([True, False], 0.3),
        resolved_at=[None if drop else s for s, drop in
                     zip(resolved_at, rng.random(n) < 0.6, strict=True)],
        comment=some(["Great!", "slow", "  ", "fine thanks"], 0.3),
        comment_public=list(rng.random(n) < 0.5),
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_merge_of_summaries_of_disjoint_cases_is_the_summary_of_their_union(seed):
    rng = np.random.default_rng(seed)
    contacts = random_contacts(rng, 600)
    part = contacts["case_id"].map(lambda case: int(case[1:]) % 3).to_numpy()
    whole = summarize(contacts, GAMING)
    parts = [summarize(contacts[part == p].reset_index(drop=True), GAMING) for p in range(3)]
    merged = merge(parts)
    assert_same(merged, whole)
    # the parts' counts really were added on equal keys: no key twice, every contact counted
    assert not merged.contacts.duplicated(list(merged.contacts.columns[:5])).any()
    assert merged.contacts["contacts"].sum() == 600
    assert len(merged.contacts) < sum(len(p.contacts) for p in parts)
    assert merge([merged]).contacts.equals(merged.contacts)


def test_merge_of_nothing_or_of_empty_summaries_is_empty():
    assert_same(merge([]), Summary())
    one = summarize(hand_contacts(), GAMING)
    assert_same(merge([Summary(), one, Summary()]), one)


# --- the metrics from counts --------------------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_quantile_from_counts_is_np_quantile_of_the_values_written_out(seed):
    rng = np.random.default_rng(seed)
    distinct = int(rng.integers(1, 60))
    # waits in tenths of a second (not exact in binary), in no order, one of them NaN
    values = np.round(rng.uniform(0, 900, distinct), 1)
    values[rng.integers(0, distinct)] = np.nan
    counts = rng.integers(1, 40, distinct)
    written = np.sort(np.repeat(values[~np.isnan(values)], counts[~np.isnan(values)]))
    n = len(written)
    for q in (0.5, 0.9, 0.1, 0.75):
        result = quantile(values, counts, q, 1, "seconds")
        if n == 0:
            assert result.value is None
            continue
        assert (result.value, result.n) == (float(np.quantile(written, q)), n)  # bit for bit
        # the order statistics at ranks nq -+ z sqrt(nq(1 - q)), rounded outwards, clipped
        spread = 1.959963984540054 * (n * q * (1 - q)) ** 0.5
        low, high = max(1, int(np.floor(n * q - spread))), min(n, int(np.ceil(n * q + spread)))
        assert (result.low, result.high) == (written[low - 1], written[high - 1])


def test_too_few_values_is_not_enough_data():
    result = quantile(np.array([60.0, np.nan]), np.array([29, 5]), 0.5, 30, "seconds")
    assert (result.value, result.n, result.reason) == (
        None, 29, "not enough data: 29 of the 30 needed")


def test_contacts_per_case_mean_and_sample_deviation_from_the_sizes():
    # 20 cases of 1 contact, 10 of 2, 2 of 5: mean 50 / 32 = 1.5625; squares 20 + 40 + 50 =
    # 110, sample variance (110 - 32 * 1.5625^2) / 31 = 31.875 / 31
    case_ids = [f"a{i}" for i in range(20)] + [f"b{i}" for i in range(10) for _ in range(2)]
    case_ids += [f"c{i}" for i in range(2) for _ in range(5)]
    contacts = contacts_frame(len(case_ids), id=[f"x{i}" for i in range(len(case_ids))],
                              case_id=case_ids)
    result = METRICS["contacts_per_case"].compute(Sample(
        Tables.of(summarize(contacts, GAMING)), AS_OF, thresholds=DEFAULTS))
    half = 1.959964 * (31.875 / 31) ** 0.5 / 32 ** 0.5
    assert (result.value, result.n) == (1.5625, 32)
    assert (result.low, result.high) == (pytest.approx(max(1.0, 1.5625 - half)),
                                         pytest.approx(1.5625 + half))


def test_an_empty_summary_scores_not_enough_data():
    result = CompanyResult("empty", {"name": "Empty"}, [])
    _score_company(result, summarize(empty_contacts(), GAMING), AS_OF.date(), CONFIG)
    for window in ("all", "90d"):
        scores = result.windows[window]
        assert {metric_id: scores[metric_id].value for metric_id in (
            "contacts", "cases", "responses")} == {"contacts": 0.0, "cases": 0.0,
                                                   "responses": 0.0}
        assert scores["csat"].reason == "not enough data: 0 of the 30 needed"
        assert scores["wait_seconds_p90"].reason == "not enough data: 0 of the 30 needed"
        assert scores["contacts_per_case"].reason == "not enough data: 0 of the 30 needed"
        assert scores["freshness_days"].reason == "no contacts"
    assert (result.monthly, result.comments, result.n_public_comments, result.signals) == (
        [], [], 0, [])
    assert result.breakdowns == {"channel": [], "stage": [], "site": [], "topic": []}
    assert result.stale is False


def test_breakdown_groups_by_hand_contacts_without_a_value_as_not_given():
    # vendor-a: 40 contacts, 40 rated, 30 good; no site: 35 contacts, 30 rated, 15 good, and 5
    # naming a site "(not given)" (all 5s) join them; in-house: 35 contacts, none rated
    sites = ["vendor-a"] * 40 + [None] * 35 + ["(not given)"] * 5 + ["in-house"] * 35
    ratings = ([5] * 30 + [2] * 10) + ([4] * 15 + [3] * 15 + [None] * 5) + [5] * 5 + [None] * 35
    contacts = contacts_frame(len(sites), id=[f"c{i}" for i in range(len(sites))], site=sites,
                              rating=ratings)
    [breakdowns] = _breakdowns(Tables.of(summarize(contacts, GAMING)).contacts, 1)
    groups = breakdowns["site"]
    # most contacts first, ties by name: "(not given)" sorts before "vendor-a"
    assert [(g.name, g.contacts, g.csat.value, g.csat.n) for g in groups] == [
        ("(not given)", 40, pytest.approx(100 * 20 / 35), 35),
        ("vendor-a", 40, 75.0, 40),
        ("in-house", 35, None, 0),
    ]


@pytest.mark.parametrize(("companies", "names", "rows"), [
    (5, 4, 200),  # few (company, name) pairs can be: counted
    (3, 30_000, 40),  # many names, few rows (free text as a label): sorted
    (1, 0, 6),  # no names: every row missing
])
@pytest.mark.parametrize("seed", [0, 1])
def test_each_company_of_a_batch_gets_the_names_it_uses_and_its_rows_positions_among_them(
        companies, names, rows, seed):
    """summary._own against a plain count, row by row: each company's names are those its
    rows use, in the batch's order, and a row's code is the place of its name among them."""
    from scoring.summary import _own
    rng = np.random.default_rng(seed)
    table = np.array([f"name-{k:05d}" for k in range(names)], dtype=object)
    owner = np.sort(rng.integers(0, companies, rows))
    codes = rng.integers(-1, names, rows) if names else np.full(rows, -1)
    own, mine = _own(table, codes, owner, companies)
    for company in range(companies):
        used = sorted({int(c) for c, o in zip(codes, owner, strict=True)
                       if o == company and c >= 0})
        assert list(own[company]) == [table[c] for c in used]
        for code, who, got in zip(codes, owner, mine, strict=True):
            if who == company:
                assert got == (used.index(code) if code >= 0 else -1)
