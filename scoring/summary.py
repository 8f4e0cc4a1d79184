"""A company's contacts as mergeable partial aggregates: what every metric is computed from.

Rows are summarized first (`summarize`, exactly: waits and resolution times keep their values),
and a company that commits monthly summaries instead of rows (`publish.py summarize`, files
`data/<slug>/summaries/*.jsonl`) is scored from the same aggregates. So scores from summaries
equal scores from the rows: exactly for counts, shares, means and NPS; within the summary file's
stated resolution for percentiles (there waits are rounded up to whole seconds and resolution
times up to whole minutes: rounding up keeps "longer than the whole-second hold bar" exact).

Every window the metrics use (all time, the recent 90 days, a calendar month, the effect and
complaint look-backs, the resolution window) starts and ends at a UTC midnight, so a day is the
finest grain needed. A case belongs to the day of its first contact and is summarized whole:
summaries merge (`merge`) by adding counts, which is right as long as each case is summarized
once, in one file (`publish.py summarize` puts it in the file of its first contact's month).

The tables (pandas frames, sorted by their keys, no duplicate keys):

- `contacts`: one row per (day, channel, stage, site, topic) that has contacts. `day` is
  datetime64[ns, UTC] at midnight; the dimensions are strings, missing as None (stage, site and
  topic are optional). Counts (int64): `contacts`, `rating_1` .. `rating_5` (ratings of each
  value), `nps_0` .. `nps_10` (answers of each value).
- `waits`: one row per (day, wait_seconds) -> `count` (int64); wait_seconds float64.
- `cases`: one row per (first_day, n_contacts, resolved, resolution_hours) -> `count` (int64).
  first_day as `day`; n_contacts int64; resolved float64 1.0 (a contact says true), 0.0 (only
  false) or NaN (no contact says); resolution_hours float64, hours from the first contact to the
  earliest `resolved_at`, NaN where there is none.
- `comments`: the newest `PUBLISHED_COMMENTS` comments whose customer consented
  (comment_public), newest first (ties by id), columns id, submitted_at (datetime64[ns, UTC]),
  channel, topic, rating (float64, NaN: none), comment. Unconsented text is never in a Summary.

And `public_comments` (how many consented comments there are in all) and `bursts` (the gaming
signals that need the comments' words, found when the rows were summarized).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .gaming import Signal

PUBLISHED_COMMENTS = 8  # the newest consented comments shown per company
DIMENSIONS = ("channel", "stage", "site", "topic")
RATINGS = tuple(f"rating_{value}" for value in range(1, 6))
ANSWERS = tuple(f"nps_{value}" for value in range(11))
CONTACT_KEYS = ("day", *DIMENSIONS)
CONTACT_COUNTS = ("contacts", *RATINGS, *ANSWERS)
WAIT_KEYS = ("day", "wait_seconds")
CASE_KEYS = ("day", "n_contacts", "resolved", "resolution_hours")
COMMENT_COLUMNS = ("id", "submitted_at", "channel", "topic", "rating", "comment")
DAY = "datetime64[ns, UTC]"


def _empty(keys: tuple[str, ...], counts: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series(dtype=object) for name in keys})
    frame["day"] = frame["day"].astype(DAY)
    for name in counts:
        frame[name] = pd.Series(dtype="int64")
    return frame


@dataclass
class Summary:
    contacts: pd.DataFrame = field(default_factory=lambda: _empty(CONTACT_KEYS, CONTACT_COUNTS))
    waits: pd.DataFrame = field(default_factory=lambda: _empty(WAIT_KEYS, ("count",)))
    cases: pd.DataFrame = field(default_factory=lambda: _empty(CASE_KEYS, ("count",)))
    comments: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {name: pd.Series(dtype=object) for name in COMMENT_COLUMNS}))
    public_comments: int = 0
    bursts: tuple[Signal, ...] = ()
