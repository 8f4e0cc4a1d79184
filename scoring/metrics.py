"""Every published metric: one small pure function each, its methodology text and its minimum n."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import inspect
import itertools
import math
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .gaming import GamingConfig
from .summary import ANSWERS, DIMENSIONS, NS_PER_DAY, RATINGS, Summary

if TYPE_CHECKING:
    import pandas as pd

Z95 = 1.959963984540054  # two-sided 95% normal quantile

# Definitions and minimum sample sizes: fixed by the methodology, formatted into its text.
GOOD_RATING = 4
PROMOTER_NPS = 9
DETRACTOR_NPS = 6
MIN_RESPONSES = 30
MIN_CASES = 30
MIN_WAITS = 30
MIN_GROUP_RESPONSES = 30  # a site or channel needs this many ratings to be compared
COMPLAINT_RATING = 2  # a rating at or below this is a complaint
MIN_COMPLAINT_TOPICS = 1
MIN_ACTIONS = 3
MIN_MEASURED_ACTIONS = 1


def _threshold(default: int, low: int, high: int, unit: str, text: str):
    """A tunable threshold: its default (methodology 1.0's value), bounds and meaning, which the
    config schema (scoring.schemas) and the methodology page both read."""
    return field(default=default, metadata={"low": low, "high": high, "unit": unit, "text": text})


@dataclass(frozen=True)
class Thresholds:
    """The tunable thresholds, set under `thresholds:` in the scoreboard's candor.yaml. Every
    metric reads them from its Sample and every published text formats them in, so a company's
    scores depend only on its files and the scoreboard's config."""

    long_wait_seconds: int = _threshold(
        300, 1, 3600, "seconds", "The hold bar: a wait longer than this is a long wait")
    resolution_window_days: int = _threshold(
        14, 1, 365, "days", "How long a case has to be solved before it counts for "
        "cases resolved")
    top_complaint_topics: int = _threshold(
        5, 1, 50, "topics", "How many of the most complained-about topics the action log "
        "should answer")
    complaint_lookback_days: int = _threshold(
        365, 1, 3650, "days", "How far back complaints are counted to rank topics")
    follow_through_days: int = _threshold(
        90, 1, 3650, "days", "How old an action-log entry must be before it should be done")
    effect_window_days: int = _threshold(
        90, 1, 365, "days", "Topic CSAT is compared this long before and after an action was done")
    stale_days: int = _threshold(
        60, 1, 3650, "days", "No contact for longer than this marks a company as stale")

    @property
    def long_wait_minutes(self) -> str:
        return f"{self.long_wait_seconds / 60:g}"


@dataclass(frozen=True)
class Change:
    """One methodology version: when it took effect, what changed and why."""

    version: str
    effective: dt.date
    changed: str
    why: str


# The methodology changelog, oldest first; the last entry is the version every score names.
CHANGELOG: tuple[Change, ...] = (
    Change("1.0", dt.date(2026, 11, 22),
           "First publication: every metric of the scoreboard with its 95% interval and "
           "minimum sample, the Candor score shrunk toward each industry's mean, and ranks on "
           "CSAT with rank ranges where intervals overlap.",
           "The scoreboard's first published rules."),
    Change("1.1", dt.date(2026, 11, 22),
           "The Candor score has a 95% interval (every component at the ends of its own "
           "interval, shrunk and weighted alike); the leaderboard is ranked by the Candor score "
           "with rank ranges, companies without enough data unranked after the rest; the hold "
           "bar, the resolution window, the number of top complaint topics and the other "
           "thresholds are set in candor.yaml. With the default thresholds no metric of 1.0 "
           "changes value.",
           "The leaderboard should order companies by the composite it headlines, which needs "
           "an interval to rank without overclaiming; and a scoreboard's maintainer should be "
           "able to tune its thresholds in the config, where they are validated and published, "
           "not in the code."),
)
METHODOLOGY_VERSION = CHANGELOG[-1].version


@dataclass(frozen=True, slots=True, init=False)
class Score:
    """A number with its reason: `value is None` means "not enough data", never zero. (Slots: a
    large build holds a million, every metric of every window and month of every company;
    without a __dict__ each is a third smaller and its fields are read twice as fast.)"""

    value: float | None
    n: int
    unit: str
    low: float | None = None
    high: float | None = None
    reason: str = ""

    def __init__(self, value: float | None, n: int, unit: str, low: float | None = None,
                 high: float | None = None, reason: str = ""):
        """The dataclass's own, made faster: a frozen class's generated __init__ sets each
        field through object.__setattr__, looked up by name; here each slot's own setter is
        called, as found once (a company's scoring makes about 500 Scores, and the build's
        process makes them again as it unpickles them: 0.35 µs each instead of 0.6)."""
        _SET_VALUE(self, value)
        _SET_N(self, n)
        _SET_UNIT(self, unit)
        _SET_LOW(self, low)
        _SET_HIGH(self, high)
        _SET_REASON(self, reason)

    @property
    def enough(self) -> bool:
        return self.value is not None

    def __reduce__(self):
        """Pickled as its fields in order (a worker process hands back a company's result,
        about 500 Scores): the dataclass default for a frozen class with slots sets them back
        through a Python function per Score, twice the time to pickle and unpickle."""
        return Score, (self.value, self.n, self.unit, self.low, self.high, self.reason)


_SET_VALUE, _SET_N, _SET_UNIT, _SET_LOW, _SET_HIGH, _SET_REASON = (
    getattr(Score, field.name).__set__ for field in dataclasses.fields(Score))


# A row's company and day as one number (Table.find): the day from 1970 plus _DAY_OFFSET (every
# day pandas can hold is then from 1 to 2**21 - 1), the company in the bits above.
_DAY_OFFSET, _COMPANY_SHIFT = 1 << 20, 21


class Table:
    """One of a Summary's tables as numpy arrays, rows in order of day (datetime64[ns]): a
    window's rows are one run, found by binary search (`days`). The metrics score thousands of
    small samples (every month of every company), where pandas' cost per call outweighs the
    arithmetic. Text dimensions are codes into their sorted names (-1: missing), the names
    shared by every selection of rows (`codes`)."""

    def __init__(self, columns: dict[str, np.ndarray], names: dict[str, np.ndarray]):
        self._columns, self._names = columns, names
        self._orders: dict[str, np.ndarray] = {}
        self._cumulative: dict[tuple[str, str | None], np.ndarray] = {}
        self._groups: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._key: np.ndarray | None = None  # each row's company and day as one number (find)

    def __len__(self) -> int:
        return len(self._columns["day"])

    def __getitem__(self, name: str) -> np.ndarray:
        return self._columns[name]

    def codes(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A text dimension's distinct values (sorted strings) and each row's position among
        them, -1 where missing: groups are then counted with np.bincount."""
        return self._names[name], self._columns[name]

    def grouped(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The rows in order of a text dimension's value (missing first; rows of one value in
        their order), and where the rows of each value start (then where the last ends)."""
        return self._grouped(name)[:2]

    def _grouped(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """grouped(name), and the rows in that order as value * (len(self) + 1) + row
        (ascending; missing: below zero), so that one binary search finds where the rows of a
        value before a row start, for every value and row at once."""
        if name not in self._groups:
            names, codes = self.codes(name)
            # small whole numbers: numpy's stable sort is then a radix sort
            order = np.argsort(codes.astype(np.int16) if len(names) < 2**15 else codes,
                               kind="stable")
            ordered = codes[order].astype(np.int64)
            self._groups[name] = (order, ordered.searchsorted(np.arange(len(names) + 1)),
                                  ordered * (len(self) + 1) + order)
        return self._groups[name]

    def order(self, name: str) -> np.ndarray:
        """The rows in order of a column's values (NaN last), sorted once. Only the values are
        sorted: numpy's argsort is several times slower on an array with NaN in it."""
        if name not in self._orders:
            values = self._columns[name]
            missing = np.isnan(values)
            given = np.flatnonzero(~missing)
            self._orders[name] = np.concatenate([given[np.argsort(values[given])],
                                                 np.flatnonzero(missing)])
        return self._orders[name]

    def cumulative(self, name: str, by: str | None = None) -> np.ndarray:
        """The sums of a column's first 0, 1, ... len(self) rows (whole numbers), made once;
        `by` a text dimension: the rows in the order of grouped(by)."""
        if (name, by) not in self._cumulative:
            values = self._columns[name]
            self._cumulative[name, by] = _cumulative(
                values if by is None else values[self.grouped(by)[0]])
        return self._cumulative[name, by]

    def find(self, company: np.ndarray, bounds: np.ndarray, stop: bool = False) -> np.ndarray:
        """Each bound's first row of its company (a table of several companies holds their
        rows company after company, each's in order of day: a "company" column) on or after
        that midnight (datetime64[ns]); NaT: no bound, the company's first row, or with `stop`
        the row after its last."""
        if self._key is None:
            days = self._columns["day"].view(np.int64) // NS_PER_DAY + _DAY_OFFSET
            owner = self._columns.get("company")
            self._key = days if owner is None else (owner << _COMPANY_SHIFT) + days
        missing = np.isnat(bounds)
        days = np.where(missing, (1 << _COMPANY_SHIFT) if stop else 0,
                        bounds.view(np.int64) // NS_PER_DAY + _DAY_OFFSET)
        return self._key.searchsorted((company << _COMPANY_SHIFT) + days)

    def days(self, start: np.datetime64 | None, stop: np.datetime64 | None) -> Table:
        """The rows of the days from midnight `start` up to (not including) midnight `stop`
        (UTC); None: no bound."""
        day = self._columns["day"]
        first = 0 if start is None else int(day.searchsorted(start))
        last = len(day) if stop is None else int(day.searchsorted(stop))
        return Table({name: values[first:last] for name, values in self._columns.items()},
                     self._names)


class Tables(NamedTuple):
    """A Summary as the metrics read it, each table a Table: the contacts cube, its ratings as
    `rated`, `good` (GOOD_RATING or more) and `complaints` (COMPLAINT_RATING or less) and its
    NPS answers as `answered`, `promoters` (PROMOTER_NPS or more) and `detractors`
    (DETRACTOR_NPS or less); the waits; the cases."""

    contacts: Table
    waits: Table
    cases: Table

    @classmethod
    def of(cls, summary: Summary) -> Tables:
        import pandas as pd
        cube, columns, names = summary.columns("contacts"), {}, {}
        for name in DIMENSIONS:
            uniques, codes = summary.dimensions.get(name) or pd.factorize(cube[name],
                                                                          sort=True)[::-1]
            columns[name], names[name] = codes, np.asarray(uniques, dtype=object).astype(str)
        def total(counts: tuple[str, ...]) -> np.ndarray:
            return sum((cube[name] for name in counts[1:]), start=cube[counts[0]])

        contacts = Table({
            "day": cube["day"], "contacts": cube["contacts"], "rated": total(RATINGS),
            "good": total(RATINGS[GOOD_RATING - 1:]),
            "complaints": total(RATINGS[:COMPLAINT_RATING]), "answered": total(ANSWERS),
            "promoters": total(ANSWERS[PROMOTER_NPS:]),
            "detractors": total(ANSWERS[:DETRACTOR_NPS + 1]), **columns,
        }, names)
        return cls(contacts, *(Table(summary.columns(table), {}) for table in ("waits", "cases")))

    @classmethod
    def of_many(cls, summaries: list[Summary]) -> tuple[Tables, list[Tables]]:
        """The Tables of several companies' summaries as one, company after company (a
        "company" column holds each row's company, by its place in `summaries`; Table.find),
        each text dimension coded into the names of them all; and each company's own."""
        parts = [cls.of(summary) for summary in summaries]
        if len(parts) == 1:
            return parts[0], parts
        tables = []
        for pieces in zip(*parts, strict=True):
            columns = {name: np.concatenate([piece[name] for piece in pieces])
                       for name in pieces[0]._columns}
            columns["company"] = np.repeat(np.arange(len(pieces), dtype=np.int64),
                                           [len(piece) for piece in pieces])
            names = {}
            for name in pieces[0]._names:
                names[name] = np.unique(np.concatenate([piece._names[name] for piece in pieces]))
                # each company's codes into them all (-1, missing, stays -1)
                columns[name] = np.concatenate([np.append(np.searchsorted(
                    names[name], piece._names[name]), -1)[piece[name]] for piece in pieces])
            tables.append(Table(columns, names))
        return cls(*tables), parts

    def days(self, start: np.datetime64 | None, stop: np.datetime64 | None) -> Tables:
        """Every table's rows of the days from `start` up to (not including) `stop`."""
        return Tables(*(table.days(start, stop) for table in self))


@dataclass(frozen=True)
class Sample:
    """What one window holds: the Summary's rows of its days (its contacts, their waits, the
    cases first opened in it) and its end date.

    The action metrics are about the company, not the window: `actions` are its action-log
    entries as they stood on `as_of` (each done one with its measured effect), and `history` is
    the contacts cube up to `as_of`, for look-backs longer than the window (complaint topics).
    Without a history the window's contacts stand in. `thresholds` are the scoreboard's."""

    tables: Tables
    as_of: pd.Timestamp
    actions: tuple = ()
    history: Table | None = None
    thresholds: Thresholds = field(kw_only=True)


@dataclass(frozen=True)
class Window:
    """One window of a company's Tables to score: the days from midnight `start` up to (not
    including) midnight `stop` (UTC, naive; None: no bound), ending on `as_of`, with the action
    log as it stood then (`actions`, as in Sample). `company` is its company's number in
    Tables of several companies (Tables.of_many)."""

    start: np.datetime64 | None
    stop: np.datetime64 | None
    as_of: pd.Timestamp
    actions: tuple = ()
    company: int = 0


class Windows:
    """Windows of one company's Tables, scored together: what every metric reads. A company has
    dozens (all time, the recent days, every month) over the same tables. A window's rows are
    one run of each table (rows in order of day), so a sum over them is the difference of two
    cumulative sums: every window costs a few look-ups, not a pass over its rows. `history`, the
    contacts cube for the look-backs (Sample), must end no earlier than the last window; each
    window looks back from its own end. A Sample is one window over its own tables (`of`)."""

    def __init__(self, tables: Tables, windows: list[Window], history: Table | None,
                 thresholds: Thresholds):
        self.tables, self.thresholds = tables, thresholds
        self.history = history if history is not None else tables.contacts
        self.as_of = [window.as_of for window in windows]
        self.actions = [window.actions for window in windows]
        # the first instant after each window (UTC, naive): its as_of is a whole day
        self.ends = (np.array([as_of.to_datetime64() for as_of in self.as_of],
                              dtype="datetime64[ns]").astype("datetime64[D]")
                     + np.timedelta64(1, "D")).astype("datetime64[ns]")
        self._windows = windows
        self.company = np.array([window.company for window in windows], dtype=np.int64)
        self._rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._ranked: dict[tuple[str, str], Ranked] = {}

    @classmethod
    def of(cls, sample: Sample) -> Windows:
        return cls(sample.tables, [Window(None, None, sample.as_of, sample.actions)],
                   sample.history, sample.thresholds)

    def __len__(self) -> int:
        return len(self._windows)

    def rows(self, table: str) -> tuple[np.ndarray, np.ndarray]:
        """Each window's first row in a table ("contacts", "waits" or "cases") and the row after
        its last."""
        if table not in self._rows:
            rows = getattr(self.tables, table)
            self._rows[table] = tuple(rows.find(self.company, np.array(
                [np.datetime64("NaT") if bound is None else bound
                 for bound in (getattr(window, side) for window in self._windows)],
                dtype="datetime64[ns]"), stop=side == "stop").astype(np.int64)
                for side in ("start", "stop"))
        return self._rows[table]

    def sums(self, table: str, values: str | np.ndarray,
             rows: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """Each window's sum of whole numbers over its rows of `table` (or over other `rows`:
        firsts and lasts, as `rows` gives them): `values` is a column of the table by name, or
        a value, or a row of values, for each of its rows."""
        total = (getattr(self.tables, table).cumulative(values) if isinstance(values, str) else
                 _cumulative(values))
        first, last = rows if rows is not None else self.rows(table)
        return total[last] - total[first]

    def ratings(self, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Each window's good ratings and ratings in these rows of the contacts cube (a mask;
        None: all)."""
        contacts = self.tables.contacts
        return tuple(self.sums("contacts", contacts[name] if rows is None else
                               contacts[name] * rows) for name in ("good", "rated"))

    @staticmethod
    def by_group(table: Table, dimension: str, names: tuple[str, ...],
                 rows: tuple[np.ndarray, np.ndarray]) -> list[np.ndarray]:
        """Each window's sums of columns of `table` by the values of a text dimension (for
        each of `names`: windows by values, in the order of the dimension's names) over `rows`
        of `table`; a row without a value is in none. Each value's rows are one block of
        Table.grouped's order, in the order of day, so a window's rows in it are a run too:
        found for every window and value by one binary search (Table._grouped), whatever the
        columns summed."""
        _, starts, keys = table._grouped(dimension)
        values = np.arange(len(starts) - 1, dtype=np.int64) * (len(table) + 1)
        first, last = (keys.searchsorted(np.asarray(bound, dtype=np.int64)[:, None] + values)
                       for bound in rows)
        return [total[last] - total[first] for total in
                (table.cumulative(name, by=dimension) for name in names)]

    def quantiles(self, table: str, name: str, q: float, minimum: int, unit: str,
                  ) -> list[Score]:
        """Each window's q-quantile of a column of values, each taken `count` times
        (quantile)."""
        if (table, name) not in self._ranked:
            rows = getattr(self.tables, table)
            self._ranked[table, name] = Ranked(rows[name], rows["count"], *self.rows(table),
                                               rows.order(name))
        return self._ranked[table, name].quantile(q, minimum, unit)


def _cumulative(values: np.ndarray) -> np.ndarray:
    """The sums of the first 0, 1, ... len(values) rows."""
    total = np.zeros((len(values) + 1, *values.shape[1:]), dtype=np.int64)
    np.cumsum(values, axis=0, out=total[1:])
    return total


@dataclass(frozen=True)
class Metric:
    """A registered metric. In METRICS its title and methodology are templates: `{min_n}`, the
    fixed `params` and the thresholds as `{t.name}`; `published` fills them in."""

    id: str
    title: str
    unit: str
    decimals: int
    min_n: int
    scores: Callable[[Windows], list[Score]]  # each window's
    methodology: str
    params: dict = field(default_factory=dict)
    thresholds: tuple[str, ...] = ()  # the thresholds its text names (and its code reads)

    def published(self, thresholds: Thresholds) -> Metric:
        """The metric as the scoreboard with these thresholds publishes it."""
        values = {"min_n": self.min_n, "t": thresholds, **self.params}
        return dataclasses.replace(self, title=self.title.format(**values),
                                   methodology=self.methodology.format(**values))

    def compute(self, sample: Sample) -> Score:
        """The metric of one window."""
        return self.scores(Windows.of(sample))[0]


METRICS: dict[str, Metric] = {}


def metric(id: str, title: str, unit: str, decimals: int = 1, min_n: int = 0, **params):
    """Register a metric; its docstring, with the parameters and thresholds filled in
    (Metric.published), is the published text."""

    def register(scores: Callable[[Windows], list[Score]]) -> Callable[[Windows], list[Score]]:
        text = inspect.cleandoc(scores.__doc__ or "")
        uses = tuple(f.name for f in dataclasses.fields(Thresholds)
                     if f"{{t.{f.name}" in title + text)
        METRICS[id] = Metric(id, title, unit, decimals, min_n, scores, text, params, uses)
        return scores


    return register


def published(thresholds: Thresholds) -> dict[str, Metric]:
    """Every metric with its title and text as published under these thresholds."""
    return {metric_id: m.published(thresholds) for metric_id, m in METRICS.items()}


@functools.lru_cache(maxsize=4096)
def missing(n: int, unit: str, reason: str) -> Score:
    """A Score without a value, for its reason: one Score for each (of the last few thousand
    asked for). Scores are immutable, and half of a build's have no value, the same ones again
    and again across windows, months and companies: shared, each is made once, and a worker's
    batch of results pickles it once (pickle's memo), so the build's process unpickles it once
    too."""
    return Score(None, n, unit, reason=reason)


@functools.cache  # a Score is immutable: one for each n below each minimum will do
def not_enough(n: int, unit: str, minimum: int) -> Score:
    return missing(n, unit, f"not enough data: {n} of the {minimum} needed")


def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials, as percentages."""
    p = k / n
    denominator = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denominator
    return 100 * max(0.0, centre - half), 100 * min(1.0, centre + half)


@functools.lru_cache(maxsize=4096, typed=True)  # shared as missing's are: 4 calls in 5 at 1M
def share(k: int, n: int, minimum: int) -> Score:
    if n < minimum or n == 0:
        return not_enough(n, "percent", minimum)
    low, high = wilson(k, n)
    return Score(100 * k / n, n, "percent", low, high)


def newcombe(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float]:
    """Newcombe's hybrid score interval (1998, method 10) for p1 - p2 of two independent shares,
    from their Wilson intervals (l, u): d - sqrt((p1 - l1)^2 + (u2 - p2)^2) to
    d + sqrt((u1 - p1)^2 + (p2 - l2)^2), as points."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = (x / 100 for x in wilson(k1, n1))
    l2, u2 = (x / 100 for x in wilson(k2, n2))
    d = p1 - p2
    return (100 * (d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)),
            100 * (d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)))


def csat_gap(first: tuple[int, int], second: tuple[int, int], reason: str = "") -> Score:
    """CSAT of the first group minus the second, in points, with Newcombe's interval."""
    (k1, n1), (k2, n2) = first, second
    low, high = newcombe(k1, n1, k2, n2)
    return Score(100 * (k1 / n1 - k2 / n2), n1 + n2, "points", low, high, reason)


class Ranked:
    """Values each taken `counts` times (NaN: left out), in order within each run of rows
    first[i]:last[i], for the quantiles of each run. The rows are sorted by value once
    (`order`, as Table.order gives it); each run's rows are then put in that order by one sort
    of every (run, row) pair on (run, the row's place in value order)."""

    def __init__(self, values: np.ndarray, counts: np.ndarray, first: np.ndarray,
                 last: np.ndarray, order: np.ndarray | None = None):
        order = np.argsort(values) if order is None else order
        order = order[~np.isnan(values[order])]
        place = np.full(len(values), -1, dtype=np.int64)  # in value order; -1: NaN
        place[order] = np.arange(len(order))
        # every (run, row) pair: each run's rows first[i], first[i] + 1, ... last[i] - 1
        lengths = np.asarray(last, dtype=np.int64) - first
        runs = np.repeat(np.arange(len(lengths)), lengths)
        places = place[np.arange(len(runs)) - np.repeat(np.cumsum(lengths) - lengths - first,
                                                        lengths)]
        kept, width = places >= 0, max(len(order), 1)
        runs, places = np.divmod(np.sort(runs[kept] * width + places[kept]), width)
        rows = order[places]
        self.values, self.ends = values[rows], np.cumsum(counts[rows])
        # the written-out values of run i are ranks before[i] + 1 .. before[i] + n[i] of all
        total = np.concatenate([[0], self.ends])
        bounds = total[runs.searchsorted(np.arange(len(lengths) + 1))]
        self.n, self.before = bounds[1:] - bounds[:-1], bounds[:-1]

    def quantile(self, q: float, minimum: int, unit: str) -> list[Score]:
        """Each run's q-quantile with a distribution-free order-statistic 95% interval. The
        value is what np.quantile (linear interpolation) gives on the run's values written out,
        computed the same way, bit for bit (every run at once: the same operations on float64,
        in the same order, as on one)."""
        enough = (self.n >= minimum) & (self.n > 0)
        n = self.n[enough]
        # numpy's linear method: interpolate between ranks below + 1 and below + 2
        at = (n - 1) * q
        below = np.floor(at).astype(np.int64)
        spread = Z95 * np.sqrt(n * q * (1 - q))
        ranks = np.stack([below + 1, np.minimum(below + 2, n),
                          np.maximum(1, np.floor(n * q - spread).astype(np.int64)),
                          np.minimum(n, np.ceil(n * q + spread).astype(np.int64))], axis=1)
        # the value at a 1-based rank: the first whose running count passes the rank before it
        wanted = (self.before[enough][:, None] + ranks - 1).ravel()
        a, b, low, high = self.values[np.searchsorted(self.ends, wanted, side="right")
                                      ].reshape(-1, 4).T
        t = at - below
        value = np.where(t >= 0.5, b - (b - a) * (1 - t), a + (b - a) * t)
        made = iter([Score(v, k, unit, lo, hi) for v, k, lo, hi in zip(
            value.tolist(), n.tolist(), low.tolist(), high.tolist(), strict=True)])
        return [next(made) if ok else not_enough(count, unit, minimum)
                for ok, count in zip(enough.tolist(), self.n.tolist(), strict=True)]


def quantile(values: np.ndarray, counts: np.ndarray, q: float, minimum: int, unit: str,
             ) -> Score:
    """The q-quantile of `values` each taken `counts` times (NaN: left out), with a
    distribution-free order-statistic 95% interval (Ranked.quantile)."""
    return Ranked(values, counts, np.array([0]), np.array([len(values)])).quantile(
        q, minimum, unit)[0]


@metric("contacts", "Contacts", "count", decimals=0)
def contacts(windows: Windows) -> list[Score]:
    """Every contact row counted: calls, chats, emails, visits."""
    return [Score(float(n), n, "count") for n in windows.sums("contacts", "contacts").tolist()]


@metric("cases", "Cases", "count", decimals=0)
def cases(windows: Windows) -> list[Score]:
    """Distinct issues (`case_id`); a case belongs to the window of its first contact."""
    return [Score(float(n), n, "count") for n in windows.sums("cases", "count").tolist()]


@metric("responses", "Responses", "count", decimals=0)
def responses(windows: Windows) -> list[Score]:
    """Contacts whose customer gave a satisfaction rating."""
    return [Score(float(n), n, "count") for n in windows.sums("contacts", "rated").tolist()]


@metric("csat", "Customer satisfaction (CSAT)", "percent", min_n=MIN_RESPONSES,
        good=GOOD_RATING)
def csat(windows: Windows) -> list[Score]:
    """Share of ratings of {good} or 5 among all 1-5 ratings, with a Wilson 95% interval.
    Needs at least {min_n} ratings."""
    good, rated = (sums.tolist() for sums in windows.ratings())
    return [share(k, n, MIN_RESPONSES) for k, n in zip(good, rated, strict=True)]


@metric("nps", "Net Promoter Score", "points", min_n=MIN_RESPONSES,
        promoter=PROMOTER_NPS, detractor=DETRACTOR_NPS)
def nps(windows: Windows) -> list[Score]:
    """Share of promoters (answer {promoter} or 10) minus share of detractors (0 to {detractor}),
    from -100 to 100. The 95% interval is the normal approximation with the variance of a
    difference of two shares from one multinomial sample, (p + d - (p - d)^2) / n, clipped to
    -100..100. Needs at least {min_n} answers."""
    scores = []
    for promoters, detractors, n in zip(*(windows.sums("contacts", name).tolist() for name in (
            "promoters", "detractors", "answered")), strict=True):
        if n < MIN_RESPONSES or n == 0:
            scores.append(not_enough(n, "points", MIN_RESPONSES))
            continue
        promoters, detractors = promoters / n, detractors / n
        value = promoters - detractors
        half = Z95 * math.sqrt(max(0.0, promoters + detractors - value**2) / n)
        scores.append(Score(100 * value, n, "points", 100 * max(-1.0, value - half),
                            100 * min(1.0, value + half)))
    return scores


@metric("first_contact_resolution", "Solved at first contact", "percent", min_n=MIN_CASES)
def first_contact_resolution(windows: Windows) -> list[Score]:
    """Share of cases resolved with exactly one contact, among cases whose outcome is known
    (at least one contact says `resolved` true or false). Wilson 95% interval. Needs at least
    {min_n} such cases."""
    cases = windows.tables.cases
    resolved, counts = cases["resolved"], cases["count"]  # 1.0, 0.0 or NaN
    solved_once = (resolved == 1) & (cases["n_contacts"] == 1)
    return [share(k, n, MIN_CASES) for k, n in zip(
        windows.sums("cases", counts * solved_once).tolist(),
        windows.sums("cases", counts * ~np.isnan(resolved)).tolist(), strict=True)]


@metric("contacts_per_case", "Contacts per case", "contacts", decimals=2, min_n=MIN_CASES)
def contacts_per_case(windows: Windows) -> list[Score]:
    """How many times a customer has to get in touch to solve one issue: the mean number of
    contacts per case, with a normal-approximation 95% interval (mean +- 1.96 standard errors,
    never below 1). Needs at least {min_n} cases."""
    sizes, counts = windows.tables.cases["n_contacts"], windows.tables.cases["count"]
    scores = []
    for n, total, squares in zip(*(windows.sums("cases", counts * sizes**power).tolist()
                                   for power in range(3)), strict=True):
        if n < MIN_CASES or n == 0:
            scores.append(not_enough(n, "contacts", MIN_CASES))
            continue
        mean = total / n
        # the sample variance, sum (size - mean)^2 / (n - 1), in whole numbers until one
        # division
        std = math.sqrt((n * squares - total * total) / (n * (n - 1))) if n > 1 else 0.0
        half = Z95 * std / math.sqrt(n) if n > 1 else 0.0
        scores.append(Score(mean, n, "contacts", max(1.0, mean - half), mean + half))
    return scores


@metric("resolution_rate", "Cases resolved", "percent", min_n=MIN_CASES)
def resolution_rate(windows: Windows) -> list[Score]:
    """Share of cases resolved (a contact says `resolved` true), among cases whose first
    contact is at least {t.resolution_window_days} days before the window's end, so that every
    case counted has had {t.resolution_window_days} days to be solved, and whose outcome is
    known (at least one contact says `resolved` true or false). Wilson 95% interval. Needs at
    least {min_n} such cases."""
    # first contact on or before the day resolution_window_days before as_of
    cutoffs = windows.ends - np.timedelta64(windows.thresholds.resolution_window_days, "D")
    cases = windows.tables.cases
    first, last = windows.rows("cases")
    counted = (first, np.clip(cases.find(windows.company, cutoffs), first, last))
    resolved, counts = cases["resolved"], cases["count"]  # 1.0, 0.0 or NaN
    return [share(k, n, MIN_CASES) for k, n in zip(
        windows.sums("cases", counts * (resolved == 1), counted).tolist(),
        windows.sums("cases", counts * ~np.isnan(resolved), counted).tolist(), strict=True)]


@metric("resolution_hours_p50", "Median time to resolve", "hours", min_n=MIN_CASES)
def resolution_hours_p50(windows: Windows) -> list[Score]:
    """Median hours from a case's first contact to its earliest `resolved_at`, over cases that
    report one. The 95% interval is distribution-free: the order statistics at ranks
    n/2 -+ 1.96 sqrt(n/4), rounded outwards. Needs at least {min_n} resolved cases."""
    return windows.quantiles("cases", "resolution_hours", 0.5, MIN_CASES, "hours")


@metric("wait_seconds_p50", "Median wait", "seconds", decimals=0, min_n=MIN_WAITS)
def wait_seconds_p50(windows: Windows) -> list[Score]:
    """Median time before reaching a person, over contacts that report a wait. The 95% interval
    is distribution-free: the order statistics at ranks n/2 -+ 1.96 sqrt(n/4), rounded outwards.
    Needs at least
    {min_n} waits."""
    return windows.quantiles("waits", "wait_seconds", 0.5, MIN_WAITS, "seconds")


@metric("wait_seconds_p90", "Longest waits (90th percentile)", "seconds", decimals=0,
        min_n=MIN_WAITS)
def wait_seconds_p90(windows: Windows) -> list[Score]:
    """The wait that 9 in 10 customers do not exceed, with an order-statistic 95% interval
    (ranks 0.9n -+ 1.96 sqrt(0.09n), rounded outwards). Needs at least {min_n} waits."""
    return windows.quantiles("waits", "wait_seconds", 0.9, MIN_WAITS, "seconds")


@metric("share_waits_over_5min", "Waits over {t.long_wait_minutes} minutes", "percent",
        min_n=MIN_WAITS)
def share_waits_over_5min(windows: Windows) -> list[Score]:
    """Share of contacts that waited more than {t.long_wait_seconds} seconds to reach a person,
    among contacts that report a wait, with a Wilson 95% interval. Needs at least {min_n}
    waits. The id keeps its name, `share_waits_over_5min`, whatever the hold bar."""
    waits, counts = windows.tables.waits["wait_seconds"], windows.tables.waits["count"]
    return [share(k, n, MIN_WAITS) for k, n in zip(
        windows.sums("waits", counts * (waits > windows.thresholds.long_wait_seconds)).tolist(),
        windows.sums("waits", counts).tolist(), strict=True)]


@metric("post_sale_gap", "Service after the sale", "points", min_n=MIN_RESPONSES)
def post_sale_gap(windows: Windows) -> list[Score]:
    """CSAT of `pre_sale` contacts minus CSAT of `post_sale` contacts, in points: how much
    worse a customer is served once they have paid. The 95% interval is Newcombe's hybrid
    score interval (1998, method 10) for a difference of two independent shares, built from the
    two Wilson intervals. Needs at least {min_n} ratings on each side; n is the ratings of
    both."""
    names, stage_of = windows.tables.contacts.codes("stage")
    zero = [0] * len(windows)
    sides = ((zero, zero) if name not in names else tuple(
        sums.tolist() for sums in windows.ratings(stage_of == list(names).index(name)))
        for name in ("pre_sale", "post_sale"))
    scores = []
    for pre, post in zip(*(zip(*side, strict=True) for side in sides), strict=True):
        if min(pre[1], post[1]) < MIN_RESPONSES:
            scores.append(missing(pre[1] + post[1], "points", (
                f"not enough data: {pre[1]} pre_sale and {post[1]} post_sale ratings, "
                f"{MIN_RESPONSES} needed on each side")))
        else:
            scores.append(csat_gap(pre, post))
    return scores


LOTTERY_DIMENSIONS = ("site", "channel")


def _spread(windows: Windows, dimension: str) -> list[tuple[tuple | None, tuple | None, int]]:
    """For each window, the best and the worst group of one dimension among those with enough
    ratings, each as (csat, name, good, ratings), or None and None when fewer than two groups
    have enough; and how many groups were left out for too few ratings. The best has the
    highest CSAT (ties: the first name), the worst the lowest (ties: the last name): the ends
    of the groups sorted by CSAT, best first, then by name. Found for every window at once,
    over every name of the tables (Tables of several companies have the names of them all)."""
    contacts = windows.tables.contacts
    names = contacts.codes(dimension)[0].tolist()  # a contact naming no group is in none
    if not names:
        return [(None, None, 0)] * len(windows)
    sizes, goods = windows.by_group(contacts, dimension, ("rated", "good"),
                                    windows.rows("contacts"))
    kept = sizes >= MIN_GROUP_RESPONSES
    counts = kept.sum(axis=1)
    left_out = ((sizes > 0).sum(axis=1) - counts).tolist()
    with np.errstate(divide="ignore", invalid="ignore"):
        csat = goods / sizes
    best = np.where(kept, csat, -np.inf).argmax(axis=1).tolist()  # the first of the highest
    worst = (sizes.shape[1] - 1 - np.where(kept, csat, np.inf)[:, ::-1].argmin(axis=1)).tolist()
    def group(window: int, at: int) -> tuple:
        k, n = int(goods[window, at]), int(sizes[window, at])
        return k / n, names[at], k, n

    return [(group(window, best[window]), group(window, worst[window]), left_out[window])
            if count >= 2 else (None, None, left_out[window])
            for window, count in enumerate(counts.tolist())]


@metric("service_lottery", "Service lottery", "points", min_n=MIN_GROUP_RESPONSES,
        dimensions=" and ".join(f"{d}s" for d in LOTTERY_DIMENSIONS))
def service_lottery(windows: Windows) -> list[Score]:
    """How much the service a customer gets depends on who answers: the highest minus the
    lowest CSAT across groups, in points. Groups are {dimensions}, each compared only with its
    own kind; the published spread is the larger of the two, since either is a lottery the
    customer cannot choose to win (a tie goes to sites). Only groups with at least {min_n}
    ratings take part, and a dimension needs two such groups; groups left out for fewer ratings
    are counted in the reason, and contacts that name no group are not a group. The 95%
    interval is Newcombe's hybrid score interval (method 10) between the best and the worst
    group; n is their ratings."""
    spreads = [_spread(windows, dimension) for dimension in LOTTERY_DIMENSIONS]
    return [_lottery(dict(zip(LOTTERY_DIMENSIONS, window, strict=True)))
            for window in zip(*spreads, strict=True)]


def _lottery(spreads: dict[str, tuple[tuple | None, tuple | None, int]]) -> Score:
    """service_lottery of one window from each dimension's _spread."""
    candidates, left_out = [], {}
    for dimension, (best, worst, left_out[dimension]) in spreads.items():
        if best is not None:
            candidates.append((best[0] - worst[0], dimension, best, worst))
    dropped = _dropped(tuple(left_out.items()))
    if not candidates:
        return missing(0, "points", (
            f"not enough data: no two sites or channels with {MIN_GROUP_RESPONSES} ratings "
            f"each; {dropped}"))
    _, dimension, best, worst = max(candidates, key=lambda c: c[0])  # the first on a tie
    return csat_gap(best[2:], worst[2:],
                    f"{dimension}s: {best[1]} best, {worst[1]} worst; {dropped}")


@functools.lru_cache(maxsize=1024)  # a few counts, the same in window after window
def _dropped(left_out: tuple[tuple[str, int], ...]) -> str:
    """What the service lottery's reason says of the groups left out, by dimension."""
    detail = ", ".join(f"{n} {d}{'' if n == 1 else 's'}" for d, n in left_out)
    total = sum(n for _, n in left_out)
    return (f"{total} group{'' if total == 1 else 's'} below {MIN_GROUP_RESPONSES} responses "
            f"left out ({detail})")


def _complaint_topics(windows: Windows) -> list[list[str]]:
    """For each window, its top complaint topics by complaints in the look-back before the
    window's end, most first; ties by name."""
    history, ends = windows.history, windows.ends
    lookback = np.timedelta64(windows.thresholds.complaint_lookback_days, "D")
    rows = (history.find(windows.company, ends - lookback), history.find(windows.company, ends))
    topics = history.codes("topic")[0]  # one without a topic is not counted
    counts, = windows.by_group(history, "topic", ("complaints",), rows)
    # the names are sorted: a stable sort on complaints, most first, breaks ties by name
    order = np.argsort(-counts, axis=1, kind="stable")[:, :windows.thresholds.top_complaint_topics]
    complained = np.take_along_axis(counts, order, axis=1) > 0  # those first, in each row
    return [topics[top[kept]].tolist() for top, kept in zip(order, complained, strict=True)]


@metric("action_coverage", "Complaints answered", "percent", min_n=MIN_COMPLAINT_TOPICS,
        rating=COMPLAINT_RATING)
def action_coverage(windows: Windows) -> list[Score]:
    """Share of the company's top {t.top_complaint_topics} complaint topics that have an entry
    in its actions.yaml, whatever the entry's status: a declined entry that says why is an
    answer too. A complaint is a rating of {rating} or less; topics are ranked by complaints in
    the {t.complaint_lookback_days} days up to the window's end (ties by name), whatever the
    window, and fewer than {t.top_complaint_topics} are considered when fewer topics drew a
    complaint. Wilson 95% interval; n is the number of topics considered. Needs at least
    {min_n} complaint topic."""
    made: dict[tuple, Score] = {}  # windows with the same top topics and actions score alike
    scores = []
    for top, actions in zip(_complaint_topics(windows), windows.actions, strict=True):
        if (key := (tuple(top), id(actions))) not in made:
            made[key] = _coverage(top, actions)
        scores.append(made[key])
    return scores


def _coverage(top: list[str], actions: tuple) -> Score:
    """action_coverage of one window's top complaint topics and actions."""
    answered = {action.topic for action in actions}
    covered = [topic for topic in top if topic in answered]
    result = share(len(covered), len(top), MIN_COMPLAINT_TOPICS)
    if result.value is None:
        return result
    missing = [topic for topic in top if topic not in answered]
    return Score(result.value, result.n, result.unit, result.low, result.high,
                 f"answered: {', '.join(covered) or 'none'}; "
                 f"not answered: {', '.join(missing) or 'none'}")


@metric("follow_through", "Follow-through on actions", "percent", min_n=MIN_ACTIONS)
def follow_through(windows: Windows) -> list[Score]:
    """Share of action-log entries opened at least {t.follow_through_days} days before the
    window's end that are done by then, with a Wilson 95% interval. The reason also gives the
    median days from opened to done over those done entries that date it. Needs at least
    {min_n} entries that old: fewer is too few to call a habit. Like every action metric this
    is about the company, not the window: the same for all time and the recent window; a month
    uses the log as it stood at the month's end."""
    # each window's as_of, less follow_through_days, as a date
    cutoffs = (windows.ends - np.timedelta64(windows.thresholds.follow_through_days + 1, "D")
               ).astype("datetime64[D]").tolist()
    return [_follow_through(cutoff, actions)
            for cutoff, actions in zip(cutoffs, windows.actions, strict=True)]


def _follow_through(cutoff: dt.date, actions: tuple) -> Score:
    """follow_through of one window's actions, due if opened by the cutoff."""
    due = [action for action in actions if action.opened <= cutoff]
    done = [action for action in due if action.status == "done"]
    result = share(len(done), len(due), MIN_ACTIONS)
    days = [(action.done_on - action.opened).days for action in done if action.done_on]
    if result.value is None or not days:
        return result
    return Score(result.value, result.n, result.unit, result.low, result.high,
                 f"median {float(np.median(days)):g} days from opened to done "
                 f"({len(days)} dated)")


@metric("action_effect", "Effect of done actions", "points", min_n=MIN_MEASURED_ACTIONS,
        ratings=MIN_RESPONSES)
def action_effect(windows: Windows) -> list[Score]:
    """Did the company's fixes work? For each done action, the CSAT of ratings on its topic in
    the {t.effect_window_days} days after the date it was marked done minus the
    {t.effect_window_days} days before (ratings up to the window's end); published is the mean
    change over the done actions whose before and after both have at least {ratings} ratings,
    in points; n is the number of such actions.

    No interval on the mean: there are a handful of actions, and each one's before and after
    carry their own Wilson intervals on the company page. Needs at least {min_n} measured
    action. A month uses the log, and the ratings, as they stood at the month's end."""
    return [_effect(actions) for actions in windows.actions]


def _effect(actions: tuple) -> Score:
    """action_effect of one window's actions."""
    changes = {action.id: action.effect.change for action in actions
               if action.effect is not None and action.effect.change is not None}
    if len(changes) < MIN_MEASURED_ACTIONS:
        return not_enough(len(changes), "points", MIN_MEASURED_ACTIONS)
    return Score(float(np.mean(list(changes.values()))), len(changes), "points", reason="; ".join(
        f"{action_id} {change:+.1f}" for action_id, change in changes.items()))


@metric("freshness_days", "Days since newest contact", "days", decimals=0)
def freshness_days(windows: Windows) -> list[Score]:
    """Days from the newest contact in the window to the window's end (the scoreboard's
    `as_of` date for the all-time and 90-day windows). Over {t.stale_days} days marks the
    company as stale: it has stopped publishing."""
    day, (_, last) = windows.tables.contacts["day"], windows.rows("contacts")
    # whole days from each window's newest contact (rows in order of day) to its as_of
    days = ((windows.ends - np.timedelta64(1, "D") - day[np.maximum(last - 1, 0)])
            // np.timedelta64(1, "D")).tolist() if len(day) else [0] * len(windows)
    return [Score(float(since), n, "days") if n else missing(0, "days", "no contacts")
            for n, since in zip(windows.sums("contacts", "contacts").tolist(), days, strict=True)]


def score_windows(windows: Windows) -> list[dict[str, Score]]:
    """Every metric of each window."""
    scores = {metric_id: m.scores(windows) for metric_id, m in METRICS.items()}
    return [dict(zip(scores, window, strict=True)) for window in zip(*scores.values(),
                                                                     strict=True)]


# --- the Candor score: a composite of the metrics above, made on the scoreboard -------------

# Each component on a 0-100 scale where higher is better (applied to an array of every
# company's values), and what that mapping is in words.
CANDOR_COMPONENTS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], str]] = {
    "csat": (lambda v: v, "CSAT as is"),
    "nps": (lambda v: (v + 100) / 2, "NPS mapped from -100..100 to 0..100"),
    "first_contact_resolution": (lambda v: v, "as is"),
    "contacts_per_case": (lambda v: np.clip(100 * (3 - v) / 2, 0.0, 100.0),
                          "1 contact per case is 100, 3 or more is 0, linear between"),
    "share_waits_over_5min": (lambda v: 100 - v, "100 minus the share"),
    "resolution_rate": (lambda v: v, "as is"),
    "follow_through": (lambda v: v, "as is"),
    "action_coverage": (lambda v: v, "as is"),
}
MIN_INDUSTRY_PEERS = 2  # an industry mean needs this many companies with the component


@dataclass(frozen=True)
class CandorConfig:
    """The scoreboard maintainer's choices, read from candor.yaml (scoring.config)."""

    weights: dict[str, float]
    prior_strength: float
    min_weight_share: float
    thresholds: Thresholds = field(default_factory=Thresholds)
    gaming: GamingConfig = field(default_factory=GamingConfig)


@dataclass(frozen=True)
class CandorPart:
    """One component of one company's Candor score, as the company page shows it."""

    metric_id: str
    weight: float
    value: float | None  # on the 0-100 scale; None: not enough data for this component
    target: float | None  # the mean it is shrunk toward
    prior_n: float  # k: how many phantom observations at the target are added
    n: int
    shrunk: float | None
    contribution: float | None  # points of the final score
    low: float | None = None  # the shrunk value at the ends of the component's 95% interval
    high: float | None = None


@metric("candor_score", "Candor score", "score", decimals=0,
        peers=MIN_INDUSTRY_PEERS, components=", ".join(CANDOR_COMPONENTS))
def candor_score(windows: Windows) -> list[Score]:
    """A 0-100 composite of the other metrics, computed on the scoreboard after every company is
    scored, because it needs each industry's means; the weights, the prior strength and the
    minimum share of weight are set in the scoreboard's candor.yaml and listed below. The
    components are {components}, each first put on a 0-100 scale where higher is better: CSAT,
    solved at first contact, cases resolved, follow-through and complaints answered as they are;
    NPS mapped from -100..100 to 0..100; contacts per case 1 = 100 and 3 or more = 0, linear
    between; waits over the hold bar ({t.long_wait_seconds} seconds) as 100 minus the share.
    Each component value v, from n answers (or cases, waits, actions, topics: that metric's own
    n), is shrunk toward the mean m of that component over the companies of the same industry
    that have it: (n v + k m) / (n + k), with k = prior strength times the component's minimum
    sample, so that at a prior strength of 1 a component measured on exactly its minimum sample
    counts half its own value and half its industry's, and a large sample counts almost wholly
    its own. This is Trustpilot's device (7 phantom reviews at 3.5 stars) with two changes: the
    phantoms sit at the industry's own mean, not a fixed midpoint, so a small company is
    compared with its peers rather than pulled toward average service; and their number is what
    each metric already calls too little (its minimum sample, given beside it), so the prior is
    as strong as a threshold the methodology already defends. Where fewer than {peers} companies
    of the industry have the component, m is the mean over all companies. A component without
    enough data is dropped and the other weights are scaled up to sum to one; the score is
    marked partial and its reason names the missing components. If the components with data hold
    less than the minimum share of weight, the score is not enough data. The 95% interval is the
    score made twice more, with every component at the low end of its own 95% interval and then
    at the high end, shrunk and weighted the same way (the industry means held fixed: they are
    the prior, not part of the company's measurement). The components are not independent (CSAT
    and NPS come from the same ratings; solved at first contact, cases resolved and contacts per
    case from the same cases), so treating them as independent would make the interval too
    narrow. Under the normal approximation behind each component's interval, the spread of a
    weighted sum is at most the weighted sum of the spreads, whatever the correlations, so
    moving every component to its own limit at once covers at least 95%: conservative, and wider
    than an exact joint interval, which a bootstrap would give only by scoring every company
    hundreds of times. The leaderboard ranks on this interval. n is the number of ratings behind
    CSAT."""
    return [Score(None, 0, "score", reason="not enough data: computed on the scoreboard")
            ] * len(windows)


def _in_order_sums(groups: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """The sum of `values` in each of `count` groups, added one by one in the order given: the
    same bits as Python's sum() over each group's values (np.sum adds pairwise)."""
    return np.bincount(groups, weights=values, minlength=count)


def _or_none(values: np.ndarray, keep: np.ndarray) -> list[float | None]:
    """Python floats where `keep`, None elsewhere."""
    return np.where(keep, values, None).tolist()


def candor_scores(
    companies: list[tuple[str | None, dict[str, Score]]], config: CandorConfig,
    parts: bool = True,
) -> list[tuple[Score, list[CandorPart]]]:
    """The Candor score of each (industry, scores of one window) with its parts (without
    `parts`, an empty tuple: the monthly scores show no parts), in order (candor_of)."""
    # each component's Scores over the companies, and last CSAT's (its n is the score's n)
    names = (*config.weights, "csat")
    columns = list(zip(*map(operator.itemgetter(*names), (scores for _, scores in companies)),
                       strict=True)) or [()] * len(names)
    return candor_of([industry for industry, _ in companies],
                     [score_fields(column) for column in columns], config, parts)


CandorFields = tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]  # value, low, high, n


def score_fields(scores: Iterable[Score]) -> CandorFields:
    """What the Candor score reads of Scores: their values and interval ends (NaN for None)
    and their n."""
    scores = list(scores)
    return (np.array([s.value for s in scores], dtype=float),
            np.array([s.low for s in scores], dtype=float),
            np.array([s.high for s in scores], dtype=float), [s.n for s in scores])


def candor_of(
    industries: list[str | None], fields: list[CandorFields], config: CandorConfig,
    parts: bool = True,
) -> list[tuple[Score, list[CandorPart]]]:
    """candor_scores, from each company's industry and, per component in config.weights'
    order and then for CSAT, the fields of its Score over the companies (score_fields). Made a
    component at a time for every company at once (arrays over the companies), each sum added
    in the order the methodology lists its terms: the bits of the same sums made a company at a
    time. (A table at a time: its Scores stay in the processor's cache from one field to the
    next.)"""
    count = len(industries)
    codes = {name: code for code, name in enumerate(dict.fromkeys(industries))}
    industry = np.fromiter(map(codes.__getitem__, industries), np.intp, count)
    total = sum(config.weights.values())
    available = np.zeros(count)  # the weight of the components with data
    missing = np.zeros(count, dtype=np.int64)  # a bit per weighted component without data
    made = []  # per component: (metric_id, weight, k, has, value, target, n, shrunk)
    with np.errstate(divide="ignore", invalid="ignore"):
        for (metric_id, weight), (value, low, high, n_of) in zip(
                config.weights.items(), fields, strict=False):
            scale = CANDOR_COMPONENTS[metric_id][0]
            # on the 0-100 scale, NaN without data; contacts per case scales downwards: its
            # high end is the low end on 0-100
            value, low, high = scale(value), scale(low), scale(high)
            low, high = np.minimum(low, high), np.maximum(low, high)
            has = ~np.isnan(value)
            if np.isnan(low[has]).any() or np.isnan(high[has]).any():
                raise ValueError(f"{metric_id}: a value without its 95% interval")
            # the mean over the industry's companies that have the component, or over every
            # company's when the industry has too few (NaN: no company has it)
            mine = value[has]
            counts = np.bincount(industry[has], minlength=len(codes))
            means = _in_order_sums(industry[has], mine, len(codes)) / counts
            every = _in_order_sums(np.zeros(len(mine), dtype=np.intp), mine, 1)[0] / len(mine)
            target = np.where(counts >= MIN_INDUSTRY_PEERS, means, every)[industry]
            k = config.prior_strength * METRICS[metric_id].min_n
            n = np.array(n_of, dtype=float)
            shrunk = np.array([(n * x + k * target) / (n + k) for x in (value, low, high)])
            available += np.where(has, weight, 0.0)
            if weight > 0:
                missing |= np.where(has, 0, 1 << len(made))
            made.append((metric_id, weight, k, has, value, target, n_of, shrunk))
        enough = ((available / total >= config.min_weight_share) & (available != 0) if total
                  else np.zeros(count, dtype=bool))
        ends = np.zeros((3, count))  # the score and its interval, a component at a time
        for _, weight, _, has, *_, shrunk in made:
            ends += np.where(has, weight / available * shrunk, 0.0)
        contributions = [weight / available * shrunk[0] for _, weight, *_, shrunk in made]

    def missed(gaps: int) -> str:
        return ", ".join(component[0] for bit, component in enumerate(made) if gaps >> bit & 1)

    good, gaps, weights = enough.tolist(), missing.tolist(), available.tolist()
    partial = {bits: f"partial: no data for {missed(bits)}; the other weights scaled up"
               if bits else "" for bits in set(itertools.compress(gaps, good))}
    short = {(bits, weight): (
        f"not enough data: components holding {weight / total if total else 0:.0%} of the "
        f"weight have data, {config.min_weight_share:.0%} needed; missing: {missed(bits)}")
        for bits, weight in dict.fromkeys(
            (bits, weight) for bits, weight, ok in zip(gaps, weights, good, strict=True)
            if not ok)}
    responses = fields[-1][3]
    results = [Score(value, n, "score", low, high, partial[bits]) if ok else
               Score(None, n, "score", reason=short[bits, weight])
               for ok, bits, weight, n, value, low, high
               in zip(good, gaps, weights, responses, *ends.tolist(), strict=True)]
    if not parts:
        return list(zip(results, itertools.repeat(()), strict=False))
    columns = [(metric_id, weight, k, _or_none(value, has), _or_none(target, ~np.isnan(target)),
                n_of, *(_or_none(end, has) for end in shrunk),
                _or_none(contribution, has & enough))
               for (metric_id, weight, k, has, value, target, n_of, shrunk), contribution
               in zip(made, contributions, strict=True)]
    return [(score, [CandorPart(metric_id, weight, value[i], target[i], k, n[i], shrunk[i],
                                contribution[i], low[i], high[i])
                     for metric_id, weight, k, value, target, n, shrunk, low, high, contribution
                     in columns])
            for i, score in enumerate(results)]

