"""All companies -> a Scoreboard: scores per window and month, breakdowns, actions, provenance."""

from __future__ import annotations

import datetime as dt
import heapq
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from .actions import Action, actions_of, as_known_on, status_counts, with_effect
from .audit import Event, audit
from .config import read_config
from .gaming import Signal, signals
from .git import GitError, git
from .ledger import MAX_FEEDBACK_FILE_BYTES
from .load import CompanyFiles, discover, display_path, read_feedback_fast, read_yaml
from .metrics import (
    METHODOLOGY_VERSION,
    CandorConfig,
    CandorPart,
    Columns,
    Metric,
    Sample,
    Score,
    Thresholds,
    candor_scores,
    cases_of,
    csat,
    published,
    score_sample,
)
from .problems import Problem
from .ranks import ranked
from .redact import redact
from .validate import check_actions, check_profile, empty_contacts, parse_feedback_files

if TYPE_CHECKING:
    from .cache import Cache

RECENT_DAYS = 90
PUBLISHED_COMMENTS = 8  # the newest consented comments shown per company
WINDOWS = ("all", f"{RECENT_DAYS}d")
BREAKDOWNS = ("channel", "stage", "site", "topic")
LOAD_THREADS = 2  # companies checked at once by check(): pyarrow releases the GIL


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
        return sum(f.rows for f in self.files if f.kind == "feedback")

    @property
    def rows_counted(self) -> int:
        return sum(f.rows for f in self.files if f.kind == "feedback" and f.status == "counted")

    @property
    def rows_quarantined(self) -> int:
        """Rows in quarantined feedback files: read = counted + quarantined, always."""
        return sum(f.rows for f in self.files if f.kind == "feedback" and f.status == "quarantined")

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
    data folder they are named relative to, the date it is scored as of, the pinned date past
    which a contact is a problem (None: not pinned, the default build) and the scoreboard's
    settings (candor.yaml)."""

    company: CompanyFiles
    data_dir: Path
    as_of: dt.date
    pinned: dt.date | None = None
    config: CandorConfig = field(default_factory=read_config)  # the repository's


def score_company(job: Job) -> CompanyResult:
    """Load, validate and score one company, then let its rows go: the result holds scores,
    never contacts. Pure: the same files and dates give the same result on any machine. The
    seconds each stage took ride along in `result.seconds` (never cached or published)."""
    started = time.perf_counter()
    result, tables = _read_company(job.company, job.data_dir)
    loaded = time.perf_counter()
    contacts = _validate_company(result, tables, job.pinned)
    del tables
    validated = time.perf_counter()
    if contacts is not None and len(contacts):
        result.newest = contacts["submitted_at"].max().date()
    _score_company(result, contacts if contacts is not None else empty_contacts(), job.as_of,
                   job.config)
    result.seconds = {"load": loaded - started, "validate": validated - loaded,
                      "score": time.perf_counter() - validated}
    return result


def _read_company(
    company: CompanyFiles, data_dir: Path, frames: bool = True,
) -> tuple[CompanyResult, list]:
    """Read one company's files; its profile and action log are checked here too (they are
    small), its feedback files are only read. Without `frames` (validation only) no sha256 is
    computed."""
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
    tables = [read_feedback_fast(path, data_dir, digest=frames) for path in company.feedback]
    return CompanyResult(company.slug, profile, files, actions=entries), tables


def _validate_company(
    result: CompanyResult, tables: list, pinned: dt.date | None, frames: bool = True,
) -> pd.DataFrame | None:
    """The company's typed contacts (None without `frames`: only checked); invalid files are
    kept out whole and reported."""
    counted: list[pd.DataFrame] = []
    for table, (contacts, problems) in zip(tables, parse_feedback_files(tables, pinned, frames),
                                            strict=True):
        # a file without problems has as many rows as records
        status = "quarantined" if problems else ("empty" if not table.records else "counted")
        result.files.append(FileReport(table.file, table.sha256, "feedback", table.records,
                                       status, tuple(problems)))
        if contacts is not None:
            counted.append(contacts)
    return pd.concat(counted, ignore_index=True) if counted else None


def load_company(
    company: CompanyFiles, data_dir: Path, pinned: dt.date | None = None, frames: bool = True,
) -> tuple[CompanyResult, pd.DataFrame | None]:
    """One company's files read and checked, not scored: its result (files, problems, profile,
    actions) and its counted contacts (None without `frames`, as publish.py validate wants)."""
    result, tables = _read_company(company, data_dir, frames)
    return result, _validate_company(result, tables, pinned, frames)


def _score_company(
    result: CompanyResult, contacts: pd.DataFrame, as_of: dt.date, config: CandorConfig,
) -> None:
    thresholds = config.thresholds
    end = pd.Timestamp(as_of, tz="UTC") + pd.Timedelta(days=1)
    as_of_ts = pd.Timestamp(as_of, tz="UTC")
    contacts = contacts[contacts["submitted_at"] < end]
    cases = cases_of(contacts)
    rows, case_rows = Columns(contacts), Columns(cases)
    recent_start = (end - pd.Timedelta(days=RECENT_DAYS)).to_datetime64()
    known = known_actions(result.actions, rows, as_of, thresholds)
    result.windows = {
        "all": score_sample(Sample(rows, case_rows, as_of_ts, known, rows,
                                   thresholds=thresholds)),
        WINDOWS[1]: score_sample(Sample(
            rows.rows(rows["submitted_at"] >= recent_start),
            case_rows.rows(case_rows["first_at"] >= recent_start), as_of_ts, known, rows,
            thresholds=thresholds,
        )),
    }
    result.monthly = _monthly(rows, case_rows, result.actions, thresholds)
    result.breakdowns = {
        dimension: _breakdown(rows, dimension, as_of_ts, thresholds)
        for dimension in BREAKDOWNS
    }
    result.actions = [with_effect(action, rows, thresholds.effect_window_days)
                      for action in result.actions]
    result.comments, result.n_public_comments = public_comments(rows)
    days = result.windows["all"]["freshness_days"].value
    result.stale = days is not None and days > thresholds.stale_days
    result.signals = signals(contacts, config.gaming)


def public_comments(contacts: pd.DataFrame | Columns) -> tuple[list[Comment], int]:
    """The newest consented comments, redacted, and how many there are in all. Comments without
    consent are never selected, so their text goes no further than this frame."""
    rows = Columns.of(contacts)
    comments = rows["comment"]
    public = [i for i in np.flatnonzero(rows["comment_public"] & pd.notna(comments))
              if comments[i].strip()]
    when, ids = rows["submitted_at"], rows["id"]
    stamp = when.view("int64")
    newest = heapq.nsmallest(PUBLISHED_COMMENTS, public, key=lambda i: (-stamp[i], ids[i]))
    return [
        Comment(pd.Timestamp(when[i], tz="UTC").date(), rows["channel"][i], rows["topic"][i],
                None if np.isnan(rows["rating"][i]) else int(rows["rating"][i]),
                redact(comments[i].strip()))
        for i in newest
    ], len(public)


def known_actions(
    actions: list[Action], contacts: pd.DataFrame | Columns, as_of: dt.date, thresholds: Thresholds,
) -> tuple[Action, ...]:
    """The action log as it stood on as_of, each done entry measured on `contacts`, which
    must end with as_of: a window's action metrics see nothing from after its end."""
    known = (as_known_on(action, as_of) for action in actions)
    return tuple(with_effect(action, contacts, thresholds.effect_window_days)
                 for action in known if action is not None)


def _monthly(
    contacts: pd.DataFrame | Columns, cases: pd.DataFrame | Columns, actions: list[Action],
    thresholds: Thresholds,
) -> list[tuple[str, dict[str, Score]]]:
    """Every calendar month from the first contact to the last, gaps included. A month's action
    metrics use the log and the contacts as they stood at the month's end."""
    if not len(contacts):
        return []
    # In time order a month's contacts (and cases, by first contact) are one run of rows and
    # its history a prefix: each is found by binary search, not by filtering.
    ordered = Columns.of(contacts).sorted_by("submitted_at")
    by_start = Columns.of(cases).sorted_by("first_at")
    first, last = (pd.Timestamp(ordered["submitted_at"][i]).to_period("M") for i in (0, -1))
    series = []
    for period in pd.period_range(first, last, freq="M"):
        month_end = pd.Timestamp(period.end_time.date(), tz="UTC")
        bounds = [pd.Timestamp(period.start_time, tz="UTC").to_datetime64(),
                  (month_end + pd.Timedelta(days=1)).to_datetime64()]
        start, stop = ordered["submitted_at"].searchsorted(bounds)
        opened = by_start["first_at"].searchsorted(bounds)
        history = ordered.rows(slice(0, stop))
        sample = Sample(
            ordered.rows(slice(start, stop)), by_start.rows(slice(*opened)), month_end,
            known_actions(actions, history, month_end.date(), thresholds), history,
            thresholds=thresholds,
        )
        series.append((str(period), score_sample(sample)))
    return series


def _breakdown(
    contacts: Columns, dimension: str, as_of: pd.Timestamp, thresholds: Thresholds,
) -> list[Group]:
    values = contacts[dimension]
    names, group_of = np.unique(np.where(pd.isna(values), "(not given)", values).astype(str),
                                return_inverse=True)
    groups = []
    for index, name in enumerate(names):
        rows = contacts.rows(np.flatnonzero(group_of == index))
        score = csat(Sample(rows, contacts.rows(slice(0, 0)), as_of, thresholds=thresholds))
        groups.append(Group(str(name), len(rows), score))
    return sorted(groups, key=lambda g: (-g.contacts, g.name))


def data_commit(data_dir: Path) -> str | None:
    """The last commit that touched data_dir, or None outside a git checkout."""
    try:
        return git(["log", "-1", "--format=%H", "--", "."], data_dir).decode().strip() or None
    except GitError:
        return None


EPOCH = dt.date(1970, 1, 1)  # the as_of of a scoreboard without a single counted contact


@dataclass
class BuildStats:
    """How a build went: companies scored or reused from the cache, seconds per stage."""

    scored: int = 0
    reused: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, seconds: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds


def run_here(function: Callable[[Job], CompanyResult], jobs: list[Job],
             ) -> Iterator[tuple[int, CompanyResult]]:
    """The single-machine runner: one company at a time, so only one company's rows are ever
    in memory. A runner yields (position in jobs, result) as each finishes, in any order."""
    for index, job in enumerate(jobs):
        yield index, function(job)


Runner = Callable[[Callable[[Job], CompanyResult], list[Job]],
                  Iterable[tuple[int, CompanyResult]]]


def build_scoreboard(
    data_dir: Path,
    as_of: dt.date | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    config: CandorConfig | None = None,
    cache: Cache | None = None,
    run: Runner = run_here,
) -> Scoreboard:
    """Score every company under data_dir, company by company (score_company, on `run`), then
    what needs them all: the Candor score (industry means), the audit and the ranks.

    `as_of` defaults to the newest counted contact, so the same data always gives the same
    scores. It is guessed first from the submitted_at column alone (newest_contact); when the
    guess is not the newest counted contact (the newest row sat in a file that validation
    quarantines) every company is scored again as of the right day. `config` defaults to the
    repository's candor.yaml (scoring.config.ConfigError when it is invalid). With a `cache`
    (scoring.cache.Cache), companies whose files, config, dates and code are unchanged are
    reused, not scored."""
    config = config or read_config()
    stats = BuildStats()
    companies, problems = discover(data_dir)
    started = time.perf_counter()
    guess = as_of or newest_contact(companies, cache) or EPOCH
    stats.add("as_of", time.perf_counter() - started)
    keys: dict[str, str] = {}
    results = _score_all(companies, data_dir, guess, as_of, config, cache, run, progress, stats,
                         keys)
    if as_of is None:
        as_of = max((r.newest for r in results if r.newest), default=EPOCH)
        if as_of != guess:
            results = _score_all(companies, data_dir, as_of, None, config, cache, run, progress,
                                 stats, keys)
    started = time.perf_counter()
    _add_candor_scores(results, config)
    stats.add("candor", time.perf_counter() - started)
    started = time.perf_counter()
    history = _history_events(data_dir)
    for result in results:
        result.integrity = None if history is None else [
            event for event in history if event.company == result.slug]
    stats.add("audit", time.perf_counter() - started)
    return Scoreboard(as_of, data_commit(data_dir), ranked(results), problems,
                      candor_config=config, stats=stats, keys=keys)


def _score_all(
    companies: list[CompanyFiles], data_dir: Path, as_of: dt.date, pinned: dt.date | None,
    config: CandorConfig, cache: Cache | None, run: Runner,
    progress: Callable[[str, int, int], None] | None, stats: BuildStats,
    keys_out: dict[str, str],
) -> list[CompanyResult]:
    jobs = [Job(company, data_dir, as_of, pinned, config) for company in companies]
    results: list[CompanyResult | None] = [None] * len(jobs)
    keys: list[str | None] = [None] * len(jobs)
    started = time.perf_counter()
    if cache is not None:
        for index, job in enumerate(jobs):
            keys[index], results[index] = cache.get(job, config)
    stats.add("cache", time.perf_counter() - started)
    todo = [index for index, result in enumerate(results) if result is None]
    done = len(jobs) - len(todo)
    stats.reused, stats.scored = done, len(todo)
    if progress:
        progress("companies", done, len(jobs))
    for position, result in run(score_company, [jobs[index] for index in todo]):
        index = todo[position]
        results[index] = result
        for stage, seconds in result.seconds.items():
            stats.add(stage, seconds)
        if cache is not None:
            cache.put(keys[index], result)
        done += 1
        if progress:
            progress("companies", done, len(jobs))
    keys_out.clear()
    keys_out.update({job.company.slug: k for job, k in zip(jobs, keys, strict=True) if k})
    return results


def newest_contact(companies: list[CompanyFiles], cache: Cache | None = None) -> dt.date | None:
    """The newest submitted_at in any feedback file, reading that column alone with pyarrow:
    a quick guess at the default as_of, which build_scoreboard checks against the newest
    counted contact. A file this cannot read is left to validation. With a `cache`, each
    file's newest day is remembered by the file's digest (Cache.newest_day)."""
    days = (cache.newest_day(path, _newest_day) if cache else _newest_day(path)
            for company in companies for path in company.feedback)
    return max((day for day in days if day is not None), default=None)


def _newest_day(path: Path) -> dt.date | None:
    try:
        if path.stat().st_size > MAX_FEEDBACK_FILE_BYTES:
            return None
        stamp = _newest_in(path)
    except (OSError, ValueError, TypeError, pa.ArrowException):
        return None
    return None if stamp is None or pd.isna(stamp) else stamp.date()


def _newest_in(path: Path) -> pd.Timestamp | None:
    """Arrow parses ISO 8601 stamps itself (fast); anything else goes through pandas."""
    try:
        column = _submitted_at(path, STAMP)
    except pa.ArrowInvalid:
        column = _submitted_at(path, pa.string())
    if pa.types.is_timestamp(column.type):
        newest = pc.max(column).as_py()
        return None if newest is None else pd.Timestamp(newest).tz_convert("UTC")
    return pd.to_datetime(column.to_pandas(), utc=True, errors="coerce", format="ISO8601").max()


STAMP = pa.timestamp("us", tz="UTC")


def _submitted_at(path: Path, kind: pa.DataType) -> pa.ChunkedArray:
    if path.suffix == ".parquet":
        return pq.read_table(path, columns=["submitted_at"]).column(0)
    if path.suffix == ".csv":
        return pa_csv.read_csv(path, convert_options=pa_csv.ConvertOptions(
            include_columns=["submitted_at"], column_types={"submitted_at": kind},
        )).column(0)
    return pa_json.read_json(path, parse_options=pa_json.ParseOptions(
        explicit_schema=pa.schema([("submitted_at", kind)]),
        unexpected_field_behavior="ignore",
    )).column(0)


def _add_candor_scores(results: list[CompanyResult], config: CandorConfig) -> None:
    """The Candor score needs each industry's means, so it is made once every company is
    scored: for each window, and for each month among the companies that have that month."""
    tables = [[(r.industry, r.windows[window]) for r in results] for window in WINDOWS]
    months: dict[str, list[tuple[str | None, dict[str, Score]]]] = {}
    for result in results:
        for month, scores in result.monthly:
            months.setdefault(month, []).append((result.industry, scores))
    for number, table in enumerate([*tables, *months.values()]):
        scored = candor_scores(table, config)
        for (_, scores), (score, _) in zip(table, scored, strict=True):
            scores["candor_score"] = score
        if number == 0:  # the all-time window
            for result, (_, parts) in zip(results, scored, strict=True):
                result.candor_parts = parts


def _history_events(data_dir: Path) -> list[Event] | None:
    """The audit of the data folder's git history, or None outside a git repository."""
    try:
        return audit(data_dir)
    except GitError:
        return None



def check(data_dir: Path, as_of: dt.date | None = None) -> list[Problem]:
    """Every problem in every file under data_dir, without scoring."""
    companies, problems = discover(data_dir)
    with ThreadPoolExecutor(max_workers=LOAD_THREADS) as pool:
        checked = pool.map(lambda c: load_company(c, data_dir, as_of, frames=False), companies)
        for result, _ in checked:
            problems += result.problems
    return problems
