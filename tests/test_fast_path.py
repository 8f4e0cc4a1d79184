"""validate's fast path (CSV checked in Arrow) against the exact path (csv module, pandas).

The fast path may refuse a file the exact path accepts (it then defers to the exact path), but
it must never accept one the exact path refuses, and what it accepts must give the same
contacts frame, line numbers included. Each test compares the two directly."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.board import check, load_company
from scoring.load import (
    RawTable,
    TypedTable,
    _parse,
    _parse_arrow,
    discover,
    read_feedback,
    read_feedback_fast,
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
        fast = [read_feedback_fast(path, tree) for path in company.feedback]
        exact = [read_feedback(path, tree) for path in company.feedback]
        assert [(t.file, t.sha256, t.records) for t in fast] == \
            [(t.file, t.sha256, t.records) for t in exact]
        assert_same(parse_feedback_files(fast, as_of), parse_feedback_files(exact, as_of))


def test_the_demo_data_takes_the_fast_path():
    # otherwise the comparison above would compare the exact path with itself
    companies, _ = discover(ROOT / "data")
    assert len(companies) == 10
    for company in companies:
        tables = [read_feedback_fast(path, ROOT / "data") for path in company.feedback]
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
    tables = [read_feedback_fast(folder / name, tmp_path / "data") for name in ("a.csv", "b.csv")]
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
