"""Tamper evidence: feedback rows, or summary records, deleted or altered after they were
first committed.

Public API::

    audit(data_dir: Path, cache: Cache | None = None) -> list[Event]

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
  files of one company need no special case. A file version (blob) is read through
  `scoring.load.read_feedback`, so parsing is exactly the loader's, and only when a company's
  files change after it first appears (_Walk): a history of one commit reads nothing.
- A build keeps the walk's state at the newest commit in its cache (`audit(data_dir, cache)`),
  so the next build walks only the commits that came since.
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
import json
import math
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .git import GitError
from .git import git as _git
from .ledger import FEEDBACK_SUFFIXES, SLUG_PATTERN
from .load import read_feedback, read_summary
from .summary_file import KEYS

__all__ = ["MAX_IDS", "Event", "GitError", "audit", "is_shallow", "report_json", "report_text"]

MAX_IDS = 20  # ids listed per event; `count` has them all

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


Version = tuple[str, str, str]  # a file version: (blob sha, kind, suffix): how it is read


def _version(blob: str, path: str) -> Version:
    return blob, _kind(path), PurePosixPath(path).suffix


def _read(top: Path, versions: list[Version]) -> dict[Version, Rows | None]:
    """Each file version's rows (None: it cannot be read whole), from one `git cat-file
    --batch`, which reads a blob by its sha: no checkout, no export-ignore attribute in the
    way."""
    output = _git(["cat-file", "--batch"], top,
                  stdin="".join(f"{blob}\n" for blob, _, _ in versions).encode())
    found: dict[Version, Rows | None] = {}
    offset = 0
    with tempfile.TemporaryDirectory(prefix="candor-audit-") as folder:
        for number, version in enumerate(versions):
            blob, kind, suffix = version
            end = output.index(b"\n", offset)
            header = output[offset:end].split()
            if header[1:2] != [b"blob"]:
                raise GitError(f"git cannot read blob {blob}")
            size = int(header[2])
            copy = Path(folder, f"{number}{suffix}")
            copy.write_bytes(output[end + 1:end + 1 + size])
            offset = end + 1 + size + 1  # the content, then a newline
            found[version] = _fingerprints(copy, kind)
            copy.unlink()
    return found


def _kind(path: str) -> str:
    """"summaries" for a summary file's path, else "feedback"."""
    return "summaries" if PurePosixPath(path).parts[-2:-1] == ("summaries",) else "feedback"


def _company(path: str, inside: str) -> str | None:
    """The company slug of a feedback or summary file's path (relative to the repository), else
    None. (String operations: a build's audit asks this of every file of every commit it
    walks, 25,000 at L.)"""
    if inside:
        if not path.startswith(inside + "/"):
            return None
        path = path[len(inside) + 1:]
    parts = path.split("/")
    if len(parts) < 3 or not _SLUG.fullmatch(parts[0]):
        return None
    name = parts[-1]
    dot = name.rfind(".")
    suffix = name[dot:] if 0 < dot < len(name) - 1 else ""  # as PurePosixPath.suffix
    if parts[1] == "feedback" and suffix in FEEDBACK_SUFFIXES:
        return parts[0]
    if parts[1] == "summaries" and len(parts) == 3 and name.endswith(".jsonl"):
        return parts[0]
    return None


_SLUG = re.compile(SLUG_PATTERN)


def _tree(top: Path, commit: str, inside: str, since: str | None = None) -> dict[str, str | None]:
    """path -> blob sha of every file under the data folder at `commit` (symbolic links and
    submodules are not files with rows); with `since`, of the files that differ from that
    commit's, None for one that is gone."""
    pathspec = ["--", inside or "."]
    if since is None:
        listing = _git(["ls-tree", "-r", "-z", commit, *pathspec], top).split(b"\0")
        entries = [(meta.split()[0], meta.split()[2], path) for meta, path in
                   (entry.split(b"\t", 1) for entry in listing if entry)]
    else:
        listing = _git(["diff-tree", "-r", "-z", "--no-renames", since, commit, *pathspec],
                       top).split(b"\0")
        entries = [(meta.split()[1], meta.split()[3], path)  # :old new old-sha new-sha status
                   for meta, path in zip(listing[0::2], listing[1::2], strict=False) if path]
    return {os.fsdecode(path): None if mode in (b"000000", b"120000", b"160000")
            else sha.decode() for mode, sha, path in entries}


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


STATE = "audit.state"  # the walk's state at the newest commit it walked, in a build's cache
STATE_FORMAT = "candor.audit/1"


def audit(data_dir: Path, cache=None) -> list[Event]:
    """Every deletion and alteration of committed feedback rows and summary records under
    data_dir, oldest first. With a `cache` (scoring.cache.Cache), the walk starts from the
    state it kept there (STATE) at the newest commit of the last walk, if that commit is still
    in the history and the code is the same, and keeps its state at the newest commit again:
    a build after one more commit walks that commit only."""
    from .cache import code_version

    top, inside = _repository(data_dir)
    history = _history(top, inside)
    walk = _Walk(top, inside)
    done = walk.resume(cache.read(STATE) if cache else None, code_version(), history)
    for number in range(done, len(history)):
        walk.step(*history[number], history[number - 1][0] if number else None)
    if cache is not None and history and done < len(history):
        cache.write(STATE, walk.state(code_version(), history[-1][0]))
    return walk.events


class _Walk:
    """The first-parent history of the data folder, one commit at a time. A company's rows are
    compared only when its files change after it first appears (with nothing before, there is
    nothing to delete or alter), and a file version is read only when they are (then once,
    while its company still has it): a company whose files never changed costs no reading.
    After the first commit, a commit's files are taken as the last one's with the changes
    between them (git diff-tree), so a commit costs what it changed.

    A file's version at a commit, as far as rows go, is its newest readable blob since the
    path appeared (an unreadable version is skipped: its rows are taken to be the last
    readable's). So a company's files are followed as (path, the blobs it had since then)
    pairs; which of them is readable is found out when its rows are needed, and the blobs
    older than a readable one are then forgotten."""

    def __init__(self, top: Path, inside: str):
        self.top, self.inside = top, inside
        self.events: list[Event] = []
        # company -> its files at the last commit walked, in path order: (path, its blobs)
        self.files: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {}
        self.rows: dict[Version, Rows | None] = {}  # versions read, kept while a company has one

    def resume(self, saved: bytes | None, code: str, history: list[tuple[str, str]]) -> int:
        """Take the state kept at a commit of `history` by the same code; returns how many of
        its commits it covers (0: walk from the start)."""
        try:
            state = json.loads(saved)
            if (state["format"] != STATE_FORMAT or state["code"] != code
                    or state["inside"] != self.inside):
                return 0
            done = [sha for sha, _ in history].index(state["commit"]) + 1
            events = [Event(e["company"], e["kind"], e["commit"], e["date"], e["count"],
                            tuple(e["ids"]), e["unit"]) for e in state["events"]]
            files = {company: tuple((path, tuple(chain)) for path, chain in pairs)
                     for company, pairs in state["files"].items()}
        except (TypeError, ValueError, KeyError, AttributeError):
            return 0
        self.events, self.files = events, files
        return done

    def state(self, code: str, commit: str) -> dict:
        return {"format": STATE_FORMAT, "code": code, "inside": self.inside, "commit": commit,
                "events": [e.as_dict() for e in self.events], "files": self.files}

    def step(self, commit: str, date: str, previous: str | None) -> None:
        """Walk `commit`, which follows `previous` (None: the first; nothing is walked yet)."""
        now: dict[str, dict[str, str | None]] = {}  # company -> path -> blob (None: gone)
        for path, blob in _tree(self.top, commit, self.inside, previous).items():
            if (company := _company(path, self.inside)) is not None:
                if company not in now:
                    now[company] = {path: chain[-1] for path, chain in self.files.get(company, ())}
                now[company][path] = blob
        for company in sorted(now):
            chains = dict(self.files.get(company, ()))
            files = []
            for path, blob in sorted(now[company].items()):
                if blob is not None:
                    chain = chains.get(path, ())
                    files.append((path, chain if chain[-1:] == (blob,) else (*chain, blob)))
            self._company(company, commit, date, tuple(files))

    def _company(self, company: str, commit: str, date: str, files) -> None:
        """A company's files at `commit`."""
        before = self.files.get(company, ())
        if files == before:
            return
        if before:  # else it appears: nothing to compare with
            old, _ = self._readable(before)
            new, files = self._readable(files)
            if old != new:  # else only unreadable versions came: the same rows
                self.events += _compare(company, commit, date, self._merged(old),
                                        self._merged(new))
                for version in {v for _, v in old} - {v for _, v in new}:
                    self.rows.pop(version, None)  # no longer its company's
        self.files[company] = files

    def _readable(self, files):
        """(path, its newest readable version, or None) of each of a company's files, and the
        files with the blobs older than that forgotten; reads the versions it must, newest
        first."""
        while wanted := {version: None for version in self._unknown(files)}:
            self.rows.update(_read(self.top, list(wanted)))
        found, kept = [], []
        for path, chain in files:
            readable = [i for i, blob in enumerate(chain)
                        if self.rows.get(_version(blob, path)) is not None]
            found.append((path, _version(chain[readable[-1]], path) if readable else None))
            kept.append((path, chain[readable[-1]:] if readable else chain[-1:]))
        return tuple(found), tuple(kept)

    def _unknown(self, files) -> Iterator[Version]:
        """Of each file, the newest version not read yet unless a newer one is readable."""
        for path, chain in files:
            for blob in reversed(chain):
                version = _version(blob, path)
                if version not in self.rows:
                    yield version
                    break
                if self.rows[version] is not None:
                    break

    def _merged(self, files) -> Rows:
        return _merge(self.rows[version] for _, version in files if version is not None)


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
