"""Leaderboard ranks that do not overclaim: a rank range wherever 95% intervals overlap."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .board import CompanyResult

# The Candor score, with its 95% interval (scoring.metrics.candor_score), sets ranks and order.
RANKED_BY = "candor_score"
METHODOLOGY = (
    "Companies are ranked by the {title} over all time. Where two companies' 95% intervals "
    "overlap, the data cannot tell them apart, so each is given a range rather than a place: "
    "its best possible rank is 1 plus the number of companies whose interval lies wholly above "
    "its own, and its worst is the number of companies whose interval reaches its own or higher "
    "(itself included). The leaderboard lists companies by their {title}; a company whose "
    "{title} is not enough data is not ranked and is listed after the ranked ones, by name."
)


@dataclass(frozen=True)
class RankRange:
    best: int
    worst: int

    def __str__(self) -> str:
        return str(self.best) if self.best == self.worst else f"{self.best}\N{EN DASH}{self.worst}"


def rank_ranges(companies: list[CompanyResult]) -> dict[str, RankRange]:
    """slug -> RankRange for every company whose ranking score has a value and an interval.
    Counted by binary search over the sorted interval ends: n log n, not n squared."""
    scored = {
        company.slug: company.windows["all"][RANKED_BY] for company in companies
        if company.windows["all"][RANKED_BY].value is not None
    }
    lows = sorted(score.low for score in scored.values())
    highs = sorted(score.high for score in scored.values())
    ranges = {}
    for slug, score in scored.items():
        above = len(lows) - bisect.bisect_right(lows, score.high)  # low > score.high
        reaching = len(highs) - bisect.bisect_left(highs, score.low)  # high >= score.low
        ranges[slug] = RankRange(1 + above, reaching)
    return ranges


def ranked(companies: list[CompanyResult]) -> list[CompanyResult]:
    """Leaderboard order: the ranking score over all time, companies without enough data last,
    then by name."""
    def key(company: CompanyResult):
        score = company.windows["all"][RANKED_BY]
        return (score.value is None, -(score.value or 0), company.name.casefold(), company.slug)

    return sorted(companies, key=key)
