"""Files in, raw tables out: the only module that opens data files."""

from __future__ import annotations

import codecs
import csv
import difflib
import functools
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import yaml

from .ledger import (
    COLUMNS_BY_NAME,
    FEEDBACK_SUFFIXES,
    LABEL_MAX_CHARS,
    MAX_FEEDBACK_FILE_BYTES,
    MAX_NESTING,
    MAX_RECORD_CHARS,
    MAX_YAML_FILE_BYTES,
    REQUIRED_COLUMNS,
    SLUG_PATTERN,
    Column,
)
from .problems import Problem

if TYPE_CHECKING:
    import pandas as pd


def _empty_frame() -> pd.DataFrame:
    """A RawTable's rows before any are read (pandas imported only when one is made)."""
    import pandas as pd
    return pd.DataFrame()


EXPECTED_COLUMNS_HINT = "expected columns: " + ", ".join(COLUMNS_BY_NAME)


@dataclass
class CompanyFiles:
    slug: str
    folder: Path
    profile: Path
    actions: Path | None
    feedback: list[Path]
    summaries: list[Path] = field(default_factory=list)  # summaries/*.jsonl (docs/SUMMARIES.md)


@dataclass
class RawTable:
    """One feedback file as read: cells untyped, each row with the physical line it starts on."""

    file: str
    sha256: str
    columns: list[str] = field(default_factory=list)
    rows: pd.DataFrame = field(default_factory=_empty_frame)
    lines: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    records: int = 0  # data rows met, malformed ones included
    source_lines: list[str] = field(default_factory=list)  # JSONL only: to point at a key


def display_path(path: Path, data_dir: Path, link: bool | None = None) -> str:
    """A stable, machine-independent name for a file: relative to the working directory if it is
    inside it (so CI annotations point at the repository file), else to the data folder's parent.
    `link`: whether path is a symbolic link, when the caller has just looked (None: look)."""
    cwd = os.getcwd()
    if os.path.islink(path) if link is None else link:
        shown = _relative(cwd, os.path.realpath(path), str(data_dir))
        return path.name if shown is None else shown
    # folders are resolved and named once (a tree's files share a few), a file only if a link
    return folder_prefix(cwd, os.path.dirname(path), str(data_dir)) + path.name


@functools.lru_cache(maxsize=256)
def folder_prefix(cwd: str, folder: str, data_dir: str) -> str:
    """What display_path puts before the name of a file (not a link) in `folder` (as
    os.path.dirname gives it), from the working directory `cwd`: the folder's name and a /, or
    "" when the file is named alone."""
    shown = _relative(cwd, _resolved(cwd, folder), data_dir)
    return f"{shown}/" if shown else ""


@functools.lru_cache(maxsize=256)
def _relative(cwd: str, full: str, data_dir: str) -> str | None:
    """The resolved path `full` relative to the working directory if inside it, else to the data
    folder's parent ("" for the folder itself), with / separators; None if inside neither."""
    for base in (_resolved(cwd, "."), os.path.dirname(_resolved(cwd, data_dir))):
        base = base.rstrip(os.sep) + os.sep
        if (full + os.sep).startswith(base):
            return Path(full[len(base):]).as_posix() if len(full) > len(base) else ""
    return None


@functools.lru_cache(maxsize=256)
def _resolved(cwd: str, folder: str) -> str:
    return os.path.realpath(os.path.join(cwd, folder))


def discover(data_dir: Path) -> tuple[list[CompanyFiles], list[Problem]]:
    """Every company folder under data_dir, in slug order, and the folders that are not one.
    One directory listing per folder (os.scandir: a file's kind comes with its name, no stat
    but for links); the files as Path.rglob and is_file would find them, in Path order."""
    companies: list[CompanyFiles] = []
    problems: list[Problem] = []
    with os.scandir(data_dir) as listing:  # OSError as Path.iterdir's, if it is no folder
        folders = sorted(entry.name for entry in listing
                         if not entry.name.startswith(".") and _is(entry.is_dir))
    for name in folders:
        folder = data_dir / name
        if not re.fullmatch(SLUG_PATTERN, name):
            problems.append(Problem(
                display_path(folder, data_dir), None, None, "bad_slug",
                f"folder name {name!r} is not a valid company slug",
                "rename it: lower-case letters, digits and hyphens; start with a letter or digit",
            ))
            continue
        entries = {entry.name: entry for entry in _entries(str(folder))}
        feedback = _files_under(folder, entries.get("feedback"),
                                lambda file: _suffix(file) in FEEDBACK_SUFFIXES)
        summaries = _files_under(folder, entries.get("summaries"),
                                 lambda file: file.endswith(".jsonl"))
        actions = entries.get("actions.yaml")
        companies.append(CompanyFiles(
            name, folder, folder / "company.yaml",
            folder / "actions.yaml" if actions and _is(actions.is_file) else None,
            feedback, summaries,
        ))
    return companies, problems


def _entries(folder: str) -> list[os.DirEntry]:
    """A folder's entries; none when it cannot be listed (as rglob skips what it may not
    read, and a company folder gone since the data folder was listed)."""
    try:
        with os.scandir(folder) as listing:
            return list(listing)
    except OSError:
        return []


def _is(test: Callable[[], bool]) -> bool:
    """DirEntry.is_dir or is_file (following links, as Path's do): False when it cannot tell."""
    try:
        return test()
    except OSError:
        return False


def _suffix(name: str) -> str:
    """Path(name).suffix, without making a Path."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def _files_under(folder: Path, top: os.DirEntry | None, wanted: Callable[[str], bool],
                 ) -> list[Path]:
    """The files (links to files too) under folder / top.name, at any depth, whose name is
    `wanted`, in Path order: what sorted(p for p in top.rglob("*") if p.is_file() and wanted)
    gives (rglob does not descend into links to folders, nor does this)."""
    if top is None or not _is(top.is_dir):
        return []
    found: list[tuple[tuple[str, ...], Path, str]] = []
    pending = [((top.name,), folder / top.name)]
    while pending:
        parts, path = pending.pop()
        for entry in _entries(str(path)):
            name = entry.name
            if _is(functools.partial(entry.is_dir, follow_symlinks=False)):
                pending.append(((*parts, name), path / name))
            elif wanted(name) and _is(entry.is_file):
                found.append(((*parts, name), path, name))
    found.sort()
    return [path / name for _, path, name in found]


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _decode(data: bytes, where: str) -> tuple[str | None, Problem | None]:
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, Problem(
            where, line, None, "not_utf8",
            f"byte {error.start} (0x{data[error.start]:02x}) is not valid UTF-8",
            "save the file as UTF-8 (in a spreadsheet: 'CSV UTF-8')",
        )


def _header_problems(header: list[str], where: str, line: int | None) -> list[Problem]:
    """Duplicate, unknown and missing columns; `line` is the header's line (None: no header)."""
    column = (lambda index: index) if line else (lambda index: None)
    if len(header) == 1 and line and any(mark in header[0] for mark in ";\t|"):
        separator = next(mark for mark in ";\t|" if mark in header[0])
        return [Problem(where, line, None, "wrong_separator",
                        f"the header is one column separated by {separator!r}, not by commas",
                        "save the file as comma-separated CSV; " + EXPECTED_COLUMNS_HINT)]
    problems = []
    seen: set[str] = set()
    for index, name in enumerate(header, start=1):
        if name in seen:
            problems.append(Problem(
                where, line, column(index), "duplicate_column",
                f"column {name!r} appears more than once",
                "keep one column of each name",
            ))
        seen.add(name)
        if name not in COLUMNS_BY_NAME:
            close = difflib.get_close_matches(name, COLUMNS_BY_NAME, n=1)
            did_you_mean = f"did you mean {close[0]!r}? " if close else ""
            problems.append(Problem(
                where, line, column(index), "unknown_column", f"unknown column {name!r}",
                did_you_mean + EXPECTED_COLUMNS_HINT,
            ))
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            problems.append(Problem(
                where, line, None, "missing_column", f"required column {name!r} is missing",
                EXPECTED_COLUMNS_HINT,
            ))
    return problems


# A physical line as io.StringIO(text, newline="") gives it, without StringIO's copy of the
# whole text (four bytes a character when one is not ASCII: a cap-sized file would not fit).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _read_csv(text: str, table: RawTable) -> None:
    import pandas as pd
    lines = (match.group() for match in _LINE.finditer(text))
    reader = csv.reader(lines, strict=True)
    header: list[str] | None = None
    records: list[list[str]] = []
    last_line = 0
    try:
        for record in reader:
            start, last_line = last_line + 1, reader.line_num
            if not record:
                continue
            if header is None:
                header = [name.strip() for name in record]
                table.problems += _header_problems(header, table.file, start)
                continue
            table.records += 1
            if len(record) != len(header):
                table.problems.append(Problem(
                    table.file, start, None, "wrong_field_count",
                    f"row has {len(record)} fields, the header has {len(header)}",
                    "check for an unquoted comma; quote text that contains commas",
                ))
                continue
            records.append(record)
            table.lines.append(start)
    except csv.Error as error:
        # The record that failed began on the line after the last complete one.
        table.records += 1
        table.problems.append(Problem(
            table.file, last_line + 1, None, "csv_syntax", f"CSV syntax error: {error}",
            "check for an unterminated or stray double quote",
        ))
    table.columns = header or []
    table.rows = pd.DataFrame(records, columns=header or [], dtype=object)


_QUOTE = b'"'[0]
_ENDS_FIELD = np.zeros(256, bool)  # the bytes a closing quote may be followed by
_ENDS_FIELD[list(b",\r\n")] = True


def _bad_quoting(data: bytes) -> bool:
    """Whether `data` may hold a quoted field the csv module refuses and pyarrow does not: an
    opening quote where a field starts (after a comma or a line end), its content (any bytes,
    a quote doubled), then a closing quote followed by anything but a comma or a line end, or
    no closing quote at all.

    Every quote after a comma or a line end is taken for an opening one: it may also be one
    inside a good quoted field and report a false alarm, which only sends the file to the csv
    module. Only the quotes are looked at, in numpy (which lets other threads run), as runs
    of consecutive quotes: a run that opens a field closes it too if its length is even (the
    quotes after the first are pairs, but the last); otherwise the field closes at the next
    run of odd length (runs of even length are doubled quotes in the content)."""
    text = np.frombuffer(data, np.uint8)
    quotes = np.flatnonzero(text == _QUOTE)
    if not len(quotes):
        return False
    first = np.flatnonzero(np.diff(quotes, prepend=-2) != 1)  # each run's first quote
    starts = quotes[first]
    ends = np.append(quotes[first[1:] - 1], quotes[-1]) + 1  # one past each run's last quote
    odd = (ends - starts) % 2 == 1
    # a run ends a field well if a delimiter, a line end or the end of the text follows it
    closes = (ends == len(text)) | _ENDS_FIELD[text[np.minimum(ends, len(text) - 1)]]
    opens = np.flatnonzero((starts > 0) & _ENDS_FIELD[text[starts - 1]])
    if not closes[opens[~odd[opens]]].all():
        return True
    odd_runs = np.flatnonzero(odd)
    closing = np.searchsorted(odd_runs, opens[odd[opens]], side="right")
    return bool(closing.max(initial=-1) >= len(odd_runs)
                or not closes[odd_runs[closing]].all())


@functools.lru_cache(maxsize=64)
def _csv_options(header: tuple[str, ...], typed: bool, threads: bool) -> tuple:
    """pyarrow's read, parse and convert options for a CSV file with this header (see
    `_parse_arrow`), made once."""
    import pyarrow.csv as pacsv

    names = [f"f{index}" for index in range(len(header))]
    types = [pa.bool_() if typed and COLUMNS_BY_NAME[name].kind == "bool" else pa.string()
             for name in header]
    return (
        pacsv.ReadOptions(column_names=names, skip_rows=1, use_threads=threads),
        pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=not typed),
        pacsv.ConvertOptions(
            column_types=dict(zip(names, types, strict=True)), null_values=[""],
            true_values=["true"], false_values=["false"], strings_can_be_null=False,
            quoted_strings_can_be_null=False, check_utf8=False,  # _is_utf8: once per file
        ),
    )


def _parse_arrow(
    data: bytes, typed: bool, threads: bool = True,
) -> tuple[list[str], pa.Table] | None:
    """The fast path for the common, well-formed CSV: pyarrow parses. Returns (header, table),
    or None whenever it cannot be sure to match `_read_csv` exactly (any pyarrow error, no
    records, a bare CR, a quoted header, a quoting error pyarrow forgives, and, untyped, a
    blank line or an over-long field); the csv module then reads the file and reports its
    problems as it always has.

    Untyped, every cell is a string as written. Typed (for `validate`'s fast path, which
    re-reads the file exactly when anything is wrong), the header must be the contract's and
    boolean columns are read as booleans, an empty cell null; every other cell stays text. A
    blank line is then a record of empty cells, which the fast path refuses (an id is
    required), and every column has a length cap or a shape far below csv's field limit.

    With `threads`, pyarrow converts the columns on its thread pool; without, on the calling
    thread, which costs less CPU time where the caller runs threads of its own."""
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    body = data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data
    # the csv module also ends a line at a bare CR; line numbers count LF only
    if b"\r" in body and body.count(b"\r") != body.count(b"\r\n"):
        return None
    end = body.find(b"\n")
    if end < 0:
        return None
    header_line = body[:end].removesuffix(b"\r")
    if not header_line or b'"' in header_line:
        return None
    if b'"' in body and _bad_quoting(body):
        return None
    if typed and not _is_utf8(body):  # untyped, the file was decoded already
        return None
    try:
        header = [name.strip() for name in header_line.decode("utf-8").split(",")]
    except UnicodeDecodeError:
        return None
    if typed and _header_problems(header, "", 1):
        return None
    read, parse, convert = _csv_options(tuple(header), typed, threads)
    try:
        parsed = pacsv.read_csv(pa.BufferReader(body), read_options=read, parse_options=parse,
                                convert_options=convert)
    except (pa.ArrowException, ValueError):
        return None
    if parsed.num_rows == 0:
        return None
    if not typed:
        # the csv module refuses a field longer than its limit; a column smaller than that
        # cannot hold one, so only the rare large column is measured
        limit = csv.field_size_limit()
        if any(column.nbytes > limit and pc.max(pc.binary_length(column)).as_py() > limit
               for column in parsed.columns):
            return None
    return header, parsed.rename_columns(header)


def _is_utf8(data: bytes) -> bool:
    """Whether `data` is valid UTF-8, checked by Arrow in one pass without a copy: cheaper than
    pyarrow's CSV reader checking each cell (a file that is valid UTF-8 splits at ASCII
    delimiters into cells that are too)."""
    whole = pa.Array.from_buffers(pa.large_string(), 1, [
        None, pa.py_buffer(np.array([0, len(data)], np.int64)), pa.py_buffer(data)])
    try:
        whole.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _record_lines(data: bytes, table: pa.Table) -> np.ndarray | None:
    """The physical line each record of `_parse_arrow`'s table starts on, or None when the
    lines do not add up (a blank line: the csv module must count). Physical lines are LFs,
    plus one for a last line without one; if header + records fill them exactly, record i is
    on line i + 2, otherwise quoted newlines account for the difference."""
    import pyarrow.compute as pc
    records = table.num_rows
    # numpy counts a byte about four times as fast as bytes.count
    physical = np.count_nonzero(np.frombuffer(data, np.uint8) == ord("\n")) \
        + (not data.endswith(b"\n"))
    starts = np.arange(2, records + 2)
    if physical != records + 1:
        inside = sum(pc.count_substring(column, "\n").to_numpy(zero_copy_only=False)
                     for column in table.columns if column.type == pa.string())
        if 1 + records + int(inside.sum()) != physical:
            return None
        starts[1:] += np.cumsum(inside[:-1])
    return starts


def _read_csv_arrow(data: bytes, table: RawTable) -> bool:
    """`_parse_arrow` into `table`, every cell a string; False when the csv module must read."""
    import pandas as pd
    parsed = _parse_arrow(data, typed=False)
    starts = None if parsed is None else _record_lines(data, parsed[1])
    if starts is None:
        return False
    header, arrow = parsed
    cells = np.empty((len(header), arrow.num_rows), dtype=object)
    for index, column in enumerate(arrow.columns):
        cells[index] = column.to_numpy(zero_copy_only=False)
    table.problems += _header_problems(header, table.file, 1)
    table.columns = header
    table.rows = pd.DataFrame(cells.T, columns=header, dtype=object, copy=False)
    table.lines = starts.tolist()
    table.records = arrow.num_rows
    return True


def key_column(line: str, key: str) -> int | None:
    """1-based column of `"key":` in a JSONL line, so a problem points at its field (not at a
    value that is the same text, as in {"kind": "contacts", "contacts": 3})."""
    found = re.search(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:", line)
    return found.start() + 1 if found else None


# A \u escape of a UTF-16 surrogate: JSON allows one alone, Unicode text cannot hold it.
_HALF_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def _is_unicode(record: dict) -> bool:
    """Whether every key and text value can be written as UTF-8 (no lone surrogate)."""
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_lines(
    text: str, where: str, problems: list[Problem],
) -> Iterator[tuple[int, str, dict | None]]:
    """(line number, line, object) for each non-blank line of a JSON Lines text; the object is
    None where the line is not one (too long, not JSON, nested too deep, not an object), and
    the problem is added to `problems`. Feedback and summary files are both read through it."""
    escapes = _HALF_SURROGATE.search(text) is not None
    # JSON Lines ends a line at \n only: str.splitlines() would also split at U+2028, U+0085 or
    # a form feed, which JSON allows inside a string, and so refuse a valid record.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if len(line) > MAX_RECORD_CHARS:  # not parsed: no valid record is near this long
            problems.append(Problem(
                where, number, None, "too_long",
                f"the line has {len(line):,} characters; the limit is {MAX_RECORD_CHARS:,}",
                f"a comment holds at most {COLUMNS_BY_NAME['comment'].max_chars:,} characters: "
                "check the line's quoting",
            ))
            yield number, line, None
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(Problem(
                where, number, error.colno, "json_syntax", f"invalid JSON: {error.msg}",
                "each line must be one complete JSON object",
            ))
            yield number, line, None
            continue
        except RecursionError:  # brackets nested thousands deep: refused, never a traceback
            problems.append(Problem(
                where, number, 1, "too_deep", "the line nests lists or objects too deep "
                "to read", 'write one flat object per line, e.g. {"id": "c1", ...}',
            ))
            yield number, line, None
            continue
        if not isinstance(record, dict):
            problems.append(Problem(
                where, number, 1, "json_not_object", "line is not a JSON object",
                'write one object per line, e.g. {"id": "c1", ...}',
            ))
            yield number, line, None
            continue
        if escapes and (half := _HALF_SURROGATE.search(line)) and not _is_unicode(record):
            problems.append(Problem(
                where, number, half.start() + 1, "json_syntax",
                "a \\u escape is half of a surrogate pair: the text is not Unicode",
                "write the character itself, or both halves of its pair",
            ))
            yield number, line, None
            continue
        yield number, line, record


def _read_jsonl(text: str, table: RawTable) -> None:
    import pandas as pd
    records: list[dict] = []
    columns: dict[str, None] = {}
    for number, line, record in json_lines(text, table.file, table.problems):
        table.records += 1
        if record is None:
            continue
        nested = [key for key, value in record.items() if isinstance(value, dict | list)]
        for key in nested:
            table.problems.append(Problem(
                table.file, number, key_column(line, key), "json_nested",
                f"field {key!r} is not a plain value",
                "use strings, numbers, booleans or null",
            ))
        columns.update(dict.fromkeys(record))
        records.append(record)
        table.lines.append(number)
        table.source_lines.append(line)
    table.columns = list(columns)
    if records:
        table.problems += _header_problems(table.columns, table.file, None)
    table.rows = pd.DataFrame.from_records(records, columns=table.columns).astype(object)


# The text columns of few distinct values (channels, stages, topics, sites): the fast path
# reads them from Parquet as dictionaries, each distinct text decoded and checked once.
LABELS = tuple(column.name for column in COLUMNS_BY_NAME.values()
               if column.kind in ("text", "enum") and (column.max_chars or 0) <= LABEL_MAX_CHARS)


def _parquet_table(data: bytes, labels: bool = False) -> pa.Table:
    """A Parquet file's Arrow table (pyarrow raises several unrelated types for a damaged file);
    with `labels`, the LABELS columns the file has as dictionaries (as a Parquet writer
    usually stores them: not decoded into a text per row). ParquetFile reads a small file
    several times as fast as read_table's dataset machinery, and on the calling thread for
    less CPU time than on pyarrow's pool: a company's file of a month or a year is too small
    for threads to pay, and companies are read in parallel. The bytes are in memory already:
    pre-buffering them would only copy them."""
    import pyarrow.parquet as pq

    def opened(**options) -> pq.ParquetFile:
        return pq.ParquetFile(pa.BufferReader(data), pre_buffer=False, **options)

    try:
        file = opened(read_dictionary=LABELS if labels else None)
    except KeyError:  # pyarrow refuses to read a column the file lacks: name those it has
        metadata = opened().metadata
        file = opened(metadata=metadata, read_dictionary=[
            name for name in LABELS if name in metadata.schema.names])
    return file.read(use_threads=False)


def _not_utf8(arrow: pa.Table, where: str) -> list[Problem]:
    """The first cell of each text column that is not UTF-8: a Parquet writer need not check,
    and pyarrow reads such text as it is (pandas then fails on it). A table whose full
    validation passes has none (one call for every column)."""
    if _valid(arrow):
        return []
    problems = []
    for name, cells in zip(arrow.column_names, arrow.columns, strict=True):
        if pa.types.is_dictionary(cells.type):
            if _valid(cells):  # each distinct value checked once, whether used or not
                continue
            cells = cells.cast(cells.type.value_type)
        if not (pa.types.is_string(cells.type) or pa.types.is_large_string(cells.type)):
            continue
        if not _valid(cells):
            values = cells.cast(pa.large_binary()).to_pylist()
            row = next(row for row, value in enumerate(values)
                       if value is not None and not _is_utf8(value))
            problems.append(Problem(
                where, row + 1, None, "not_utf8", f"{name} in row {row + 1:,} is not UTF-8 text",
                "write the file's text as UTF-8",
            ))
    return problems


def _valid(cells: pa.ChunkedArray | pa.Table) -> bool:
    """Whether Arrow's full validation passes: text is UTF-8, a dictionary's values too."""
    try:
        cells.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _read_parquet(data: bytes, table: RawTable) -> None:
    try:
        arrow = _parquet_table(data)
        if problems := _not_utf8(arrow, table.file):
            table.problems += problems
            table.records = arrow.num_rows
            return
        frame = arrow.to_pandas()
    except Exception as error:  # pyarrow raises several unrelated types for a damaged file
        table.problems.append(Problem(
            table.file, None, None, "parquet_unreadable", f"cannot read Parquet: {error}",
            "re-export the file as Parquet, or use CSV",
        ))
        return
    _frame_rows(frame, table)
    table.problems += [Problem(
        table.file, None, None, "parquet_nested",
        f"column {name!r} holds lists or records, not plain values",
        "use strings, numbers, booleans, dates or timestamps",
    ) for name, kind in zip(arrow.schema.names, arrow.schema.types, strict=True)
        if pa.types.is_nested(kind)]


def frame_table(frame: pd.DataFrame, where: str) -> RawTable:
    """A table another reader made (a partition of a Dask dataset, `publish.py summarize`) as
    a RawTable, checked like a Parquet file's: its rows numbered from 1."""
    table = RawTable(where, "")
    _frame_rows(frame.reset_index(drop=True), table)
    return table


def _frame_rows(frame: pd.DataFrame, table: RawTable) -> None:
    table.columns = [str(c) for c in frame.columns]
    table.problems += _header_problems(table.columns, table.file, None)
    # Parquet has no lines: a problem's "line" is the 1-based row number.
    table.lines = list(range(1, len(frame) + 1))
    table.records = len(frame)
    table.rows = frame.astype(object)


def _parse_parquet(data: bytes) -> pa.Table | None:
    """The fast path's table of a well-formed Parquet file with the contract's columns, as the
    file holds them, the LABELS columns as dictionaries (see `_parquet_table`). The fast path
    types them (`typed_column`) in the form `_parse_arrow` gives a CSV file's (text, whole
    numbers and anything written as text as strings, "" where empty; booleans typed), except
    numbers, whole or not, (float64) and date-times (timestamp[us, UTC]) that the file holds
    typed, null where empty, and labels as dictionaries (DICTIONARY, null where empty); a
    column of a type the exact path refuses or reads otherwise sends its company to the exact
    path. None whenever the file cannot be sure to read as `_read_parquet` and the exact
    checks do: a damaged file, no rows, or other columns (as pandas names them); the exact path
    then reads the file."""
    try:
        table = _parquet_table(data, labels=True)
        header = table.column_names
        metadata = table.schema.pandas_metadata
        if metadata is not None:  # pandas may restore an index or rename: name as it does
            shown = [str(name) for name in table.schema.empty_table().to_pandas().columns]
            if shown != header:
                return None
        if not table.num_rows or _header_problems(header, "", None) or _not_utf8(table, ""):
            return None
        return table
    except Exception:  # a damaged file: the exact path decides
        return None


def typed_column(cells: pa.ChunkedArray, column: Column) -> pa.ChunkedArray | None:
    """A Parquet (or JSONL) column as the fast path reads it (see `_parse_parquet`), or None if
    of a type the exact path refuses for the column (a naive timestamp, a boolean rating, a
    date resolved_at ...) or turns into other text (a number in a text column: 5 or 5.0 as
    pandas reads it). A NaN is empty, as pandas reads it; a date is midnight UTC; raises when a
    cast would lose anything (a timestamp in nanoseconds). Text in a dictionary stays one in
    LABELS columns (DICTIONARY, null where empty). Cell by cell: the cells of many files of one
    Arrow type are typed in one call (validate._type_raw)."""
    import pyarrow.compute as pc
    kind, types = column.kind, pa.types
    if types.is_null(cells.type):
        cells = cells.cast(pa.string())
    if types.is_dictionary(cells.type):
        if not _valid(cells):  # e.g. a text no cell uses that is not UTF-8: pandas, so the
            return None        # exact path, cannot read the file
        if column.name in LABELS and _is_text(cells.type.value_type):
            return cells if cells.type == DICTIONARY else cells.cast(DICTIONARY)
        cells = cells.cast(cells.type.value_type)
    if _is_text(cells.type):
        cells = cells if cells.type == pa.string() else cells.cast(pa.string())
        cells = cells.fill_null("") if cells.null_count else cells
        if kind != "bool":
            return cells
        if not pc.all(pc.is_in(cells, pa.array(["true", "false", ""]))).as_py():
            return None
        return pc.if_else(pc.equal(cells, ""), pa.scalar(None, pa.bool_()),
                          pc.equal(cells, "true"))
    if types.is_boolean(cells.type):
        return cells if kind == "bool" else None
    if types.is_floating(cells.type) and kind in ("int", "number"):
        cells = pc.if_else(pc.is_nan(cells), pa.scalar(None, cells.type), cells)
        if kind == "int" and not pc.all(pc.and_(pc.is_finite(cells), pc.equal(
                pc.floor(cells), cells)), min_count=0).as_py():
            return None  # fractional or infinite: a bad rating, which the exact path reports
        return cells if cells.type == pa.float64() else cells.cast(pa.float64())
    if types.is_integer(cells.type) and kind in ("int", "number"):
        return cells.cast(pa.float64())
    if kind not in ("datetime", "date_or_datetime"):
        return None
    if (types.is_timestamp(cells.type) and cells.type.tz is not None) \
            or (types.is_date32(cells.type) and kind == "date_or_datetime"):
        return cells.cast(pa.timestamp("us", "UTC"))
    return None  # a naive timestamp: as ambiguous as a date-time without an offset


DICTIONARY = pa.dictionary(pa.int32(), pa.string())  # a label column's type, as pyarrow reads


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) \
        or pa.types.is_string_view(kind)


# pyarrow's JSON reader reads each contract column as one type: a value of another is an error
_JSON_SCHEMA = pa.schema([(column.name, {"int": pa.float64(), "number": pa.float64(),
                                         "bool": pa.bool_()}.get(column.kind, pa.string()))
                          for column in COLUMNS_BY_NAME.values()])


# A string followed by a colon (a key) with a \u escape in it; it may also match where no key
# is, which only sends the file to the exact path.
_ESCAPED_KEY = re.compile(rb'"(?:[^"\\]|\\.)*\\u(?:[^"\\]|\\.)*"[ \t\r\n]*:')


def _parse_jsonl(data: bytes) -> pa.Table | None:
    """The fast path for a JSONL file of flat objects with the contract's keys: pyarrow's JSON
    reader's table, whose columns the fast path types as a Parquet file's (`typed_column`).
    None whenever it cannot be sure to read as `_read_jsonl`: any pyarrow error (a key outside
    the contract or twice in an object, a value of another type than the column's (a rating
    written "5", text written as a number, a list, an object), a line that is not an object, a
    number too large for a double), bytes that are not UTF-8, a line over the length cap, no
    records, or lines that do not hold one object each (`_content_lines`)."""
    import pyarrow.json as pajson

    body = data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data
    if not _is_utf8(body):
        return None
    newlines = np.flatnonzero(np.frombuffer(body, np.uint8) == ord("\n"))
    if np.diff(newlines, prepend=-1, append=len(body)).max() > MAX_RECORD_CHARS:
        return None  # bytes: a line no longer in bytes is no longer in characters
    if not _objects_first(body, newlines):
        return None  # pyarrow 26 crashes on a file of `null`, and reads a null line as a record
    try:
        table = pajson.read_json(pa.BufferReader(body), parse_options=pajson.ParseOptions(
            explicit_schema=_JSON_SCHEMA, unexpected_field_behavior="error"))
        if not table.num_rows or table.num_rows != len(_content_lines(body)):
            return None
        # A key in no record is no column to the exact path (an absent resolved_at is typed
        # otherwise than one of nulls): such a column of nulls is dropped, unless a key is
        # written with a \u escape, which pyarrow reads unescaped (its name is not in the file)
        absent = [name for name, cells in zip(table.column_names, table.columns, strict=True)
                  if cells.null_count == len(cells)
                  and not re.search(b'"' + name.encode() + rb'"[ \t\r\n]*:', body)]
        if absent and _ESCAPED_KEY.search(body):
            return None
        table = table.drop_columns(absent)
        if _header_problems(table.column_names, "", None):  # a required key in no record
            return None
        return table
    except Exception:  # a JSON error: the exact path decides
        return None


_CONTENT = np.ones(256, bool)  # bytes other than JSON's whitespace
_CONTENT[list(b" \t\r\n")] = False
_LINE_START = re.compile(rb"[ \t\r]*(.)", re.DOTALL)


def _objects_first(body: bytes, newlines: np.ndarray) -> bool:
    """Whether every line that holds anything but JSON's whitespace begins with `{` (after
    that whitespace): only then is the file handed to pyarrow. Lines are looked at one by one
    only where one does not begin with `{` at once (a blank or indented line)."""
    text = np.frombuffer(body, np.uint8)
    starts = _line_starts(newlines, len(text))
    for start in starts[text[starts] != ord("{")].tolist():
        first = _LINE_START.match(body, start)
        if first is not None and first.group(1) not in (b"{", b"\n"):
            return False
    return True


def _line_starts(newlines: np.ndarray, size: int) -> np.ndarray:
    """Where each line of `size` bytes begins (none in no bytes), given where its LFs are."""
    starts = np.concatenate([[0], newlines + 1]).astype(np.int64)
    return starts[starts < size]


def _content_lines(body: bytes) -> np.ndarray:
    """The 1-based lines of a JSONL file that hold anything but JSON's whitespace (space, tab,
    CR): the lines `_read_jsonl` reads a record from (it skips the others). Each must hold one
    of pyarrow's records for the fast path: a non-blank line gives at least one or an error,
    so as many records as such lines means one on each."""
    text = np.frombuffer(body, np.uint8)
    starts = _line_starts(np.flatnonzero(text == ord("\n")), len(text))
    if not len(text):
        return starts[:0]
    # each line's bytes other than JSON's whitespace (a line holds at least its LF, or its byte)
    counts = np.add.reduceat(_CONTENT[text], starts, dtype=np.int64)
    return np.flatnonzero(counts) + 1


@dataclass
class TypedTable:
    """One well-formed CSV, Parquet or JSONL file with the contract's columns, as
    `read_feedback_many` read it: an Arrow table (booleans typed, every other cell its text; in
    Parquet and JSONL, numbers and date-times may be typed: see `_parse_parquet`) and each
    record's line (physical in CSV and JSONL; the row number in Parquet, as `_read_parquet`
    gives it). `validate.parse_feedback_files` checks
    it without pandas; when anything is wrong it reads the same bytes again with `exact()`,
    whose problems are the ones reported.

    `data` is None when the bytes were let go once parsed (`publish.py validate`: holding a
    company's files costs more than reading one again in the rare case that `exact()` needs
    it); `path` is then read again."""

    file: str
    sha256: str
    data: bytes | None
    arrow: pa.Table
    path: Path | None = None
    suffix: str = ".csv"
    _exact: RawTable | None = field(default=None, repr=False)

    @property
    def raw(self) -> bool:
        """Whether the columns are as the file holds them (Parquet, JSONL: see typed_column),
        not yet in the fast path's form (CSV's are read in it)."""
        return self.suffix != ".csv"

    @property
    def records(self) -> int:
        """Data rows met: the exact path's count once it has read the file (pyarrow counts a
        blank line as a record, the csv module skips it, and the fast path refuses it)."""
        return self.arrow.num_rows if self._exact is None else self._exact.records

    @functools.cached_property
    def lines(self) -> np.ndarray | None:
        """Each record's line (in CSV, None if they do not add up, as with a blank line, which
        the fast path refuses anyway); counted only when a frame is built."""
        if self.suffix == ".parquet":
            return np.arange(1, self.arrow.num_rows + 1)
        if self.suffix == ".jsonl":
            return _content_lines(self._bytes().removeprefix(codecs.BOM_UTF8))
        return _record_lines(self._bytes(), self.arrow)

    def exact(self) -> RawTable:
        """The file as `read_feedback` reads it (read once, then kept)."""
        if self._exact is None:
            self._exact = RawTable(self.file, self.sha256)
            _parse(self.suffix, self._bytes(), self._exact)
        return self._exact

    def _bytes(self) -> bytes:
        return self.path.read_bytes() if self.data is None else self.data


def _exact(path: Path, where: str, sha256: str, data: bytes | None) -> RawTable:
    """The RawTable of a file whose bytes were read (None: over the size cap)."""
    if data is None:
        size = path.stat().st_size
        return RawTable(where, "", problems=[_too_large(where, size, MAX_FEEDBACK_FILE_BYTES)])
    table = RawTable(where, sha256)
    _parse(path.suffix, data, table)
    return table


def _read_bytes(path: Path, data_dir: Path, digest: bool) -> tuple[str, str, bytes | None]:
    """(display path, sha256, bytes or None when over the size cap). Without `digest` the
    sha256 is left empty (`publish.py validate` reports none)."""
    where = display_path(path, data_dir)
    if path.stat().st_size > MAX_FEEDBACK_FILE_BYTES:  # refused before a byte is read
        return where, "", None
    data = path.read_bytes()
    return where, file_sha256(data) if digest else "", data


def _parse(suffix: str, data: bytes, table: RawTable) -> None:
    if suffix == ".parquet":
        _read_parquet(data, table)
        return
    text, problem = _decode(data, table.file)
    if problem:
        table.problems.append(problem)
    elif suffix == ".csv":
        if not _read_csv_arrow(data, table):
            _read_csv(text, table)
    else:
        _read_jsonl(text, table)


def read_feedback(path: Path, data_dir: Path) -> RawTable:
    """Read one feedback file whole; structural problems (encoding, syntax, header) are recorded."""
    return _exact(path, *_read_bytes(path, data_dir, digest=True))


def read_feedback_many(
    paths: list[Path], data_dir: Path, frames: bool = True,
) -> list[TypedTable | RawTable]:
    """`read_feedback` of each path, in order, except that a well-formed CSV, Parquet or JSONL
    file with the contract's columns comes back as a TypedTable, for
    `validate.parse_feedback_files`' fast path. Every file's bytes are read first, then each
    file parsed: each kind of work done over a batch's files at once keeps its code and data in
    the processor's caches (a thousand companies' 2,174 Parquet files read in 0.96-0.98 s
    instead of 1.31-1.35 s when each was read and then parsed in turn, bench/README.md).
    Without `frames` (`publish.py validate`: checked only) no sha256 is computed, a TypedTable
    does not keep the file's bytes, and a CSV file is parsed on the calling thread
    (`board.check` reads companies on threads of its own; handing each file's columns to
    pyarrow's pool as well costs CPU time and gains nothing)."""
    read = [_read_bytes(path, data_dir, digest=frames) for path in paths]
    return [_parsed(path, where, sha256, data, frames)
            for path, (where, sha256, data) in zip(paths, read, strict=True)]


def _parsed(path: Path, where: str, sha256: str, data: bytes | None,
            frames: bool) -> TypedTable | RawTable:
    """read_feedback_many of a file whose bytes are read (None: over the size cap)."""
    if data is not None and path.suffix == ".csv" and (
            parsed := _parse_arrow(data, typed=True, threads=frames)):
        return TypedTable(where, sha256, data if frames else None, parsed[1], path)
    fast = {".parquet": _parse_parquet, ".jsonl": _parse_jsonl}.get(path.suffix)
    if data is not None and fast and (arrow := fast(data)):
        return TypedTable(where, sha256, data if frames else None, arrow, path, path.suffix)
    return _exact(path, where, sha256, data)


@dataclass
class SummaryLines:
    """One summary file as read: its JSON objects with their line numbers and source lines
    (checked and typed by scoring.summary_file), and the problems met reading it."""

    file: str
    sha256: str
    records: list[tuple[int, str, dict]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_summary(path: Path, data_dir: Path, digest: bool = True) -> SummaryLines:
    """Read one summary file whole (the feedback files' size cap and line reader)."""
    where, sha256, data = _read_bytes(path, data_dir, digest)
    lines = SummaryLines(where, sha256)
    if data is None:
        lines.problems.append(_too_large(where, path.stat().st_size, MAX_FEEDBACK_FILE_BYTES))
        return lines
    text, problem = _decode(data, where)
    if problem:
        lines.problems.append(problem)
        return lines
    lines.records = [(number, line, record)
                     for number, line, record in json_lines(text, where, lines.problems)
                     if record is not None]
    return lines


def _position(mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


class LineDict(dict):
    """A YAML mapping that remembers where it starts, where each value starts (`marks`), where
    each key is (`key_marks`), and each scalar value's text as written (`raw`)."""

    line: int = 0
    column: int = 0
    marks: dict
    key_marks: dict
    raw: dict


class LineList(list):
    """A YAML sequence that remembers where it starts and where each item starts."""

    line: int = 0
    column: int = 0
    marks: dict
    raw: dict


class _YamlProblem(yaml.MarkedYAMLError):
    """A YAML construct the contract refuses, with its problem code."""

    def __init__(self, code: str, problem: str, mark, hint: str):
        super().__init__(None, None, problem, mark)
        self.code, self.hint = code, hint


try:  # libyaml parses several times as fast as PyYAML's own reader, scanner and parser
    from yaml.cyaml import CParser as _Parser
except ImportError:  # a PyYAML built without libyaml
    class _Parser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
        def __init__(self, stream):
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)


class _LineLoader(yaml.composer.Composer, _Parser, yaml.constructor.SafeConstructor,
                  yaml.resolver.Resolver):
    """Safe loading plus positions; aliases and duplicate keys refused; bad dates located. The
    nodes are composed here, in Python, so that each is checked as it is made."""

    depth = 0

    def __init__(self, stream):
        _Parser.__init__(self, stream)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            # Refused outright, so an alias bomb never expands.
            raise _YamlProblem("yaml_alias", "aliases (*name) are not allowed",
                               self.peek_event().start_mark, "write the value out in full")
        event = self.peek_event()
        if getattr(event, "tag", None) is not None:  # !!set, !!binary, !!int x, !custom ...
            tag = event.tag.replace("tag:yaml.org,2002:", "!!")
            raise _YamlProblem("yaml_tag", f"tags such as {tag} are not allowed",
                               event.start_mark, "remove the tag; quote the value if it is text")
        if self.depth >= MAX_NESTING:  # refused before Python's recursion limit is reached
            raise _YamlProblem("too_deep", f"lists and mappings nest more than {MAX_NESTING} deep",
                               self.peek_event().start_mark,
                               "the format nests at most 4 deep: check the brackets")
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError):  # read as a number it is not, e.g. 0b_ or 0x_
            kind = node.tag.rsplit(":", 1)[-1]
            raise _YamlProblem("yaml_syntax", f"{node.value[:40]!r} cannot be read as {kind}",
                               node.start_mark, "quote it to keep it as text") from None

    def construct_mapping(self, node, deep=False):
        mapping = LineDict()
        mapping.line, mapping.column = _position(node.start_mark)
        mapping.marks, mapping.key_marks, mapping.raw = {}, {}, {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key_node, yaml.ScalarNode):  # e.g. `{{7*7}}`: a mapping as key
                raise _YamlProblem("yaml_syntax", "a key is a list or mapping, not plain text",
                                   key_node.start_mark,
                                   "quote text that starts with { or [, e.g. name: \"{x}\"")
            if key in mapping:
                raise _YamlProblem("yaml_duplicate_key", f"key {key!r} appears twice",
                                   key_node.start_mark,
                                   "keep one; YAML would silently use the last")
            mapping[key] = self.construct_object(value_node, deep=deep)
            mapping.marks[key] = _position(value_node.start_mark)
            mapping.key_marks[key] = _position(key_node.start_mark)
            if isinstance(value_node, yaml.ScalarNode):
                mapping.raw[key] = value_node.value
        return mapping

    def construct_sequence(self, node, deep=False):
        sequence = LineList(self.construct_object(child, deep=deep) for child in node.value)
        sequence.line, sequence.column = _position(node.start_mark)
        sequence.marks = {i: _position(child.start_mark) for i, child in enumerate(node.value)}
        sequence.raw = {i: child.value for i, child in enumerate(node.value)
                        if isinstance(child, yaml.ScalarNode)}
        return sequence

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as error:
            raise _YamlProblem("bad_date", f"{node.value!r} is not a real date ({error})",
                               node.start_mark, "write an existing date as YYYY-MM-DD") from None


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_sequence)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_yaml_timestamp)


def read_yaml(path: Path, data_dir: Path) -> tuple[object, str, str, list[Problem]]:
    """(document, display path, sha256, problems) for one YAML file."""
    where = display_path(path, data_dir)
    size = path.stat().st_size
    if size > MAX_YAML_FILE_BYTES:
        return None, where, "", [_too_large(where, size, MAX_YAML_FILE_BYTES)]
    data = path.read_bytes()
    digest = file_sha256(data)
    text, problem = _decode(data, where)
    if problem:
        return None, where, digest, [problem]
    try:
        return yaml.load(text, Loader=_LineLoader), where, digest, []
    except _YamlProblem as error:
        return None, where, digest, [Problem(
            where, *_position(error.problem_mark), error.code, error.problem, error.hint)]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = _position(mark) if mark else (None, None)
        return None, where, digest, [Problem(
            where, line, column, "yaml_syntax", f"YAML error: {error.problem or error.context}",
            "check indentation and quoting against the examples on the 'publish your data' page",
        )]
    except yaml.YAMLError as error:
        return None, where, digest, [Problem(
            where, None, None, "yaml_syntax", f"YAML error: {error}", "check the file's syntax",
        )]


def _too_large(where: str, size: int, cap: int) -> Problem:
    return Problem(where, None, None, "file_too_large",
                   f"the file is {size:,} bytes; the limit is {cap:,}",
                   "split it (feedback: one file per month) or shorten it")
