"""Per-company results kept between builds, so a commit touching one company re-scores one.

A result entry (dumps) is a file named by a key: the SHA-256 of the scoreboard config, the date
it is scored as of and its summary's key. A summary entry (a company's first phase: its files
read, checked and summarized, scoring.board.summarize_company) is named by the SHA-256 of the
company's files (display names and bytes), the pinned as_of, the gaming settings and the
scoring code version (this package's sources and the versions of the libraries that make the
numbers), not the default as_of: a commit that moves it re-scores every company from its kept
summary. An entry whose key, format or content does not match, or that cannot be read, is
ignored and recomputed, never trusted. JSON and raw columns, not pickle: a cache restored in
CI must not be able to run code when read, so the decoder builds only the result classes
listed in TYPES, from plain values.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import functools
import hashlib
import importlib.metadata
import itertools
import json
import os
import re
import stat
import sys
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa

from .actions import Action, Effect, Update
from .board import Comment, CompanyResult, FileReport, Group, Job
from .gaming import Signal
from .load import CompanyFiles, display_path, folder_prefix
from .metrics import CANDOR_COMPONENTS, CandorConfig, Score
from .problems import Problem

FORMAT = "candor.cache/4"
FILES_FORMAT = "candor.files/2"
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
# How a result entry keeps a Score field as a column (dumps), by the field's annotation; a
# table of Scores with any other field, or a value of another type, is kept as JSON instead.
COLUMN_KINDS = {"float | None": "float", "int": "int", "str": "text"}
SCORE_COLUMNS = {f.name: COLUMN_KINDS.get(str(f.type)) for f in dataclasses.fields(Score)}
CODEC = "lz4_raw"  # a third larger than zstd, four times as fast to unpack
LZ4_MOST = 256  # LZ4 packs bytes at most ~255 to 1: an entry that says more is refused


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
    header = {"format": FORMAT, "config": _plain_config(config),
              "as_of": job.as_of.isoformat(), "summary": summary or summary_key(job)}
    return hashlib.sha256(json.dumps(header, sort_keys=True).encode()).hexdigest()


def summary_key(job: Job, digests: dict[Path, str] | None = None) -> str:
    """What a company's summary (the build's phase 1, scoring.board.summarize_company) depends
    on: its files, the pinned as_of, the gaming settings and the code; not the default as_of.
    `digests`: the SHA-256 of files already read (the others are hashed, file_digest)."""
    header = {"format": SUMMARY_FORMAT, "code": code_version(),
              "gaming": _plain_config(job.config.gaming),
              "pinned": job.pinned.isoformat() if job.pinned else None, "slug": job.company.slug}
    digest = hashlib.sha256()
    digest.update(json.dumps(header, sort_keys=True).encode() + b"\0")
    # display_path's names, each folder's part found once (a company's files share a few)
    cwd, data_dir, prefixes = os.getcwd(), str(job.data_dir), {}
    for path in _files(job.company):
        text = str(path)
        try:  # one look at the file, for its name and its digest, unless it is a link
            facts = os.lstat(text)
            link = stat.S_ISLNK(facts.st_mode)
        except OSError:
            facts, link = None, False
        if link:
            shown = display_path(path, job.data_dir, link)
        else:
            cut = text.rfind(os.sep) + 1  # text[:cut] is the folder, with the / os.path.dirname
            prefix = prefixes.get(text[:cut])  # drops, text[cut:] the name, as path.name
            if prefix is None:
                prefix = prefixes[text[:cut]] = folder_prefix(cwd, os.path.dirname(text),
                                                              data_dir)
            shown = prefix + text[cut:]
        digest.update(shown.encode() + b"\0")
        digest.update(bytes.fromhex((digests and digests.get(path)) or file_digest(
            path, None if link else facts) or MISSING))
    return digest.hexdigest()


def _plain_config(config) -> dict:
    """dataclasses.asdict(config), made once per settings object (a build keys a thousand
    companies with the same one; asdict copies deeply each time)."""
    known = _CONFIGS.get(id(config))
    if known is None or known[0] is not config:
        known = _CONFIGS[id(config)] = (config, dataclasses.asdict(config))
    return known[1]


_CONFIGS: dict[int, tuple[object, dict]] = {}  # id -> (settings, as plain values): kept alive


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


def _seen(path: Path, facts: os.stat_result | None = None) -> tuple | None:
    """What file_digest remembers a file's digest by (`facts`: its stat, if already taken);
    None when it cannot be read."""
    try:
        facts = facts or path.stat()
    except OSError:
        return None
    return str(path), facts.st_size, facts.st_mtime_ns, facts.st_ino, facts.st_dev


def remember(digests: list[list]) -> None:
    """read_summary_key's digests, known from now on in this process and kept by Cache.save."""
    for *seen, digest in digests:
        _DIGESTS[tuple(seen)] = _DIGESTS_USED[tuple(seen)] = digest


MISSING = hashlib.sha256(b"\0missing").hexdigest()  # a missing company.yaml is a result too
_HEX = re.compile("[0-9a-f]{64}").fullmatch  # a SHA-256 as hexdigest gives it


def file_digest(path: Path, facts: os.stat_result | None = None) -> str | None:
    """The SHA-256 of a file's bytes (None when it cannot be read), remembered for as long as
    its size, modification time, inode and device stay the same (the way git and make tell a
    changed file): in this process, and between builds in the cache folder (Cache.save), so
    that an incremental build reads only the files that changed. `facts`: its stat, if already
    taken."""
    seen = _seen(path, facts)
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


def encode(value, columns: Columns | None = None):
    """A result as plain JSON values; every object is {"t": type, "v": value}, a result class's
    value the list of its FIELDS in order. With `columns` (a result entry, dumps), a table of
    Scores that fits them is added there and encoded as {"t": "table", "v": [first row, row
    after the last]}; a list of (text, such a table) pairs as {"t": "pairs", "v": [[text,
    first, after the last], ...]}; a list of one result class as {"t": "records", "v": [the
    class, its first value, its second, ...]} (fewer JSON objects: each costs a call to read)."""
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
        return {"t": "tuple", "v": [encode(item, columns) for item in value]}
    if isinstance(value, list):
        if columns is not None and value:
            packed = columns.pairs(value) or _records(value, columns)
            if packed:
                return packed
        return [encode(item, columns) for item in value]
    if isinstance(value, dict):
        if value and all(type(v) is Score for v in value.values()):  # a metric -> Score table
            rows = columns.add(value) if columns is not None else None
            if rows is not None:
                return {"t": "table", "v": rows}
            return {"t": "scores", "v": [[_plain(k), *(_plain(getattr(v, field))
                                                      for field in SCORE_FIELDS)]
                                         for k, v in value.items()]}
        return {"t": "dict", "v": [[encode(k, columns), encode(v, columns)]
                                   for k, v in value.items()]}
    name = type(value).__name__
    if TYPES.get(name) is type(value):
        return {"t": name, "v": [encode(getattr(value, field), columns)
                                 for field in FIELDS[name]]}
    raise TypeError(f"cannot cache a {name}")


def _records(values: list, columns: Columns) -> dict | None:
    """{"t": "records"} for a list of instances of one result class (encode); else None."""
    cls = type(values[0])
    name = cls.__name__
    if TYPES.get(name) is not cls or not all(type(value) is cls for value in values):
        return None
    return {"t": "records", "v": [name, *([encode(getattr(value, field), columns)
                                           for field in FIELDS[name]] for value in values)]}


PLAIN = (str, int, float, type(None))  # JSON's own, exactly (not numpy's, nor bool)


def _plain(value):
    """encode(value), at once for the plain values that make up most of a Score."""
    return value if type(value) in PLAIN else encode(value)


def _typed(value: dict, builders: dict[str, Callable] | None = None):
    """json.loads' object_hook: every JSON object of an entry is one encoded value, built from
    its items (already decoded, innermost first) by `builders` (by default _BUILDERS);
    anything else is refused (ValueError)."""
    if len(value) != 2 or "t" not in value or "v" not in value:
        raise ValueError("not a cache value")
    kind, inner = value["t"], value["v"]
    build = (builders or _BUILDERS).get(kind) if isinstance(kind, str) else None
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
    """A result class's value (its FIELDS in order) -> an instance; for a class whose __init__
    only sets fields, and when FIELDS are all of them, without calling it (a frozen
    dataclass's sets each through object.__setattr__: twice as slow)."""
    names = FIELDS[name]
    direct = cls not in _BY_INIT and names == _ALL_FIELDS[cls]

    def build(inner: list):
        if len(inner) != len(names):
            raise ValueError(f"{name} fields do not match")
        if direct:
            instance = _new(cls)
            _set(instance, "__dict__", dict(zip(names, inner, strict=True)))
            return instance
        return cls(**dict(zip(names, inner, strict=True)))

    return build


_new = object.__new__
_set = object.__setattr__
_ALL_FIELDS = {cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in TYPES.values()}
_BY_INIT = {cls for cls in TYPES.values() if hasattr(cls, "__post_init__")
            or hasattr(cls, "__slots__") or not all(f.init for f in dataclasses.fields(cls))}


def _records_of(inner: list) -> list:
    """{"t": "records"}: [a result class, each instance's value] -> the instances."""
    build = _CLASSES.get(inner[0]) if inner and isinstance(inner[0], str) else None
    if build is None or not all(type(value) is list for value in inner[1:]):
        raise ValueError("not cache records")
    return [build(value) for value in inner[1:]]


_CLASSES = {name: _builder(name, cls) for name, cls in TYPES.items()}
_BUILDERS = {"date": dt.date.fromisoformat, "tuple": tuple, "dict": _dict, "scores": _scores,
             "records": _records_of, **_CLASSES}


def loads(text: str | bytes):
    """The inverse of json.dumps(encode(value)), in one pass of the JSON decoder."""
    return json.loads(text, object_hook=_typed)


def decode(value):
    """The inverse of encode; anything else is refused (ValueError), never guessed at."""
    return loads(json.dumps(value))


class Columns:
    """The Score tables of one result entry as columns: each table's rows one after another,
    a row its key then its fields, text as codes into one list of distinct texts (dumps)."""

    INT64 = (-(2**63), 2**63 - 1)

    def __init__(self):
        self.keys: list[str] = []
        self.fields: dict[str, list] = {name: [] for name in SCORE_COLUMNS}

    def add(self, table: dict[str, Score]) -> list[int] | None:
        """The table's rows (first, after the last) once added; None, adding nothing, when a
        key or value is not what its column keeps exactly (the table is kept as JSON)."""
        values = self._fit(table)
        return None if values is None else self._add(table, values)

    def pairs(self, pairs: list) -> dict | None:
        """{"t": "pairs"} for a list of (text, Score table) pairs whose tables all fit (as a
        company's months are); else None, adding nothing."""
        if not all(type(pair) is tuple and len(pair) == 2 and type(pair[0]) is str
                   and type(pair[1]) is dict and pair[1]
                   and all(type(score) is Score for score in pair[1].values())
                   for pair in pairs):
            return None
        fitted = [self._fit(table) for _, table in pairs]
        if any(values is None for values in fitted):
            return None
        return {"t": "pairs", "v": [[text, *self._add(table, values)]
                                    for (text, table), values in zip(pairs, fitted,
                                                                     strict=True)]}

    def _fit(self, table: dict[str, Score]) -> dict[str, list] | None:
        """The table's fields as its columns keep them; None when they cannot exactly."""
        if None in SCORE_COLUMNS.values() or not all(type(k) is str for k in table):
            return None
        values = {}
        for name, kind in SCORE_COLUMNS.items():
            column = [getattr(score, name) for score in table.values()]
            if kind == "float":
                if not all(v is None or isinstance(v, float | np.floating) for v in column):
                    return None
                column = [v if v is None else float(v) for v in column]
            elif kind == "int":
                if not all(isinstance(v, int | np.integer) and not isinstance(v, bool)
                           and self.INT64[0] <= v <= self.INT64[1] for v in column):
                    return None
                column = [int(v) for v in column]
            elif not all(type(v) is str for v in column):
                return None
            values[name] = column
        return values

    def _add(self, table: dict[str, Score], values: dict[str, list]) -> list[int]:
        first = len(self.keys)
        self.keys += table
        for name, column in values.items():
            self.fields[name] += column
        return [first, len(self.keys)]

    def dump(self) -> tuple[list[str], list[bytes]]:
        """(the distinct texts, each column's bytes): the keys' codes (int32), then per field
        float64 values and a byte per row (1: None), int64 values, or int32 text codes."""
        texts: dict[str, int] = {}
        code = texts.setdefault  # a text's code: its place among the distinct texts
        buffers = [np.array([code(k, len(texts)) for k in self.keys], dtype="<i4")]
        for name, kind in SCORE_COLUMNS.items():
            column = self.fields[name]
            if kind == "float":
                buffers += [np.array([0.0 if v is None else v for v in column], dtype="<f8"),
                            np.array([v is None for v in column], dtype="u1")]
            elif kind == "int":
                buffers.append(np.array(column, dtype="<i8"))
            else:
                buffers.append(np.array([code(v, len(texts)) for v in column], dtype="<i4"))
        return list(texts), [buffer.tobytes() for buffer in buffers]


def dumps(entry_key: str, result: CompanyResult) -> bytes:
    """A result entry: the result's Score tables as columns (Columns), the rest as JSON
    (encode), under a header that names the format and the key; compressed, after the size
    unpacked and a CRC-32 of the unpacked bytes (pack: damage is refused, not read)."""
    columns = Columns()
    document = json.dumps(encode(result, columns), separators=(",", ":")).encode()
    texts, buffers = columns.dump()
    header = json.dumps([FORMAT, entry_key, len(columns.keys), texts],
                        separators=(",", ":")).encode()
    return pack(b"".join([len(header).to_bytes(8, "little"), header, *buffers, document]))


def pack(body: bytes) -> bytes:
    """An entry's bytes: the size of `body`, its CRC-32, and body compressed."""
    return (len(body).to_bytes(8, "little") + zlib.crc32(body).to_bytes(4, "little")
            + pa.compress(body, codec=CODEC, asbytes=True))


def unpack(entry: bytes) -> bytes:
    """The inverse of pack; ValueError for bytes that are not, whole, what pack makes."""
    try:
        size = int.from_bytes(entry[:8], "little")
        if len(entry) < 12 or size > LZ4_MOST * len(entry):  # before allocating it
            raise ValueError("not a cache entry")
        body = pa.decompress(entry[12:], size, codec=CODEC, asbytes=True)
    except (OSError, pa.ArrowException) as error:
        raise ValueError(f"not a cache entry: {error}") from None
    if len(body) != size or zlib.crc32(body).to_bytes(4, "little") != entry[8:12]:
        raise ValueError("a damaged cache entry")
    return body


def result_of(entry_key: str, entry: bytes, shared: Shared | None = None,
              months: bool = False) -> CompanyResult:
    """The inverse of dumps, for an entry made under entry_key; ValueError for anything else:
    other bytes, a damaged, cut or lengthened entry, another format or key, or values that do
    not build a CompanyResult. `shared`: Scores to reuse and add to (Rows). With `months`, the
    result's months come as MonthRows, their Scores not made."""
    body = unpack(entry)
    try:
        length = int.from_bytes(body[:8], "little")
        header = json.loads(body[8:8 + length])
        if not isinstance(header, list) or len(header) != 4 or header[:2] != [FORMAT,
                                                                              entry_key]:
            raise ValueError("not an entry for this key")
        count, texts = header[2], header[3]
        if type(count) is not int or count < 0 or type(texts) is not list or not all(
                type(text) is str for text in texts):
            raise ValueError("not a cache entry")
        rows = Rows(body, 8 + length, count, texts, shared or Shared())
        tables: list[tuple[dict[str, Score], int, int]] = []  # filled once the JSON is read

        def span(inner: list) -> tuple[int, int]:
            if (len(inner) != 2 or not all(type(n) is int for n in inner)
                    or not 0 <= inner[0] <= inner[1] <= count):
                raise ValueError("not a cache table")
            return inner[0], inner[1]

        def table(inner: list) -> dict[str, Score]:
            made: dict[str, Score] = {}
            tables.append((made, *span(inner)))
            return made

        def pairs(inner: list) -> list[tuple[str, dict[str, Score]]] | MonthRows:
            if not all(type(pair) is list and len(pair) == 3 and type(pair[0]) is str
                       for pair in inner):
                raise ValueError("not a cache table")
            if months:
                return MonthRows([text for text, *_ in inner],
                                 [span(spans) for _, *spans in inner], rows)
            return [(text, table(spans)) for text, *spans in inner]

        builders = {**_BUILDERS, "table": table, "pairs": pairs}
        result = json.loads(body[rows.end:], object_hook=functools.partial(_typed,
                                                                           builders=builders))
        if tables:  # the tables' Scores, made at once
            keys, scores = rows.scores(np.concatenate([np.arange(first, last, dtype=np.intp)
                                                       for _, first, last in tables]))
            at = 0
            for made, first, last in tables:
                made.update(zip(keys[at:at + last - first], scores[at:at + last - first],
                                strict=True))
                at += last - first
    except (TypeError, KeyError, AttributeError, RecursionError, IndexError, OverflowError,
            OSError, pa.ArrowException) as error:
        raise ValueError(f"not a cache entry: {error}") from None
    if not isinstance(result, CompanyResult):
        raise ValueError("not a cache entry: not a company's result")
    return result


class Shared:
    """What the entries read by one Cache share (Rows.scores): the Scores made so far, by their
    fields' bytes (texts by their place in `texts`). Scores are frozen, and most companies have
    the same "not enough data" Scores, and the same few shares of small samples."""

    def __init__(self):
        self.texts: dict[str, int] = {}
        self.scores: dict[bytes, Score] = {}


# A Score column's arrays in an entry, by its kind (Columns.dump): float64 values and a byte per
# row (1: None), int64 values, or int32 text codes
COLUMN_ARRAYS = {"float": ("<f8", "u1"), "int": ("<i8",), "text": ("<i4",)}


class Rows:
    """The Score rows of an entry as Columns.dump wrote them (checked as they are read: cut
    short or text codes out of range is a ValueError), made into Scores only when asked
    (scores): a slim result's months never are (MonthRows)."""

    def __init__(self, body: bytes, offset: int, count: int, texts: list[str],
                 shared: Shared):
        arrays = []
        for dtype in ("<i4", *(d for kind in SCORE_COLUMNS.values() for d in COLUMN_ARRAYS[kind])):
            end = offset + count * np.dtype(dtype).itemsize
            if end > len(body):
                raise ValueError("a cache entry cut short")
            arrays.append(np.frombuffer(body, dtype=dtype, count=count, offset=offset))
            offset = end
        codes = [array for array in arrays if array.dtype == np.dtype("<i4")]
        if count and any(code.min() < 0 or code.max() >= len(texts) for code in codes):
            raise ValueError("text codes out of range")
        self.end = offset  # where the entry's JSON starts
        self.texts, self.shared = texts, shared
        self.keys, self.arrays = arrays[0], arrays[1:]
        self.fields: dict[str, list[np.ndarray]] = {}  # each field's arrays, by its name
        position = 1
        for name, kind in SCORE_COLUMNS.items():
            self.fields[name] = arrays[position:position + len(COLUMN_ARRAYS[kind])]
            position += len(COLUMN_ARRAYS[kind])

    def floats(self, name: str) -> np.ndarray:
        """A float field of every row, NaN where it is None."""
        values, missing = self.fields[name]
        return np.where(missing.astype(bool), np.nan, values)

    def ints(self, name: str) -> np.ndarray:
        """An int field of every row."""
        return self.fields[name][0]

    def scores(self, picked: np.ndarray) -> tuple[list[str], list[Score]]:
        """The keys and Scores of the rows at these positions; a Score equal bit for bit to
        one in `shared` is that one, and a new one is added there."""
        shared = self.shared
        arrays = [array[picked] for array in self.arrays]
        every = np.array(self.texts, dtype=object)
        ids = np.array([shared.texts.setdefault(text, len(shared.texts))
                        for text in self.texts], dtype="<i8")
        # each row's fields as bytes (texts by their ids in `shared`): what tells equal Scores
        record = np.empty(len(picked), dtype=[(f"f{i}", "<i8" if a.dtype == "<i4" else a.dtype)
                                              for i, a in enumerate(arrays)])
        for i, array in enumerate(arrays):
            record[f"f{i}"] = ids[array] if array.dtype == "<i4" else array
        same = record.view(f"V{record.dtype.itemsize}").tolist()
        scores = list(map(shared.scores.get, same))
        new = [row for row, score in enumerate(scores) if score is None]
        if new:
            chosen, fields, position = np.array(new, dtype=np.intp), [], 0
            for kind in SCORE_COLUMNS.values():
                values = arrays[position][chosen]
                if kind == "float":
                    values, missing = values.tolist(), arrays[position + 1][chosen]
                    for row in np.flatnonzero(missing).tolist():
                        values[row] = None
                fields.append(every[values].tolist() if kind == "text" else values if
                              kind == "float" else values.tolist())
                position += len(COLUMN_ARRAYS[kind])
            # each new Score's fields, and the Score, as _builder makes them (in C's loops: a
            # third of the Scores of a large scoreboard are new, hundreds of thousands)
            made = list(map(dict, map(zip, itertools.repeat(tuple(SCORE_COLUMNS)),
                                      zip(*fields, strict=True))))
            if Score in _BY_INIT:
                built = [Score(**fields_of) for fields_of in made]
            else:
                built = list(map(_new, itertools.repeat(Score, len(made))))
                collections.deque(map(_set, built, itertools.repeat("__dict__"), made),
                                  maxlen=0)
            shared.scores.update(zip(map(same.__getitem__, new), built, strict=True))
            for row, score in zip(new, built, strict=True):
                scores[row] = score
        return every[self.keys[picked]].tolist(), scores


class MonthRows:
    """A slim result's months (Cache.get), their Scores not made: most of a slim entry's rows,
    and all the build needs of them is what the Candor score reads (fields). Only
    scoring.board's build_scoreboard sees it: add_candor_scores puts in its place each
    month's Candor score. (result_of reads every list of (text, Score table) pairs as one:
    CompanyResult.monthly is the only such field, tests/test_slim_results.py.)"""

    def __init__(self, months: list[str], spans: list[tuple[int, int]], rows: Rows):
        self.months, self.spans, self.rows = months, spans, rows

    def fields(self, names: tuple[str, ...]) -> tuple[np.ndarray, ...]:
        """(value, low, high, n): of the Score of each of `names` (a column each) in each
        month (a row each), NaN for None; KeyError when a month has no Score of one of them
        (as its table would give)."""
        lengths = [last - first for first, last in self.spans]
        where = np.concatenate([np.arange(first, last, dtype=np.intp)
                                for first, last in self.spans] or [np.zeros(0, np.intp)])
        month = np.repeat(np.arange(len(self.spans)), lengths)
        codes = {text: code for code, text in enumerate(self.rows.texts)}
        keys = self.rows.keys[where]
        picked = np.full((len(self.spans), len(names)), -1, dtype=np.intp)
        for column, name in enumerate(names):
            hits = np.flatnonzero(keys == codes.get(name, -1))
            if len(np.unique(month[hits])) != len(hits):
                raise ValueError(f"{name} twice in a month")
            picked[month[hits], column] = where[hits]
        if (picked < 0).any():
            raise KeyError(names[int(np.flatnonzero((picked < 0).any(axis=0))[0])])
        return (*(self.rows.floats(name)[picked] for name in ("value", "low", "high")),
                self.rows.ints("n")[picked])


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


# What a build needs of a company whose page is not made again: its monthly Scores that the
# Candor score is made from (its components, and CSAT, whose n is its n); every window's
# Scores, its files, profile and actions are all kept
SLIM_MONTHLY = frozenset((*CANDOR_COMPONENTS, "csat"))


def slim(result: CompanyResult) -> CompanyResult:
    """A result without what only its own page and JSON entry show: its other monthly Scores
    (more than half of them), its breakdowns and its comments (Cache.get(slim=True))."""
    return dataclasses.replace(
        result, monthly=[(month, {k: v for k, v in scores.items() if k in SLIM_MONTHLY})
                         for month, scores in result.monthly], breakdowns={}, comments=[])


def filled(slim_result: CompanyResult, full: CompanyResult) -> CompanyResult | None:
    """The slim result, with what the build made of it since (its Candor scores and parts, its
    audit), and the rest of the company's result from `full`, its whole cached entry; None when
    `full` is not the result the slim one was made from."""
    if (full.slug != slim_result.slug
            or [m for m, _ in full.monthly] != [m for m, _ in slim_result.monthly]):
        return None
    monthly = [(month, {**whole, **part}) for (month, part), (_, whole)
               in zip(slim_result.monthly, full.monthly, strict=True)]
    return dataclasses.replace(slim_result, monthly=monthly, breakdowns=full.breakdowns,
                               comments=full.comments)


class SlimEntryWithoutFull(Exception):
    """A company's page must be made again, and its whole cached result cannot be read."""


class Cache:
    """Entries in one folder; `used` is every key read or written by this build."""

    SUFFIX = ".result"  # a company's result (dumps)
    SLIM = ".slim"  # the same, slim (dumps of slim(result))
    OLD = ".json"  # a result as candor.cache/3 and before kept it: pruned
    FILES = ".files"  # rendered files (scoring.site's page cache)

    SUMMARY = ".summary"  # a company's summary (scoring.summary_bytes) and phase-1 result
    INDEX = "summaries.index"  # summary key -> newest counted day; not SUFFIX: prune keeps it
    DIGESTS = "files.digests"  # file stat -> SHA-256 (file_digest)
    CHARTS = "charts.templates"  # scoring.charts' templates (charts.prepare)
    OUTPUT = "output.record"  # the page cache's files the last build wrote (site.OutputRecord)
    INDEX_FORMAT = "candor.summaries/1"
    DIGESTS_FORMAT = "candor.digests/1"

    def __init__(self, folder: Path):
        self.folder = folder
        self.used: set[str] = set()
        self._digests_read = False
        # what the cache folder holds (read or last written there), None when not known:
        # save writes only what differs from it
        self._index_saved: dict[str, str | None] | None = None
        self._digests_saved: dict[tuple, str] | None = None
        self._shared = Shared()  # what the entries read share (result_of)
        self.slim: dict[str, str] = {}  # slug -> key, of the results `get` gave slim

    @classmethod
    def for_data(cls, folder: Path, data_dir: Path) -> Cache:
        """A sub-folder per data folder, so that building a fixture does not prune the entries
        of the scoreboard's own data."""
        place = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
        return cls(folder / place)

    def get(self, job: Job, config: CandorConfig, summary: str | None = None,
            slim: bool = False) -> tuple[str, CompanyResult | None]:
        """(key, the cached result or None when there is none that can be trusted); `summary`
        the company's summary key, when known. With `slim`, its slim entry when there is one
        (fewer Scores to read; `fill` gives the whole result back), else the whole
        result."""
        self.read_digests()
        entry_key = key(job, config, summary)
        for suffix in (self.SLIM, self.SUFFIX) if slim else (self.SUFFIX,):
            try:
                result = result_of(entry_key, (self.folder / f"{entry_key}{suffix}"
                                               ).read_bytes(), self._shared,
                                   months=suffix == self.SLIM)
            except (OSError, ValueError):
                continue
            if result.slug == job.company.slug:
                self.used.add(entry_key)
                if suffix == self.SLIM:
                    self.slim[result.slug] = entry_key
                else:
                    self.slim.pop(result.slug, None)
                return entry_key, result
        return entry_key, None

    def fill(self, result: CompanyResult) -> CompanyResult:
        """The whole result of a company that `get` gave slim (see filled), or the result
        itself when it is whole; SlimEntryWithoutFull when the whole entry cannot be read."""
        entry_key = self.slim.get(result.slug)
        if entry_key is None:
            return result
        try:
            whole = filled(result, result_of(entry_key, (
                self.folder / f"{entry_key}{self.SUFFIX}").read_bytes(), self._shared))
        except (OSError, ValueError) as error:
            raise SlimEntryWithoutFull(f"{result.slug}: {error}") from None
        if whole is None:
            raise SlimEntryWithoutFull(f"{result.slug}: another company's result")
        return whole

    def put(self, entry_key: str, result: CompanyResult) -> None:
        """Write an entry atomically, and its slim entry; a cache that cannot be written only
        costs speed."""
        if self.write(f"{entry_key}{self.SUFFIX}", dumps(entry_key, result)):
            self.used.add(entry_key)
            self.write(f"{entry_key}{self.SLIM}", dumps(entry_key, slim(result)))

    def summary_key(self, job: Job) -> str | None:
        """summary_key(job); or None when the cache holds no summary at all and a file of the
        company is not remembered (by its stat): a cold cache, where every company is read
        and its files are better hashed there, on the workers, than here."""
        self.read_digests()
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
        if self.write(f"{entry_key}{self.SUMMARY}", entry):
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
            newest = {k: day for k, day in self._index.items() if k in self.used or not used_only}
            if newest != self._index_saved:  # each written only when it says something new
                self._index_saved = newest
                self.write(self.INDEX, {"format": self.INDEX_FORMAT,
                                         "newest": dict(sorted(newest.items()))})
        if self._digests_saved != _DIGESTS_USED:
            self._digests_saved = dict(_DIGESTS_USED)
            self.write(self.DIGESTS, {"format": self.DIGESTS_FORMAT, "files": sorted(
                [*seen, digest] for seen, digest in _DIGESTS_USED.items())})

    def holds_summaries(self) -> bool:
        """Whether the cache holds any company's summary (else a build reads every company)."""
        return bool(self._index)

    @functools.cached_property
    def _index(self) -> dict[str, str | None]:
        """Summary key -> the newest counted day of that company, as the last build saved it."""
        try:
            document = json.loads((self.folder / self.INDEX).read_bytes())
            if document.get("format") != self.INDEX_FORMAT:
                return {}
            index = {k: day for k, day in document["newest"].items() if isinstance(k, str) and (
                day is None or (isinstance(day, str) and dt.date.fromisoformat(day)))}
            if len(index) == len(document["newest"]):  # the file says exactly this
                self._index_saved = dict(index)
            return index
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return {}

    def read_digests(self) -> None:
        """Remembered digests into file_digest's memo: a file whose path, size, modification
        time, inode and device all match is not read again."""
        if self._digests_read:
            return
        self._digests_read = True
        try:
            document = json.loads((self.folder / self.DIGESTS).read_bytes())
            if document.get("format") != self.DIGESTS_FORMAT:
                return
            kept = {}
            for path, size, mtime, inode, device, digest in document["files"]:
                if (type(path) is str and type(digest) is str and _HEX(digest) and type(size)
                        is int and type(mtime) is int and type(inode) is int
                        and type(device) is int):
                    kept[path, size, mtime, inode, device] = digest
            for seen, digest in kept.items():
                _DIGESTS.setdefault(seen, digest)
            if len(kept) == len(document["files"]):  # the file says exactly this
                self._digests_saved = kept
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return

    def write(self, name: str, document: dict | list | bytes) -> bool:
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

    def read(self, name: str) -> bytes | None:
        """A file of the cache (as `write` wrote it), or None when there is none to read."""
        try:
            return (self.folder / name).read_bytes()
        except OSError:
            return None

    def has_files(self, entry_key: str) -> bool:
        """Rendered files are kept under entry_key (whether they can be read: get_files)."""
        return (self.folder / f"{entry_key}{self.FILES}").is_file()

    def get_files(self, entry_key: str) -> dict[str, bytes] | None:
        """Rendered files (name -> bytes) kept under entry_key (put_files), or None."""
        try:
            body = unpack((self.folder / f"{entry_key}{self.FILES}").read_bytes())
            length = int.from_bytes(body[:8], "little")
            header = json.loads(body[8:8 + length])
            if header.get("format") != FILES_FORMAT or header.get("key") != entry_key:
                return None
            files, offset = {}, 8 + length
            for name, size in header["files"]:
                if type(name) is not str or type(size) is not int or size < 0:
                    return None
                files[name] = body[offset:offset + size]
                offset += size
            if offset != len(body):
                return None
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None
        self.used.add(entry_key)
        return files

    def put_files(self, entry_key: str, files: dict[str, bytes]) -> None:
        """Keep rendered files: a JSON header naming them and their sizes, then their bytes,
        packed (pack): no JSON string to unescape, a fifth of the bytes to read."""
        header = json.dumps({"format": FILES_FORMAT, "key": entry_key, "files": [
            [name, len(data)] for name, data in files.items()]}).encode()
        if self.write(f"{entry_key}{self.FILES}", pack(b"".join(
                [len(header).to_bytes(8, "little"), header, *files.values()]))):
            self.used.add(entry_key)

    def prune(self) -> None:
        """Drop entries this build did not use, so the cache holds one scoreboard's worth."""
        if not self.folder.is_dir():
            return
        self.save(used_only=True)
        for path in self.folder.iterdir():
            stale = (path.suffix in (self.SUFFIX, self.SLIM, self.OLD, self.FILES,
                                     self.SUMMARY)
                     and path.stem not in self.used)
            if stale or path.suffix == ".tmp":
                path.unlink(missing_ok=True)
