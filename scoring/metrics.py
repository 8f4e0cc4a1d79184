"""Every published metric: one small pure function each, its methodology text and its minimum n."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

METHODOLOGY_VERSION = "1.0"
Z95 = 1.959963984540054  # two-sided 95% normal quantile

# Thresholds and minimum sample sizes: defined here once, formatted into the published text.
GOOD_RATING = 4
PROMOTER_NPS = 9
DETRACTOR_NPS = 6
LONG_WAIT_SECONDS = 300
MIN_RESPONSES = 30
MIN_CASES = 30
MIN_WAITS = 30
STALE_DAYS = 60


@dataclass(frozen=True)
class Score:
    """A number with its reason: `value is None` means "not enough data", never zero."""

    value: float | None
    n: int
    unit: str
    low: float | None = None
    high: float | None = None
    reason: str = ""

    @property
    def enough(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Sample:
    """What one window holds: its contacts, the cases first opened in it, and its end date."""

    contacts: pd.DataFrame
    cases: pd.DataFrame
    as_of: pd.Timestamp


@dataclass(frozen=True)
class Metric:
    id: str
    title: str
    unit: str
    decimals: int
    min_n: int
    compute: Callable[[Sample], Score]
    methodology: str
    params: dict = field(default_factory=dict)


METRICS: dict[str, Metric] = {}


def metric(id: str, title: str, unit: str, decimals: int = 1, min_n: int = 0, **params):
    """Register a metric; its docstring, with the parameters filled in, is the published text."""

    def register(compute: Callable[[Sample], Score]) -> Callable[[Sample], Score]:
        text = inspect.cleandoc(compute.__doc__ or "").format(min_n=min_n, **params)
        METRICS[id] = Metric(id, title, unit, decimals, min_n, compute, text, params)
        return compute

    return register


def not_enough(n: int, unit: str, minimum: int) -> Score:
    return Score(None, n, unit, reason=f"not enough data: {n} of the {minimum} needed")


def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials, as percentages."""
    p = k / n
    denominator = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denominator
    return 100 * max(0.0, centre - half), 100 * min(1.0, centre + half)


def share(k: int, n: int, minimum: int) -> Score:
    if n < minimum or n == 0:
        return not_enough(n, "percent", minimum)
    low, high = wilson(k, n)
    return Score(100 * k / n, n, "percent", low, high)


def quantile(values: np.ndarray, q: float, minimum: int, unit: str) -> Score:
    """The q-quantile with a distribution-free order-statistic 95% interval."""
    n = len(values)
    if n < minimum or n == 0:
        return not_enough(n, unit, minimum)
    ordered = np.sort(values)
    spread = Z95 * math.sqrt(n * q * (1 - q))
    low_rank = max(1, math.floor(n * q - spread))
    high_rank = min(n, math.ceil(n * q + spread))
    return Score(
        float(np.quantile(ordered, q)), n, unit,
        float(ordered[low_rank - 1]), float(ordered[high_rank - 1]),
    )


@metric("contacts", "Contacts", "count", decimals=0)
def contacts(sample: Sample) -> Score:
    """Every contact row counted: calls, chats, emails, visits."""
    n = len(sample.contacts)
    return Score(float(n), n, "count")


@metric("cases", "Cases", "count", decimals=0)
def cases(sample: Sample) -> Score:
    """Distinct issues (`case_id`); a case belongs to the window of its first contact."""
    n = len(sample.cases)
    return Score(float(n), n, "count")


@metric("responses", "Responses", "count", decimals=0)
def responses(sample: Sample) -> Score:
    """Contacts whose customer gave a satisfaction rating."""
    n = int(sample.contacts["rating"].notna().sum())
    return Score(float(n), n, "count")


@metric("csat", "Customer satisfaction (CSAT)", "percent", min_n=MIN_RESPONSES,
        good=GOOD_RATING)
def csat(sample: Sample) -> Score:
    """Share of ratings of {good} or 5 among all 1-5 ratings, with a Wilson 95% interval.
    Needs at least {min_n} ratings."""
    ratings = sample.contacts["rating"].dropna()
    return share(int((ratings >= GOOD_RATING).sum()), len(ratings), MIN_RESPONSES)


@metric("nps", "Net Promoter Score", "points", min_n=MIN_RESPONSES,
        promoter=PROMOTER_NPS, detractor=DETRACTOR_NPS)
def nps(sample: Sample) -> Score:
    """Share of promoters (answer {promoter} or 10) minus share of detractors (0 to {detractor}),
    from -100 to 100. The 95% interval is the normal approximation with the variance of a
    difference of two shares from one multinomial sample, (p + d - (p - d)^2) / n, clipped to
    -100..100. Needs at least {min_n} answers."""
    answers = sample.contacts["nps"].dropna()
    n = len(answers)
    if n < MIN_RESPONSES or n == 0:
        return not_enough(n, "points", MIN_RESPONSES)
    promoters = float((answers >= PROMOTER_NPS).mean())
    detractors = float((answers <= DETRACTOR_NPS).mean())
    value = promoters - detractors
    half = Z95 * math.sqrt(max(0.0, promoters + detractors - value**2) / n)
    return Score(100 * value, n, "points", 100 * max(-1.0, value - half),
                 100 * min(1.0, value + half))


@metric("first_contact_resolution", "Solved at first contact", "percent", min_n=MIN_CASES)
def first_contact_resolution(sample: Sample) -> Score:
    """Share of cases resolved with exactly one contact, among cases whose outcome is known
    (at least one contact says `resolved` true or false). Wilson 95% interval. Needs at least
    {min_n} such cases."""
    known = sample.cases[sample.cases["resolved"].notna()]
    solved_once = (known["resolved"].astype(bool) & known["n_contacts"].eq(1)).sum()
    return share(int(solved_once), len(known), MIN_CASES)


@metric("contacts_per_case", "Contacts per case", "contacts", decimals=2, min_n=MIN_CASES)
def contacts_per_case(sample: Sample) -> Score:
    """How many times a customer has to get in touch to solve one issue: the mean number of
    contacts per case, with a normal-approximation 95% interval (mean +- 1.96 standard errors,
    never below 1). Needs at least {min_n} cases."""
    sizes = sample.cases["n_contacts"].to_numpy(dtype=float)
    n = len(sizes)
    if n < MIN_CASES or n == 0:
        return not_enough(n, "contacts", MIN_CASES)
    mean = float(sizes.mean())
    half = Z95 * float(sizes.std(ddof=1)) / math.sqrt(n) if n > 1 else 0.0
    return Score(mean, n, "contacts", max(1.0, mean - half), mean + half)


def _waits(sample: Sample) -> np.ndarray:
    return sample.contacts["wait_seconds"].dropna().to_numpy(dtype=float)


@metric("wait_seconds_p50", "Median wait", "seconds", decimals=0, min_n=MIN_WAITS)
def wait_seconds_p50(sample: Sample) -> Score:
    """Median time before reaching a person, over contacts that report a wait. The 95% interval
    is distribution-free: the order statistics at ranks n/2 -+ 1.96 sqrt(n/4), rounded outwards.
    Needs at least
    {min_n} waits."""
    return quantile(_waits(sample), 0.5, MIN_WAITS, "seconds")


@metric("wait_seconds_p90", "Longest waits (90th percentile)", "seconds", decimals=0,
        min_n=MIN_WAITS)
def wait_seconds_p90(sample: Sample) -> Score:
    """The wait that 9 in 10 customers do not exceed, with an order-statistic 95% interval
    (ranks 0.9n -+ 1.96 sqrt(0.09n), rounded outwards). Needs at least {min_n} waits."""
    return quantile(_waits(sample), 0.9, MIN_WAITS, "seconds")


@metric("share_waits_over_5min", "Waits over 5 minutes", "percent", min_n=MIN_WAITS,
        seconds=LONG_WAIT_SECONDS)
def share_waits_over_5min(sample: Sample) -> Score:
    """Share of contacts that waited more than {seconds} seconds to reach a person, among
    contacts that report a wait, with a Wilson 95% interval. Needs at least {min_n} waits."""
    waits = _waits(sample)
    return share(int((waits > LONG_WAIT_SECONDS).sum()), len(waits), MIN_WAITS)


@metric("freshness_days", "Days since newest contact", "days", decimals=0, stale=STALE_DAYS)
def freshness_days(sample: Sample) -> Score:
    """Days from the newest contact in the window to the window's end (the scoreboard's
    `as_of` date for the all-time and 90-day windows). Over {stale} days marks the company as
    stale: it has stopped publishing."""
    n = len(sample.contacts)
    if n == 0:
        return Score(None, 0, "days", reason="no contacts")
    newest = sample.contacts["submitted_at"].max().normalize()
    return Score(float((sample.as_of - newest).days), n, "days")


def cases_of(contacts: pd.DataFrame) -> pd.DataFrame:
    """One row per case: first contact, number of contacts, whether and when it was resolved
    (unknown where no contact says)."""
    by_case = contacts.groupby("case_id", sort=True)
    resolved_known = by_case["resolved"].count()
    resolved_any = contacts["resolved"].fillna(False).astype(bool).groupby(
        contacts["case_id"], sort=True).any()
    return pd.DataFrame({
        "first_at": by_case["submitted_at"].min(),
        "n_contacts": by_case.size(),
        "resolved": resolved_any.astype("boolean").where(resolved_known > 0),
        "resolved_at": by_case["resolved_at"].min(),
    })


def score_sample(sample: Sample) -> dict[str, Score]:
    return {metric_id: m.compute(sample) for metric_id, m in METRICS.items()}
