"""Gaming signals: patterns in a company's contacts that deserve a second look, shown as notices.

A signal is not a verdict and changes no score: it says what was seen, when, and how much, so a
visitor can weigh the numbers. The thresholds are the scoreboard maintainer's, in candor.yaml
under `gaming:`, and the methodology page states them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from .summary import Summary

TOP_RATING = 5
KINDS = ("burst", "response_share", "gap")


@dataclass(frozen=True)
class GamingConfig:
    """candor.yaml's `gaming:` section; the defaults are the repository's candor.yaml."""

    burst_contacts: int = 5  # this many top ratings with the same comment ...
    burst_minutes: float = 10  # ... within this many minutes make a burst
    max_response_share: float = 0.9  # a higher share of contacts with a rating is implausible
    response_min_contacts: int = 100  # ... once there are this many contacts
    gap_months: int = 1  # this many months in a row without contacts, between months with some


@dataclass(frozen=True)
class Signal:
    kind: str  # one of KINDS
    start: str  # ISO date-time (burst), month (gap), or the first contact's date
    end: str
    count: int  # contacts in the burst, contacts with a rating, or months without data
    message: str  # one sentence for people; never a customer's words


def methodology(config: GamingConfig) -> list[str]:
    """The published definitions, with the thresholds in force."""
    return [
        f"Burst of identical top ratings: {config.burst_contacts} or more contacts rated "
        f"{TOP_RATING} of {TOP_RATING} whose comments are the same (ignoring case, punctuation "
        f"and spacing), all within {config.burst_minutes:g} minutes of the first. Real "
        "customers rarely write the same words at the same moment; a script or a staff "
        "member filling in surveys does. The notice gives the time and the count, never the "
        "comment.",
        f"Implausibly high response share: more than {config.max_response_share:.0%} of the "
        "contacts carry a rating, once a company has at least "
        f"{config.response_min_contacts:,} contacts. Satisfaction surveys are optional and "
        "most customers skip them, so a near-complete set of ratings suggests that unrated "
        "contacts were left out of the data.",
        f"Gap in the monthly series: {config.gap_months} or more calendar months in a row "
        "without a single contact, between months that have contacts. Missing months can be "
        "an export problem, or a bad month withheld.",
        "Signals change no score. They are shown on the company's page and listed in "
        "scores.json under each company's \"signals\".",
    ]


def _same_words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", "", text.casefold()).split())


def burst(start: pd.Timestamp, end: pd.Timestamp, count: int) -> Signal:
    """The signal of `count` top ratings with the same comment from `start` to `end` (UTC);
    summary files keep the three and get the words back from here."""
    minutes = (end - start).total_seconds() / 60
    return Signal(
        "burst", f"{start:%Y-%m-%dT%H:%M:%SZ}", f"{end:%Y-%m-%dT%H:%M:%SZ}", count,
        f"{count} ratings of {TOP_RATING} with the same comment within "
        f"{minutes:.0f} minutes, from {start:%Y-%m-%d %H:%M} UTC.",
    )


def bursts(contacts: pd.DataFrame, config: GamingConfig) -> list[Signal]:
    """Runs of top ratings with the same comment, each run at most burst_minutes long and
    starting at the earliest contact not already in a run."""
    return bursts_by_company(contacts, config, np.zeros(len(contacts), np.int64), 1)[0]


def bursts_by_company(contacts: pd.DataFrame, config: GamingConfig, company: np.ndarray,
                      companies: int) -> list[list[Signal]]:
    """bursts of several companies whose contacts are one frame (`company`: each contact's,
    ascending), in one pass: each company's runs, its own words only."""
    import pandas as pd
    comments = contacts["comment"].to_numpy()
    when = contacts["submitted_at"].to_numpy(dtype="datetime64[ns]")
    top = (contacts["rating"].to_numpy(dtype=float, na_value=np.nan) == TOP_RATING) & pd.notna(
        comments)
    rows = np.flatnonzero(top)
    # the words of each distinct comment, worked out once; the top ratings grouped by them
    text_of, texts = pd.factorize(comments[rows])
    words_of, words = pd.factorize(np.array([_same_words(text) for text in texts], dtype=object),
                                   sort=True)
    # a company's words are its own: grouped by company, then by words
    word_of = company[rows].astype(np.int64) * len(words) + words_of[text_of]
    groups = len(words) * companies
    order = np.lexsort((when[rows], word_of))  # by words (in order), then by time
    sizes = np.bincount(word_of, minlength=groups)
    ends = np.cumsum(sizes)
    found: list[list[Signal]] = [[] for _ in range(companies)]
    window = pd.Timedelta(minutes=config.burst_minutes).to_timedelta64()
    for group in np.flatnonzero(sizes >= config.burst_contacts):  # smaller ones cannot be
        if not words[group % len(words)]:  # no words at all
            continue
        stamps = when[rows[order[ends[group] - sizes[group]:ends[group]]]]
        first = 0
        while first < len(stamps):
            last = int(np.searchsorted(stamps, stamps[first] + window, side="right")) - 1
            count = last - first + 1
            if count >= config.burst_contacts:
                found[group // len(words)].append(
                    burst(*(pd.Timestamp(stamps[i], tz="UTC") for i in (first, last)), count))
                first = last + 1
            else:
                first += 1
    return [sorted(signals, key=lambda s: (s.start, s.count)) for signals in found]


def response_share(summary: Summary, config: GamingConfig) -> list[Signal]:
    import pandas as pd

    from .summary import RATINGS  # summary imports this module

    cube = summary.columns("contacts")
    total = int(cube["contacts"].sum())
    rated = sum(int(cube[name].sum()) for name in RATINGS)
    if total < config.response_min_contacts or rated / total <= config.max_response_share:
        return []
    # rows in order of day
    first, last = (pd.Timestamp(cube["day"][i], tz="UTC") for i in (0, -1))
    return [Signal(
        "response_share", f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}", rated,
        f"{rated:,} of {total:,} contacts ({rated / total:.0%}) carry a rating, more than the "
        f"{config.max_response_share:.0%} an optional survey plausibly gets.",
    )]


def gaps(summary: Summary, config: GamingConfig) -> list[Signal]:
    stamps = summary.columns("contacts")["day"]  # UTC
    if not len(stamps):
        return []
    months = stamps.astype("datetime64[M]")  # rows in order of day
    present = {str(month) for month in np.unique(months)}  # "2026-03"
    series = [str(month) for month in np.arange(months[0], months[-1] + 1)]
    found, run = [], []
    for month in series:
        if month not in present:
            run.append(month)
            continue
        if len(run) >= config.gap_months:
            span = run[0] if len(run) == 1 else f"{run[0]} to {run[-1]}"
            found.append(Signal("gap", run[0], run[-1], len(run),
                                f"No contacts in {span} ({len(run)} month"
                                f"{'s' if len(run) != 1 else ''}), between months with data."))
        run = []
    return found


def signals(summary: Summary, config: GamingConfig) -> list[Signal]:
    """Every signal in a company's contacts (those up to as_of), bursts first (found when the
    contacts were summarized: they need the comments' words)."""
    return [*summary.bursts, *response_share(summary, config), *gaps(summary, config)]
