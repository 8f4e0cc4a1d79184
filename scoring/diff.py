"""Score changes between the data at a git revision and the working tree, as Markdown."""

from __future__ import annotations

import datetime as dt
import io
import tarfile
import tempfile
from pathlib import Path

from .board import CompanyResult, Scoreboard, build_scoreboard
from .export import rounded, shown
from .git import GitError
from .git import git as _git
from .metrics import METRICS


def scoreboard_at(revision: str, data_dir: Path, as_of: dt.date) -> Scoreboard | None:
    """The scoreboard the data folder held at `revision` (None if it did not exist then)."""
    data_dir = data_dir.resolve()
    top = Path(_git(["rev-parse", "--show-toplevel"], data_dir).decode().strip())
    try:
        commit = _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], top)
    except GitError:
        raise GitError(f"{revision!r} is not a commit in {top}") from None
    inside = data_dir.relative_to(top).as_posix()
    listing = _git(["ls-tree", "--name-only", commit.decode().strip(), "--", inside], top)
    if not listing.strip():
        return None
    archive = _git(["archive", "--format=tar", commit.decode().strip(), "--", inside], top)
    with tempfile.TemporaryDirectory(prefix="candor-diff-") as folder:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        return build_scoreboard(Path(folder) / inside, as_of=as_of)


def _moved(before: CompanyResult | None, after: CompanyResult | None) -> list[tuple]:
    """(metric id, score before, score after) for every all-time metric whose value moved."""
    rows = []
    for metric_id in METRICS:
        old = before.windows["all"][metric_id] if before else None
        new = after.windows["all"][metric_id] if after else None
        if (rounded(old.value if old else None, metric_id)
                != rounded(new.value if new else None, metric_id)
                or (old.n if old else None) != (new.n if new else None)):
            rows.append((metric_id, old, new))
    return rows


def _cell(score, metric_id: str) -> str:
    if score is None:
        return "—"
    return f"{shown(score, metric_id)} (n={score.n:,})"


def _change(old, new, metric_id: str) -> str:
    if old is None or new is None or old.value is None or new.value is None:
        return ""
    delta = rounded(new.value, metric_id) - rounded(old.value, metric_id)
    decimals = METRICS[metric_id].decimals
    return f"{delta:+,.{decimals}f}"


def markdown(base: Scoreboard | None, head: Scoreboard, revision: str) -> str:
    """A Markdown table of the all-time metrics that moved, per company, for a PR summary."""
    old = {c.slug: c for c in base.companies} if base else {}
    new = {c.slug: c for c in head.companies}
    lines = [f"### Score changes against `{revision}` (all time, as of {head.as_of})", ""]
    table = ["| company | metric | before | after | change |", "|---|---|---|---|---|"]
    titles = {metric_id: m.title for metric_id, m in head.metrics.items()}
    for slug in sorted(old.keys() | new.keys()):
        company = new.get(slug) or old[slug]
        label = company.name + ("" if slug in old else " (new)") + (
            "" if slug in new else " (removed)")
        for metric_id, before, after in _moved(old.get(slug), new.get(slug)):
            title = titles[metric_id]

            table.append(f"| {_escape(label)} | {title} | {_cell(before, metric_id)} "
                         f"| {_cell(after, metric_id)} | {_change(before, after, metric_id)} |")
    if len(table) == 2:
        lines.append("No score changed.")
    else:
        lines += table
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    """A Markdown table cell: a pipe would end it, a newline would end the row."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def diff(data_dir: Path, revision: str, as_of: dt.date | None = None) -> str:
    head = build_scoreboard(data_dir, as_of=as_of)
    base = scoreboard_at(revision, data_dir, head.as_of)
    return markdown(base, head, revision)
