"""validate's fast path (CSV checked in Arrow) against the exact path (csv module, pandas).

The fast path may refuse a file the exact path accepts (it then defers to the exact path), but
it must never accept one the exact path refuses, and what it accepts must give the same
contacts frame, line numbers included. Each test compares the two directly."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.board import check, load_company
from scoring.load import (
    RawTable,
    TypedTable,
    _bad_quoting,
    _content_lines,
    _parse,
    _parse_arrow,
    _parse_jsonl,
    _parse_parquet,
    _read_csv,
    discover,
    read_feedback,
    read_feedback_many,
)
from scoring.validate import _fast_path, parse_feedback_files

ROOT = Path(__file__).resolve().parents[1]
TREES = [ROOT / "data", ROOT / "tests" / "fixtures" / "basic",
         ROOT / "tests" / "fixtures" / "invalid",
         *sorted((ROOT / "tests" / "fixtures" / "errors").glob("*/data"))]
HEADER = "id,submitted_at,channel,rating,nps,wait_seconds,resolved,resolved_at,comment\n"
GOOD = ["c1", "2026-03-01T10:00:00Z", "phone", "5", "9", "30", "true", "2026-03-01T11:00:00Z",
        "fine"]


def assert_same(fast, exact) -> None:
    assert len(fast) == len(exact)
    for (fast_frame, fast_problems), (exact_frame, exact_problems) in zip(fast, exact,
                                                                           strict=True):
        assert fast_problems == exact_problems
        if exact_frame is None:
            assert fast_frame is None
        else:
            pd.testing.assert_frame_equal(fast_frame, exact_frame, check_exact=True)


def typed(text: str | bytes, name: str = "a.csv") -> TypedTable | None:
    data = text.encode() if isinstance(text, str) else text
    parsed = _parse_arrow(data, typed=True)
    return None if parsed is None else TypedTable(name, "", data, parsed[1])


def fast(tables: list, as_of: dt.date | None = None):
    """parse_feedback_files' results when the fast path takes the files, else None."""
    if _fast_path(tables, as_of, True) is None:
        return None
    return parse_feedback_files(tables, as_of)


def fast_and_exact(*texts: str, as_of: dt.date | None = None):
    """(the fast path's results, or None when it declines, the exact path's results) for one
    company's files."""
    tables = [typed(text, f"f{index}.csv") for index, text in enumerate(texts)]
    exact = []
    for index, text in enumerate(texts):
        exact.append(RawTable(f"f{index}.csv", ""))
        _parse(".csv", text.encode(), exact[-1])
    results = parse_feedback_files(exact, as_of)
    if not all(tables):  # the typed read itself declined
        return None, results
    return fast(tables, as_of), results


def csv_with(**cells: str) -> str:
    return HEADER + ",".join(cells.get(name, good) for name, good in
                             zip(HEADER.strip().split(","), GOOD, strict=True)) + "\n"


@pytest.mark.parametrize("tree", TREES, ids=lambda p: p.relative_to(ROOT).as_posix())
@pytest.mark.parametrize("as_of", [None, dt.date(2026, 6, 30)])
def test_every_data_tree_gives_the_same_results_both_ways(tree, as_of):
    companies, _ = discover(tree)
    for company in companies:
        fast = read_feedback_many(company.feedback, tree)
        exact = [read_feedback(path, tree) for path in company.feedback]
        assert [(t.file, t.sha256, t.records) for t in fast] == \
            [(t.file, t.sha256, t.records) for t in exact]
        assert_same(parse_feedback_files(fast, as_of), parse_feedback_files(exact, as_of))


def test_the_demo_data_takes_the_fast_path():
    # otherwise the comparison above would compare the exact path with itself
    companies, _ = discover(ROOT / "data")
    assert len(companies) == 10
    for company in companies:
        tables = read_feedback_many(company.feedback, ROOT / "data")
        assert all(isinstance(t, TypedTable) for t in tables), company.slug
        assert _fast_path(tables, None, True) is not None, company.slug


def test_awkward_but_valid_files_take_the_fast_path_with_exact_lines():
    crlf_bom = ("\ufeff" + HEADER + csv_with(id="c1", comment='"two\nlines, quoted"')
                .split("\n", 1)[1] + csv_with(id="c2", comment="NA").split("\n", 1)[1]
                + csv_with(id="c3", comment="null").split("\n", 1)[1]).replace("\n", "\r\n")
    reordered = ("comment,channel,submitted_at,id\n"
                 '"a\n\nb",chat,2026-03-02,c4\n'
                 'plain,email,2026-03-03T10:00+02:00,c5\n'
                 '"say ""hi""",app,2026-03-04 10:00:00.5-0130,c6\n')
    assert typed(crlf_bom) and typed(reordered)
    fast, exact = fast_and_exact(crlf_bom, reordered)
    assert fast is not None
    assert_same(fast, exact)
    first, second = fast[0][0], fast[1][0]
    assert first["line"].tolist() == [2, 4, 5]
    assert first["comment"].tolist() == ["two\r\nlines, quoted", "NA", "null"]
    assert second["line"].tolist() == [2, 5, 6]
    assert second["submitted_at"].tolist() == [
        pd.Timestamp("2026-03-02T00:00:00Z"), pd.Timestamp("2026-03-03T08:00:00Z"),
        pd.Timestamp("2026-03-04T11:30:00.5Z")]
    assert second["case_id"].tolist() == ["c4", "c5", "c6"]
    assert second["rating"].isna().all() and not second["comment_public"].any()


def test_a_header_only_file_beside_good_ones_stays_fast_and_empty(tmp_path):
    folder = tmp_path / "data" / "acme" / "feedback"
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text(csv_with(), encoding="utf-8")
    (folder / "b.csv").write_text(HEADER, encoding="utf-8")
    tables = read_feedback_many([folder / "a.csv", folder / "b.csv"], tmp_path / "data")
    assert isinstance(tables[0], TypedTable) and isinstance(tables[1], RawTable)
    results = fast(tables)
    assert results is not None
    assert results[1] == (None, [])
    assert_same(results, parse_feedback_files([tables[0].exact(), tables[1]]))


# Cells the two paths might read differently: each is put in a good row, and whatever the fast
# path accepts must be accepted by the exact path with the same contacts.
TRICKY = {
    "submitted_at": [
        "2026-03-01T10:00:00Z", "2026-03-01", "2026-03-01T10:00Z", "2026-03-01 10:00:00+02:00",
        "2026-03-01T10:00:00+0200", "2026-03-01T10:00:00+02", "2026-03-01T10Z",
        "2026-03-01T10+02:00", "2026-03-01T10:00:00", "2026-03-01T10:00:00.123456Z",
        "2026-03-01T10:00:00.1234567Z", "2026-03-01T10:00:00.Z", "2026-02-30T10:00:00Z",
        "2026-02-29", "2024-02-29", "2026-03-01T24:00:00Z", "2026-03-01T23:59:60Z",
        "2026-03-01T10:00:00+99:99", "2026-03-01T10:00:00+02:75", "2026-03-01T10:00:00+24:00",
        "2026-03-01T10:00:00+23:59", "2026-03-01T10:00:00-00:00", " 2026-03-01T10:00:00Z",
        "2026-03-01T10:00:00Z ", "20260301T100000Z", "2026-3-1", "2026-03-01T1000Z",
        "2026-03-01T10:00:00z", "2026-03-01t10:00:00Z", "0001-01-01T00:00:00Z",
        "1677-09-21T00:00:00Z", "2262-04-12T00:00:00Z", "9999-12-31", "2026-03-01T10:00:00+2:00",
        "٢٠٢٦-03-01T10:00:00Z", "2026-03-01T10:00:00+02:0", "2026-03-01T10:00:00UTC",
        "2026-03-01T10:00:00+02:00:00", "", "NA",
    ],
    "rating": ["1", "5", "", "0", "6", "05", " 5", "5 ", "+5", "5.0", "1e0", "0x1", "4.5", "NA",
               "null", "true", "５", "-0", "10"],  # noqa: RUF001 (a full-width 5)
    "nps": ["0", "10", "", "11", "-1", "010", "00", "9.0"],
    "wait_seconds": ["0", "30", "30.5", "", "-1", "-0", "-0.0", "inf", "-inf", "nan", "NaN",
                     "Infinity", "1e5", "1E-3", " 1.5", "1.5 ", "1.", ".5", "+1", "0x1", "1_000",
                     "1,5", "1e400", "1e-400", "0.1000000000000000055511151231257827",
                     "123456789012345678901234567890", "00.5", "5e", "e5", "١٢", "NA"],
    "resolved": ["true", "false", "", "True", "TRUE", "1", "0", " true", "yes", "null"],
    "channel": ["phone", "app", "", "Phone", " phone", "fax", "NA"],
    "resolved_at": ["2026-03-01T11:00:00Z", "", "2026-03-01", "2026-03-01T09:00:00Z",
                    "2026-03-01T10:00:00Z", "2026-03-01T10:00:00+01:00",
                    "2026-03-01T12:00:00+01:00", "2026-03-01T12+01"],
    "id": ["c1", "", " ", "x" * 100, "x" * 101, "é" * 100, "é" * 101, "NA"],
    "comment": ["", "NA", "null", "é" * 5000, "é" * 5001, "a\nb", "  "],
}
ACCEPTED_FAST = {  # and some values the fast path must take, so that it is exercised at all
    "submitted_at": ["2026-03-01T10:00:00Z", "2026-03-01", "2026-03-01T10:00Z",
                     "2026-03-01 10:00:00+02:00", "2026-03-01T10:00:00+0200",
                     "2026-03-01T10:00:00.123456Z", "2024-02-29"],
    "rating": ["1", "5", ""], "nps": ["0", "10", ""],
    "wait_seconds": ["0", "30.5", "", "1e5", "-0"],
    "resolved": ["true", "false", ""], "channel": ["phone", "app"],
    "resolved_at": ["", "2026-03-01T10:00:00Z", "2026-03-01T12:00:00+01:00"],
    "id": ["x" * 100, "é" * 100], "comment": ["", "NA", "null", "é" * 5000],
}


@pytest.mark.parametrize(("name", "value"),
                         [(name, value) for name, values in TRICKY.items() for value in values])
def test_a_tricky_cell_is_read_alike_or_left_to_the_exact_path(name, value):
    cell = '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value
    fast, exact = fast_and_exact(csv_with(**{name: cell}))
    if fast is None:
        assert value not in ACCEPTED_FAST.get(name, [])
    else:
        assert exact[0][1] == [], f"the fast path accepted {value!r}, the exact path refuses it"
        assert_same(fast, exact)


def test_the_fast_path_refuses_what_only_a_company_wide_check_finds():
    # duplicate ids across files, a resolution before its contact, a contact after as_of
    one = csv_with(id="c1")
    assert fast_and_exact(one, csv_with(id="c1"))[0] is None
    assert fast_and_exact(one, csv_with(id="c0"))[0] is not None  # not ascending: hashed
    assert fast_and_exact(csv_with(resolved_at="2026-03-01T09:59:59Z"))[0] is None
    assert fast_and_exact(one, as_of=dt.date(2026, 3, 1))[0] is not None
    assert fast_and_exact(one, as_of=dt.date(2026, 2, 28))[0] is None


def test_quoting_errors_pyarrow_would_forgive_go_to_the_csv_module():
    for text in (HEADER + csv_with(comment='"fine"x').split("\n", 1)[1],
                 HEADER + csv_with(comment='"never closed').split("\n", 1)[1],
                 (HEADER + csv_with().split("\n", 1)[1]).replace("\n", "\r")):  # bare CR
        assert typed(text) is None, text


# The quoting check's specification: a quote after a comma or line end opening a field, its
# content, then a closing quote followed by anything but a comma or a line end, or the end.
BAD_QUOTED_FIELD = re.compile(rb'"(?<=[,\r\n]")[^"]*+(?:""[^"]*+)*+(?:"[^,\r\n]|\Z)')
QUOTING = [b'a,"b"\n', b'a,"b"x\n', b'a,"b', b'a,"b"', b'a,""\n', b'a,""x', b'a,"""x"\n',
           b'a,"""x', b'a,"x""y"\n', b'a,"x""y"z\n', b'a,"x,"y",z\n', b'a,"x\n""y"\n',
           b'a,"x\r\n"\r\n', b'a,b"c\n', b'a,b"c"d\n', b'"a",b\n', b'a\n"b"""\n',
           b'a,"""\n', b'a,""""x\n', b'a,"x"""', b'a,"x""', b'', b'"', b',"', b'\n""""']


@pytest.mark.parametrize("data", QUOTING)
def test_the_quoting_check_finds_what_its_specification_finds(data):
    assert _bad_quoting(data) == bool(BAD_QUOTED_FIELD.search(data))


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(st.binary(max_size=0) | st.lists(st.sampled_from([b'"', b",", b"\n", b"\r", b"a"]),
                                        max_size=24).map(b"".join))
def test_generated_quoting_is_checked_as_its_specification_says(data):
    assert _bad_quoting(data) == bool(BAD_QUOTED_FIELD.search(data))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text('a",\n\r ', max_size=12), st.text('a",\n ', max_size=6))
def test_generated_quoting_is_read_alike_or_left_to_the_exact_path(comment, site):
    # written unescaped, so that the quotes open, close or break fields anywhere
    text = "id,submitted_at,channel,site,comment\n" \
        f"c1,2026-03-01T10:00:00Z,phone,{site},{comment}\nc2,2026-03-01,app,,x\n"
    exact = RawTable("f0.csv", "")
    _read_csv(text, exact)  # the csv module itself, not pyarrow's untyped read before it
    exact = parse_feedback_files([exact])
    table = typed(text, "f0.csv")
    if table is not None and (fast_results := fast([table])) is not None:
        assert exact[0][1] == [], f"the fast path accepted {text!r}, the csv module refuses it"
        assert_same(fast_results, exact)


@pytest.mark.parametrize("text", [HEADER + "\n" + csv_with().split("\n", 1)[1],
                                  csv_with() + "\n", csv_with() + "\r\n\r\n"])
def test_a_blank_line_is_left_to_the_csv_module_which_skips_it(text):
    # pyarrow reads it as a record of empty cells; the fast path refuses the empty id
    fast, exact = fast_and_exact(text)
    assert fast is None
    assert exact[0][1] == [] and len(exact[0][0]) == 1


def test_rows_read_count_a_blank_line_as_the_csv_module_does(tmp_path):
    # pyarrow reads the blank line as a record; the file report must not count it
    data = tmp_path / "data"
    (data / "acme" / "feedback").mkdir(parents=True)
    (data / "acme" / "company.yaml").write_text("name: Acme\nindustry: banking\n")
    (data / "acme" / "feedback" / "a.csv").write_text(
        HEADER + "\n" + csv_with(id="c1").split("\n", 1)[1] + csv_with(id="c2").split("\n", 1)[1])
    (data / "acme" / "feedback" / "b.csv").write_text(csv_with(id="c3") + "\n")
    result, contacts = load_company(discover(data)[0][0], data)
    assert [(Path(f.file).name, f.rows, f.status) for f in result.files[1:]] == [
        ("a.csv", 2, "counted"), ("b.csv", 1, "counted")]
    assert contacts["id"].tolist() == ["c1", "c2", "c3"]
    assert contacts["line"].tolist() == [3, 4, 2]


def test_validate_only_builds_no_frames_and_reports_the_same_problems(tmp_path):
    case = ROOT / "tests" / "fixtures" / "errors" / "duplicate_id_across_files"
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    got = sorted((p.code, p.line, p.column) for p in check(case / "data"))
    assert got == sorted((p["code"], p["line"], p["column"]) for p in expected["problems"])


DIGITS = st.text("0123456789", min_size=1, max_size=3)


@st.composite
def datetimes(draw) -> str:
    """Near-ISO 8601 text: each part sometimes malformed, so both paths meet edge shapes."""
    date = draw(st.sampled_from(["2026-03-01", "2024-02-29", "2026-02-29", "2026-3-01",
                                 "2026-13-01", "1677-09-22", "2262-04-11"]))
    separator = draw(st.sampled_from(["T", " ", "t", ""]))
    time = draw(st.lists(DIGITS, min_size=0, max_size=4).map(":".join))
    fraction = draw(st.sampled_from(["", ".", ".5", ".123456", ".1234567"]))
    zone = draw(st.sampled_from(["", "Z", "z"]) | st.builds(
        lambda sign, hours, colon, minutes: sign + hours + colon + minutes,
        st.sampled_from("+-"), DIGITS, st.sampled_from(["", ":"]),
        st.sampled_from(["", "0", "00", "30", "59", "60", "99"])))
    return date + (separator + time + fraction + zone if separator or time else "")


NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.from_regex(r"[ +-]?[0-9]{0,20}(\.[0-9]{0,20})?([eE][+-]?[0-9]{1,3})? ?", fullmatch=True),
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.one_of(datetimes().map(lambda v: ("submitted_at", v)),
                 datetimes().map(lambda v: ("resolved_at", v)),
                 NUMBERS.map(lambda v: ("wait_seconds", v))))
def test_generated_cells_are_read_alike_or_left_to_the_exact_path(cell):
    name, value = cell
    fast, exact = fast_and_exact(csv_with(**{name: value}))
    if fast is not None:
        assert exact[0][1] == [], f"the fast path accepted {value!r}, the exact path refuses it"
        assert_same(fast, exact)


# --- Parquet: typed columns checked in Arrow, the same way -----------------------------------

def parquet_bytes(table: pa.Table | pd.DataFrame, **options) -> bytes:
    sink = io.BytesIO()
    if isinstance(table, pd.DataFrame):
        table.to_parquet(sink, **options)
    else:
        pq.write_table(table, sink, **options)
    return sink.getvalue()


def typed_fast_and_exact(suffix: str, datas: list[bytes], as_of: dt.date | None = None):
    """fast_and_exact for files pyarrow reads typed (Parquet, JSONL): the fast path's result,
    None when a file does not take it, and the exact path's."""
    parse = {".parquet": _parse_parquet, ".jsonl": _parse_jsonl}[suffix]
    typed_tables, exact = [], []
    for index, data in enumerate(datas):
        arrow = parse(data)
        typed_tables.append(None if arrow is None else TypedTable(
            f"f{index}{suffix}", "", data, arrow, suffix=suffix))
        exact.append(RawTable(f"f{index}{suffix}", ""))
        _parse(suffix, data, exact[-1])
    results = parse_feedback_files(exact, as_of)
    if not all(typed_tables):
        return None, results
    return fast(typed_tables, as_of), results


def parquet_fast_and_exact(*tables, as_of: dt.date | None = None):
    """fast_and_exact for Parquet files (pyarrow Tables or pandas frames)."""
    return typed_fast_and_exact(".parquet", [parquet_bytes(t) for t in tables], as_of)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


PARQUET_GOOD = {
    "id": pa.array(["c1", "c2", "c3"]),
    "submitted_at": pa.array([utc(2026, 3, 1, 10), utc(2026, 3, 2, 8, 30, 15, 250000),
                              utc(2026, 3, 3)], pa.timestamp("us", "UTC")),
    "channel": pa.array(["phone", "chat", "app"]),
    "case_id": pa.array(["k1", None, ""]),
    "stage": pa.array(["post_sale", None, "pre_sale"]),
    "topic": pa.array(["refund", "refund", None]),
    "site": pa.array([None, "vendor-a", "in-house"]),
    "rating": pa.array([5, None, 1], pa.int8()),
    "nps": pa.array([10, 0, None], pa.int64()),
    "wait_seconds": pa.array([30.5, None, 0.0]),
    "resolved": pa.array([True, False, None]),
    "resolved_at": pa.array([utc(2026, 3, 1, 11), None, utc(2026, 3, 3)],
                            pa.timestamp("us", "UTC")),
    "comment": pa.array(["fine, thanks", None, "NA"]),
    "comment_public": pa.array([True, None, False]),
}


def parquet_with(**columns) -> pa.Table:
    """The good table with some columns replaced (None: dropped)."""
    merged = {**PARQUET_GOOD, **columns}
    return pa.table({name: cells for name, cells in merged.items() if cells is not None})


def test_a_good_parquet_file_takes_the_fast_path_with_row_numbers_as_lines():
    fast, exact = parquet_fast_and_exact(parquet_with())
    assert fast is not None
    assert_same(fast, exact)
    frame = fast[0][0]
    assert frame["line"].tolist() == [1, 2, 3]  # the row number, as the exact path gives it
    assert frame["case_id"].tolist() == ["k1", "c2", "c3"]
    assert frame["rating"].tolist()[0::2] == [5.0, 1.0]
    assert frame["submitted_at"].tolist()[1] == pd.Timestamp("2026-03-02T08:30:15.25Z")
    assert frame["comment"].tolist() == ["fine, thanks", None, "NA"]
    assert frame["comment_public"].tolist() == [True, False, False]


def test_parquet_as_pandas_writes_it_takes_the_fast_path():
    # pandas writes a rating with gaps as float64 (NaN), timestamps in nanoseconds, text with
    # its own metadata, and a non-default index as a column that reads back as the index
    frame = pd.DataFrame({
        "id": ["c1", "c2"], "channel": ["email", "social"],
        "submitted_at": pd.to_datetime(["2026-03-01T10:00:00+01:00", "2026-03-02T00:00:00Z"],
                                       utc=True).tz_convert("Europe/Paris"),
        "rating": [4.0, np.nan], "nps": [7, 8], "wait_seconds": [np.nan, 12],
        "stage": pd.Categorical(["post_sale", "pre_sale"]),
        "comment": [None, "ok"], "resolved": [True, False],
    })
    for table in (frame, frame.set_index(pd.Index([10, 20]))):
        fast, exact = parquet_fast_and_exact(table)
        assert fast is not None
        assert_same(fast, exact)
        assert fast[0][0]["submitted_at"].tolist() == [pd.Timestamp("2026-03-01T09:00:00Z"),
                                                       pd.Timestamp("2026-03-02T00:00:00Z")]
        assert fast[0][0]["rating"].isna().tolist() == [False, True]
    # a named index is a column in the file, which pandas reads back as the index: the fast
    # path, which does not, leaves the file to the exact path
    fast, exact = parquet_fast_and_exact(frame.set_index(pd.Index(["x", "y"], name="row")))
    assert fast is None and exact[0][1] == [] and len(exact[0][0]) == 2


# Columns of other types, values out of range, nulls where required: whatever the fast path
# accepts must be what the exact path accepts, with the same contacts. `True`: it must accept.
def ts(unit: str = "us", tz: str | None = "UTC", *values) -> pa.Array:
    return pa.array(list(values) or [dt.datetime(2026, 3, 1, 10), dt.datetime(2026, 3, 2, 12),
                                     dt.datetime(2026, 3, 3, 23)], pa.timestamp(unit, tz))


def unchecked_text(*values: bytes) -> pa.Array:
    """A string array holding any bytes: pyarrow writes and reads it without checking UTF-8."""
    offsets = np.cumsum([0, *map(len, values)]).astype(np.int32)
    return pa.Array.from_buffers(pa.string(), len(values), [
        None, pa.py_buffer(offsets), pa.py_buffer(b"".join(values))])


PARQUET_ODD = [
    (True, {"submitted_at": ts("ms", "Europe/Paris"), "resolved_at": None}),
    (True, {"submitted_at": ts("ns", "+02:00",
                               *[dt.datetime(2026, 3, day, 10) for day in (1, 2, 3)]),
            "resolved_at": ts("s", "UTC")}),
    (True, {"submitted_at": pa.array([dt.date(2026, 3, day) for day in (1, 2, 3)])}),
    (True, {"submitted_at": pa.array(["2026-03-01T10:00:00Z", "2026-03-02",
                                      "2026-03-03 10:00+01:00"]), "resolved_at": None}),
    (False, {"submitted_at": ts("us", None, *[dt.datetime(2026, 3, day) for day in (1, 2, 3)])}),
    (False, {"submitted_at": ts("us", "UTC", utc(2026, 3, 1), None, utc(2026, 3, 3))}),
    (False, {"submitted_at": ts("ns", "UTC", *[pd.Timestamp("2026-03-01T10:00:00.000000001")]
                                * 3)}),  # nanoseconds: the exact path reads them
    (False, {"submitted_at": ts("us", "UTC", *[dt.datetime(year, 1, 1) for year in
                                                (2026, 3000, 1500)])}),
    (False, {"submitted_at": pa.array([dt.date(2026, 3, 1), dt.date(9999, 1, 1),
                                       dt.date(2026, 3, 1)])}),
    (False, {"submitted_at": pa.array(["2026-03-01T10:00:00", None, "2026-03-01"])}),
    (False, {"submitted_at": pa.array([1, 2, 3])}),
    (False, {"resolved_at": pa.array([dt.date(2026, 3, 1), None, None])}),
    (False, {"resolved_at": ts("us", None)}),
    (False, {"resolved_at": ts("us", "UTC", utc(2026, 3, 1, 9), None, None)}),  # before
    (True, {"rating": pa.array([5.0, float("nan"), 1.0]), "nps": pa.array([10, 0, None],
                                                                            pa.uint8())}),
    (True, {"rating": pa.array(["5", "", None]), "nps": pa.array([None] * 3, pa.null())}),
    (True, {"rating": pa.array([5.0, None, 1.0], pa.float32()),
            "nps": pa.array([-0.0, None, 10.0])}),
    (False, {"rating": pa.array([4.5, None, 1.0])}),
    (False, {"rating": pa.array([float("inf"), None, 1.0])}),
    (False, {"rating": pa.array([1e300, None, 1.0])}),
    (False, {"rating": pa.array([7, None, 1])}),
    (False, {"rating": pa.array([True, None, False])}),
    (False, {"rating": pa.array(["05", None, "5"])}),
    (False, {"nps": pa.array([-1, None, 3])}),
    (False, {"nps": pa.array([11, None, 3], pa.int64())}),
    (True, {"wait_seconds": pa.array([30, None, 2 ** 40], pa.int64())}),
    (True, {"wait_seconds": pa.array([0.1, float("nan"), -0.0], pa.float32())}),
    (True, {"wait_seconds": pa.array(["30.5", "", None])}),
    (False, {"wait_seconds": pa.array([-1.0, None, 0.0])}),
    (False, {"wait_seconds": pa.array([float("inf"), None, 0.0])}),
    (False, {"wait_seconds": pa.array([float("-inf"), None, 0.0])}),
    (False, {"wait_seconds": pa.array([True, None, False])}),
    (False, {"wait_seconds": pa.array(["nan", None, "1"])}),
    (True, {"resolved": pa.array(["true", "", None]), "comment_public": pa.array([None] * 3,
                                                                                   pa.bool_())}),
    (False, {"resolved": pa.array(["yes", "", None])}),
    (False, {"resolved": pa.array([1, 0, None])}),
    (False, {"comment_public": pa.array(["True", "false", None])}),
    (True, {"channel": pa.array(["phone", "chat", "app"]).dictionary_encode(),
            "stage": pa.array(["post_sale", None, None], pa.large_string())}),
    (False, {"channel": pa.array(["phone", "fax", "app"])}),
    (False, {"channel": pa.array(["phone", None, "app"])}),
    (False, {"channel": pa.array(["Phone", "chat", "app"]).dictionary_encode()}),
    (False, {"stage": pa.array(["during", None, None])}),
    (True, {"id": pa.array(["x" * 100, "é" * 100, "c3"], pa.large_string())}),
    (False, {"id": pa.array(["c1", "c2", "c1"])}),
    (False, {"id": pa.array(["c1", None, "c3"])}),
    (False, {"id": pa.array(["c1", "", "c3"])}),
    (False, {"id": pa.array(["é" * 101, "c2", "c3"])}),
    (False, {"id": pa.array([1, 2, 3])}),  # the exact path takes its text, "1" or "1.0"
    (False, {"id": pa.array([b"c1", b"c2", b"c3"])}),
    (False, {"id": pa.array([b"\xff", b"c2", b"c3"])}),
    (False, {"comment": pa.array([b"\xc3\xa9", None, b"x"])}),
    (False, {"comment": unchecked_text(b"ok", b"caf\xe9", b"")}),
    (False, {"topic": unchecked_text(b"a", b"\xff", b"a").dictionary_encode()}),
    # a dictionary's text that no cell uses: pandas cannot read it either
    (False, {"topic": pa.DictionaryArray.from_arrays(pa.array([0, 2, 0], pa.int32()),
                                                     unchecked_text(b"a", b"\xff", b"b"))}),
    # a choice no cell uses that is not one: each of a label's texts is checked, used or not
    (False, {"channel": pa.DictionaryArray.from_arrays(pa.array([0, 2, 0], pa.int8()),
                                                       pa.array(["phone", "fax", "app"]))}),
    (True, {"channel": pa.DictionaryArray.from_arrays(pa.array([0, 2, 1], pa.int8()),
                                                      pa.array(["phone", "app", "chat"])),
            "site": pa.DictionaryArray.from_arrays(pa.array([None, 1, 0], pa.int32()),
                                                   pa.array(["", "in-house"])),
            "topic": pa.array(["", "refund", None]).dictionary_encode()}),
    (True, {"comment": unchecked_text(b"ok", "café".encode(), b"")}),
    (False, {"comment": pa.array([[1], None, []])}),
    (False, {"comment": pa.array([{"a": 1}, None, None])}),
    (False, {"comment": pa.array(["é" * 32_001, None, None])}),
    (True, {"comment": pa.array(["é" * 32_000, None, None])}),
    (False, {"topic": pa.array([1.5, None, None])}),
    (False, {"extra": pa.array([1, 2, 3])}),
    (False, {"channel": None}),
]


@pytest.mark.parametrize(("must_take", "columns"), PARQUET_ODD,
                         ids=[str(index) for index in range(len(PARQUET_ODD))])
def test_an_odd_parquet_column_is_read_alike_or_left_to_the_exact_path(must_take, columns):
    fast, exact = parquet_fast_and_exact(parquet_with(**columns))
    if must_take:
        assert fast is not None, "the fast path should take this file"
    if fast is None:
        assert not must_take
    else:
        assert exact[0][1] == [], "the fast path accepted a file the exact path refuses"
        assert_same(fast, exact)


def test_the_exact_path_reports_odd_parquet_without_a_traceback():
    # years beyond pandas' nanoseconds used to raise in _parse_datetimes, nested values in
    # the cell checks, text that is not UTF-8 in pandas
    _, exact = parquet_fast_and_exact(parquet_with(**PARQUET_ODD[7][1]))
    assert [(p.code, p.line) for p in exact[0][1]] == [("bad_date_or_datetime", 2),
                                                       ("bad_date_or_datetime", 3)]
    _, exact = parquet_fast_and_exact(parquet_with(comment=pa.array([[1], None, []])))
    assert [(p.code, p.line, p.message) for p in exact[0][1]] == [
        ("parquet_nested", None, "column 'comment' holds lists or records, not plain values")]
    _, exact = parquet_fast_and_exact(parquet_with(comment=unchecked_text(b"", b"", b"\xff")))
    assert [(p.code, p.line, p.message) for p in exact[0][1]] == [
        ("not_utf8", 3, "comment in row 3 is not UTF-8 text")]
    assert exact[0][0] is None
    _, exact = parquet_fast_and_exact(parquet_with(
        submitted_at=ts("us", None, *[dt.datetime(2026, 3, day) for day in (1, 2, 3)])))
    assert [(p.code, p.line) for p in exact[0][1]] == [("bad_date_or_datetime", row)
                                                       for row in (1, 2, 3)]


def test_parquet_files_are_checked_together_and_alike():
    first = parquet_with()
    second = parquet_with(id=pa.array(["c4", "c5", "c6"]), resolved_at=None, rating=None)
    fast, exact = parquet_fast_and_exact(first, second)
    assert fast is not None
    assert_same(fast, exact)
    assert fast[1][0]["line"].tolist() == [1, 2, 3]
    assert fast[1][0]["rating"].isna().all() and fast[1][0]["resolved_at"].isna().all()
    # an id repeated across files; a contact after as_of
    assert parquet_fast_and_exact(first, parquet_with())[0] is None
    assert parquet_fast_and_exact(first, as_of=dt.date(2026, 3, 2))[0] is None
    assert parquet_fast_and_exact(first, as_of=dt.date(2026, 3, 3))[0] is not None
    # a typed date-time beside the same column as text: the exact path checks the company
    text = parquet_with(id=pa.array(["c4", "c5", "c6"]), submitted_at=pa.array(
        ["2026-03-01T10:00:00Z"] * 3), resolved_at=None)
    fast, exact = parquet_fast_and_exact(first, text)
    assert fast is None and [found for _, found in exact] == [[], []]


def test_parquet_files_with_other_labels_are_decoded_together_alike():
    # each file's labels are a dictionary of its own: decoded over the files at once
    second = parquet_with(id=pa.array(["c4", "c5", "c6"]),
                          channel=pa.array(["email", "phone", "email"]),
                          site=pa.array(["", "vendor-b", None]),
                          topic=pa.array([None, None, None], pa.string()))
    fast, exact = parquet_fast_and_exact(parquet_with(), second)
    assert fast is not None
    assert_same(fast, exact)
    (first, _), (frame, _) = fast
    assert first["channel"].tolist() == ["phone", "chat", "app"]
    assert frame["channel"].tolist() == ["email", "phone", "email"]
    assert frame["site"].tolist() == [None, "vendor-b", None]
    assert frame["topic"].tolist() == [None, None, None]


def test_a_company_with_csv_and_parquet_files_gives_the_same_results_both_ways(tmp_path):
    folder = tmp_path / "data" / "acme" / "feedback"
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text(csv_with(id="c9", resolved_at=""), encoding="utf-8")
    (folder / "b.parquet").write_bytes(parquet_bytes(parquet_with()))
    (folder / "c.parquet").write_bytes(b"PAR1 not really")
    (folder / "d.parquet").write_bytes(parquet_bytes(parquet_with().slice(0, 0)))
    paths = sorted(folder.iterdir())
    fast_tables = read_feedback_many(paths, tmp_path / "data")
    assert [type(t).__name__ for t in fast_tables] == ["TypedTable", "TypedTable", "RawTable",
                                                       "RawTable"]
    exact = [read_feedback(path, tmp_path / "data") for path in paths]
    assert [t.records for t in fast_tables] == [t.records for t in exact] == [1, 3, 0, 0]
    assert_same(parse_feedback_files(fast_tables), parse_feedback_files(exact))
    assert [p.code for p in parse_feedback_files(exact)[2][1]] == ["parquet_unreadable"]
    for checked in (False, True):  # without frames, the bytes are read again when needed
        tables = read_feedback_many(paths, tmp_path / "data", frames=checked)
        assert [found for _, found in parse_feedback_files(tables, frames=checked)] == \
            [found for _, found in parse_feedback_files(exact)]


def test_good_csv_and_parquet_files_of_one_company_take_the_fast_path_together(tmp_path):
    # Parquet's labels (read as dictionaries) and whole numbers (typed) beside CSV's text; its
    # date-times as text too (typed ones beside text send the company to the exact path)
    folder = tmp_path / "data" / "acme" / "feedback"
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text(
        "id,submitted_at,channel,topic,rating,nps\n"
        "c8,2026-03-04T10:00:00Z,email,billing,4,\n"
        "c9,2026-03-05T10:00:00Z,phone,,,7\n", encoding="utf-8")
    (folder / "b.parquet").write_bytes(parquet_bytes(parquet_with(
        submitted_at=pa.array(["2026-03-01T10:00:00Z"] * 3), resolved_at=None)))
    paths = sorted(folder.iterdir())
    tables = read_feedback_many(paths, tmp_path / "data")
    assert _fast_path(tables, None, True) is not None
    exact = [read_feedback(path, tmp_path / "data") for path in paths]
    assert_same(parse_feedback_files(tables), parse_feedback_files(exact))
    csv_rows, parquet_rows = (frame for frame, _ in parse_feedback_files(tables))
    assert csv_rows["topic"].tolist() == ["billing", None]
    assert csv_rows["rating"].tolist()[0] == 4.0 and np.isnan(csv_rows["rating"].tolist()[1])
    assert parquet_rows["channel"].tolist() == ["phone", "chat", "app"]
    assert parquet_rows["topic"].tolist() == ["refund", "refund", None]
    assert parquet_rows["nps"].tolist()[:2] == [10.0, 0.0]


# --- JSONL: pyarrow's JSON reader, the same typed columns -------------------------------------

def jsonl_fast_and_exact(*texts: str | bytes, as_of: dt.date | None = None):
    """fast_and_exact for JSONL files."""
    return typed_fast_and_exact(
        ".jsonl", [t.encode() if isinstance(t, str) else t for t in texts], as_of)


JSON_GOOD = ('{"id": "c1", "submitted_at": "2026-03-01T10:00:00Z", "channel": "phone", '
             '"rating": 5, "nps": 9.0, "wait_seconds": 30.5, "resolved": true, '
             '"resolved_at": "2026-03-01T11:00:00+01:00", "comment": "fine, \\"thanks\\"", '
             '"comment_public": false, "case_id": null, "topic": "refund"}')


def json_with(**values) -> str:
    """JSON_GOOD with some values replaced by the JSON text given (None: the key dropped)."""
    record = json.loads(JSON_GOOD)
    texts = {key: json.dumps(value) for key, value in record.items()}
    texts.update(values)
    return "{" + ", ".join(f'"{key}": {text}' for key, text in texts.items()
                           if text is not None) + "}"


def test_a_good_jsonl_file_takes_the_fast_path_with_its_lines():
    text = ("\ufeff" + json_with() + "\n\n  \t\n" + json_with(id='"c2"', rating="null")
            + "\r\n" + json_with(id='"c3"', submitted_at='"2026-03-02"', nps=None,
                                                   resolved_at="null"))
    fast, exact = jsonl_fast_and_exact(text)
    assert fast is not None
    assert_same(fast, exact)
    frame = fast[0][0]
    assert frame["line"].tolist() == [1, 4, 5]  # blank lines are skipped, and counted
    assert frame["comment"].tolist() == ['fine, "thanks"'] * 3
    assert frame["rating"].tolist()[0] == 5.0 and frame["nps"].tolist()[:2] == [9.0, 9.0]
    assert frame["resolved_at"].tolist()[0] == pd.Timestamp("2026-03-01T10:00:00Z")


JSON_ODD = [  # (whether the fast path must take it, the file's text)
    (True, json_with(wait_seconds="-0", nps="0", rating="1e0", stage='"post_sale"')),
    (True, json_with(wait_seconds="NaN", rating="NaN")),  # Python's json reads NaN: missing
    (True, json_with(comment='"a\\u2028b\\u0000\\n"', site='"\\u00e9"') + "\n"),
    (True, json_with(topic=None, comment=None, comment_public=None, resolved=None)),
    (True, json_with(resolved_at=None, rating=None)),  # absent: typed as the exact path does
    (True, json_with(resolved_at="null", rating="null")),
    (True, json_with(resolved_at=None, topic='"resolved_at"', comment='"caf\\u00e9"')),
    (False, json_with(resolved_at=None).replace('"id"', '"\\u0069d"')),
    (False, json_with(wait_seconds="Infinity")),
    (False, json_with(wait_seconds="-1")),
    (False, json_with(wait_seconds="1e400")),
    (False, json_with(wait_seconds="123456789012345678901234567890")),
    (False, json_with(wait_seconds='"30"')),
    (False, json_with(rating='"5"')),
    (False, json_with(rating="4.5")),
    (False, json_with(rating="6")),
    (False, json_with(rating="true")),
    (False, json_with(resolved='"true"')),
    (False, json_with(resolved="1")),
    (False, json_with(id="5")),
    (False, json_with(id="null")),
    (False, json_with(id='""')),
    (False, json_with(id=None)),
    (False, json_with(channel='"fax"')),
    (False, json_with(submitted_at='"2026-03-01T10:00:00"')),
    (False, json_with(submitted_at="20260301")),
    (False, json_with(resolved_at='"2026-03-01"')),
    (False, json_with(resolved_at='"2026-03-01T09:00:00Z"')),
    (False, json_with(comment="[1, 2]")),
    (False, json_with(comment='{"a": 1}')),
    (False, json_with(comment='"\\ud800"')),  # a lone surrogate
    (False, json_with(comment='"' + "é" * 32_001 + '"')),
    (False, json_with(extra="1")),
    (False, json_with() + json_with(id='"c2"')),  # two objects on one line
    (False, json_with().replace(', "channel"', ',\n"channel"')),  # one over two lines
    (False, json_with().replace('"id"', '"id": "c0", "id"')),  # a key twice
    (False, json_with().replace('"id"', '"\\u0069d"')),  # a key escaped
    (False, json_with() + "\n[1]"),
    (False, json_with() + "\nnull"),
    (False, "null"),  # pyarrow 26 crashes on this file: it must never see it
    (False, "\n  null\n"),
    (False, "5\n" + json_with()),
    (True, "\n \t" + json_with() + "\n\r\n"),
    (False, json_with() + "\n\f"),
    (False, json_with() + "\n\u00a0"),  # blank to Python's str.strip
    (False, json_with() + " x"),
    (False, json_with(comment='"caf\\u00e9"').replace("\\u00e9", "\udce9")),  # not UTF-8
    (False, json_with() + " " * 1_000_001),
    (False, json_with(id='"c1"') + "\n" + json_with(id='"c1"')),
    (False, ""),
    (False, "\n \n"),
]


@pytest.mark.parametrize(("must_take", "text"), JSON_ODD,
                         ids=[str(index) for index in range(len(JSON_ODD))])
def test_an_odd_jsonl_file_is_read_alike_or_left_to_the_exact_path(must_take, text):
    data = text.encode("utf-8", "surrogateescape")
    fast, exact = jsonl_fast_and_exact(data)
    if must_take:
        assert fast is not None, "the fast path should take this file"
    if fast is not None:
        assert exact[0][1] == [], "the fast path accepted a file the exact path refuses"
        assert_same(fast, exact)


def test_jsonl_parquet_and_csv_files_of_one_company_agree_both_ways(tmp_path):
    folder = tmp_path / "data" / "acme" / "feedback"
    folder.mkdir(parents=True)
    (folder / "a.jsonl").write_text(json_with(id='"j1"') + "\n\n" + json_with(id='"j2"'),
                                    encoding="utf-8")
    (folder / "b.jsonl").write_text(json_with(id='"j3"', rating='"5"'), encoding="utf-8")
    (folder / "c.parquet").write_bytes(parquet_bytes(parquet_with()))
    paths = sorted(folder.iterdir())
    tables = read_feedback_many(paths, tmp_path / "data")
    assert [type(t).__name__ for t in tables] == ["TypedTable", "RawTable", "TypedTable"]
    exact = [read_feedback(path, tmp_path / "data") for path in paths]
    assert_same(parse_feedback_files(tables), parse_feedback_files(exact))
    assert parse_feedback_files(tables)[0][0]["line"].tolist() == [1, 3]


def test_a_lone_surrogate_in_jsonl_is_a_clear_error_not_a_traceback():
    line = json_with(comment='"ok \\ud800"')
    _, exact = jsonl_fast_and_exact(json_with(id='"c0"') + "\n" + line)
    assert [(p.code, p.line, p.column) for p in exact[0][1]] == [
        ("json_syntax", 2, line.index("\\ud800") + 1)]
    # a whole pair, or an escaped backslash before "ud800", is fine
    fast, exact = jsonl_fast_and_exact(json_with(comment='"\\ud83d\\ude00 \\\\ud800"'))
    assert exact[0][1] == [] and exact[0][0]["comment"].tolist() == ["\U0001f600 \\ud800"]
    assert_same(fast, exact)


# Every shape of date-time pyarrow's reader takes (a time of hh, hh:mm, hh:mm:ss or with 1-7
# decimals; an offset of Z, +hh, +hhmm or +hh:mm), so that the fast path's shortcut of
# looking only at the lengths that can hide a refused shape is held to the contract at each
# length: the contract wants hh:mm at least and no hours-only offset.
TIMES = ["09", "09:30", "09:30:15", *(f"09:30:15.{'1234567'[:n]}" for n in range(1, 8))]
OFFSETS = ["Z", "+02", "-05", "+0200", "-0530", "+02:00", "-05:30"]


@pytest.mark.parametrize("offset", OFFSETS)
@pytest.mark.parametrize("time", TIMES)
def test_each_date_time_shape_is_taken_exactly_when_the_contract_takes_it(time, offset):
    value = f"2026-03-01T{time}{offset}"
    contract = ":" in time and len(offset) != 3
    fast, exact = fast_and_exact(csv_with(submitted_at=value, resolved_at=""))
    assert (exact[0][1] == []) == contract, value
    if fast is not None:
        assert contract, f"the fast path accepted {value!r}"
        assert_same(fast, exact)
    else:  # declined only what it cannot read: more than 6 decimals
        assert not contract or time.endswith("1234567"), value


@pytest.mark.parametrize("text", ["", "\n", "a", "a\n", "\n\na\n \n\t\r\nb", "a\n\n", "ab\nc",
                                  " \n", "x\n\n\ny", "\r\n\r\nx\r\n \t \r\n"])
def test_jsonl_content_lines_are_the_lines_the_exact_reader_reads(text):
    # the exact reader skips a line that str.strip() empties; of those, only lines of JSON's
    # whitespace can be in a file pyarrow reads (any other blank is refused by its parser)
    expected = [number for number, line in enumerate(text.split("\n"), start=1) if line.strip()]
    assert _content_lines(text.encode()).tolist() == expected
