"""Per-company results kept between builds, so a commit touching one company re-scores one.

A result entry is a JSON file named by a key: the SHA-256 of the scoreboard config, the date
it is scored as of and its summary's key. A summary entry (a company's first phase: its files
read, checked and summarized, scoring.board.summarize_company) is named by the SHA-256 of the
company's files (display names and bytes), the pinned as_of, the gaming settings and the
scoring code version (this package's sources and the versions of the libraries that make the
numbers), not the default as_of: a commit that moves it re-scores every company from its kept
summary. An entry whose key, format or content does not match, or that cannot be read, is
ignored and recomputed, never trusted. JSON (and a summary's raw columns), not pickle: a cache
restored in CI must not be able to run code when read, so the decoder builds only the result
classes listed in TYPES, from plain values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import importlib.metadata
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .actions import Action, Effect, Update
from .board import Comment, CompanyResult, FileReport, Group, Job
from .gaming import Signal
from .load import CompanyFiles, display_path
from .metrics import CandorConfig, Score
from .problems import Problem

FORMAT = "candor.cache/3"
FILES_FORMAT = "candor.files/1"
SUMMARY_FORMAT = "candor.summary-entry/1"
PACKAGE = Path(__file__).resolve().parent
# Libraries whose behaviour can change a number, a message or a redaction.
LIBRARIES = ("numpy", "pandas", "pyarrow", "PyYAML", "jsonschema", "phonenumbers",
             "python-stdnum")
TYPES = {cls.__name__: cls for cls in (CompanyResult, FileReport, Problem, Score, Group,
                                       Comment, Action, Update, Effect, Signal)}
# Set after the company is scored, from every company (or git): never part of an entry.
NOT_CACHED = {"seconds", "integrity", "candor_parts"}
FIELDS = {name: tuple(f.name for f in dataclasses.fields(cls) if f.name not in NOT_CACHED)
          for name, cls in TYPES.items()}
SCORE_FIELDS = FIELDS["Score"]


@functools.cache
def code_version() -> str:
    """A hash of the scoring package's sources and of the library versions behind the numbers."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    versions = [f"python {sys.version_info.major}.{sys.version_info.minor}"]
    versions += [f"{name} {importlib.metadata.version(name)}" for name in LIBRARIES]
    digest.update("\n".join(versions).encode())
    return digest.hexdigest()


def key(job: Job, config: CandorConfig, summary: str | None = None) -> str:
    """What a result depends on: change any of it and the entry no longer matches. Its
    summary's key (`summary`, made here when not given) stands for the files, the pin, the
    gaming settings and the code."""
    header = {"format": FORMAT, "config": dataclasses.asdict(config),
              "as_of": job.as_of.isoformat(), "summary": summary or summary_key(job)}
    return hashlib.sha256(json.dumps(header, sort_keys=True).encode()).hexdigest()


def summary_key(job: Job, digests: dict[Path, str] | None = None) -> str:
    """What a company's summary (the build's phase 1, scoring.board.summarize_company) depends
    on: its files, the pinned as_of, the gaming settings and the code; not the default as_of.
    `digests`: the SHA-256 of files already read (the others are hashed, file_digest)."""
    header = {"format": SUMMARY_FORMAT, "code": code_version(),
              "gaming": dataclasses.asdict(job.config.gaming),
              "pinned": job.pinned.isoformat() if job.pinned else None, "slug": job.company.slug}
    digest = hashlib.sha256()
    digest.update(json.dumps(header, sort_keys=True).encode() + b"\0")
    for path in _files(job.company):
        digest.update(display_path(path, job.data_dir).encode() + b"\0")
        digest.update(bytes.fromhex((digests or {}).get(path) or file_digest(path) or MISSING))
    return digest.hexdigest()


def seen_before(company: CompanyFiles) -> list[tuple | None]:
    """Each of the company's files as file_digest remembers it, taken before a worker reads
    them (read_summary_key)."""
    return [_seen(path) for path in _files(company)]


def read_summary_key(job: Job, before: list[tuple | None], files: list[FileReport],
                     ) -> tuple[str, list[list]]:
    """A worker's key for the summary it just made, from the SHA-256 of the very bytes it read
    (its FileReports', in the order of the company's files; a file read without one, over a
    size cap, is hashed here), and those digests by the stat taken `before` the read, for the
    build to remember (remember): the files are hashed once, as they are read."""
    paths = _files(job.company)
    read = {}
    if len(files) == len(paths):
        read = {path: (seen, report.sha256)
                for path, seen, report in zip(paths, before, files, strict=True)
                if seen is not None and report.sha256}
    entry_key = summary_key(job, {path: digest for path, (_, digest) in read.items()})
    return entry_key, [[*seen, digest] for seen, digest in read.values()] + [
        [*seen, _DIGESTS[seen]] for path, seen in zip(paths, before, strict=True)
        if path not in read and seen in _DIGESTS]


def _files(company: CompanyFiles) -> list[Path]:
    return [company.profile, *([company.actions] if company.actions else []),
            *company.feedback, *company.summaries]


def _seen(path: Path) -> tuple | None:
    """What file_digest remembers a file's digest by; None when it cannot be read."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_dev


def remember(digests: list[list]) -> None:
    """read_summary_key's digests, known from now on in this process and kept by Cache.save."""
    for *seen, digest in digests:
        _DIGESTS[tuple(seen)] = _DIGESTS_USED[tuple(seen)] = digest


MISSING = hashlib.sha256(b"\0missing").hexdigest()  # a missing company.yaml is a result too


def file_digest(path: Path) -> str | None:
    """The SHA-256 of a file's bytes (None when it cannot be read), remembered for as long as
    its size, modification time, inode and device stay the same (the way git and make tell a
    changed file): in this process, and between builds in the cache folder (Cache.save), so
    that an incremental build reads only the files that changed."""
    seen = _seen(path)
    try:
        if seen is not None and seen not in _DIGESTS:
            _DIGESTS[seen] = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
    if seen is None:
        return None
    _DIGESTS_USED[seen] = _DIGESTS[seen]
    return _DIGESTS[seen]


_DIGESTS: dict[tuple, str] = {}
_DIGESTS_USED: dict[tuple, str] = {}  # since the last Cache.save: what the next build needs


def encode(value):
    """A result as plain JSON values; every object is {"t": type, "v": value}, a result class's
    value the list of its FIELDS in order."""
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value)
    if isinstance(value, dt.date):
        return {"t": "date", "v": value.isoformat()}
    if isinstance(value, tuple):
        return {"t": "tuple", "v": [encode(item) for item in value]}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        if value and all(type(v) is Score for v in value.values()):  # a metric -> Score table
            return {"t": "scores", "v": [[_plain(k), *(_plain(getattr(v, field))
                                                      for field in SCORE_FIELDS)]
                                         for k, v in value.items()]}
        return {"t": "dict", "v": [[encode(k), encode(v)] for k, v in value.items()]}
    name = type(value).__name__
    if TYPES.get(name) is type(value):
        return {"t": name, "v": [encode(getattr(value, field)) for field in FIELDS[name]]}
    raise TypeError(f"cannot cache a {name}")


PLAIN = (str, int, float, type(None))  # JSON's own, exactly (not numpy's, nor bool)


def _plain(value):
    """encode(value), at once for the plain values that make up most of a Score."""
    return value if type(value) in PLAIN else encode(value)


def _typed(value: dict):
    """json.loads' object_hook: every JSON object of an entry is one encoded value, built from
    its items (already decoded, innermost first); anything else is refused (ValueError)."""
    if len(value) != 2 or "t" not in value or "v" not in value:
        raise ValueError("not a cache value")
    kind, inner = value["t"], value["v"]
    build = _BUILDERS.get(kind) if isinstance(kind, str) else None
    if build is None or (kind != "date" and type(inner) is not list):
        raise ValueError(f"unknown cache type {kind!r}")
    return build(inner)


def _dict(pairs: list) -> dict:
    if not all(type(pair) is list and len(pair) == 2 for pair in pairs):
        raise ValueError("not a cache dict")
    return dict(pairs)


def _scores(rows: list) -> dict[str, Score]:
    """{"t": "scores"}: a table of Scores, each row its key then its fields (a third of the
    objects to decode of {"t": "dict"} of {"t": "Score"}: most of an entry is such tables)."""
    if not all(type(row) is list and len(row) == len(SCORE_FIELDS) + 1 for row in rows):
        raise ValueError("Score fields do not match")
    return {row[0]: Score(*row[1:]) for row in rows}


def _builder(name: str, cls: type) -> Callable[[list], object]:
    """A result class's value (its FIELDS in order) -> an instance; positionally when FIELDS
    are all its fields (twice as fast: the cache's values are mostly Scores)."""
    names = FIELDS[name]

    def build(inner: list):
        if len(inner) != len(names):
            raise ValueError(f"{name} fields do not match")
        return cls(*inner) if positional else cls(**dict(zip(names, inner, strict=True)))

    positional = names == tuple(f.name for f in dataclasses.fields(cls))
    return build


_BUILDERS = {"date": dt.date.fromisoformat, "tuple": tuple, "dict": _dict, "scores": _scores,
             **{name: _builder(name, cls) for name, cls in TYPES.items()}}


def loads(text: str | bytes):
    """The inverse of json.dumps(encode(value)), in one pass of the JSON decoder."""
    return json.loads(text, object_hook=_typed)


def decode(value):
    """The inverse of encode; anything else is refused (ValueError), never guessed at."""
    return loads(json.dumps(value))


def summary_entry(entry_key: str, result: CompanyResult, summary: bytes) -> bytes:
    """A company's summary as the cache keeps it under entry_key (summary_key): its result
    before scoring (files, profile, actions, newest day) as a JSON document, then the summary
    as scoring.summary_bytes gives it."""
    head = json.dumps([SUMMARY_FORMAT, entry_key, encode(result)],
                      separators=(",", ":")).encode()
    return len(head).to_bytes(8, "little") + head + summary


def summary_of(entry_key: str, entry: bytes) -> tuple[CompanyResult, bytes] | None:
    """The inverse of summary_entry, or None when the entry is not one for entry_key (the
    summary's own bytes are checked when they are read, scoring.summary_bytes.loads)."""
    try:
        size = int.from_bytes(entry[:8], "little")
        document = loads(entry[8:8 + size])
        if not isinstance(document, list) or document[:2] != [SUMMARY_FORMAT, entry_key]:
            return None
        result = document[2]
        if not isinstance(result, CompanyResult) or len(entry) < 8 + size:
            return None
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, IndexError):
        return None
    return result, entry[8 + size:]


class Cache:
    """Entries in one folder; `used` is every key read or written by this build."""

    SUFFIX = ".json"
    FILES = ".files"  # rendered files (scoring.site's page cache)

    SUMMARY = ".summary"  # a company's summary (scoring.summary_bytes) and phase-1 result
    INDEX = "summaries.index"  # summary key -> newest counted day; not SUFFIX: prune keeps it
    DIGESTS = "files.digests"  # file stat -> SHA-256 (file_digest)
    INDEX_FORMAT = "candor.summaries/1"
    DIGESTS_FORMAT = "candor.digests/1"

    def __init__(self, folder: Path):
        self.folder = folder
        self.used: set[str] = set()
        self._digests_read = False

    @classmethod
    def for_data(cls, folder: Path, data_dir: Path) -> Cache:
        """A sub-folder per data folder, so that building a fixture does not prune the entries
        of the scoreboard's own data."""
        place = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
        return cls(folder / place)

    def get(self, job: Job, config: CandorConfig, summary: str | None = None,
            ) -> tuple[str, CompanyResult | None]:
        """(key, the cached result or None when there is none that can be trusted); `summary`
        the company's summary key, when known."""
        self._read_digests()
        entry_key = key(job, config, summary)
        try:
            document = loads((self.folder / f"{entry_key}{self.SUFFIX}").read_bytes())
            if not isinstance(document, list) or document[:2] != [FORMAT, entry_key]:
                return entry_key, None
            result = document[2]
            if not isinstance(result, CompanyResult) or result.slug != job.company.slug:
                return entry_key, None
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError,
                IndexError):
            return entry_key, None
        self.used.add(entry_key)
        return entry_key, result

    def put(self, entry_key: str, result: CompanyResult) -> None:
        """Write an entry atomically; a cache that cannot be written only costs speed."""
        document = [FORMAT, entry_key, encode(result)]
        if self._write(f"{entry_key}{self.SUFFIX}", document):
            self.used.add(entry_key)

    def summary_key(self, job: Job) -> str | None:
        """summary_key(job); or None when the cache holds no summary at all and a file of the
        company is not remembered (by its stat): a cold cache, where every company is read
        and its files are better hashed there, on the workers, than here."""
        self._read_digests()
        if not self._index and not all(_seen(path) in _DIGESTS for path in _files(job.company)):
            return None
        return summary_key(job)

    def newest(self, entry_key: str) -> tuple[dt.date | None] | None:
        """(the newest counted day of the company summarized under entry_key,), when the cache
        holds that summary; None when it does not (the company must be read)."""
        if entry_key not in self._index or not (self.folder / f"{entry_key}{self.SUMMARY}"
                                                ).is_file():
            return None
        self.used.add(entry_key)
        day = self._index[entry_key]
        return (dt.date.fromisoformat(day) if day else None,)

    def put_summary(self, entry_key: str, entry: bytes, newest: dt.date | None) -> None:
        """Keep a company's summary entry (summary_entry) and its newest counted day."""
        if self._write(f"{entry_key}{self.SUMMARY}", entry):
            self._index[entry_key] = newest.isoformat() if newest else None
            self.used.add(entry_key)

    def get_summary(self, entry_key: str) -> tuple[CompanyResult, bytes] | None:
        """The result and summary kept under entry_key (summary_of), or None."""
        try:
            return summary_of(entry_key, (self.folder / f"{entry_key}{self.SUMMARY}"
                                          ).read_bytes())
        except OSError:
            return None

    def save(self, used_only: bool = False) -> None:
        """Write what the next build starts from: the newest day of every summary kept (of
        those this build used, for prune), and the digests of the files this process hashed
        or recognised."""
        if used_only or "_index" in vars(self):
            self._write(self.INDEX, {"format": self.INDEX_FORMAT, "newest": dict(sorted(
                (k, day) for k, day in self._index.items() if k in self.used or not used_only))})
        self._write(self.DIGESTS, {"format": self.DIGESTS_FORMAT, "files": sorted(
            [*seen, digest] for seen, digest in _DIGESTS_USED.items())})

    @functools.cached_property
    def _index(self) -> dict[str, str | None]:
        """Summary key -> the newest counted day of that company, as the last build saved it."""
        try:
            document = json.loads((self.folder / self.INDEX).read_bytes())
            if document.get("format") != self.INDEX_FORMAT:
                return {}
            return {k: day for k, day in document["newest"].items() if isinstance(k, str) and (
                day is None or (isinstance(day, str) and dt.date.fromisoformat(day)))}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return {}

    def _read_digests(self) -> None:
        """Remembered digests into file_digest's memo: a file whose path, size, modification
        time, inode and device all match is not read again."""
        if self._digests_read:
            return
        self._digests_read = True
        try:
            document = json.loads((self.folder / self.DIGESTS).read_bytes())
            if document.get("format") != self.DIGESTS_FORMAT:
                return
            for path, size, mtime, inode, device, digest in document["files"]:
                if (isinstance(path, str) and isinstance(digest, str) and len(digest) == 64
                        and all(isinstance(n, int) for n in (size, mtime, inode, device))):
                    _DIGESTS.setdefault((path, size, mtime, inode, device), digest)
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return

    def _write(self, name: str, document: dict | list | bytes) -> bool:
        """Write a file of the cache atomically (a document as JSON, or bytes as they are); a
        cache that cannot be written only costs speed."""
        data = document if isinstance(document, bytes) else json.dumps(
            document, separators=(",", ":")).encode()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, self.folder / name)
        except OSError:
            return False
        return True

    def get_files(self, entry_key: str) -> dict[str, str] | None:
        """Rendered files (name -> text) kept under entry_key, or None."""
        try:
            document = json.loads((self.folder / f"{entry_key}{self.FILES}").read_bytes())
            files = document["files"]
            if (document.get("format") != FILES_FORMAT or document.get("key") != entry_key
                    or not isinstance(files, dict)
                    or not all(isinstance(text, str) for text in files.values())):
                return None
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None
        self.used.add(entry_key)
        return files

    def put_files(self, entry_key: str, files: dict[str, str]) -> None:
        if self._write(f"{entry_key}{self.FILES}",
                       {"format": FILES_FORMAT, "key": entry_key, "files": files}):
            self.used.add(entry_key)

    def prune(self) -> None:
        """Drop entries this build did not use, so the cache holds one scoreboard's worth."""
        if not self.folder.is_dir():
            return
        self.save(used_only=True)
        for path in self.folder.iterdir():
            stale = (path.suffix in (self.SUFFIX, self.FILES, self.SUMMARY)
                     and path.stem not in self.used)
            if stale or path.suffix == ".tmp":
                path.unlink(missing_ok=True)
