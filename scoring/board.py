"""All companies -> a Scoreboard: scores per window and month, breakdowns, actions, provenance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .actions import Action, actions_of, as_known_on, status_counts, with_effect
from .audit import Event, audit
from .config import read_config
from .gaming import Signal, signals
from .git import GitError, git
from .load import CompanyFiles, discover, display_path, read_feedback_fast, read_yaml
from .metrics import (
    METHODOLOGY_VERSION,
    CandorConfig,
    CandorPart,
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

RECENT_DAYS = 90
PUBLISHED_COMMENTS = 8  # the newest consented comments shown per company
WINDOWS = ("all", f"{RECENT_DAYS}d")
BREAKDOWNS = ("channel", "stage", "site", "topic")
LOAD_THREADS = 2  # companies read and checked at once (see _load_all)


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


def _load_company(
    company: CompanyFiles, data_dir: Path, as_of: dt.date | None = None, frames: bool = True,
) -> tuple[CompanyResult, pd.DataFrame | None]:
    """Read and validate one company's files; invalid files are kept out whole. Without
    `frames` the feedback files are only checked: the contacts are None and no sha256 is
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
    counted: list[pd.DataFrame] = []
    for table, (contacts, problems) in zip(tables, parse_feedback_files(tables, as_of, frames),
                                            strict=True):
        # a file without problems has as many rows as records
        status = "quarantined" if problems else ("empty" if not table.records else "counted")
        files.append(FileReport(table.file, table.sha256, "feedback", table.records, status,
                                tuple(problems)))
        if contacts is not None:
            counted.append(contacts)
    contacts = pd.concat(counted, ignore_index=True) if counted else None
    return CompanyResult(company.slug, profile, files, actions=entries), contacts


def _load_all(
    companies: list[CompanyFiles], data_dir: Path, as_of: dt.date | None, frames: bool,
) -> Iterator[tuple[CompanyResult, pd.DataFrame | None]]:
    """_load_company for each company, in order, two companies at a time: most of the work is
    in pyarrow, which releases the GIL, so a second thread keeps a second core busy."""
    with ThreadPoolExecutor(max_workers=LOAD_THREADS) as pool:
        yield from pool.map(lambda company: _load_company(company, data_dir, as_of, frames),
                            companies)


def _score_company(
    result: CompanyResult, contacts: pd.DataFrame, as_of: dt.date, config: CandorConfig,
) -> None:
    thresholds = config.thresholds
    end = pd.Timestamp(as_of, tz="UTC") + pd.Timedelta(days=1)
    as_of_ts = pd.Timestamp(as_of, tz="UTC")
    contacts = contacts[contacts["submitted_at"] < end]
    cases = cases_of(contacts)
    recent_start = end - pd.Timedelta(days=RECENT_DAYS)
    known = known_actions(result.actions, contacts, as_of, thresholds)
    result.windows = {
        "all": score_sample(Sample(contacts, cases, as_of_ts, known, contacts,
                                   thresholds=thresholds)),
        WINDOWS[1]: score_sample(Sample(
            contacts[contacts["submitted_at"] >= recent_start],
            cases[cases["first_at"] >= recent_start], as_of_ts, known, contacts,
            thresholds=thresholds,
        )),
    }
    result.monthly = _monthly(contacts, cases, result.actions, thresholds)
    result.breakdowns = {
        dimension: _breakdown(contacts, dimension, as_of_ts, thresholds)
        for dimension in BREAKDOWNS
    }
    result.actions = [with_effect(action, contacts, thresholds.effect_window_days)
                      for action in result.actions]
    result.comments, result.n_public_comments = public_comments(contacts)
    days = result.windows["all"]["freshness_days"].value
    result.stale = days is not None and days > thresholds.stale_days
    result.signals = signals(contacts, config.gaming)


def public_comments(contacts: pd.DataFrame) -> tuple[list[Comment], int]:
    """The newest consented comments, redacted, and how many there are in all. Comments without
    consent are never selected, so their text goes no further than this frame."""
    public = contacts[contacts["comment_public"] & contacts["comment"].notna()]
    public = public[public["comment"].str.strip().ne("")]
    newest = public.sort_values(["submitted_at", "id"], ascending=[False, True]).head(
        PUBLISHED_COMMENTS)
    return [
        Comment(row.submitted_at.date(), row.channel, row.topic,
                None if pd.isna(row.rating) else int(row.rating), redact(row.comment.strip()))
        for row in newest.itertuples()
    ], len(public)


def known_actions(
    actions: list[Action], contacts: pd.DataFrame, as_of: dt.date, thresholds: Thresholds,
) -> tuple[Action, ...]:
    """The action log as it stood on as_of, each done entry measured on `contacts`, which
    must end with as_of: a window's action metrics see nothing from after its end."""
    known = (as_known_on(action, as_of) for action in actions)
    return tuple(with_effect(action, contacts, thresholds.effect_window_days)
                 for action in known if action is not None)


def _month_key(stamps: pd.Series) -> pd.Series:
    return stamps.dt.tz_convert("UTC").dt.strftime("%Y-%m")


def _monthly(
    contacts: pd.DataFrame, cases: pd.DataFrame, actions: list[Action], thresholds: Thresholds,
) -> list[tuple[str, dict[str, Score]]]:
    """Every calendar month from the first contact to the last, gaps included. A month's action
    metrics use the log and the contacts as they stood at the month's end."""
    if contacts.empty:
        return []
    first = contacts["submitted_at"].min().tz_localize(None).to_period("M")
    last = contacts["submitted_at"].max().tz_localize(None).to_period("M")
    contact_groups = dict(tuple(contacts.groupby(_month_key(contacts["submitted_at"]))))
    ordered = contacts.sort_values("submitted_at", kind="stable")  # a month's history: a prefix
    case_groups = dict(tuple(cases.groupby(_month_key(cases["first_at"]))))
    series = []
    for period in pd.period_range(first, last, freq="M"):
        month = str(period)
        month_end = pd.Timestamp(period.end_time.date(), tz="UTC")
        history = ordered.iloc[:ordered["submitted_at"].searchsorted(
            month_end + pd.Timedelta(days=1))]
        sample = Sample(
            contact_groups.get(month, contacts.iloc[0:0]),
            case_groups.get(month, cases.iloc[0:0]), month_end,
            known_actions(actions, history, month_end.date(), thresholds), history,
            thresholds=thresholds,
        )
        series.append((month, score_sample(sample)))
    return series


def _breakdown(
    contacts: pd.DataFrame, dimension: str, as_of: pd.Timestamp, thresholds: Thresholds,
) -> list[Group]:
    groups = []
    for name, rows in contacts.groupby(contacts[dimension].fillna("(not given)"), sort=True):
        score = csat(Sample(rows, rows.iloc[0:0], as_of, thresholds=thresholds))
        groups.append(Group(str(name), len(rows), score))
    return sorted(groups, key=lambda g: (-g.contacts, g.name))


def data_commit(data_dir: Path) -> str | None:
    """The last commit that touched data_dir, or None outside a git checkout."""
    try:
        return git(["log", "-1", "--format=%H", "--", "."], data_dir).decode().strip() or None
    except GitError:
        return None


def build_scoreboard(
    data_dir: Path,
    as_of: dt.date | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    config: CandorConfig | None = None,
) -> Scoreboard:
    """Load, validate and score every company under data_dir. `as_of` defaults to the newest
    contact in the data, so the same data always gives the same scores. `config` defaults to
    the repository's candor.yaml (scoring.config.ConfigError when it is invalid)."""
    config = config or read_config()
    companies, problems = discover(data_dir)
    loaded = []
    for index, result in enumerate(_load_all(companies, data_dir, as_of, True), start=1):
        if progress:
            progress("load", index, len(companies))
        loaded.append(result)
    if as_of is None:
        newest = [c["submitted_at"].max() for _, c in loaded if c is not None and len(c)]
        as_of = max(newest).date() if newest else dt.date(1970, 1, 1)
    for index, (result, contacts) in enumerate(loaded, start=1):
        if progress:
            progress("score", index, len(loaded))
        _score_company(result, contacts if contacts is not None else empty_contacts(), as_of,
                       config)

    results = [result for result, _ in loaded]
    _add_candor_scores(results, config)
    history = _history_events(data_dir)
    for result in results:
        result.integrity = None if history is None else [
            event for event in history if event.company == result.slug]
    return Scoreboard(as_of, data_commit(data_dir), ranked(results), problems,
                      candor_config=config)


def _add_candor_scores(results: list[CompanyResult], config: CandorConfig) -> None:
    """The Candor score needs each industry's means, so it is made once every company is
    scored: for each window, and for each month among the companies that have that month."""
    tables = [[(r.industry, r.windows[window]) for r in results] for window in WINDOWS]
    months: dict[str, list[tuple[str | None, dict[str, Score]]]] = {}
    for result in results:
        for month, scores in result.monthly:
            months.setdefault(month, []).append((result.industry, scores))
    for table in [*tables, *months.values()]:
        for (_, scores), (score, _) in zip(table, candor_scores(table, config), strict=True):
            scores["candor_score"] = score
    for result, (_, parts) in zip(results, candor_scores(tables[0], config), strict=True):
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
    for result, _ in _load_all(companies, data_dir, as_of, frames=False):
        problems += result.problems
    return problems
