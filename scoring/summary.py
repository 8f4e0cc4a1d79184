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

The tables (pandas frames, or the same as numpy arrays: Summary.columns; sorted by their keys,
missing first, no duplicate keys):

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
  (comment_public) and are not blank, newest first (ties by id), columns id, submitted_at
  (datetime64[ns, UTC]), channel, topic, rating (float64, NaN: none), comment (stripped, not
  yet redacted: that is done when it is published). Unconsented text is never in a Summary.

And `public_comments` (how many consented comments there are in all) and `bursts` (the gaming
signals that need the comments' words, found when the rows were summarized).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .gaming import GamingConfig, Signal, bursts_by_company

if TYPE_CHECKING:
    import pandas as pd

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
# Every column's dtype; the rest (the dimensions, the comments' text) are object.
DTYPES = {"day": DAY, "submitted_at": DAY, "n_contacts": "int64", "resolved": "float64",
          "resolution_hours": "float64", "wait_seconds": "float64", "rating": "float64",
          "count": "int64", **dict.fromkeys(CONTACT_COUNTS, "int64")}
NS_PER_DAY = 86_400 * 10**9
TABLES = {"contacts": (*CONTACT_KEYS, *CONTACT_COUNTS), "waits": (*WAIT_KEYS, "count"),
          "cases": (*CASE_KEYS, "count"), "comments": COMMENT_COLUMNS}


def _columns(columns: dict[str, np.ndarray | list], names: Sequence[str],
             ) -> dict[str, np.ndarray]:
    """A table's columns in order and of their dtypes as numpy arrays: stamps as naive UTC
    datetime64[ns], text as objects (missing: None)."""
    typed = {}
    for name in names:
        dtype = DTYPES.get(name, object)
        typed[name] = np.asarray(columns.get(name, []),
                                 dtype="datetime64[ns]" if dtype == DAY else dtype)
    return typed


def _frame(columns: dict[str, np.ndarray], names: Sequence[str]) -> pd.DataFrame:
    """A table (_columns) as a frame (UTC stamps from naive ns)."""
    import pandas as pd
    frame = {}
    for name in names:
        values, dtype = columns[name], DTYPES.get(name, object)
        if dtype == DAY:
            frame[name] = pd.DatetimeIndex(values, copy=False).tz_localize("UTC")
        elif dtype is object:  # not inferred as pandas' str: text stays Python strings
            frame[name] = pd.Series(values, dtype=object, copy=False)
        else:
            frame[name] = values
    return pd.DataFrame(frame, copy=False)


class Summary:
    """A company's contacts as the tables above: `summarize` makes one, `merge` adds them.

    Each table is there as a pandas frame (`contacts`, `waits`, `cases`, `comments`: as they
    are given, Summary(contacts, waits, cases, comments, public_comments, bursts), and as
    summary files are written) and as numpy arrays (`columns`: as summarize and merge make
    them, and scoring reads them); either is made from the other when first asked for, so
    scoring a company never builds a frame. Not to be modified."""

    def __init__(self, contacts: pd.DataFrame | None = None, waits: pd.DataFrame | None = None,
                 cases: pd.DataFrame | None = None, comments: pd.DataFrame | None = None,
                 public_comments: int = 0, bursts: tuple[Signal, ...] = ()):
        given = {"contacts": contacts, "waits": waits, "cases": cases, "comments": comments}
        self._frames = {name: frame for name, frame in given.items() if frame is not None}
        self._columns: dict[str, dict[str, np.ndarray]] = {}
        self.public_comments, self.bursts = public_comments, bursts
        # the contacts' text dimensions as (distinct values, sorted; each row's position among
        # them, -1: missing), where summarize or merge found them on the way
        self.dimensions: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    @classmethod
    def of_columns(cls, tables: dict[str, dict[str, np.ndarray | list]], public_comments: int,
                   bursts: tuple[Signal, ...], dimensions: dict[str, tuple] | None = None,
                   ) -> Summary:
        """A Summary of its tables as columns (missing columns: empty)."""
        summary = cls(public_comments=public_comments, bursts=bursts)
        summary.dimensions = dimensions or {}
        summary._columns = {name: _columns(tables.get(name, {}), names)
                            for name, names in TABLES.items()}
        return summary

    def columns(self, table: str) -> dict[str, np.ndarray]:
        """One table's columns as numpy arrays (_columns), by name."""
        if table not in self._columns:
            frame = self._frames.get(table)
            self._columns[table] = _columns({} if frame is None else {
                name: _stamps(frame[name]) if DTYPES.get(name) == DAY else
                frame[name].to_numpy() for name in TABLES[table]}, TABLES[table])
        return self._columns[table]

    def _frame(self, table: str) -> pd.DataFrame:
        if table not in self._frames:
            self._frames[table] = _frame(self.columns(table), TABLES[table])
        return self._frames[table]

    contacts = property(lambda self: self._frame("contacts"))
    waits = property(lambda self: self._frame("waits"))
    cases = property(lambda self: self._frame("cases"))
    comments = property(lambda self: self._frame("comments"))


def _stamps(column: pd.Series) -> np.ndarray:
    """UTC stamps as naive datetime64[ns], NaT where missing."""
    return column.to_numpy(dtype="datetime64[ns]")


def _grouped(columns: dict[str, np.ndarray], keys: Sequence[str],
             ) -> tuple[dict[str, np.ndarray], np.ndarray, dict[str, tuple]]:
    """Rows grouped on equal keys (missing values equal, and first): each group's keys (missing
    text as None), groups in order of their keys; each row's group; and each text key's
    distinct values (sorted) with each group's position among them (-1: missing)."""
    import pandas as pd
    combined, size = np.zeros(len(columns[keys[0]]), dtype=np.int64), 1
    codes, uniques_of = {}, {}
    for name in keys:
        values = columns[name]
        if values.dtype.kind == "M":  # days, never missing: their number is their order
            values = values.view(np.int64) // NS_PER_DAY
        if values.dtype.kind in "iu":  # whole numbers, never missing: their order as they are
            low = int(values.min()) if len(values) else 0
            codes[name], width = values - low, (int(values.max()) - low + 2 if len(values) else 1)
        else:
            codes[name], uniques_of[name] = pd.factorize(values, sort=True)  # -1: missing
            width = len(uniques_of[name]) + 1
        if size * width >= 2**62:  # compress before the codes could overflow
            combined = np.unique(combined, return_inverse=True)[1].astype(np.int64)
            size = int(combined.max()) + 1
        combined, size = combined * width + codes[name] + 1, size * width
    # groups in order of their keys, each with its first row
    _, first, group_of = np.unique(combined, return_index=True, return_inverse=True)
    grouped, text = {}, {}
    for name in keys:
        values = columns[name][first]
        if values.dtype == object:
            values[codes[name][first] < 0] = None
            text[name] = uniques_of[name], codes[name][first]
        grouped[name] = values
    return grouped, group_of.reshape(-1), text


def _histogram(group_of: np.ndarray, groups: int, values: np.ndarray, low: int,
               names: Sequence[str]) -> dict[str, np.ndarray]:
    """How many rows of each group have each whole value low, low + 1, ... (NaN: none)."""
    given = ~np.isnan(values)
    width = len(names)
    # a value's counts are one run of cells: each column contiguous
    cells = (values[given].astype(np.int64) - low) * groups + group_of[given]
    counts = np.bincount(cells, minlength=groups * width).reshape(width, groups)
    return dict(zip(names, counts, strict=True))


def _cases(case_ids: np.ndarray, company: np.ndarray, resolved: np.ndarray,
           stamps: np.ndarray, resolved_at: np.ndarray) -> dict[str, np.ndarray]:
    """One row per case (a case_id within a company: `company` is each contact's), over all
    the contacts: its company, the day of its first contact, its contacts, whether it was
    resolved (1.0, 0.0, NaN: no contact says) and the hours from its first contact to the
    earliest resolved_at (NaN: none)."""
    import pandas as pd
    case_of, names = pd.factorize(case_ids)
    if len(company) and company[0] != company[-1]:  # ids are a company's own: pair them
        pairs, case_of = np.unique(company * len(names) + case_of, return_inverse=True)
        owner = pairs // len(names)
    else:
        owner = np.full(len(names), company[0] if len(company) else 0)
    cases = len(owner)
    known = np.bincount(case_of, weights=~np.isnan(resolved), minlength=cases) > 0
    solved = np.bincount(case_of, weights=resolved == 1, minlength=cases) > 0
    first, resolved_at = (_earliest(ticks, case_of, cases) for ticks in (stamps, resolved_at))
    return {
        "company": owner,
        "day": first.astype("datetime64[D]").astype("datetime64[ns]"),
        "n_contacts": np.bincount(case_of, minlength=cases).astype(np.int64),
        "resolved": np.where(known, solved.astype(float), np.nan),
        "resolution_hours": (resolved_at - first) / np.timedelta64(1, "h"),
    }


def _earliest(stamps: np.ndarray, group_of: np.ndarray, groups: int) -> np.ndarray:
    """The earliest stamp of each group, NaT where it has none."""
    never = np.iinfo(np.int64).max
    ticks = stamps.view(np.int64)
    earliest = np.full(groups, never)
    np.minimum.at(earliest, group_of, np.where(np.isnat(stamps), never, ticks))
    earliest[earliest == never] = np.datetime64("NaT", "ns").view(np.int64)
    return earliest.view("datetime64[ns]")


def _counted(columns: dict[str, np.ndarray], keys: Sequence[str]) -> dict[str, np.ndarray]:
    """The rows (one per contact or case) counted on equal keys."""
    grouped, group_of, _ = _grouped(columns, keys)
    return {**grouped, "count": np.bincount(group_of, minlength=len(grouped[keys[0]]))}


def _newest(comments: Iterable[dict]) -> list[dict]:
    """The newest PUBLISHED_COMMENTS comments, newest first, ties by id."""
    return heapq.nsmallest(PUBLISHED_COMMENTS, comments,
                           key=lambda c: (-c["submitted_at"].view(np.int64), c["id"]))


def summarize(contacts: pd.DataFrame, gaming: GamingConfig,
              before: pd.Timestamp | None = None) -> Summary:
    """A company's contacts (typed as validate gives them; with `before`, those submitted
    before it) summarized exactly: no value is rounded; the comments kept are the newest
    consented ones, stripped, not yet redacted."""
    return summarize_many(contacts, np.array([0, len(contacts)]), gaming, [before])[0]


def summarize_many(contacts: pd.DataFrame, starts: np.ndarray, gaming: GamingConfig,
                   before: Sequence[pd.Timestamp | None]) -> list[Summary]:
    """summarize of several companies whose contacts are one frame, company after company
    (company i's rows from starts[i] up to starts[i + 1]), each with its own `before`: each
    step is done once for them all, its cost per call paid once (a company of a thousand
    contacts costs little more than the calls), and each Summary is the one summarize gives."""
    import pandas as pd
    companies = len(starts) - 1
    company = np.repeat(np.arange(companies), np.diff(starts))
    stamps = _stamps(contacts["submitted_at"]) if len(contacts) else np.zeros(0, "datetime64[ns]")
    ends = np.array([np.datetime64("NaT") if end is None else end.to_datetime64()
                     for end in before], dtype="datetime64[ns]")
    if not np.isnat(ends).all():
        kept = np.isnat(ends[company]) | (stamps < ends[company])
        if not kept.all():
            contacts, stamps, company = contacts[kept], stamps[kept], company[kept]
    if not len(contacts):
        return [Summary() for _ in range(companies)]
    rows = {"company": company, "day": stamps.astype("datetime64[D]").astype("datetime64[ns]"),
            **{name: contacts[name].to_numpy(dtype=object) for name in DIMENSIONS}}
    cube, group_of, dimensions = _grouped(rows, ("company", *CONTACT_KEYS))
    groups = len(cube["day"])
    cube["contacts"] = np.bincount(group_of, minlength=groups)
    ratings, answers = (contacts[name].to_numpy(dtype=float, na_value=np.nan)
                        for name in ("rating", "nps"))
    cube.update(_histogram(group_of, groups, ratings, 1, RATINGS))
    cube.update(_histogram(group_of, groups, answers, 0, ANSWERS))

    waits = contacts["wait_seconds"].to_numpy(dtype=float, na_value=np.nan)
    given = ~np.isnan(waits)
    waits = _counted({"company": company[given], "day": rows["day"][given],
                      "wait_seconds": waits[given]}, ("company", *WAIT_KEYS))
    cases = _counted(_cases(contacts["case_id"].to_numpy(dtype=object), company,
                            contacts["resolved"].to_numpy(dtype=float, na_value=np.nan), stamps,
                            _stamps(contacts["resolved_at"])), ("company", *CASE_KEYS))

    text, ids = contacts["comment"].to_numpy(dtype=object), contacts["id"].to_numpy(dtype=object)
    consented = np.flatnonzero(contacts["comment_public"].to_numpy(dtype=bool) & pd.notna(text))
    public = consented[np.array([bool(t.strip()) for t in text[consented].tolist()], dtype=bool)]
    signals = bursts_by_company(contacts, gaming, company, companies)
    owned = {name: _own(names, codes, cube["company"], companies)
             for name, (names, codes) in dimensions.items()}
    summaries = []
    for index, (cube_rows, wait_rows, case_rows, public_rows) in enumerate(zip(*(
            _runs(owner, companies) for owner in (cube["company"], waits["company"],
                                                   cases["company"], company[public])),
            strict=True)):
        if cube_rows.start == cube_rows.stop:  # no contacts
            summaries.append(Summary())
            continue
        mine = public[public_rows]
        if len(mine) > PUBLISHED_COMMENTS:  # those as new as the newest few, ties included
            ticks = stamps[mine].view(np.int64)
            mine = mine[ticks >= -np.partition(-ticks, PUBLISHED_COMMENTS)[
                PUBLISHED_COMMENTS - 1]]
        comments = _newest({"id": ids[i], "submitted_at": stamps[i],
                            "channel": rows["channel"][i], "topic": rows["topic"][i],
                            "rating": ratings[i], "comment": text[i].strip()} for i in mine)
        summaries.append(Summary.of_columns({
            "contacts": _part(cube, cube_rows, TABLES["contacts"]),
            "waits": _part(waits, wait_rows, TABLES["waits"]),
            "cases": _part(cases, case_rows, TABLES["cases"]),
            "comments": {name: [c[name] for c in comments] for name in COMMENT_COLUMNS},
        }, public_rows.stop - public_rows.start, tuple(signals[index]),
            {name: (names[index], codes[cube_rows]) for name, (names, codes) in owned.items()}))
    return summaries


def _runs(owner: np.ndarray, companies: int) -> list[slice]:
    """Each company's rows of a table in company order (`owner`: each row's company)."""
    bounds = np.searchsorted(owner, np.arange(companies + 1))
    return [slice(int(bounds[i]), int(bounds[i + 1])) for i in range(companies)]


def _part(table: dict[str, np.ndarray], rows: slice, names: Sequence[str],
          ) -> dict[str, np.ndarray]:
    return {name: table[name][rows] for name in names}


def _own(names: np.ndarray, codes: np.ndarray, owner: np.ndarray, companies: int,
         ) -> tuple[list[np.ndarray], np.ndarray]:
    """A text dimension's distinct values and codes (_grouped) for each company's rows, from
    those of several companies (`owner`: each row's, ascending): each company's the names it
    uses, in the same order (a list, by company), and each row's position among its company's
    (-1: missing)."""
    width = len(names)
    given = codes >= 0
    cells = owner[given] * width + codes[given]  # (company, code) pairs
    space = companies * width
    if space <= 4 * len(cells) + 65_536:  # few pairs can be: counted, not sorted (3x faster)
        used = np.flatnonzero(np.bincount(cells, minlength=space))  # in order
        place = np.zeros(space, np.int64)  # each pair's position among those used
        place[used] = np.arange(len(used))
        at = place[cells]
    else:  # many names (a label written as free text): sorted, in memory as the rows'
        used = np.unique(cells)
        at = np.searchsorted(used, cells)
    bounds = np.searchsorted(used // width, np.arange(companies + 1)) if width else \
        np.zeros(companies + 1, np.int64)
    mine = np.full(len(codes), -1, np.int64)
    mine[given] = at - bounds[owner[given]]
    return [names[used[first:last] % width] for first, last in itertools.pairwise(
        bounds.tolist())], mine


def _added(tables: list[dict[str, np.ndarray]], keys: Sequence[str], counts: Sequence[str],
           ) -> tuple[dict[str, np.ndarray], dict[str, tuple]]:
    """Tables of the same kind as one: counts added on equal keys; and its text keys
    (_grouped)."""
    columns = {name: np.concatenate([table[name] for table in tables])
               for name in (*keys, *counts)}
    table, group_of, text = _grouped(columns, keys)
    order = np.argsort(group_of, kind="stable")
    starts = np.searchsorted(group_of[order], np.arange(len(table[keys[0]])))
    for name in counts:
        table[name] = (np.add.reduceat(columns[name][order], starts) if len(order)
                       else columns[name])
    return table, text


def merge(summaries: Iterable[Summary]) -> Summary:
    """Summaries of disjoint sets of cases as one: counts added on equal keys, the newest
    comments of them all, their consented comments and bursts together."""
    summaries = list(summaries)
    if not summaries:
        return Summary()
    if len(summaries) == 1:  # already in the form above: adding nothing leaves it as it is
        return summaries[0]
    tables = {name: [s.columns(name) for s in summaries] for name in TABLES}
    comments = _newest(
        {name: value for name, value in zip(COMMENT_COLUMNS, row, strict=True)}
        for row in zip(*(np.concatenate([table[name] for table in tables["comments"]])
                         for name in COMMENT_COLUMNS), strict=True))
    contacts, dimensions = _added(tables["contacts"], CONTACT_KEYS, CONTACT_COUNTS)
    return Summary.of_columns({
        "contacts": contacts,
        "waits": _added(tables["waits"], WAIT_KEYS, ("count",))[0],
        "cases": _added(tables["cases"], CASE_KEYS, ("count",))[0],
        "comments": {name: [c[name] for c in comments] for name in COMMENT_COLUMNS},
    }, sum(s.public_comments for s in summaries),
        tuple(sorted((b for s in summaries for b in s.bursts), key=lambda s: (s.start, s.count))),
        dimensions)
