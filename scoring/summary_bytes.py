"""A Summary (scoring.summary) as bytes and back, exactly: what a build hands from a company's
first phase (read, validate, summarize) to its second (score as of the scoreboard's day), and
what the cache keeps (scoring.cache), so that a new as_of re-scores a company without reading
its files again.

No pickle: a cache restored in CI must not be able to run code when read. The bytes are a
zstd frame of a JSON header followed by each column's raw values: stamps as little-endian
int64 and other numbers as float64 (NaN and NaT kept bit for bit), whole numbers (counts) and
text as codes into the header's list of distinct values (-1: None, -2: a float NaN), each
table's as the narrowest little-endian integers that hold them all (the table's width in the
header: most counts are 0 or 1, and int64 zeros are eight times the bytes to pack). Anything
that does not decode to what the header says is refused with ValueError, never guessed at.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from .gaming import Signal
from .summary import (
    DAY,
    DTYPES,
    TABLES,
    Summary,
)

FORMAT = "candor.summary/1"
CODEC = "zstd"
NAN = -2  # the code of a float NaN in a text column (None's is -1, pandas' own)
MAX_BYTES = 2**31  # a summary that says it is larger is refused before it is unpacked


def dumps(summary: Summary) -> bytes:
    """The summary as bytes (loads gives it back, equal column for column and bit for bit).
    Read from its numpy columns; a contacts dimension is written as the codes summarize or
    merge already found (Summary.dimensions), not factorized again."""
    tables, buffers = {}, []
    for name, columns in TABLES.items():
        table, texts, raws, rows = summary.columns(name), {}, [], 0
        for column in columns:
            values = table[column]
            rows = len(values)
            kind = DTYPES.get(column, object)
            if kind == DAY:
                raw = values.view(np.int64)
            elif kind is object:
                known = summary.dimensions.get(column) if name == "contacts" else None
                if known is not None and len(known[1]) == rows:
                    raw, texts[column] = known[1], _texts_of(known[0])
                else:
                    raw, texts[column] = _codes(values)
            else:
                raw = values
            raws.append(raw)
        whole = [raw for raw, column in zip(raws, columns, strict=True) if _narrowed(column)]
        dtype = _narrowest(np.concatenate(whole)) if rows else np.dtype("<i1")
        buffers += [np.ascontiguousarray(raw, dtype=dtype if _narrowed(column) else
                                         raw.dtype.newbyteorder("<"))
                    for raw, column in zip(raws, columns, strict=True)]
        tables[name] = {"rows": rows, "texts": texts, "width": dtype.itemsize}
    header = json.dumps({"format": FORMAT, "tables": tables,
                         "public_comments": int(summary.public_comments),
                         "bursts": [[b.kind, b.start, b.end, int(b.count), b.message]
                                    for b in summary.bursts]}).encode()
    body = b"".join([len(header).to_bytes(8, "little"), header,
                     *(buffer.tobytes() for buffer in buffers)])
    return len(body).to_bytes(8, "little") + pa.compress(body, codec=CODEC, asbytes=True)


WIDTHS = (1, 2, 4, 8)  # bytes of a table's whole numbers (little-endian, signed)


def _narrowed(column: str) -> bool:
    """Whether a column is written as whole numbers of its table's width: counts and codes."""
    kind = DTYPES.get(column, object)
    return kind is object or kind == "int64"


def _narrowest(values: np.ndarray) -> np.dtype:
    """The narrowest signed little-endian integers that hold every one of `values`."""
    low, high = int(values.min()), int(values.max())
    return next(dtype for dtype in (np.dtype(f"<i{width}") for width in WIDTHS)
                if np.iinfo(dtype).min <= low and high <= np.iinfo(dtype).max)


def _texts_of(uniques) -> list[str]:
    uniques = list(uniques)
    if not all(isinstance(text, str) for text in uniques):
        raise TypeError("a summary text column holds something other than text")
    return uniques


def _codes(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    import pandas as pd
    codes, uniques = pd.factorize(values)
    missing = np.flatnonzero(codes < 0)
    nan = missing[~np.equal(values[missing], None)]
    if not all(isinstance(value, float) and np.isnan(value) for value in values[nan]):
        raise TypeError("a summary text column holds a missing value other than None or NaN")
    codes[nan] = NAN
    return codes, _texts_of(uniques)


def loads(data: bytes) -> Summary:
    """The inverse of dumps; ValueError for anything else."""
    try:
        size = int.from_bytes(data[:8], "little")
        if size > MAX_BYTES:
            raise ValueError("a summary too large")
        body = pa.decompress(data[8:], size, codec=CODEC, asbytes=True)
        length = int.from_bytes(body[:8], "little")
        header = json.loads(body[8:8 + length])
        if header.get("format") != FORMAT:
            raise ValueError("not a summary")
        offset, tables, dimensions = 8 + length, {}, {}
        for name, columns in TABLES.items():
            table = header["tables"][name]
            rows, texts, width, values = (int(table["rows"]), table["texts"], table["width"],
                                          {})
            if type(width) is not int or width not in WIDTHS:
                raise ValueError("a summary table of an unknown width")
            for column in columns:
                kind = DTYPES.get(column, object)
                dtype = np.dtype(f"<i{width}" if _narrowed(column) else
                                 "<f8" if kind == "float64" else "<i8")
                end = offset + rows * dtype.itemsize
                if end > len(body):
                    raise ValueError("a summary cut short")
                raw = np.frombuffer(body, dtype=dtype, count=rows, offset=offset)
                offset = end
                if kind == DAY:
                    values[column] = raw.view("datetime64[ns]").copy()
                elif kind is object:
                    values[column] = _texts(raw, texts[column])
                    if name == "contacts" and texts[column] == sorted(texts[column]) and not (
                            len(raw) and raw.min() < -1):  # codes as summarize gives them
                        dimensions[column] = (np.array(texts[column], dtype=object),
                                              raw.astype(np.intp))
                else:
                    values[column] = raw.astype(kind)
            tables[name] = values
        if offset != len(body):
            raise ValueError("a summary with bytes left over")
        bursts = tuple(Signal(str(kind), str(start), str(end), int(count), str(message))
                       for kind, start, end, count, message in header["bursts"])
        return Summary.of_columns(tables, int(header["public_comments"]), bursts, dimensions)
    except (KeyError, TypeError, IndexError, OverflowError, OSError, pa.ArrowException) as error:
        raise ValueError(f"not a summary: {error}") from None


def _texts(codes: np.ndarray, uniques: list) -> np.ndarray:
    if not all(isinstance(text, str) for text in uniques) or (
            len(codes) and (codes.min() < NAN or codes.max() >= len(uniques))):
        raise ValueError("text codes out of range")
    values = np.array([*uniques, float("nan"), None], dtype=object)
    return values[codes]  # -1 is the last (None), -2 the one before (NaN)
