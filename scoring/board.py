"""All companies -> a Scoreboard: scores per window and month, breakdowns, actions, provenance."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import importlib
import itertools
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from . import summary_bytes
from .actions import Action, actions_of, as_known_on, status_counts, with_effect
from .audit import Event, audit
from .config import read_config
from .gaming import Signal, signals
from .git import GitError, git
from .load import (
    CompanyFiles,
    TypedTable,
    discover,
    display_path,
    read_feedback_many,
    read_summary,
    read_yaml,
)
from .metrics import (
    METHODOLOGY_VERSION,
    MIN_RESPONSES,
    CandorConfig,
    CandorPart,
    Metric,
    Score,
    Table,
    Tables,
    Thresholds,
    Window,
    Windows,
    candor_of,
    candor_scores,
    published,
    score_fields,
    score_windows,
    share,
)
from .problems import Problem
from .ranks import ranked
from .summary import Summary, merge, summarize_many
from .summary_file import check_files as check_summaries
from .summary_file import newest_day
from .validate import (
    check_actions,
    check_profile,
    company_contacts,
    empty_contacts,
    fast_contacts,
)

if TYPE_CHECKING:
    import pandas as pd

    from .cache import Cache

T = TypeVar("T")
R = TypeVar("R")

RECENT_DAYS = 90
WINDOWS = ("all", f"{RECENT_DAYS}d")
BREAKDOWNS = ("channel", "stage", "site", "topic")
NOT_GIVEN = "(not given)"  # the breakdowns' group of contacts without the dimension
LOAD_THREADS = 2  # companies checked at once by check(): pyarrow releases the GIL
# Files whose rows are contacts: a summary file's rows are the contacts it summarizes.
ROW_FILES = ("feedback", "summary")


@dataclass(frozen=True)
class FileReport:
    """One input file: its hash, how many rows it held and whether they were counted."""

    file: str
    sha256: str
    kind: str
    rows: int
    status: str  # counted | quarantined | empty
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class Group:
    """One slice of a breakdown (a channel, a stage, a site or a topic) in the all-time window."""

    name: str
    contacts: int
    csat: Score


@dataclass(frozen=True)
class Comment:
    """A comment whose customer consented to publication, already redacted."""

    submitted_on: dt.date
    channel: str
    topic: str | None
    rating: int | None
    text: str


@dataclass
class CompanyResult:
    slug: str
    profile: dict
    files: list[FileReport]
    windows: dict[str, dict[str, Score]] = field(default_factory=dict)
    monthly: list[tuple[str, dict[str, Score]]] = field(default_factory=list)
    breakdowns: dict[str, list[Group]] = field(default_factory=dict)
    actions: list[Action] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    n_public_comments: int = 0
    # Committed rows later deleted or altered (scoring.audit); None: no git history to read.
    integrity: list[Event] | None = None
    # How the all-time Candor score was made, component by component.
    candor_parts: list[CandorPart] = field(default_factory=list)
    # The day of the newest counted contact (the default as_of is the newest of these).
    newest: dt.date | None = None
    # Seconds per stage (load, validate, score) of the run that made it; never published.
    seconds: dict[str, float] = field(default_factory=dict, compare=False)
    # No contact for longer than the scoreboard's stale_days before as_of.
    stale: bool = False
    # Patterns worth a second look (scoring.gaming), in the contacts up to as_of.
    signals: list[Signal] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.profile.get("name") or self.slug

    @property
    def industry(self) -> str | None:
        return self.profile.get("industry")

    @property
    def quarantined(self) -> list[FileReport]:
        return [f for f in self.files if f.status == "quarantined"]

    @property
    def problems(self) -> list[Problem]:
        return [p for f in self.files for p in f.problems]

    @property
    def rows_read(self) -> int:
        return sum(f.rows for f in self.files if f.kind in ROW_FILES)

    @property
    def rows_counted(self) -> int:
        return sum(f.rows for f in self.files if f.kind in ROW_FILES and f.status == "counted")

    @property
    def rows_quarantined(self) -> int:
        """Rows in quarantined feedback and summary files: read = counted + quarantined."""
        return sum(f.rows for f in self.files if f.kind in ROW_FILES and f.status == "quarantined")

    @property
    def action_counts(self) -> dict[str, int]:
        return status_counts(self.actions)


@dataclass
class Scoreboard:
    as_of: dt.date
    data_commit: str | None
    companies: list[CompanyResult]
    problems: list[Problem] = field(default_factory=list)
    methodology_version: str = METHODOLOGY_VERSION
    candor_config: CandorConfig = field(kw_only=True)
    stats: BuildStats | None = field(default=None, compare=False, kw_only=True)
    # slug -> the cache key its scores were found or kept under (scoring.cache); empty
    # without a cache. What the site's page cache starts from.
    keys: dict[str, str] = field(default_factory=dict, compare=False, kw_only=True)

    @property
    def quarantined(self) -> list[FileReport]:
        return [f for c in self.companies for f in c.quarantined]

    @property
    def contacts(self) -> int:
        return sum(c.rows_counted for c in self.companies)

    @property
    def thresholds(self) -> Thresholds:
        return self.candor_config.thresholds

    @property
    def metrics(self) -> dict[str, Metric]:
        """Every metric's title and text as this scoreboard publishes them."""
        return published(self.thresholds)


@dataclass(frozen=True)
class Job:
    """One company's unit of work, picklable so that a Dask worker can run it: its files, the
    data folder they are named relative to, the date it is scored as of (in a build's first
    phase a guess, see summarize_company), the pinned date past which a contact is a problem
    (None: not pinned, the default build), the scoreboard's settings (candor.yaml) and whether
    to hand its summary back to be kept (scoring.cache)."""

    company: CompanyFiles
    data_dir: Path
    as_of: dt.date | None
    pinned: dt.date | None = None
    config: CandorConfig = field(default_factory=read_config)  # the repository's
    keep: bool = False


@dataclass(frozen=True)
class Scoring:
    """A company's second phase: its kept summary (scoring.summary_bytes) scored as of the
    scoreboard's day. `result` is the first phase's before scoring: files, profile, actions,
    newest."""

    result: CompanyResult
    summary: bytes
    as_of: dt.date
    config: CandorConfig


def score_company(job: Job) -> CompanyResult:
    """Load, validate, summarize and score one company as of job.as_of (not before its newest
    counted contact, unless pinned), then let its rows go: the result holds scores, never
    contacts. Pure: the same files and dates give the same result on any machine."""
    [(result, summary)] = _summarized([job])
    started = time.perf_counter()
    _score_company(result, summary, job.as_of, job.config)
    result.seconds["score"] = time.perf_counter() - started
    return result


def summarize_company(job: Job) -> tuple[CompanyResult, dt.date, Kept | None]:
    """A build's first phase for one company: its files read, checked and summarized, then
    scored as of a guess at the scoreboard's as_of (the day returned): the pinned as_of, or
    job.as_of, or the company's own newest counted day when that is later (the default as_of,
    the newest of every company's, cannot be earlier). The build scores it again, from the
    summary, if the guess was wrong. With job.keep, what the cache keeps of the summary comes
    back too (Kept), keyed by the digests of the bytes read here: a cold build does not hash
    the files first."""
    return summarize_companies([job])[0]


def summarize_companies(jobs: list[Job]) -> list[tuple[CompanyResult, dt.date, Kept | None]]:
    """summarize_company of each job, in order: a batch of companies, read, checked and
    summarized together (_summarized), then scored together (_score_companies), each as of
    the guess the batch gives: the newest counted day of any of its companies, when that is
    later than job.as_of (so a batch's guess is wrong only if none of its companies has the
    scoreboard's newest day). The jobs share their data folder, pinned date and settings, as a
    build's do."""
    if any(job.keep for job in jobs):
        from .cache import read_summary_key, seen_before, summary_entry  # cache imports board
        befores = [seen_before(job.company) if job.keep else None for job in jobs]
    summarized = _summarized(jobs)
    started = time.perf_counter()
    # the guess: no earlier than the newest counted day of any company of the batch
    newest = max(filter(None, (result.newest for result, _ in summarized)), default=None)
    days, kept = [], []
    for index, (job, (result, summary)) in enumerate(zip(jobs, summarized, strict=True)):
        days.append(job.pinned or max(filter(None, (job.as_of, newest)), default=EPOCH))
        if job.keep:
            key, digests = read_summary_key(job, befores[index], result.files)
            kept.append(Kept(key, summary_entry(key, result, summary_bytes.dumps(summary)),
                             digests))
        else:
            kept.append(None)
    keeping = time.perf_counter() - started
    results = [result for result, _ in summarized]
    _score_companies(results, [summary for _, summary in summarized], days, jobs[0].config)
    scoring = time.perf_counter() - started - keeping
    for result in results:  # each company an equal share of the batch's seconds
        result.seconds["summarize"] += keeping / len(jobs)
        result.seconds["score"] = scoring / len(jobs)
    return list(zip(results, days, kept, strict=True))


Speculation = tuple[Callable[..., dict[str, bytes]], tuple]  # a function, its other arguments


def _summarize_each(jobs: list[Job], speculate: Speculation | None = None,
                    ) -> tuple[list[tuple[CompanyResult, dt.date, Kept | None]],
                               dict[str, bytes] | None]:
    """summarize_companies of the jobs (on a process of _apart's); and with
    `speculate`, what its function gives for their results, their config and as_of, and its
    arguments (scoring.site.speculative_pages: their pages, for the search index to start on
    while the build looks up the other companies)."""
    done = summarize_companies(jobs) if jobs else []
    if speculate is None or not done:
        return done, None
    function, arguments = speculate
    try:
        return done, function([result for result, _, _ in done], jobs[0].config,
                              max(day for _, day, _ in done), *arguments)
    except Exception:  # a speculation that cannot be made costs only the time it took
        return done, None


@dataclass(frozen=True)
class Kept:
    """A company's summary as the cache keeps it: its key (scoring.cache.summary_key), the
    entry (scoring.cache.summary_entry) and the digests of its files by their stat (for the
    build to remember, scoring.cache.remember)."""

    key: str
    entry: bytes
    digests: list


def score_summary(job: Scoring) -> CompanyResult | None:
    """A build's second phase for one company: its summary scored as of job.as_of; None when
    the summary's bytes are not one (a damaged cache: the build reads the company again)."""
    started = time.perf_counter()
    try:
        summary = summary_bytes.loads(job.summary)
    except ValueError:
        return None
    result = dataclasses.replace(job.result, seconds={})
    _score_company(result, summary, job.as_of, job.config)
    result.seconds["score"] = time.perf_counter() - started
    return result


def _summarized(jobs: list[Job]) -> list[tuple[CompanyResult, Summary]]:
    """Each company's result so far and the summary of its counted contacts: up to the pinned
    as_of, or all of them (none is newer than its own newest day, so the summary serves any
    default as_of). The companies' files are checked (_validate_companies) and their rows
    summarized (summarize_many) together, as far as they can be. The seconds each stage took
    ride along in `result.seconds`, each company's an equal share of the batch's (never cached
    or published)."""
    import pandas as pd
    started = time.perf_counter()
    read = _read_companies([job.company for job in jobs], jobs[0].data_dir)
    loaded = time.perf_counter()
    results = [result for result, _ in read]
    pieces = _validate_companies(results, [tables for _, tables in read], jobs[0].pinned)
    del read
    summaries = [_read_summaries(result, job.company, job.data_dir, job.pinned)
                 for result, job in zip(results, jobs, strict=True)]
    validated = time.perf_counter()
    summarized: list[Summary | None] = [None] * len(jobs)
    for indices, contacts, starts in pieces:
        stamps = contacts["submitted_at"].to_numpy(dtype="datetime64[ns]")  # naive UTC
        ends = []
        for index, first, last in zip(indices, starts[:-1], starts[1:], strict=True):
            newest = stamps[first:last].max().astype("datetime64[D]").item() if last > first \
                else None
            result, job = results[index], jobs[index]
            result.newest = max(filter(None, (newest, newest_day(summaries[index]))),
                                default=None)
            ends.append(pd.Timestamp(job.pinned or result.newest or EPOCH, tz="UTC")
                        + pd.Timedelta(days=1))
        # the rows' summaries, each merged with its company's summary files' (summary_file)
        for index, summary in zip(indices, summarize_many(contacts, starts, jobs[0].config.gaming,
                                                          ends), strict=True):
            summarized[index] = merge([summary, *summaries[index]])
    seconds = {"load": loaded - started, "validate": validated - loaded,
               "summarize": time.perf_counter() - validated}
    for result in results:
        result.seconds = {stage: spent / len(jobs) for stage, spent in seconds.items()}
    return list(zip(results, summarized, strict=True))


def _read_company(
    company: CompanyFiles, data_dir: Path, frames: bool = True,
) -> tuple[CompanyResult, list]:
    """Read one company's files; its profile and action log are checked here too (they are
    small), its feedback files are only read. Without `frames` (validation only) no sha256 is
    computed."""
    return _read_companies([company], data_dir, frames)[0]


def _read_companies(
    companies: list[CompanyFiles], data_dir: Path, frames: bool = True,
) -> list[tuple[CompanyResult, list]]:
    """_read_company of each company: every profile and action log first, then the feedback
    files of them all at once (read_feedback_many: a pass of each kind of work)."""
    results = [_read_profile(company, data_dir) for company in companies]
    tables = iter(read_feedback_many([path for company in companies for path in company.feedback],
                                     data_dir, frames))
    return [(result, list(itertools.islice(tables, len(company.feedback))))
            for result, company in zip(results, companies, strict=True)]


def _read_profile(company: CompanyFiles, data_dir: Path) -> CompanyResult:
    """A company's result with its profile and action log read and checked."""
    files: list[FileReport] = []
    document, where, digest, problems = read_yaml(company.profile, data_dir) if (
        company.profile.is_file()
    ) else (None, display_path(company.profile, data_dir), "", [])
    if not company.profile.is_file():
        problems = [Problem(where, None, None, "missing_profile", "company.yaml is missing",
                            "add company.yaml with at least name and industry")]
    problems = problems or check_profile(document, where)
    files.append(FileReport(where, digest, "profile", 0,
                            "quarantined" if problems else "counted", tuple(problems)))
    profile = {} if problems else {k: v.strip() for k, v in document.items()}

    entries: list[Action] = []
    if company.actions:
        document, where, digest, problems = read_yaml(company.actions, data_dir)
        problems = problems or check_actions(document, where)
        files.append(FileReport(where, digest, "actions", len(document or []) if not problems
                                else 0, "quarantined" if problems else "counted",
                                tuple(problems)))
        entries = [] if problems else actions_of(document)
    return CompanyResult(company.slug, profile, files, actions=entries)


def _validate_company(
    result: CompanyResult, tables: list, pinned: dt.date | None, frames: bool = True,
) -> pd.DataFrame | None:
    """The company's typed contacts (None without `frames`: only checked); invalid files are
    kept out whole and reported."""
    problems, contacts = company_contacts(tables, pinned, frames)
    _report(result, tables, problems)
    return contacts


def _report(result: CompanyResult, tables: list, problems: list[list[Problem]]) -> None:
    """Each feedback file's report, in order."""
    for table, found in zip(tables, problems, strict=True):
        # a file without problems has as many rows as records
        status = "quarantined" if found else ("empty" if not table.records else "counted")
        result.files.append(FileReport(table.file, table.sha256, "feedback", table.records,
                                       status, tuple(found)))


def _validate_companies(
    results: list[CompanyResult], tables: list[list], pinned: dt.date | None,
) -> list[tuple[list[int], pd.DataFrame, np.ndarray]]:
    """_validate_company of several companies, in pieces: (companies by position, their typed
    contacts in one frame, company after company, and where each one's rows start, then where
    the last ends). Companies whose files are all read fast with the same columns of the same
    types are checked together (validate.fast_contacts); if anything is wrong there, or a
    company stands alone, each is checked on its own."""
    kinds: dict[object, list[int]] = {}
    for index, files in enumerate(tables):
        kinds.setdefault(_kind(files) or ("alone", index), []).append(index)
    pieces = []
    for indices in kinds.values():
        fast = fast_contacts([tables[i] for i in indices], pinned) if len(indices) > 1 else None
        if fast is None:
            for index in indices:
                contacts = _validate_company(results[index], tables[index], pinned)
                contacts = contacts if contacts is not None else empty_contacts()
                pieces.append(([index], contacts, np.array([0, len(contacts)])))
            continue
        problems, contacts = fast
        for index, found in zip(indices, problems, strict=True):
            _report(results[index], tables[index], found)
        rows = [sum(table.records for table in tables[index]) for index in indices]
        pieces.append((indices, contacts, np.concatenate([[0], np.cumsum(rows)])))
    return pieces


def _kind(tables: list) -> frozenset | None:
    """The column names and Arrow types of a company's files, if each was read fast (a
    TypedTable) or is an empty file without problems; None otherwise."""
    kinds = set()
    for table in tables:
        if isinstance(table, TypedTable):
            kinds.add((tuple(table.arrow.column_names), tuple(table.arrow.schema.types)))
        elif table.problems or table.records:
            return None
    return frozenset(kinds)


def load_company(
    company: CompanyFiles, data_dir: Path, pinned: dt.date | None = None, frames: bool = True,
) -> tuple[CompanyResult, pd.DataFrame | None]:
    """One company's files read and checked, not scored: its result (files, problems, profile,
    actions) and its counted contacts (None without `frames`, as publish.py validate wants)."""
    result, tables = _read_company(company, data_dir, frames)
    contacts = _validate_company(result, tables, pinned, frames)
    _read_summaries(result, company, data_dir, pinned, frames)
    return result, contacts


# --- summary files (scoring.summary_file): a company's contacts as committed aggregates -------

def _read_summaries(
    result: CompanyResult, company: CompanyFiles, data_dir: Path, pinned: dt.date | None,
    frames: bool = True,
) -> list[Summary]:
    """The company's summary files read and checked, each reported (kind "summary", its rows
    the contacts it summarizes); the Summaries of the valid ones, merged with the rows' own
    by score_company. Without `frames` (validation only) no sha256 is computed."""
    summaries = []
    files = [read_summary(path, data_dir, digest=frames) for path in company.summaries]
    for lines, (summary, rows, problems) in zip(
            files, check_summaries(files, company.slug, pinned), strict=True):
        status = "quarantined" if problems else ("counted" if rows else "empty")
        result.files.append(FileReport(lines.file, lines.sha256, "summary", rows, status,
                                       tuple(problems)))
        if summary is not None and rows:
            summaries.append(summary)
    return summaries


def _score_company(
    result: CompanyResult, summary: Summary, as_of: dt.date, config: CandorConfig,
) -> None:
    """Score one company from the summary of its contacts up to as_of (_score_companies)."""
    _score_companies([result], [summary], [as_of], config)


def _score_companies(
    results: list[CompanyResult], summaries: list[Summary], as_ofs: list[dt.date],
    config: CandorConfig,
) -> None:
    """Score companies, each from the summary of its contacts up to its as_of: its windows,
    months, breakdowns, actions, comments and signals. Every window of every company is scored
    at once (each month looks back from its own end: a company's whole cube is every one of
    its windows' history), the metrics' cost per call paid once for them all."""
    import pandas as pd
    thresholds = config.thresholds
    tables, parts = Tables.of_many(summaries)
    windows, months = [], []
    for company, (result, part, as_of) in enumerate(zip(results, parts, as_ofs, strict=True)):
        as_of_ts = pd.Timestamp(as_of, tz="UTC")
        known = known_actions(result.actions, part.contacts, as_of, thresholds)
        recent_start = (as_of_ts + pd.Timedelta(days=1 - RECENT_DAYS)).to_datetime64()
        series, month_windows = _month_windows(part, result.actions, thresholds, company)
        months.append(series)
        windows += [Window(None, None, as_of_ts, known, company),
                    Window(recent_start, None, as_of_ts, known, company), *month_windows]
    scores = iter(score_windows(Windows(tables, windows, tables.contacts, thresholds)))
    breakdowns = _breakdowns(tables.contacts, len(results))
    for result, summary, part, series, breakdown in zip(results, summaries, parts, months,
                                                         breakdowns, strict=True):
        result.windows = dict(zip(WINDOWS, itertools.islice(scores, len(WINDOWS)), strict=True))
        result.monthly = list(zip(series, itertools.islice(scores, len(series)), strict=True))
        result.breakdowns = breakdown
        result.actions = [with_effect(action, part.contacts, thresholds.effect_window_days)
                          for action in result.actions]
        result.comments, result.n_public_comments = public_comments(summary)
        days = result.windows["all"]["freshness_days"].value
        result.stale = days is not None and days > thresholds.stale_days
        result.signals = signals(summary, config.gaming)


def public_comments(summary: Summary) -> tuple[list[Comment], int]:
    """The newest consented comments, redacted, and how many there are in all. Comments without
    consent are never in a summary, so their text goes no further than the rows."""
    from .redact import redact

    comments = summary.columns("comments")
    return [
        Comment(when.astype("datetime64[D]").item(), channel, topic,
                None if np.isnan(rating) else int(rating), redact(text))
        for when, channel, topic, rating, text in zip(
            comments["submitted_at"], comments["channel"], comments["topic"],
            comments["rating"], comments["comment"], strict=True)
    ], summary.public_comments


def known_actions(
    actions: list[Action], contacts: Table, as_of: dt.date, thresholds: Thresholds,
    until: pd.Timestamp | None = None, measured: dict | None = None,
) -> tuple[Action, ...]:
    """The action log as it stood on as_of, each done entry measured on the contacts cube,
    which must end with as_of, or on its days before midnight `until` (the day after as_of): a
    window's action metrics see nothing from after its end.

    `measured`, kept across calls on the same cube (every month of a company), holds the
    entries measured so far: an entry known alike whose measured days end alike (at the end of
    its effect window, or `until` if that is first) is measured once."""
    days, known = thresholds.effect_window_days, []
    for action in actions:
        action = as_known_on(action, as_of)
        if action is None:
            continue
        if measured is None or action.status != "done" or action.done_on is None:
            known.append(with_effect(action, contacts, days, until))
            continue
        end = action.done_on + dt.timedelta(days=days)
        key = (action, end if until is None else min(end, until.date()))
        if key not in measured:
            measured[key] = with_effect(action, contacts, days, until)
        known.append(measured[key])
    return tuple(known)


def _month_windows(
    tables: Tables, actions: list[Action], thresholds: Thresholds, company: int = 0,
) -> tuple[list[str], list[Window]]:
    """Every calendar month from the first contact to the last, gaps included ("2026-03",
    ...), and its window (of `company`, Window's). A month's action metrics use the log and
    the contacts as they stood at the month's end."""
    import pandas as pd
    day = tables.contacts["day"]
    if not len(day):
        return [], []
    # The tables are in order of day: a month's rows are one run and its history a prefix.
    first, last = day[[0, -1]].astype("datetime64[M]")
    series = np.arange(first, last + 2)  # every month, then the one after the last
    bounds = series.astype("datetime64[D]").astype("datetime64[ns]")
    ends = pd.DatetimeIndex(bounds[1:] - np.timedelta64(1, "D")).tz_localize("UTC")
    windows, measured = [], {}
    for start, stop, month_end in zip(bounds[:-1], bounds[1:], ends, strict=True):
        known = known_actions(actions, tables.contacts, month_end.date(), thresholds,
                              pd.Timestamp(stop, tz="UTC"), measured) if actions else ()
        windows.append(Window(start, stop, month_end, known, company))
    return [str(month) for month in series[:-1]], windows


def _monthly(
    tables: Tables, actions: list[Action], thresholds: Thresholds,
) -> list[tuple[str, dict[str, Score]]]:
    """Every month's scores (_month_windows) on their own; _score_company scores them with its
    other windows."""
    series, windows = _month_windows(tables, actions, thresholds)
    return list(zip(series, score_windows(Windows(tables, windows, tables.contacts,
                                                  thresholds)), strict=True))


def _breakdowns(contacts: Table, companies: int) -> list[dict[str, list[Group]]]:
    """Each company's breakdowns, by dimension: the all-time contacts and CSAT of each value it
    has; contacts without one are a group of their own, "(not given)" (with a value of that
    name, if there is one). `contacts`: the contacts cube of one company, or of several
    (Tables.of_many), each dimension's values counted for all of them at once."""
    owner = contacts["company"] if companies > 1 else np.zeros(len(contacts), np.int64)
    found: list[dict[str, list[Group]]] = [{} for _ in range(companies)]
    for dimension in BREAKDOWNS:
        names, codes = contacts.codes(dimension)
        names = [*map(str, names), NOT_GIVEN]  # the last: missing, unless a value is so named
        width = len(names)
        cells = owner * width + np.where(codes < 0, names.index(NOT_GIVEN), codes)
        sizes, goods, rated = (np.bincount(cells, weights=contacts[name],
                                           minlength=companies * width).reshape(companies, width)
                               for name in ("contacts", "good", "rated"))
        for company, breakdown in enumerate(found):
            breakdown[dimension] = sorted((
                Group(names[value], int(sizes[company, value]), share(
                    int(goods[company, value]), int(rated[company, value]), MIN_RESPONSES))
                for value in np.flatnonzero(sizes[company]).tolist()),
                key=lambda group: (-group.contacts, group.name))
    return found


def data_commit(data_dir: Path) -> str | None:
    """The last commit that touched data_dir, or None outside a git checkout."""
    try:
        return git(["log", "-1", "--format=%H", "--", "."], data_dir).decode().strip() or None
    except GitError:
        return None


EPOCH = dt.date(1970, 1, 1)  # the as_of of a scoreboard without a single counted contact


@dataclass
class BuildStats:
    """How a build went: companies summarized (read), scored or reused from the cache,
    seconds per stage."""

    scored: int = 0
    reused: int = 0
    summarized: int = 0  # companies whose files were read (the others' summaries were cached)
    rescored: int = 0  # companies scored in phase 2, from their kept summaries
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, seconds: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds


def run_here(function: Callable[[T], R], jobs: Iterable[T]) -> Iterator[tuple[int, R]]:
    """The single-machine runner: one job (a batch of companies in phase 1, a company in phase
    2) at a time, so only one job's rows are ever in memory. A runner yields (position in jobs,
    function(job)) as each finishes, in any order, and takes the jobs one by one as it needs
    them (phase 2's read its summary)."""
    for index, job in enumerate(jobs):
        yield index, function(job)


Runner = Callable[[Callable[[T], R], Sequence[T]], Iterable[tuple[int, R]]]


PARALLEL_FROM = 16  # companies to score before a build's default runner starts worker processes


def process_runner(processes: int, minimum: int = 2) -> Runner:
    """A runner on this machine's cores: `processes` worker processes, each working on one job
    at a time (so at most `processes` jobs' rows are in memory at once, and at most twice that
    many jobs wait their turn), once there are at least `minimum` jobs (a build's first phase
    has as many as companies until it has 64, batch_bounds); fewer are done here (run_here),
    where starting the workers would cost more than it saves. Results are run_here's;
    build_scoreboard puts them back in company order.

    The workers are forked from this process when it runs no other thread (_forkable), and
    so start with every module it has imported (scoring, numpy, pyarrow: 0.2 s of a worker's
    start; each still imports pandas itself, at the same time as the other); else each starts
    from a clean process of the forkserver's and imports them all."""

    def run(function: Callable[[T], R], jobs: Sequence[T]) -> Iterator[tuple[int, R]]:
        if processes < 2 or len(jobs) < max(2, minimum):
            yield from run_here(function, jobs)
            return
        context = multiprocessing.get_context("fork" if _forkable() else "forkserver")
        waiting = enumerate(jobs)
        with ProcessPoolExecutor(min(processes, len(jobs)), mp_context=context) as pool:
            running = {pool.submit(function, job): index
                       for index, job in itertools.islice(waiting, 2 * processes)}
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    index = running.pop(future)
                    for following, job in itertools.islice(waiting, 1):
                        running[pool.submit(function, job)] = following
                    yield index, future.result()

    return run


class Lazy(Sequence):
    """jobs[i] made when a runner takes it, not before: phase 2's jobs hold a summary each."""

    def __init__(self, count: int, make: Callable[[int], object]):
        self.count, self.make = count, make

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index):
        if not 0 <= index < self.count:
            raise IndexError(index)
        return self.make(index)


# What reading and scoring a company imports as it first needs it (scoring imports them
# lazily, for the commands that need none of them: publish.py validate, an incremental build's
# own process)
BUILD_IMPORTS = ("pandas", "pyarrow.compute", "pyarrow.parquet", "scoring.redact")


def import_for_reading() -> None:
    """Import BUILD_IMPORTS (0.2 s): on a spare process before it reads (_Apart.spare)."""
    for module in BUILD_IMPORTS:
        importlib.import_module(module)


def collect_less_often() -> None:
    """The cycle collector's thresholds for a process that builds a scoreboard: a build makes
    hundreds of thousands of objects that live to its end (results, Scores) and few cycles,
    and at the default thresholds (a pass every 700 new objects) the collector scans them
    again and again as they pile up (0.2-0.3 s of an incremental build at L, and a full pass
    over them all in the Candor stage or while the site is written). It passes seventy times
    less often."""
    gc.set_threshold(50_000, 20, 10)


def build_scoreboard(
    data_dir: Path,
    as_of: dt.date | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    config: CandorConfig | None = None,
    cache: Cache | None = None,
    run: Runner = run_here,
    slim: bool = False,
    apart: bool = False,
    speculate: Speculation | None = None,
    on_speculated: Callable[[dict[str, bytes] | None], None] | None = None,
) -> Scoreboard:
    """Score every company under data_dir, in batches of companies on `run` (_score_all); then
    what needs them all: the Candor score (industry means), the audit and the ranks.

    `as_of` defaults to the newest counted contact of any company, so the same data always
    gives the same scores (a newer stamp in a quarantined file does not count); a pinned
    `as_of` cuts the contacts before they are summarized and makes any later contact a
    problem. `config` defaults to the repository's candor.yaml (scoring.config.ConfigError
    when it is invalid). With a `cache` (scoring.cache.Cache), a company whose files are
    unchanged is not read again: its summary comes from the cache, and its scores too when the
    as_of, config and code are unchanged as well; with `slim`, those scores come slim
    (Cache.get), and whoever shows all of a company's result asks the cache to fill it.
    With `apart`, the audit, and the companies read when they are few, run on processes of
    their own while this one scores the others, or looks them up in the cache (_apart); there,
    `speculate` and `on_speculated` are _score_all's (the search index starting on the pages
    of the companies read, publish.py build)."""
    config = config or read_config()
    stats = BuildStats()
    pool = _apart() if apart else None
    with pool or contextlib.nullcontext():
        # a spare process for the few companies a data commit changes, which it hashes as it
        # reads them, knowing the others' digests as this process does
        if pool and cache is not None and cache.holds_summaries():
            cache.read_digests()
            pool.spare(import_for_reading)
        history_apart = pool.submit(_history_events, data_dir, cache.folder if cache else None
                                    ) if pool else None
        companies, problems = discover(data_dir)
        jobs = [Job(company, data_dir, as_of, as_of, config) for company in companies]
        as_of, results, keys = _score_all(jobs, cache, run, progress, stats, slim, pool,
                                          speculate, on_speculated)
        if cache is not None:
            cache.save()
        started = time.perf_counter()
        add_candor_scores(results, config)
        stats.add("candor", time.perf_counter() - started)
        started = time.perf_counter()
        history = (_history_events(data_dir, cache.folder if cache else None)
                   if history_apart is None else history_apart.result())
    for result in results:
        result.integrity = None if history is None else [
            event for event in history if event.company == result.slug]
    stats.add("audit", time.perf_counter() - started)
    return Scoreboard(as_of, data_commit(data_dir), ranked(results), problems,
                      candor_config=config, stats=stats, keys=keys)


def _score_all(
    jobs: list[Job], cache: Cache | None, run: Runner,
    progress: Callable[[str, int, int], None] | None, stats: BuildStats, slim: bool = False,
    apart: _Apart | None = None, speculate: Speculation | None = None,
    on_speculated: Callable[[dict[str, bytes] | None], None] | None = None,
) -> tuple[dt.date, list[CompanyResult], dict[str, str]]:
    """The scoreboard's as_of, every company's result as of it, and slug -> the key its result
    was found or kept under (with a cache).

    Phase 1 (summarize_companies, in batches) reads each company whose summary the cache does
    not hold yet, keeps its summary there, and scores it as of a guess: the pinned as_of, or
    the newest counted day of the companies read or known so far. Once every company's newest
    day is known, so is the as_of; phase 2 (score_summary) scores from its kept summary each
    company that was not scored as of that day, unless the cache holds its result. Without a
    cache no summary is kept, and such a company is read again (score_company): a guess is
    seldom wrong (for the companies read before the newest one is), and keeping every
    company's summary cost more than reading those few again.

    With `apart` (_apart) and a cache, when fewer than PARALLEL_FROM companies are read, they
    are read on one of its processes while this one looks up the others' results in the
    cache, as of the as_of they give (the pinned one, or their newest day): right unless a
    company read has a newer day, and then looked up again. With `speculate`, that process
    then calls its function on the companies read (_summarize_each), and what it gives is
    handed to `on_speculated` as soon as it is there (None if it could not be made)."""
    from .cache import key, remember

    pinned = jobs[0].pinned if jobs else None
    started = time.perf_counter()
    # None: a file is new or changed (by its stat), the company is read and its key made then
    summary_keys = [cache.summary_key(job) if cache else None for job in jobs]
    newest = [cache.newest(summary_key) if summary_key else None  # None: not known
              for summary_key in summary_keys]
    stats.add("cache", time.perf_counter() - started)
    todo = [index for index, known in enumerate(newest) if known is None]
    stats.summarized = len(todo)
    guess = max((known[0] for known in newest if known and known[0]), default=None)

    def first(position: int) -> Job:  # made as a runner takes it: the guess as it stands then
        index = todo[position]
        return dataclasses.replace(jobs[index], as_of=guess, keep=cache is not None)

    found: dict[int, tuple[str, CompanyResult | None]] = {}  # looked up while they are read
    if apart is not None and cache is not None and 0 < len(todo) < PARALLEL_FROM:
        reading = apart.submit(_summarize_each, [first(position) for position in range(len(todo))],
                               speculate, spare=True)
        found_as_of = pinned or max((known[0] for known in newest if known and known[0]),
                                    default=EPOCH)
        started = time.perf_counter()
        for index in sorted(set(range(len(jobs))).difference(todo)):
            job = dataclasses.replace(jobs[index], as_of=found_as_of)
            found[index] = cache.get(job, job.config, summary_keys[index], slim)
            if on_speculated is not None and reading.done():  # handed on as soon as made
                on_speculated(reading.result()[1])
                on_speculated = None
        stats.add("cache", time.perf_counter() - started)
        read, speculated = reading.result()
        if on_speculated is not None:
            on_speculated(speculated)
        summarized: Iterable[tuple[int, tuple]] = enumerate(read)
    else:
        bounds = batch_bounds([jobs[index].company for index in todo])
        batches = run(summarize_companies, Lazy(
            len(bounds) - 1, lambda batch: [first(position) for position in range(
                bounds[batch], bounds[batch + 1])]))
        summarized = ((bounds[batch] + offset, outcome) for batch, outcomes in batches
                      for offset, outcome in enumerate(outcomes))
    scored: dict[int, tuple[CompanyResult, dt.date, str | None]] = {}
    for done, (position, (result, day, kept)) in enumerate(summarized, 1):
        index = todo[position]
        if kept is not None:  # kept with a cache
            remember(kept.digests)
            summary_keys[index] = kept.key
            cache.put_summary(kept.key, kept.entry, result.newest)
        newest[index] = (result.newest,)
        guess = max(filter(None, (guess, result.newest)), default=None)
        # kept now, while the workers work on: right unless the guess was wrong
        started = time.perf_counter()
        result_key = key(dataclasses.replace(jobs[index], as_of=day), jobs[index].config,
                         kept.key) if cache else None
        if cache is not None:
            cache.put(result_key, result)
        stats.add("cache", time.perf_counter() - started)
        scored[index] = (result, day, result_key)
        for stage, seconds in result.seconds.items():
            stats.add(stage, seconds)
        if progress:
            progress("summarize", done, len(todo))
    as_of = pinned or max((known[0] for known in newest if known[0]), default=EPOCH)

    jobs = [dataclasses.replace(job, as_of=as_of) for job in jobs]
    right = [scored.get(index, (None, None, None)) for index in range(len(jobs))]
    results: list[CompanyResult | None] = [result if day == as_of else None
                                           for result, day, _ in right]
    keys: list[str | None] = [key if day == as_of else None for _, day, key in right]
    if found and found_as_of != as_of:  # a company read moved the as_of: look up again
        for index in found:
            cache.slim.pop(jobs[index].company.slug, None)
        found = {}
    started = time.perf_counter()
    if cache is not None:
        for index, job in enumerate(jobs):
            if results[index] is None:
                keys[index], results[index] = found[index] if index in found else cache.get(
                    job, job.config, summary_keys[index], slim)
                stats.reused += results[index] is not None
    stats.add("cache", time.perf_counter() - started)
    todo = [index for index, result in enumerate(results) if result is None]
    stats.scored, stats.rescored = len(jobs) - stats.reused, len(todo)
    if progress:
        progress("score", len(jobs) - len(todo), len(jobs))

    def second(position: int) -> Scoring:
        job, summary_key = jobs[todo[position]], summary_keys[todo[position]]
        kept = cache.get_summary(summary_key)
        if kept is None:  # the kept summary cannot be read back: the company is read again
            from .cache import summary_of
            again = summarize_company(dataclasses.replace(job, keep=True))[2]
            kept = summary_of(again.key, again.entry)
        return Scoring(*kept, as_of, job.config)

    # without a cache no summary was kept: a company scored as of a wrong guess is read again
    again = run(score_summary, Lazy(len(todo), second)) if cache is not None else run(
        score_company, Lazy(len(todo), lambda position: jobs[todo[position]]))
    for done, (position, result) in enumerate(again, len(jobs) - len(todo) + 1):
        index = todo[position]
        results[index] = result = result or score_company(jobs[index])
        for stage, seconds in result.seconds.items():
            stats.add(stage, seconds)
        if cache is not None:
            cache.put(keys[index], result)
        if progress:
            progress("score", done, len(jobs))
    return as_of, results, {job.company.slug: k for job, k in zip(jobs, keys, strict=True)
                            if k}


BATCH = 32  # companies read, checked and summarized together, at most
BATCH_BYTES = 16 * 2**20  # and their feedback files' bytes, at most (unless a company's alone)


def batch_bounds(companies: list[CompanyFiles]) -> list[int]:
    """Where each batch of a build's first phase starts, then where the last ends. Batches are
    up to BATCH companies whose feedback files hold BATCH_BYTES in all, at most (a company
    with more is a batch alone): a worker holds a batch's rows, and the per-call costs are
    paid once a batch. At L (10,000 contacts a company, CSV) that is about 15 companies, at
    1M (a thousand, Parquet) 31. A batch holds at most one company for every 2 *
    PARALLEL_FROM to read (so below 64, one): the batches must still outnumber PARALLEL_FROM
    twice over, since a runner decides by the jobs it is given whether to start its
    workers."""
    most = max(1, min(BATCH, len(companies) // (2 * PARALLEL_FROM)))
    bounds, count, held = [0], 0, 0
    for index, company in enumerate(companies):
        size = sum(_size(path) for path in company.feedback)
        if count == most or (count and held + size > BATCH_BYTES):
            bounds.append(index)
            count, held = 0, 0
        count, held = count + 1, held + size
    if companies:
        bounds.append(len(companies))
    return bounds


def _size(path: Path) -> int:
    """A file's size in bytes; 0 if it cannot be looked at (reading it reports why)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def add_candor_scores(results: list[CompanyResult], config: CandorConfig) -> None:
    """The Candor score needs each industry's means, so it is made once every company is
    scored: for each window, and for each month among the companies that have that month
    (a month's companies in their order). A slim result's months (MonthRows, from the cache)
    are read as arrays, and become each month's Candor score alone: all the build shows of
    them, unless it shows the company's page, and then the cache fills them (Cache.fill)."""
    from .cache import MonthRows

    industries = [result.industry for result in results]
    for number, window in enumerate(WINDOWS):
        table = list(zip(industries, (r.windows[window] for r in results), strict=True))
        scored = candor_scores(table, config, parts=number == 0)
        for (_, scores), (score, _) in zip(table, scored, strict=True):
            scores["candor_score"] = score
        if number == 0:  # the all-time window
            for result, (_, parts) in zip(results, scored, strict=True):
                result.candor_parts = parts
    # every company's months as rows of one table, the fields of each component's Score a
    # column (a row per month, company after company), scored a month at a time
    names = (*config.weights, "csat")
    # the fields of every component's Score of every month not given by a MonthRows, read at
    # once as candor_scores reads them, a row per month
    *floats, counts = score_fields(
        table[name] for result in results
        if not isinstance(result.monthly, MonthRows)
        for _, table in result.monthly for name in names)
    read = [column.reshape(-1, len(names)) for column in
            (*floats, np.array(counts, dtype=np.int64))]
    blocks, at = [], 0  # (index, months, fields) of each company
    for index, result in enumerate(results):
        if isinstance(result.monthly, MonthRows):
            blocks.append((index, result.monthly.months, result.monthly.fields(names)))
        else:
            months = [month for month, _ in result.monthly]
            blocks.append((index, months, tuple(column[at:at + len(months)] for column in read)))
            at += len(months)
    month_of = [month for _, months, _ in blocks for month in months]
    owner = np.repeat([index for index, _, _ in blocks], [len(m) for _, m, _ in blocks])
    value, low, high, n = (np.concatenate([fields[k] for *_, fields in blocks])
                           if month_of else None for k in range(4))
    codes = {month: code for code, month in enumerate(dict.fromkeys(month_of))}
    code = np.fromiter(map(codes.__getitem__, month_of), np.intp, len(month_of))
    order = np.argsort(code, kind="stable")  # a month's rows in company order
    bounds = np.searchsorted(code[order], np.arange(len(codes) + 1))
    candor: list[Score | None] = [None] * len(month_of)
    for first, last in itertools.pairwise(bounds.tolist()):
        rows = order[first:last]
        scored = candor_of([industries[i] for i in owner[rows].tolist()],
                           [(value[rows, k], low[rows, k], high[rows, k], n[rows, k].tolist())
                            for k in range(len(names))], config, parts=False)
        for row, (score, _) in zip(rows.tolist(), scored, strict=True):
            candor[row] = score
    at = 0
    for index, months, _ in blocks:
        result, mine = results[index], candor[at:at + len(months)]
        at += len(months)
        if isinstance(result.monthly, MonthRows):
            result.monthly = [(month, {"candor_score": score})
                              for month, score in zip(months, mine, strict=True)]
        else:
            for (_, scores), score in zip(result.monthly, mine, strict=True):
                scores["candor_score"] = score


def _history_events(data_dir: Path, cache: Path | None) -> list[Event] | None:
    """The audit of the data folder's git history (resumed from where the walk kept in the
    `cache` folder stopped), or None outside a git repository."""
    from .cache import Cache

    try:
        return audit(data_dir, Cache(cache) if cache else None)
    except GitError:
        return None


def _apart() -> _Apart | None:
    """Processes forked to work while this one does: one walks the git history for the audit
    (_history_events), submitted at the start of a build, which this process would otherwise
    wait for after scoring (0.26 s of a build after one data commit at L); the other reads and
    scores the companies whose files changed, when they are few (_score_all), while this
    process looks up the others in the cache: then it never imports pandas (0.3 s with the
    company's reading, at L). Neither writes anything the build reads but its results; the
    audit, its state file in the cache folder. None where this process may not fork
    (_forkable: publish.py serve's server runs a thread)."""
    return _Apart() if _forkable() else None


class _Apart:
    """Calls each run on a process forked for it as it is submitted (_Forked), as a process
    pool runs them (submit, and a context that waits for every one), but with no thread in
    this process: a pool's would keep it from forking its workers (process_runner) while the
    audit runs. A spare process forked ahead (spare) takes the first call submitted to it."""

    def __init__(self):
        self._calls: list[_Forked] = []
        self._spare: _Forked | None = None

    def spare(self, prepare: Callable[[], None]) -> None:
        """Fork a process now that calls prepare() (imports) and then waits for a call
        submitted with `spare`: it is ready by then, while this process did other work."""
        self._spare = _Forked(prepare, (), waits=True)

    def submit(self, function: Callable[..., R], *arguments, spare: bool = False) -> _Forked:
        if spare and self._spare is not None:
            call, self._spare = self._spare, None
            call.call(function, arguments)
        else:
            call = _Forked(function, arguments)
        self._calls.append(call)
        return call

    def shutdown(self) -> None:
        if self._spare is not None:  # never called: it ends
            self._spare.call(None, ())
            self._spare.join()
        for call in self._calls:
            with contextlib.suppress(BaseException):  # its error is raised by result()
                call.result()

    def __enter__(self) -> _Apart:
        return self

    def __exit__(self, *_) -> None:
        self.shutdown()


class _Forked:
    """One call on a forked process: done() and result(), as a Future's. Its outcome comes
    back through a pipe, its error with the process's traceback as a note; a process that dies
    before it answers is BrokenProcessPool, as in a pool."""

    def __init__(self, function: Callable, arguments: tuple, waits: bool = False):
        """With `waits`, function(*arguments) prepares the process, which then waits for the
        call to answer (call)."""
        context = multiprocessing.get_context("fork")
        self._reader, writer = context.Pipe(duplex=False)
        self._sender = None
        if waits:
            calls, self._sender = context.Pipe(duplex=False)
            self._process = context.Process(target=_answer_later,
                                            args=(writer, calls, function, arguments))
        else:
            self._process = context.Process(target=_answer, args=(writer, function, arguments))
        self._process.start()
        writer.close()
        if waits:
            calls.close()
        self._outcome: tuple[bool, object] | None = None

    def call(self, function: Callable | None, arguments: tuple) -> None:
        """The call a waiting process answers (None: none, it ends). A process that died
        meanwhile is BrokenProcessPool on result()."""
        with contextlib.suppress(OSError):
            self._sender.send(None if function is None else (function, arguments))
        self._sender.close()

    def join(self) -> None:
        self._process.join()
        self._reader.close()

    def done(self) -> bool:
        return self._outcome is not None or self._reader.poll()

    def result(self):
        if self._outcome is None:
            try:
                self._outcome = self._reader.recv()
            except EOFError:
                from concurrent.futures.process import BrokenProcessPool
                self._outcome = (False, BrokenProcessPool("a forked process died"))
            self._reader.close()
            self._process.join()
        ok, value = self._outcome
        if not ok:
            raise value
        return value


def _answer_later(writer, calls, prepare: Callable, arguments: tuple) -> None:
    """On a process forked ahead: prepare(*arguments), then the call sent (_Forked.call)."""
    with contextlib.suppress(Exception):  # the call fails alike, with its own error
        prepare(*arguments)
    try:
        call = calls.recv()
    except EOFError:  # the build's process ended
        return
    if call is not None:
        _answer(writer, *call)


def _answer(writer, function: Callable, arguments: tuple) -> None:
    """On the forked process: function(*arguments), or its error, sent back."""
    import traceback
    try:
        outcome = (True, function(*arguments))
    except BaseException as error:
        error.add_note(f"on the forked process:\n{traceback.format_exc()}")
        outcome = (False, error)
    try:
        writer.send(outcome)
    except Exception as error:  # an outcome that cannot be pickled
        writer.send((False, RuntimeError(
            f"{type(outcome[1]).__name__} cannot be sent back: {error}")))


def _forkable() -> bool:
    """Whether this process may fork: where there is fork, and no thread of Python's but this
    one runs, which could hold a lock the child would find held for ever. A pool forks all its
    processes at its first task, before it starts a thread of its own. (The threads that
    numpy and pyarrow start as they are imported, OpenBLAS's and jemalloc's, are readied for
    a fork by their libraries' own fork handlers.)"""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def check(data_dir: Path, as_of: dt.date | None = None) -> list[Problem]:
    """Every problem in every file under data_dir, without scoring."""
    companies, problems = discover(data_dir)
    with ThreadPoolExecutor(max_workers=LOAD_THREADS) as pool:
        checked = pool.map(lambda c: load_company(c, data_dir, as_of, frames=False), companies)
        for result, _ in checked:
            problems += result.problems
    return problems
