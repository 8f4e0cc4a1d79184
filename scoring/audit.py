"""Tamper evidence: feedback rows, or summary records, deleted or altered after they were
first committed.

Public API::

    audit(data_dir: Path) -> list[Event]

walks the committed history of `data_dir` (the working tree is not looked at) and returns one
`Event(company, kind, commit, date, count, ids)` per company, per commit and per kind, oldest
first; `kind` is "deleted" or "altered", `date` the commit's committer date in ISO 8601 as git
prints it (`%cI`), `count` how many ids that commit deleted or altered in that company and `ids`
the first MAX_IDS of them in sorted order. Companies may add rows freely; an empty list means
the history only ever added rows. It raises `GitError` (from scoring.git) when `data_dir` is
not inside a git repository or git cannot read it.

How a row is followed:

- History is the first-parent chain of commits that touch the data folder, oldest first. At each
  one the whole tree under the data folder is listed, so renames, merges and rows moved between
  files of one company need no special case. Each file version (blob) is read once, through
  `scoring.load.read_feedback`, so parsing is exactly the loader's.
- A row is known by its company and its `id`. Its fingerprint hashes its non-empty cells by
  column name in sorted order, values as text (strings as written; numbers and booleans from
  JSONL or Parquet in their JSON spelling, a whole number without ".0"), so moving a row to
  another file or format, reordering columns or adding an empty column is not an alteration,
  while changing any value is.
- "deleted": an id a company had at the previous commit and no longer has. "altered": an id
  present at both with a different fingerprint. An id deleted and later re-added stays deleted
  in the report; its return is an addition, the baseline for later changes.
- A file version that cannot be read whole (not UTF-8, a CSV or JSON syntax error, a row with
  the wrong number of fields, an unreadable Parquet file, too large, no `id` column) is skipped:
  the file's rows are taken to be those of its last readable version, so nothing is reported
  deleted or altered because of it; whatever changed meanwhile is reported against the commit
  that makes it readable again. Rows without an id cannot be followed and are ignored; when ids
  repeat within a company (validation rejects that) the first in path order is followed.
- Summary files (`<slug>/summaries/*.jsonl`, scoring.summary_file) are followed by record: a
  record is known by its kind and key (a contacts record by its day, channel, stage, site and
  topic; a waits record by day and seconds; a case record by day, size, outcome and time; a
  comment by id; a burst by its start and end), its id in the report that kind and key in
  words. A month may be summarized again as late rows arrive, so counts may grow: "altered" is
  a record with any count smaller than before (a comment or burst with any change), "deleted"
  a record gone. Summary records are counted apart from rows (Event.unit).
- A shallow clone holds part of the history only: `is_shallow` tells (CI must fetch it whole).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .git import GitError
from .git import git as _git
from .ledger import FEEDBACK_SUFFIXES, SLUG_PATTERN
from .load import read_feedback, read_summary
from .summary_file import KEYS

__all__ = ["MAX_IDS", "Event", "GitError", "audit", "is_shallow", "report_json", "report_text"]

MAX_IDS = 20  # ids listed per event; `count` has them all
ARCHIVE_BATCH = 500  # paths per `git archive` call, well below any command-line limit

# A file version with any of these problems was not read whole: its rows are not trusted.
UNREADABLE = frozenset({
    "not_utf8", "csv_syntax", "wrong_field_count", "wrong_separator", "json_syntax",
    "json_not_object", "parquet_unreadable", "file_too_large",
})


@dataclass(frozen=True)
class Event:
    """Rows of one company that one commit deleted or altered."""

    company: str
    kind: str  # "deleted" | "altered"
    commit: str  # full sha
    date: str  # committer date, ISO 8601
    count: int
    ids: tuple[str, ...]  # the first MAX_IDS, sorted
    unit: str = "contact"  # what was counted: "contact" (rows) or "summary record"

    def as_dict(self) -> dict:
        return {"company": self.company, "kind": self.kind, "commit": self.commit,
                "date": self.date, "count": self.count, "ids": list(self.ids),
                "unit": self.unit}


# id -> fingerprint: a row's hash; a summary record's counts (which may only grow), or for a
# comment or burst record a 1-tuple of its hash
Rows = dict[str, str | tuple]


def _text(value) -> str | None:
    """A cell as text; None for an empty cell, so an absent and an empty value are the same."""
    if value is None or isinstance(value, str):
        return value or None
    if isinstance(value, float) and math.isnan(value):
        return None
    if getattr(value, "ndim", 0):  # a list cell of a Parquet file, as a numpy array
        return _text(value.tolist())
    if hasattr(value, "item") and not hasattr(value, "isoformat"):  # numpy scalar
        return _text(value.item())
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if hasattr(value, "isoformat"):  # dates and times from Parquet
        text = value.isoformat()
        return None if text == "NaT" else text
    return str(value)


def _summary_records(path: Path) -> Rows | None:
    """A summary file version's records, id -> counts (a comment's or burst's hash), or None
    if it cannot be read whole. The header is not a record: its counts are the records'."""
    lines = read_summary(path, path.parent, digest=False)
    if any(p.code in UNREADABLE for p in lines.problems):
        return None
    rows: Rows = {}
    for _, _, record in lines.records:
        keys = KEYS.get(record.get("kind"))
        if keys is None:  # the header, or a record validation refuses
            continue
        row_id = " ".join([record["kind"], *(f"{key}={_text(record.get(key)) or '-'}"
                                             for key in keys)])
        counts = [record[name] for name in record if name not in ("kind", *keys)]
        flat = [c for value in counts for c in (value if isinstance(value, list) else [value])]
        if record["kind"] in ("comment", "burst"):
            fingerprint = (hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest(),)
        elif all(isinstance(c, int) and not isinstance(c, bool) for c in flat):
            fingerprint = tuple(flat)
        else:
            continue  # counts validation refuses: nothing to follow
        rows.setdefault(row_id, fingerprint)
    return rows


def _fingerprints(path: Path, kind: str = "feedback") -> Rows | None:
    """id -> fingerprint for one file version, or None if it cannot be read whole."""
    if kind == "summaries":
        return _summary_records(path)
    table = read_feedback(path, path.parent)
    if any(p.code in UNREADABLE for p in table.problems) or "id" not in table.columns:
        return None
    columns = table.columns
    order = sorted(range(len(columns)), key=lambda i: (columns[i], i))
    cells = table.rows.to_numpy(dtype=object)
    # fingerprints are only compared within one run, so the repr of the pairs is canonical enough
    texts = [[(columns[i], text) if (text := _text(value)) is not None else None
              for value in cells[:, i]] for i in order]
    rows: Rows = {}
    ids = map(_text, cells[:, columns.index("id")])
    for row_id, pairs in zip(ids, zip(*texts, strict=True), strict=True):
        if row_id is None or row_id in rows:
            continue
        canonical = repr([pair for pair in pairs if pair is not None]).encode()
        rows[row_id] = hashlib.sha256(canonical).hexdigest()[:32]
    return rows


def _read(top: Path, commit: str, blobs: dict[str, str]) -> dict[str, Rows | None]:
    """path -> rows for the given files (path -> blob) at `commit`, fetched in one
    `git archive` per batch rather than one git process per file."""
    paths = list(blobs)
    found: dict[str, Rows | None] = {}
    with tempfile.TemporaryDirectory(prefix="candor-audit-") as folder:
        for start in range(0, len(paths), ARCHIVE_BATCH):
            batch = paths[start:start + ARCHIVE_BATCH]
            archive = _git(["--literal-pathspecs", "archive", "--format=tar", commit, "--",
                            *batch], top)
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(folder, filter="data")
        for path in paths:
            copy = Path(folder, path)
            if not copy.is_file():  # left out of the archive by an export-ignore attribute
                copy.parent.mkdir(parents=True, exist_ok=True)
                copy.write_bytes(_git(["cat-file", "blob", blobs[path]], top))
            found[path] = _fingerprints(copy, _kind(path))
    return found


def _kind(path: str) -> str:
    """"summaries" for a summary file's path, else "feedback"."""
    return "summaries" if PurePosixPath(path).parts[-2:-1] == ("summaries",) else "feedback"


def _company(path: str, inside: str) -> str | None:
    """The company slug of a feedback or summary file's path (relative to the repository), else
    None."""
    parts = PurePosixPath(path).relative_to(inside).parts if inside else PurePosixPath(path).parts
    if len(parts) < 3 or not re.fullmatch(SLUG_PATTERN, parts[0]):
        return None
    if parts[1] == "feedback" and PurePosixPath(path).suffix in FEEDBACK_SUFFIXES:
        return parts[0]
    if parts[1:2] == ("summaries",) and len(parts) == 3 and path.endswith(".jsonl"):
        return parts[0]
    return None


def _tree(top: Path, commit: str, inside: str) -> dict[str, str]:
    """path -> blob sha of every file under the data folder at `commit` (symbolic links and
    submodules are not files with rows)."""
    listing = _git(["ls-tree", "-r", "-z", commit, "--", inside or "."], top)
    blobs = {}
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, path = entry.split(b"\t", 1)
        mode, kind, sha = meta.split()
        if kind == b"blob" and mode != b"120000":
            blobs[os.fsdecode(path)] = sha.decode()
    return blobs


def _altered(before: str | tuple, after: str | tuple) -> bool:
    """A row's fingerprint changed, or a summary record lost counts (growing is adding)."""
    if (isinstance(before, tuple) and isinstance(after, tuple) and len(before) == len(after)
            and all(isinstance(b, int) for b in before + after)):
        return any(b > a for b, a in zip(before, after, strict=True))
    return before != after


def _compare(company: str, commit: str, date: str, before: Rows, after: Rows) -> list[Event]:
    changed = {
        "deleted": sorted(before.keys() - after.keys()),
        "altered": sorted(i for i in before.keys() & after.keys()
                          if _altered(before[i], after[i])),
    }
    events = []
    for unit in ("contact", "summary record"):
        for kind, ids in changed.items():
            mine = [i for i in ids if isinstance(before[i], tuple) == (unit != "contact")]
            if mine:
                events.append(Event(company, kind, commit, date, len(mine),
                                    tuple(mine[:MAX_IDS]), unit))
    return events


def _repository(data_dir: Path) -> tuple[Path, str]:
    """(repository top, the data folder relative to it as a posix path, "" for the top)."""
    data_dir = data_dir.resolve()
    if not data_dir.is_dir():
        raise GitError(f"data folder {str(data_dir)!r} does not exist")
    try:
        top = Path(_git(["rev-parse", "--show-toplevel"], data_dir).decode().strip()).resolve()
    except GitError:
        raise GitError(f"{data_dir} is not inside a git repository") from None
    inside = data_dir.relative_to(top).as_posix()
    return top, "" if inside == "." else inside


def _history(top: Path, inside: str) -> list[tuple[str, str]]:
    """(sha, committer date) of the first-parent commits touching the data folder, oldest first."""
    try:
        log = _git(["log", "--reverse", "--first-parent", "--format=%H %cI", "--",
                    inside or "."], top)
    except GitError as error:
        if "does not have any commits" in str(error):
            return []
        raise
    return [tuple(line.split(" ", 1)) for line in log.decode().splitlines() if line]


def audit(data_dir: Path) -> list[Event]:
    """Every deletion and alteration of committed feedback rows and summary records under
    data_dir, oldest first."""
    top, inside = _repository(data_dir)
    read: dict[str, Rows | None] = {}  # blob sha -> its rows (None: unreadable), read once
    readable: dict[str, str] = {}  # path -> blob of its last readable version
    state: dict[str, tuple[tuple, Rows]] = {}  # company -> (its files' versions, its rows)
    events: list[Event] = []
    for commit, date in _history(top, inside):
        tree = _tree(top, commit, inside)
        paths: dict[str, list[str]] = {}  # company -> its feedback and summary files
        for path in sorted(tree):
            if (company := _company(path, inside)) is not None:
                paths.setdefault(company, []).append(path)
        new = {tree[path]: path for group in paths.values() for path in group
               if tree[path] not in read}
        fetched = _read(top, commit, {path: blob for blob, path in new.items()})
        read.update((blob, fetched[path]) for blob, path in new.items())
        readable = {path: tree[path] if read[tree[path]] is not None else readable.get(path)
                    for group in paths.values() for path in group}
        following: dict[str, tuple[tuple, Rows]] = {}
        for company in sorted(state.keys() | paths.keys()):
            versions = tuple((path, readable[path]) for path in paths.get(company, []))
            before = state.get(company, ((), {}))
            if versions == before[0]:  # no file of this company changed: nothing to compare
                following[company] = before
                continue
            after = _merge(read[blob] for _, blob in versions if blob is not None)
            events += _compare(company, commit, date, before[1], after)
            following[company] = (versions, after)
        state = following
    return events


def _merge(tables: Iterable[Rows]) -> Rows:
    """One company's rows from its files in path order; the first of a repeated id is kept."""
    rows: Rows = {}
    for table in tables:
        for row_id, fingerprint in table.items():
            rows.setdefault(row_id, fingerprint)
    return rows


def is_shallow(data_dir: Path) -> bool:
    """True when the repository is a shallow clone, whose audit sees part of the history only."""
    top, _ = _repository(data_dir)
    return _git(["rev-parse", "--is-shallow-repository"], top).strip() == b"true"


def report_text(events: list[Event]) -> str:
    """One paragraph per company, for people."""
    if not events:
        return "No rows were deleted or altered.\n"
    lines = []
    for company in sorted({e.company for e in events}):
        parts = []
        for e in (e for e in events if e.company == company):
            noun = e.unit if e.count == 1 else f"{e.unit}s"
            verb = "removed" if e.kind == "deleted" else "altered"
            parts.append(f"{e.count:,} {noun} {verb} on {e.date[:10]} in commit {e.commit[:7]}"
                         f" ({', '.join(e.ids)}{', …' if e.count > len(e.ids) else ''})")
        lines.append(f"{company}: " + "; ".join(parts))
    return "\n".join(lines) + "\n"


def report_json(events: list[Event]) -> str:
    """A list of events, for tools."""
    return json.dumps([e.as_dict() for e in events], indent=1, ensure_ascii=False) + "\n"
