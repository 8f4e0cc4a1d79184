"""Raw tables and YAML documents -> typed frames and problems (file, line, column, code, hint)."""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import itertools
import re
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
from jsonschema import Draft202012Validator

from .ledger import COLUMNS_BY_NAME, FEEDBACK_COLUMNS, Column
from .load import DICTIONARY, LABELS, RawTable, TypedTable, key_column, typed_column
from .problems import Problem
from .schemas import SCHEMAS

if TYPE_CHECKING:
    import pandas as pd

# A file with more problems than this reports the first ones and a count of the rest.
MAX_PROBLEMS_PER_FILE = 100

_DATE = r"\d{4}-\d{2}-\d{2}"
_DATETIME = _DATE + r"[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?"
_OFFSET = r"(Z|[+-]\d{2}:?\d{2})"
_PATTERNS = {
    "datetime": re.compile(f"{_DATETIME}{_OFFSET}"),
    "date_or_datetime": re.compile(f"({_DATETIME}{_OFFSET}|{_DATE})"),
}


@functools.cache
def _ns_range() -> tuple[pd.Timestamp, pd.Timestamp]:
    """The UTC timestamps pandas holds in nanoseconds."""
    import pandas as pd
    return pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC")


def _missing(values: pd.Series) -> pd.Series:
    return values.isna() | values.eq("")


def _parse_datetimes(values: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    """(UTC timestamps, bad mask). Strings must carry an offset; native values must be aware."""
    import pandas as pd
    is_text = values.map(type).eq(str)
    text = values.where(is_text)
    shape_ok = text.str.fullmatch(_PATTERNS[column.kind]).fillna(False).astype(bool)
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    if shape_ok.any():
        stamps = pd.to_datetime(text[shape_ok], utc=True, format="ISO8601", errors="coerce")
        parsed[shape_ok] = _within_ns(stamps)
    native = values[~is_text & values.notna()]
    if len(native):  # Parquet's own types: converted whole, not a value at a time
        # a date-time (pd.Timestamp included) if aware; a date where one is allowed (midnight)
        dates = column.kind == "date_or_datetime"
        taken = native[native.map(lambda value: value.tzinfo is not None if isinstance(
            value, dt.datetime) else dates and isinstance(value, dt.date)).astype(bool)]
        if len(taken):
            parsed[taken.index] = _within_ns(pd.to_datetime(taken, utc=True, errors="coerce"))
    return parsed, parsed.isna()


def _within_ns(stamps: pd.Series) -> pd.Series:
    """UTC timestamps in nanoseconds; NaT where beyond them (a year such as 0001 or 3000
    parses, but the scores cannot hold it: it is bad too)."""
    return stamps.where(stamps.between(*_ns_range())).astype("datetime64[ns, UTC]")


def _convert(values: pd.Series, column: Column) -> tuple[pd.Series, pd.Series, str, str]:
    """(typed values, bad mask, what is wrong, how to fix) for the non-missing cells of a column."""
    import pandas as pd
    kind = column.kind
    if kind == "text":
        return values.map(str), pd.Series(False, index=values.index), "", ""
    if kind == "enum":
        ok = values.isin(column.choices)
        return values, ~ok, "is not one of " + ", ".join(column.choices), (
            "use one of the listed values, in lower case"
        )
    if kind in ("int", "number"):
        is_bool = values.map(type).eq(bool)
        numbers = pd.to_numeric(values.where(~is_bool), errors="coerce").astype(float)
        bad = numbers.isna() | ~np.isfinite(numbers)
        if column.low is not None:
            bad |= numbers < column.low
        if column.high is not None:
            bad |= numbers > column.high
        span = f"{column.low:g}..{column.high:g}" if column.high is not None else (
            f">= {column.low:g}"
        )
        if kind == "int":
            bad |= numbers.mod(1).ne(0) & numbers.notna()
            return numbers, bad, f"is not a whole number in {span}", f"write a whole number {span}"
        return numbers, bad, f"is not a finite number {span}", f"write a number {span}"
    if kind == "bool":
        mapping = {"true": True, "false": False, True: True, False: False}
        typed = values.map(lambda v: mapping.get(v) if isinstance(v, str | bool) else None)
        return typed, typed.isna(), "is not true or false", "write true or false (lower case)"
    typed, bad = _parse_datetimes(values, column)
    hint = "write an ISO 8601 date-time with an offset, e.g. 2026-03-14T09:30:00Z or +02:00"
    if kind == "date_or_datetime":
        hint += ", or a date such as 2026-03-14"
    return typed, bad, "is not a date-time with a UTC offset", hint


def parse_feedback(
    table: RawTable, as_of: dt.date | None = None,
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Typed contacts for one structurally sound table, or None and every problem found."""
    return parse_feedback_files([table], as_of)[0]


def parse_feedback_files(
    tables: list[RawTable | TypedTable], as_of: dt.date | None = None, frames: bool = True,
) -> list[tuple[pd.DataFrame | None, list[Problem]]]:
    """(typed contacts or None, problems) for each of one company's files, in order; with
    `frames` False (`publish.py validate`) the contacts are always None, only checked. See
    company_contacts, which gives the same contacts as one frame."""
    problems, contacts = company_contacts(tables, as_of, frames)
    results: list[tuple[pd.DataFrame | None, list[Problem]]] = []
    start = 0
    for table, found in zip(tables, problems, strict=True):
        if found or not table.records or contacts is None:
            results.append((None, found))
        else:
            stop = start + table.records  # a file without problems has a row per record
            results.append((contacts.iloc[start:stop].reset_index(drop=True), found))
            start = stop
    return results


def company_contacts(
    tables: list[RawTable | TypedTable], as_of: dt.date | None = None, frames: bool = True,
) -> tuple[list[list[Problem]], pd.DataFrame | None]:
    """The problems of each of one company's files, in order, and the typed contacts of the
    files without any, in file order (None when there are none, or without `frames`).

    The files are checked in one vectorised pass (per-file pandas overhead dwarfs the work on a
    month of rows); every problem still names its own file, line and column. Contact ids must
    be unique across the company's files: a repeat is a problem of the later file. With a
    pinned `as_of`, a contact dated after it is a problem (by default as_of is the newest
    contact, so none can be).

    When every file with rows is a TypedTable, the files are first checked in Arrow, without
    pandas; only if that finds anything wrong are they read again exactly and checked here,
    so each problem is reported as it always was."""
    import pandas as pd
    fast = _fast_path(tables, as_of, frames)
    if fast is not None:
        return fast
    tables = [t.exact() if isinstance(t, TypedTable) else t for t in tables]
    problems: list[list[Problem]] = [list(t.problems) for t in tables]
    sound = [i for i, t in enumerate(tables) if not t.problems and not t.rows.empty]
    if not sound:
        return problems, None
    rows = pd.concat([tables[i].rows for i in sound], ignore_index=True)
    owner = np.repeat(np.asarray(sound), [len(tables[i].rows) for i in sound])
    lines = np.concatenate([np.asarray(tables[i].lines) for i in sound])
    starts = dict(zip(sound, np.cumsum([0] + [len(tables[i].rows) for i in sound[:-1]]),
                      strict=True))  # each file's first row in the concatenation
    def report(mask: pd.Series | np.ndarray, name: str, code: str, message, hint: str) -> None:
        for row in np.flatnonzero(np.asarray(mask)):
            table = tables[owner[row]]
            problems[owner[row]].append(Problem(
                table.file, int(lines[row]), _column_number(table, name, row - starts[owner[row]]),
                code,
                message(row), hint,
            ))

    typed: dict[str, pd.Series] = {}
    for name in rows.columns:
        column = COLUMNS_BY_NAME[name]
        values = rows[name]
        missing = _missing(values)
        converted, bad, what, hint = _convert(values.where(~missing), column)
        if column.required:
            report(missing, name, "missing_value", lambda _, n=name: f"{n} is required but empty",
                   f"fill in {name}: {column.doc}")
        report(bad & ~missing, name, f"bad_{column.kind}",
               lambda row, n=name, v=values, w=what: f"{n} {v.iloc[row]!r} {w}", hint)
        if column.max_chars:
            # The message gives the length, never the text: a comment may be personal.
            lengths = converted.where(~missing).str.len()
            report(lengths > column.max_chars, name, "too_long",
                   lambda row, n=name, ln=lengths: f"{n} has {int(ln.iloc[row]):,} characters",
                   f"the limit is {column.max_chars:,}; shorten it")
        typed[name] = converted.where(~missing)
    contacts = _typed_frame(typed, len(rows))
    ids = contacts["id"]
    repeated = (ids.duplicated(keep="first") & ids.notna()).to_numpy()
    first = ~repeated & ids.notna().to_numpy()
    first_owner = pd.Series(owner[first], index=ids[first])

    def repeated_message(row: int) -> str:
        earlier = first_owner[ids.iloc[row]]
        where = "earlier in this file" if earlier == owner[row] else (
            f"already in {tables[earlier].file}")
        return f"id {ids.iloc[row]!r} is {where}"

    report(repeated, "id", "duplicate_id", repeated_message,
           "every contact needs its own id across all of the company's files")
    when = contacts["submitted_at"]
    if "resolved_at" in rows.columns:
        report((contacts["resolved_at"] < when).fillna(False), "resolved_at",
               "resolved_before_contact",
               lambda row: f"resolved_at {contacts['resolved_at'].iloc[row]:%Y-%m-%dT%H:%M:%SZ} "
                           f"is before the contact ({when.iloc[row]:%Y-%m-%dT%H:%M:%SZ})",
               "a case is resolved at or after the contact that reports it")
    if as_of is not None:
        end = pd.Timestamp(as_of, tz="UTC") + pd.Timedelta(days=1)
        report((when >= end).fillna(False), "submitted_at", "after_as_of",
               lambda row: f"submitted_at {when.iloc[row]:%Y-%m-%dT%H:%M:%SZ} is after the "
                           f"scoreboard date {as_of.isoformat()}",
               "correct the date; a contact cannot be counted before it happens")

    contacts["line"] = lines
    counted = [index for index in sound if not problems[index]]
    problems = [_capped(sorted(found, key=lambda p: (p.line or 0, p.column or 0)), table.file)
                for found, table in zip(problems, tables, strict=True)]
    if not frames or not counted:
        return problems, None
    if len(counted) == len(sound):
        return problems, contacts
    return problems, contacts[np.isin(owner, counted)].reset_index(drop=True)


# --- the fast path: the same rules in Arrow, for files that are all good ----------------------
#
# It must accept nothing that the checks above refuse and give the same contacts; it may refuse
# more (a rating written "05", a time with 7 decimals): it only decides whether the exact path
# is needed. tests/test_fast_path.py holds the two to that.

_TEXT = pa.string()
# each digit string the fast path accepts for an int column, and its value
_INT_VALUES = {
    name: ["", *(str(v) for v in range(int(COLUMNS_BY_NAME[name].low),
                                       int(COLUMNS_BY_NAME[name].high) + 1))]
    for name in ("rating", "nps")
}
# _ns_range in whole microseconds: pandas' nanoseconds are int64, less its least value (NaT)
_NS_BOUNDS = (-((2**63 - 1) // 1000), (2**63 - 1) // 1000)


def _fast_path(
    tables: list[RawTable | TypedTable], as_of: dt.date | None, frames: bool,
) -> tuple[list[list[Problem]], pd.DataFrame | None] | None:
    """The result of company_contacts when every file is good, else None."""
    fast = fast_contacts([tables], as_of, frames)
    return None if fast is None else (fast[0][0], fast[1])


def fast_contacts(
    companies: list[list[RawTable | TypedTable]], as_of: dt.date | None, frames: bool = True,
) -> tuple[list[list[list[Problem]]], pd.DataFrame | None] | None:
    """company_contacts of several companies at once, when every file of every one is good:
    the problems of each company's files (none), and the contacts of them all in one frame,
    company after company (as many rows each as its files' records); else None, and each
    company is checked on its own. The files are checked in one pass, so the checks' cost per
    call is paid once for them all; a contact id need only be unique within its company."""
    tables = [table for company in companies for table in company]
    typed = [table for table in tables if isinstance(table, TypedTable)]
    if not typed or any(isinstance(t, RawTable) and (t.problems or t.records) for t in tables):
        return None
    owners = [index for index, company in enumerate(companies) for table in company
              if isinstance(table, TypedTable)]
    try:
        values = _fast_values(typed, as_of, np.repeat(owners, [t.records for t in typed]))
    except (pa.ArrowException, _Untyped):  # e.g. a date-time pyarrow cannot read, a naive
        return None                        # timestamp: the exact path decides
    if values is None:
        return None
    problems = [[[] for _ in company] for company in companies]
    if not frames:
        return problems, None
    if any(t.lines is None for t in typed):
        return None  # cannot happen once the checks pass (see TypedTable.lines); be sure
    return problems, _fast_frame(values, np.concatenate([t.lines for t in typed]))


def _gathered(
    files: list[dict[str, pa.ChunkedArray]], typed: list[TypedTable], column: Column,
) -> pa.ChunkedArray | None:
    """One column over the company's files (`files`: each one's columns by name), in order; a
    file without it gives empty cells (text "", other types null); None when no file has it.
    Labels (dictionaries) and whole numbers (float64) that a Parquet file holds so are text
    beside a file that holds them as text (CSV). Raises ArrowTypeError when files hold it in
    other different types (a Parquet file's typed date-times beside a CSV file's text): the
    exact path then checks the company."""
    given = [columns.get(column.name) for columns in files]
    if (whole := _type_raw(given, typed, column)) is not None:
        return whole
    present = [cells for cells in given if cells is not None]
    if not present:
        return None
    if len({cells.type for cells in present}) > 1:
        given = [cells if cells is None or cells.type == _TEXT else _as_text(cells, column)
                 for cells in given]
    kind = next(cells for cells in given if cells is not None).type
    chunks = []
    for cells, table in zip(given, typed, strict=True):
        if cells is not None:
            chunks += cells.chunks
        elif kind == _TEXT:
            chunks.append(pa.array([""] * table.records, kind))
        else:
            chunks.append(pa.nulls(table.records, kind))
    return pa.chunked_array(chunks, kind)


class _Untyped(Exception):
    """A file holds a column in a type the fast path cannot read as the exact path does."""


def _type_raw(given: list[pa.ChunkedArray | None], typed: list[TypedTable],
              column: Column) -> pa.ChunkedArray | None:
    """The cells of the files that hold a column as written (TypedTable.raw: Parquet, JSONL)
    typed in place (load.typed_column), the cells of every such file of one Arrow type in one
    call; when that is every file, those cells typed are the column and come back (a batch of
    Parquet files written alike), else None. Raises _Untyped if they cannot be."""
    kinds: dict[pa.DataType, list[int]] = {}
    for index, (cells, table) in enumerate(zip(given, typed, strict=True)):
        if cells is not None and table.raw:
            kinds.setdefault(cells.type, []).append(index)
    for kind, indices in kinds.items():
        lengths = [len(given[index]) for index in indices]
        cells = typed_column(pa.chunked_array(
            [chunk for index in indices for chunk in given[index].chunks], kind), column)
        if cells is None:
            raise _Untyped(column.name)
        if len(indices) == len(given):
            return cells
        for index, start, length in zip(indices, np.cumsum([0, *lengths[:-1]]).tolist(),
                                        lengths, strict=True):
            given[index] = cells.slice(start, length)


def _as_text(cells: pa.ChunkedArray, column: Column) -> pa.ChunkedArray:
    """A label's dictionary or a whole number's float64 as a CSV file's text, "" where empty;
    other cells as they are."""
    if cells.type == DICTIONARY:
        return cells.cast(_TEXT).fill_null("")
    if column.kind == "int":
        return cells.cast(pa.int64()).cast(_TEXT).fill_null("")
    return cells


def _fast_values(typed: list[TypedTable], as_of: dt.date | None, owner: np.ndarray,
                 ) -> dict[str, object] | None:
    """Each contract column over the files: booleans and text as read (text "" for empty;
    labels may be dictionaries, see _gathered), whole numbers as their text in one array
    (_int_index reads them) or as float64, numbers as float64, date-times as timestamp[us, UTC];
    None as soon as any rule fails (pyarrow errors propagate). `owner` is each row's company
    (ascending), within which its id must be unique."""
    import pandas as pd
    import pyarrow.compute as pc
    values: dict[str, object] = {}
    files = [dict(zip(t.arrow.column_names, t.arrow.columns, strict=True)) for t in typed]
    for column in FEEDBACK_COLUMNS:
        cells = _gathered(files, typed, column)
        if cells is None or column.kind == "bool":
            values[column.name] = cells
            continue
        if column.kind == "text":
            texts = _texts(cells)
            if column.required and _any(pc.equal(pc.binary_length(texts), 0)):
                return None
            if column.max_chars and pc.max(pc.binary_length(texts)).as_py() > column.max_chars \
                    and pc.max(pc.utf8_length(texts)).as_py() > column.max_chars:
                return None
            values[column.name] = cells
        elif column.kind == "enum":  # an empty cell is a choice only where it may be missing
            choices = column.choices if column.required else (*column.choices, "")
            if _any(pc.invert(pc.is_in(_texts(cells), pa.array(choices)))):
                return None
            values[column.name] = cells
        elif column.kind == "int" and cells.type != _TEXT:  # whole, as typed_column checked
            bounds = pc.min_max(cells).as_py()
            if bounds["min"] is not None and (bounds["min"] < column.low
                                              or bounds["max"] > column.high):
                return None
            values[column.name] = cells
        elif column.kind == "int":
            values[column.name] = cells.combine_chunks()
            if not _whole_numbers(values[column.name], column):
                return None
        elif column.kind == "number":
            cells = cells.combine_chunks()
            if cells.type == _TEXT:
                # short, so that it is far below csv's field limit (see load._parse_arrow)
                lengths = np.diff(_offsets(cells))
                if lengths.max(initial=0) > 40:
                    return None
                cells = pc.cast(_nulls_where(cells, lengths == 0), pa.float64())
            if _any(pc.invert(pc.is_finite(cells))) or _any(pc.less(cells, column.low)):
                return None
            values[column.name] = cells
        elif cells.type != _TEXT:  # date-times typed in Parquet
            values[column.name] = _fast_timestamps(cells.combine_chunks(), column)
            if values[column.name] is None:
                return None
        else:
            values[column.name] = _fast_datetimes(cells, column)
            if values[column.name] is None:
                return None
    if _repeated_ids(values["id"], owner):
        return None
    when, resolved = values["submitted_at"], values["resolved_at"]
    if resolved is not None and _any(pc.less(resolved, when)):
        return None
    if as_of is not None:
        end = pd.Timestamp(as_of, tz="UTC") + pd.Timedelta(days=1)
        if _any(pc.greater_equal(when, pa.scalar(end, pa.timestamp("us", "UTC")))):
            return None
    return values


def _repeated_ids(ids: pa.ChunkedArray, owner: np.ndarray) -> bool:
    """Whether an id is repeated within a company (`owner`: each row's, ascending). Ids that
    ascend within each company need no hash table."""
    import pyarrow.compute as pc
    if len(ids) < 2:
        return False
    # a company's first id need not follow the one before
    if pc.all(pc.or_(pc.less(ids[:-1], ids[1:]), pa.array(owner[1:] != owner[:-1]))).as_py():
        return False
    encoded = pc.dictionary_encode(ids.combine_chunks())
    pairs = owner.astype(np.int64) * len(encoded.dictionary) + encoded.indices.to_numpy()
    return len(np.unique(pairs)) != len(pairs)


def _texts(cells: pa.ChunkedArray) -> pa.ChunkedArray:
    """Text cells, or a dictionary's texts ("" for a null), each once: the checks of a text
    column look at these. A dictionary may hold a text no cell uses: the fast path then
    checks more than it must, which can only send the company to the exact path."""
    if cells.type != DICTIONARY:
        return cells
    texts = [chunk.dictionary for chunk in cells.chunks]
    if cells.null_count:
        texts.append(pa.array([""]))
    texts = pa.chunked_array(texts, _TEXT)
    return texts.fill_null("") if texts.null_count else texts


def _any(mask: pa.ChunkedArray) -> bool:
    """Whether any cell is true; nulls (empty cells) are not."""
    import pyarrow.compute as pc
    return bool(pc.any(mask).as_py())


# The lengths of the date-times pyarrow reads: a time of 13 (hh), 16 (hh:mm), 19 (hh:mm:ss) or
# 21-26 (decimals) characters with date and separator, plus an offset of 1 (Z), 3 (+hh), 5 (+hhmm)
# or 6 (+hh:mm). At the lengths that only the contract's shapes have, no byte is looked at.
_TIMES, _OFFSETS = (16, 19, *range(21, 27)), (1, 5, 6)
_REFUSED = {13 + offset for offset in (*_OFFSETS, 3)} | {time + 3 for time in (13, *_TIMES)}
_SURE_LENGTHS = np.zeros(40, bool)
_SURE_LENGTHS[sorted({t + o for t in _TIMES for o in _OFFSETS} - _REFUSED)] = True


def _fast_datetimes(cells: pa.ChunkedArray, column: Column) -> pa.Array | None:
    """Date-times as timestamp[us, UTC] (empty cells null) if every one is one the exact path
    accepts, with the same value; bare dates (date_or_datetime) are midnight UTC.

    pyarrow's ISO 8601 reader, given a time zone, takes YYYY-MM-DD, T or space, hh[:mm[:ss[.f]]]
    (at most 6 decimals in microseconds) and Z, +hh, +hhmm or +hh:mm, and checks each digit
    and field range; it refuses a value without an offset. That is the exact path's pattern
    plus an hour alone and an offset of hours alone, which are refused here: the byte after
    the hour must be ':', and the third byte from the end must not be a sign. Only cells of a
    length that such a shape can have are looked at (_SURE_LENGTHS)."""
    import pyarrow.compute as pc
    cells = cells.combine_chunks()  # one Arrow array: fewer, larger steps below
    offsets = _offsets(cells)
    lengths = np.diff(offsets)
    empty = lengths == 0
    if column.required and empty.any():
        return None
    date = lengths == 10  # the one shape without a time
    dated = date.any()
    if dated and column.kind != "date_or_datetime":
        return None
    timed = ~(empty | date)
    doubt = np.flatnonzero(timed & ~_SURE_LENGTHS[np.minimum(lengths, len(_SURE_LENGTHS) - 1)])
    if len(doubt):
        text = np.frombuffer(cells.buffers()[2] or b"\0", np.uint8)
        after_hour = text[np.minimum(offsets[doubt] + 13, len(text) - 1)]
        sign = text[offsets[doubt + 1] - 3]  # a cell shorter than 14 bytes fails the cast
        if np.any((after_hour != ord(":")) | (sign == ord("+")) | (sign == ord("-"))):
            return None
    # pyarrow raises ArrowInvalid on a value it cannot read; _fast_path declines the company
    stamps = pc.cast(_nulls_where(cells, ~timed), pa.timestamp("us", "UTC"))
    if dated:
        days = pc.cast(cells.take(np.flatnonzero(date)), pa.date32())
        stamps = pc.replace_with_mask(stamps, pa.array(date),
                                      pc.cast(days, pa.timestamp("us", "UTC")))
    return _fast_timestamps(stamps, column)


def _fast_timestamps(stamps: pa.Array, column: Column) -> pa.Array | None:
    """Date-times read as timestamp[us, UTC] (null where empty), or None if one is missing where
    required or beyond pandas' nanoseconds (the exact path decides)."""
    import pyarrow.compute as pc
    if column.required and stamps.null_count:
        return None
    bounds = pc.min_max(stamps.view(pa.int64())).as_py()
    if bounds["min"] is not None and (bounds["min"] < _NS_BOUNDS[0]
                                      or bounds["max"] > _NS_BOUNDS[1]):
        return None
    return stamps


def _whole_numbers(cells: pa.Array, column: Column) -> bool:
    """Whether every cell is empty or one of the column's _INT_VALUES: digits only (no sign,
    space or leading zero), in range. The contract's whole numbers have at most two digits."""
    offsets = _offsets(cells)
    lengths = np.diff(offsets)
    if lengths.max(initial=0) > 2:
        return False
    digits = np.frombuffer(cells.buffers()[2] or b"\0", np.uint8)[offsets[0]:offsets[-1]] \
        - np.uint8(ord("0"))  # any other byte wraps round to more than 9
    if not len(digits):
        return True
    if digits.max() > 9:
        return False
    tens = offsets[:-1][lengths == 2] - offsets[0]  # where each two-digit cell starts
    if len(tens):
        values = digits[tens] * 10 + digits[tens + 1]
        if digits[tens].min() == 0 or values.max() > column.high or values.min() < column.low:
            return False
        single = np.ones(len(digits), bool)
        single[tens] = single[tens + 1] = False
        digits = digits[single]
    return not len(digits) or (digits.min() >= column.low and digits.max() <= column.high)


def _int_index(cells: pa.Array, column: Column) -> np.ndarray:
    """Each cell's index in _INT_VALUES (0: empty), once _whole_numbers has passed them."""
    offsets = _offsets(cells)
    lengths = np.diff(offsets)
    text = np.frombuffer(cells.buffers()[2] or b"\0", np.uint8).astype(np.int16) - ord("0")
    first = text[np.minimum(offsets[:-1], len(text) - 1)]
    value = np.where(lengths == 2, first * 10 + text[np.minimum(offsets[:-1] + 1,
                                                                 len(text) - 1)], first)
    return np.where(lengths == 0, 0, value - int(column.low) + 1)


def _offsets(cells: pa.Array) -> np.ndarray:
    """A string array's offsets: cell i is its text bytes offsets[i]:offsets[i + 1]."""
    return np.frombuffer(cells.buffers()[1], np.int32)[cells.offset:cells.offset + len(cells) + 1]


def _nulls_where(cells: pa.Array, null: np.ndarray) -> pa.Array:
    """String `cells` (none null) with a null where `null` is true, sharing their text: an
    empty cell becomes missing without a copy."""
    if not null.any():
        return cells
    valid = np.packbits(np.concatenate([np.zeros(cells.offset, bool), ~null]), bitorder="little")
    return pa.Array.from_buffers(cells.type, len(cells), [pa.py_buffer(valid),
                                                          *cells.buffers()[1:]],
                                 null_count=int(null.sum()), offset=cells.offset)


def _fast_frame(values: dict[str, object], lines: np.ndarray) -> pd.DataFrame:
    """The contacts frame the exact path builds (_typed_frame, then each record's line), from
    _fast_values' columns. Each column is made as the array the frame keeps, and the frame is
    put together from them as they are (DataFrame._from_arrays without its checks): the
    constructor would look at every column again (inferring a type for text, aligning
    indexes), which costs more than making them on a month of rows."""
    import pandas as pd
    import pyarrow.compute as pc
    length = len(lines)
    absent = [name for name, cells in values.items() if cells is None and name != "case_id"]
    empty = _typed_frame({}, length) if absent else None
    arrays: dict[str, object] = {}
    for column in FEEDBACK_COLUMNS:
        name, cells = column.name, values[column.name]
        if cells is None:  # no case_id: each contact is its own case
            arrays[name] = arrays["id"] if name == "case_id" else empty[name].array
        elif column.kind in ("text", "enum"):  # an empty case_id is the contact's id
            arrays[name] = _objects(cells, name in LABELS,
                                    arrays["id"] if name == "case_id" else None)
        elif column.kind == "int" and cells.type == _TEXT:
            table = np.array([np.nan, *map(float, _INT_VALUES[name][1:])])
            arrays[name] = table[_int_index(cells, column)]
        elif name == "comment_public":  # not given: not consented
            arrays[name] = cells.fill_null(False).to_numpy(zero_copy_only=False)
        elif column.kind == "bool":
            arrays[name] = pd.BooleanDtype().__from_arrow__(cells)
        elif column.kind in ("int", "number"):  # -0 is 0, as pandas reads it
            arrays[name] = pc.add(cells, 0.0).to_numpy(zero_copy_only=False)
        else:
            arrays[name] = _utc_ns().__from_arrow__(cells)
    arrays["line"] = lines
    return pd.DataFrame._from_arrays(list(arrays.values()), _frame_columns(),
                                     pd.RangeIndex(length), verify_integrity=False)


@functools.cache
def _utc_ns() -> pd.DatetimeTZDtype:
    import pandas as pd
    return pd.DatetimeTZDtype("ns", "UTC")


@functools.cache
def _frame_columns() -> pd.Index:
    """The contacts frame's column names, made once (pandas infers their type), when the first
    frame is: pandas keeps text in Arrow memory, whose pool reserves about 1 GiB of address
    space when first used, which `publish.py validate` may not need (tests/test_limits.py)."""
    import pandas as pd
    return pd.Index([*COLUMNS_BY_NAME, "line"])


def _objects(cells: pa.ChunkedArray, labels: bool, instead: np.ndarray | None = None,
             ) -> np.ndarray:
    """Text as Python strings; where empty, None, or `instead`'s item if given. Labels (few
    distinct values: channels, topics) are decoded once per distinct value: a dictionary's
    (null where empty) as they are, over every file at once (their dictionaries unified), and
    text's once encoded as one."""
    import pyarrow.compute as pc
    if labels:
        encoded = (cells.unify_dictionaries() if cells.type == DICTIONARY else
                   pc.dictionary_encode(cells)).combine_chunks()
        names = np.append(encoded.dictionary.to_numpy(zero_copy_only=False), None)
        names[names == ""] = None
        indices = encoded.indices  # a null cell's index: the None after the names
        if indices.null_count:
            indices = indices.fill_null(len(names) - 1)
        return names[indices.to_numpy()]
    text = cells.to_numpy(zero_copy_only=False)
    empty = pc.binary_length(cells).to_numpy() == 0
    text[empty] = None if instead is None else instead[empty]
    return text


def _column_number(table: RawTable, name: str, row: int | None = None) -> int | None:
    """The field's position in a CSV row, the key's column in a JSONL line; Parquet has none."""
    if table.file.endswith(".csv"):
        return table.columns.index(name) + 1
    if table.source_lines and row is not None:
        return key_column(table.source_lines[row], name)
    return None


def _typed_frame(typed: dict[str, pd.Series], length: int) -> pd.DataFrame:
    """All contract columns with their final dtypes; optional columns absent from the file are
    missing everywhere, and case_id falls back to id."""
    import pandas as pd
    frame = pd.DataFrame(index=range(length))
    for column in FEEDBACK_COLUMNS:
        values = typed.get(column.name)
        if values is None:
            values = pd.Series([None] * length, dtype=object)
        values = values.reset_index(drop=True)
        if column.kind in ("int", "number"):
            values = values.astype(float)
        elif column.kind in ("datetime", "date_or_datetime"):
            values = pd.to_datetime(values, utc=True)
        elif column.kind == "bool":
            values = values.astype("boolean")
        else:
            values = values.astype(object).where(values.notna(), None)
        frame[column.name] = values
    frame["case_id"] = frame["case_id"].where(frame["case_id"].notna(), frame["id"])
    frame["comment_public"] = frame["comment_public"].fillna(False).astype(bool)
    return frame


def empty_contacts() -> pd.DataFrame:
    """A contacts frame with no rows, for a company whose files are all empty or quarantined."""
    return _typed_frame({}, 0)


def _capped(problems: list[Problem], where: str) -> list[Problem]:
    if len(problems) <= MAX_PROBLEMS_PER_FILE:
        return problems
    rest = len(problems) - MAX_PROBLEMS_PER_FILE
    return [*problems[:MAX_PROBLEMS_PER_FILE], Problem(
        where, None, None, "more_problems", f"and {rest:,} more problems in this file",
        "fix the ones above and validate again",
    )]


def _locate(document, path: list) -> tuple[int | None, int | None]:
    """(line, column) of the value at `path` in a YAML document read by load.read_yaml; the
    nearest enclosing node that has a position when the value itself has none."""
    line = column = None
    node = document
    for step in path:
        marks = getattr(node, "marks", {})
        if step in marks:
            line, column = marks[step]
        elif getattr(node, "line", None):
            line, column = node.line, getattr(node, "column", None)
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        if getattr(node, "line", None) and not isinstance(step, str):
            line, column = node.line, getattr(node, "column", None)
    if not path and getattr(document, "line", None):
        line, column = document.line, getattr(document, "column", None)
    return line, column


def _at(document, path: list):
    """The node at `path`, or None."""
    node = document
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _jsonable(value):
    """The document as JSON Schema sees it: dates become ISO strings (a date-time keeps its
    time, so it fails a date pattern), keys become text."""
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _typed_as(value) -> str:
    kind = {bool: "a boolean", int: "a number", float: "a number"}.get(type(value))
    return kind or ("a date" if isinstance(value, dt.date) else type(value).__name__)


def _explain(error, document, where: str, schema: dict) -> list[Problem]:
    """One jsonschema error as Problems with the code and hint the schema declares."""
    path = list(error.absolute_path)
    field = next((str(step) for step in reversed(path) if isinstance(step, str)), "value")
    line, column = _locate(document, path)
    rule, instance, sub = error.validator, error.instance, error.schema
    code, hint = sub.get("x-code"), sub.get("x-hint", "")
    if rule == "required":
        missing = [key for key in error.validator_value if key not in instance]
        return [Problem(where, line, column, "missing_field", f"{key} is required",
                        f"add `{key}:` ({sub['properties'][key].get('description', '')})")
                for key in missing]
    if rule == "additionalProperties":
        known = list(sub.get("properties", {}))
        problems = []
        for key in instance:
            if str(key) in known:
                continue
            close = difflib.get_close_matches(str(key), known, n=1)
            node = _at(document, path)
            problems.append(Problem(
                where, *getattr(node, "key_marks", {}).get(key, _locate(document, path)),
                "unknown_field",
                f"unknown key {str(key)!r}", (f"did you mean {close[0]!r}? " if close else "")
                + "known keys: " + ", ".join(known),
            ))
        return problems
    expects_text = rule in ("type", "enum", "pattern", "minLength", "maxLength", "anyOf") and (
        error.validator_value == "string" or sub.get("type") == "string"
        or all(isinstance(choice, str) for choice in sub.get("enum", [0])))
    if expects_text and not isinstance(instance, str | dict | list):
        written = getattr(_at(document, path[:-1]), "raw", {}).get(path[-1] if path else None,
                                                                   str(instance))
        return [Problem(where, line, column, "not_text",
                        f"{field}: {written} was read by YAML as {_typed_as(instance)}, not text",
                        f'quote it: {field}: "{written}" (YAML reads NO, yes, on, 012 and '
                        "dates as other types)")]
    if rule == "maxLength":
        return [Problem(where, line, column, "too_long",
                        f"{field} has {len(instance):,} characters; the limit is "
                        f"{error.validator_value:,}", "shorten it")]
    if rule == "minLength":
        return [Problem(where, line, column, "empty_value", f"{field} is empty",
                        "write a value or remove the key")]
    if rule == "type":
        expected = error.validator_value
        what = {"object": "a mapping", "array": "a list"}.get(expected, expected)
        return [Problem(where, line, column, code or "not_mapping",
                        f"{'the file' if not path else field} should be {what}", hint)]
    what = "is not one of the allowed values" if rule == "enum" else "is not valid"
    return [Problem(where, line, column, code or "not_text", f"{field} {_shown(instance)} {what}",
                    hint)]


@functools.cache
def _validator(name: str):
    schema = SCHEMAS[name]()
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER), schema


def _schema_problems(document, where: str, name: str) -> list[Problem]:
    validator, schema = _validator(name)
    problems: dict[tuple, Problem] = {}
    for error in validator.iter_errors(_jsonable(document)):
        for problem in _explain(error, document, where, schema):
            problems.setdefault((problem.line, problem.column, problem.code,
                                 problem.message), problem)
    return sorted(problems.values(), key=lambda p: (p.line or 0, p.column or 0, p.code))


def check_profile(document, where: str) -> list[Problem]:
    """company.yaml against company.schema.json."""
    return _schema_problems(document, where, "company.schema.json")


def check_config(document, where: str) -> list[Problem]:
    """candor.yaml against candor.schema.json, then: some weight must be above 0."""
    problems = _schema_problems(document, where, "candor.schema.json")
    weights = document.get("weights") if isinstance(document, dict) else None
    if not problems and not any(weights.values()):
        problems.append(Problem(where, *_locate(document, ["weights"]), "no_weight",
                                "every weight is 0", "give at least one component a weight"))
    return problems


def check_actions(document, where: str) -> list[Problem]:
    """actions.yaml against actions.schema.json, then the rules a schema cannot state: unique
    ids, updates oldest first, and a declined entry says why."""
    if document is None:
        return []  # an empty file: no actions yet
    problems = _schema_problems(document, where, "actions.schema.json")
    seen: set[str] = set()
    # Entries are checked one by one, so a schema error in one does not hide these in another.
    for index, entry in enumerate(document if isinstance(document, list) else []):
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("id"), str):
            if entry["id"] in seen:
                problems.append(Problem(where, *_locate(document, [index, "id"]),
                                        "duplicate_action_id",
                                        f"action id {entry['id']!r} is used twice",
                                        "give each entry its own id"))
            seen.add(entry["id"])
        updates = entry.get("updates") if isinstance(entry.get("updates"), list) else []
        dated = [(position, _date_or_none(update.get("date")))
                 for position, update in enumerate(updates) if isinstance(update, dict)]
        dated = [(position, date) for position, date in dated if date]
        for (_, before), (position, date) in itertools.pairwise(dated):
            if date < before:
                problems.append(Problem(
                    where, *_locate(document, [index, "updates", position, "date"]),
                    "updates_out_of_order", "updates must be oldest first",
                    "reorder the updates by date"))
        last = updates[-1] if updates and isinstance(updates[-1], dict) else {}
        reason = last.get("note")
        if entry.get("status") == "declined" and not (isinstance(reason, str) and reason.strip()):
            problems.append(Problem(
                where, *_locate(document, [index, "status"]), "declined_without_reason",
                "a declined entry must say why",
                "add a last update with status: declined and a note explaining the decision",
            ))
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0, p.code))


def _date_or_none(value) -> dt.date | None:
    try:
        return as_date(value)
    except (TypeError, ValueError):
        return None


def as_date(value) -> dt.date:
    """A schema-valid date: YAML gives a date, a quoted one stays text. A date-time is not
    one (TypeError), so it never compares with dates."""
    if isinstance(value, dt.datetime):
        raise TypeError(f"{value!r} is a date-time, not a date")
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
