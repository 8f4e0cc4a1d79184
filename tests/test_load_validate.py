"""Loader and validator: small data trees written to tmp_path, checked file:line:column."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from scoring.board import build_scoreboard, check
from scoring.load import read_feedback
from scoring.validate import parse_feedback

PROFILE = "name: Acme Parcels\nindustry: e-commerce\n"
FIELDS = ["id", "submitted_at", "channel", "rating", "nps", "wait_seconds", "resolved", "comment"]
HEADER = ",".join(FIELDS) + "\n"
GOOD = {
    "id": "c1", "submitted_at": "2026-03-01T10:00:00Z", "channel": "phone", "rating": "5",
    "nps": "9", "wait_seconds": "30", "resolved": "true", "comment": "fine",
}
EXPECTED_COLUMNS = (
    "id", "submitted_at", "channel", "case_id", "stage", "topic", "site", "rating", "nps",
    "wait_seconds", "resolved", "resolved_at", "comment", "comment_public",
)


def row(**changes: str) -> str:
    """One CSV line of the FIELDS columns: the good row with some cells changed."""
    return ",".join({**GOOD, **changes}[name] for name in FIELDS) + "\n"


def good_rows(count: int, prefix: str = "g", rating: str = "5") -> str:
    return "".join(row(id=f"{prefix}{i}", rating=rating) for i in range(count))


def make_company(tmp_path: Path, feedback: dict | None = None, profile: str = PROFILE,
                 actions: str | None = None, slug: str = "acme") -> Path:
    """<tmp>/data/<slug>/company.yaml, actions.yaml, feedback/<name>; returns the data folder.
    A feedback value is text, bytes, or a pyarrow Table (written as Parquet)."""
    data = tmp_path / "data"
    folder = data / slug
    (folder / "feedback").mkdir(parents=True)
    (folder / "company.yaml").write_text(profile, encoding="utf-8")
    if actions is not None:
        (folder / "actions.yaml").write_text(actions, encoding="utf-8")
    for name, content in (feedback or {}).items():
        path = folder / "feedback" / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, pa.Table):
            pq.write_table(content, path)
        else:
            path.write_text(content, encoding="utf-8")
    return data


def parse(data: Path, name: str, slug: str = "acme"):
    """(typed contacts or None, problems) for one feedback file."""
    return parse_feedback(read_feedback(data / slug / "feedback" / name, data))


def problems_of(data: Path, suffix: str) -> list:
    return [p for p in check(data) if p.file.endswith(suffix)]


def company_result(board, slug: str = "acme"):
    return next(c for c in board.companies if c.slug == slug)


def file_report(company, name: str):
    return next(f for f in company.files if f.file.endswith(name))


# --- one format or another: the same contacts -----------------------------------------------

ROWS = [
    {"id": "c1", "submitted_at": "2026-03-01T10:00:00Z", "channel": "phone", "case_id": "k1",
     "rating": 5, "nps": 10, "wait_seconds": 30.5, "resolved": True,
     "resolved_at": "2026-03-01T11:00:00Z", "comment": "fine, thanks", "comment_public": True},
    {"id": "c2", "submitted_at": "2026-03-02T10:00:00+02:00", "channel": "chat", "case_id": None,
     "rating": None, "nps": 3, "wait_seconds": None, "resolved": False, "resolved_at": None,
     "comment": None, "comment_public": False},
    {"id": "c3", "submitted_at": "2026-03-03", "channel": "email", "case_id": "k1",
     "rating": 2, "nps": None, "wait_seconds": 400, "resolved": None, "resolved_at": None,
     "comment": "NA", "comment_public": None},
]


def rows_as_csv(rows: list[dict]) -> str:
    def cell(value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return f'"{value}"' if "," in str(value) else str(value)

    columns = list(rows[0])
    return ",".join(columns) + "\n" + "".join(
        ",".join(cell(r[c]) for c in columns) + "\n" for r in rows
    )


def rows_as_native_parquet() -> pa.Table:
    """The same rows with Parquet's own types: aware timestamps, integers, booleans."""
    def utc(text):
        return None if text is None else pd.Timestamp(text).tz_convert("UTC")

    return pa.table({
        "id": ["c1", "c2", "c3"],
        "submitted_at": pa.array([utc("2026-03-01T10:00:00Z"), utc("2026-03-02T08:00:00Z"),
                                  utc("2026-03-03T00:00:00Z")], pa.timestamp("us", tz="UTC")),
        "channel": ["phone", "chat", "email"],
        "case_id": ["k1", None, "k1"],
        "rating": pa.array([5, None, 2], pa.int64()),
        "nps": pa.array([10, 3, None], pa.int64()),
        "wait_seconds": [30.5, None, 400.0],
        "resolved": [True, False, None],
        "resolved_at": pa.array([utc("2026-03-01T11:00:00Z"), None, None],
                                pa.timestamp("us", tz="UTC")),
        "comment": ["fine, thanks", None, "NA"],
        "comment_public": [True, False, None],
    })


def test_csv_jsonl_and_parquet_give_identical_contacts(tmp_path):
    data = make_company(tmp_path, {
        "a.csv": rows_as_csv(ROWS),
        "b.jsonl": "".join(json.dumps(r) + "\n" for r in ROWS),
        "c.parquet": pa.Table.from_pylist(ROWS),
        "d.parquet": rows_as_native_parquet(),
    })
    frames = {}
    for name in ("a.csv", "b.jsonl", "c.parquet", "d.parquet"):
        contacts, problems = parse(data, name)
        assert problems == [], name
        frames[name] = contacts
    # CSV lines count the header; JSONL lines and Parquet rows start at 1
    assert frames["a.csv"]["line"].tolist() == [2, 3, 4]
    assert frames["b.jsonl"]["line"].tolist() == [1, 2, 3]
    assert frames["d.parquet"]["line"].tolist() == [1, 2, 3]
    expected = frames["a.csv"].drop(columns="line")
    for name in ("b.jsonl", "c.parquet", "d.parquet"):
        pd.testing.assert_frame_equal(frames[name].drop(columns="line"), expected, obj=name)
    # and the typed values are the contract's, not the text
    assert expected["submitted_at"].tolist() == [
        pd.Timestamp("2026-03-01T10:00:00Z"), pd.Timestamp("2026-03-02T08:00:00Z"),
        pd.Timestamp("2026-03-03T00:00:00Z"),
    ]
    assert expected["case_id"].tolist() == ["k1", "c2", "k1"]  # defaults to id
    assert expected["rating"].tolist()[0::2] == [5.0, 2.0]
    assert expected["resolved"].tolist()[:2] == [True, False]
    assert pd.isna(expected["resolved"].iloc[2])
    assert expected["comment"].tolist() == ["fine, thanks", None, "NA"]
    assert expected["comment_public"].tolist() == [True, False, False]  # default false


def test_parquet_naive_timestamp_is_rejected(tmp_path):
    # A timestamp without a time zone is as ambiguous as "2026-03-01T10:00:00" in a CSV, which
    # is rejected; validate._parse_datetimes says "native values must be aware".
    table = pa.table({
        "id": ["c1"],
        "submitted_at": pa.array([dt.datetime(2026, 3, 1, 10)], pa.timestamp("us")),
        "channel": ["phone"],
    })
    data = make_company(tmp_path, {"naive.parquet": table})
    contacts, problems = parse(data, "naive.parquet")
    assert contacts is None
    assert [(p.line, p.code) for p in problems] == [(1, "bad_date_or_datetime")]


# --- encoding and CSV syntax --------------------------------------------------------------


def test_utf8_bom_is_accepted(tmp_path):
    data = make_company(tmp_path, {"a.csv": "\ufeff" + HEADER + row(comment="café")})
    contacts, problems = parse(data, "a.csv")
    assert problems == []
    assert contacts["id"].tolist() == ["c1"]
    assert contacts["comment"].tolist() == ["café"]


def test_non_utf8_bytes_are_rejected_at_their_line(tmp_path):
    latin1 = (HEADER + row(id="c1") + row(id="c2", comment="café")).encode("latin-1")
    data = make_company(tmp_path, {"a.csv": latin1})
    (problem,) = problems_of(data, "a.csv")
    assert (problem.code, problem.line) == ("not_utf8", 3)
    assert "0xe9" in problem.message


def test_quoted_comment_with_newlines_keeps_line_numbers(tmp_path):
    text = (HEADER
            + row(id="c1", comment='"first line\nsecond, line\nthird line"')  # lines 2-4
            + row(id="c2", rating="6"))  # line 5
    data = make_company(tmp_path, {"a.csv": text})
    (problem,) = problems_of(data, "a.csv")
    assert (problem.line, problem.column, problem.code) == (5, 4, "bad_int")
    # without the bad row, the comment is read whole
    data = make_company(tmp_path / "ok", {"a.csv": text.replace(",6,", ",5,")})
    contacts, problems = parse(data, "a.csv")
    assert problems == []
    assert contacts["comment"].tolist()[0] == "first line\nsecond, line\nthird line"
    assert contacts["line"].tolist() == [2, 5]


def test_unterminated_quote_is_csv_syntax(tmp_path):
    text = HEADER + row(id="c1", comment='"never closed') + row(id="c2")
    data = make_company(tmp_path, {"a.csv": text})
    problems = problems_of(data, "a.csv")
    assert [p.code for p in problems] == ["csv_syntax"]
    assert problems[0].line in (2, 3)


def test_too_many_fields_at_its_line(tmp_path):
    text = HEADER + row(id="c1") + row(id="c2", comment="refund, please") + row(id="c3")
    data = make_company(tmp_path, {"a.csv": text})
    (problem,) = problems_of(data, "a.csv")
    assert (problem.line, problem.code) == (3, "wrong_field_count")
    assert "9" in problem.message and "8" in problem.message


def test_semicolon_separated_file_lists_the_expected_columns(tmp_path):
    text = "id;submitted_at;channel\nc1;2026-03-01T10:00:00Z;phone\n"
    data = make_company(tmp_path, {"a.csv": text})
    (problem,) = problems_of(data, "a.csv")
    assert (problem.code, problem.line) == ("wrong_separator", 1)
    assert "';'" in problem.message
    for name in EXPECTED_COLUMNS:
        assert name in problem.hint


def test_misspelled_column_suggests_the_right_one(tmp_path):
    text = "id,submitted_at,channel,ratng\nc1,2026-03-01T10:00:00Z,phone,5\n"
    data = make_company(tmp_path, {"a.csv": text})
    (problem,) = problems_of(data, "a.csv")
    assert (problem.line, problem.column, problem.code) == (1, 4, "unknown_column")
    assert "did you mean 'rating'" in problem.hint


# --- cell values --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("rating", "6", "bad_int"),
        ("rating", "0", "bad_int"),
        ("rating", "4.5", "bad_int"),
        ("rating", "five", "bad_int"),
        ("nps", "11", "bad_int"),
        ("nps", "-1", "bad_int"),
        ("wait_seconds", "-1", "bad_number"),
        ("wait_seconds", "inf", "bad_number"),
        ("wait_seconds", "nan", "bad_number"),
        ("resolved", "yes", "bad_bool"),
        ("resolved", "1", "bad_bool"),
        ("submitted_at", "2026-03-01T10:00:00", "bad_date_or_datetime"),
        ("submitted_at", "2026-02-30", "bad_date_or_datetime"),
        ("submitted_at", "01/03/2026", "bad_date_or_datetime"),
        ("channel", "fax", "bad_enum"),
        ("channel", "Phone", "bad_enum"),
        ("channel", "", "missing_value"),
        ("id", "", "missing_value"),
    ],
)
def test_bad_cell_is_reported_at_line_and_column(tmp_path, name, value, code):
    text = HEADER + row(id="c1") + row(**{"id": "c2", name: value})
    data = make_company(tmp_path, {"a.csv": text})
    contacts, problems = parse(data, "a.csv")
    assert contacts is None
    assert [(p.line, p.column, p.code) for p in problems] == [
        (3, FIELDS.index(name) + 1, code),
    ]
    assert problems[0].file == "data/acme/feedback/a.csv"
    assert problems[0].hint
    if value:
        assert repr(value) in problems[0].message


def test_bad_cell_in_jsonl_is_reported_at_its_line(tmp_path):
    lines = [
        {"id": "c1", "submitted_at": "2026-03-01T10:00:00Z", "channel": "phone"},
        {"id": "c2", "submitted_at": "2026-03-01T10:00:00Z", "channel": "phone", "nps": 11},
    ]
    data = make_company(tmp_path, {"a.jsonl": "".join(json.dumps(x) + "\n" for x in lines)})
    _, problems = parse(data, "a.jsonl")
    # the column is where "nps" stands in line 2: after {"id": "c2", (13 characters),
    # "submitted_at": "2026-03-01T10:00:00Z", (40) and "channel": "phone", (20): 13+40+20+1
    assert [(p.line, p.column, p.code) for p in problems] == [(2, 74, "bad_int")]


def test_datetime_without_offset_hint_mentions_z(tmp_path):
    text = HEADER + row(submitted_at="2026-03-01T10:00:00")
    data = make_company(tmp_path, {"a.csv": text})
    (problem,) = problems_of(data, "a.csv")
    assert problem.code == "bad_date_or_datetime"
    assert "Z" in problem.hint
    assert "offset" in problem.hint


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-03-01", "2026-03-01T00:00:00Z"),
        ("2026-03-01T10:00:00Z", "2026-03-01T10:00:00Z"),
        ("2026-03-01T10:00:00+02:00", "2026-03-01T08:00:00Z"),
        ("2026-03-01 10:00-0500", "2026-03-01T15:00:00Z"),
    ],
)
def test_submitted_at_date_or_datetime_with_offset(tmp_path, text, utc):
    data = make_company(tmp_path, {"a.csv": HEADER + row(submitted_at=text)})
    contacts, problems = parse(data, "a.csv")
    assert problems == []
    assert contacts["submitted_at"].iloc[0] == pd.Timestamp(utc)


def test_comment_na_and_null_are_text(tmp_path):
    csv_text = HEADER + row(id="c1", comment="NA") + row(id="c2", comment="null") + row(
        id="c3", comment="")
    jsonl = "".join(json.dumps({**GOOD, "id": i, "comment": c, "rating": 5}) + "\n"
                    for i, c in (("c1", "NA"), ("c2", "null"), ("c3", None)))
    data = make_company(tmp_path, {"a.csv": csv_text, "b.jsonl": jsonl})
    for name in ("a.csv", "b.jsonl"):
        contacts, problems = parse(data, name)
        assert problems == [], name
        assert contacts["comment"].tolist() == ["NA", "null", None], name


# --- duplicate ids ------------------------------------------------------------------------


def test_duplicate_id_within_a_file(tmp_path):
    text = HEADER + row(id="c1") + row(id="c2") + row(id="c1")
    data = make_company(tmp_path, {"a.csv": text})
    (problem,) = problems_of(data, "a.csv")
    assert (problem.line, problem.column, problem.code) == (4, 1, "duplicate_id")
    assert "'c1'" in problem.message


def test_duplicate_id_across_files_is_a_problem_of_the_second(tmp_path):
    data = make_company(tmp_path, {
        "2026-01.csv": HEADER + good_rows(30, "x"),
        "2026-02.csv": HEADER + row(id="y1") + row(id="x7"),
    })
    problems = check(data)
    assert [(p.file, p.line, p.code) for p in problems] == [
        ("data/acme/feedback/2026-02.csv", 3, "duplicate_id"),
    ]
    assert "2026-01.csv" in problems[0].message
    acme = company_result(build_scoreboard(data))
    assert file_report(acme, "2026-01.csv").status == "counted"
    assert file_report(acme, "2026-02.csv").status == "quarantined"
    assert acme.windows["all"]["contacts"].value == 30


# --- empty files and quarantine -----------------------------------------------------------


def test_empty_and_header_only_files_are_empty_not_zero(tmp_path):
    data = make_company(tmp_path, {"empty.csv": "", "header.csv": HEADER, "blank.jsonl": ""})
    assert check(data) == []
    for name in ("empty.csv", "header.csv", "blank.jsonl"):
        contacts, problems = parse(data, name)
        assert (contacts, problems) == (None, []), name
    acme = company_result(build_scoreboard(data))
    assert {Path(f.file).name: (f.status, f.rows) for f in acme.files if f.kind == "feedback"} \
        == {"empty.csv": ("empty", 0), "header.csv": ("empty", 0), "blank.jsonl": ("empty", 0)}
    assert acme.quarantined == []
    assert acme.windows["all"]["contacts"].value == 0
    assert acme.windows["all"]["csat"].value is None
    assert acme.windows["all"]["csat"].n == 0


def test_quarantine_is_whole_file(tmp_path):
    # 10 good rows rated 1 and one bad row: if any of them were counted, CSAT would drop
    bad = HEADER + good_rows(10, "a", rating="1") + row(id="a-bad", rating="6")
    data = make_company(tmp_path, {"2026-01.csv": bad, "2026-02.csv": HEADER + good_rows(30, "b")})
    acme = company_result(build_scoreboard(data))
    assert file_report(acme, "2026-01.csv").status == "quarantined"
    assert file_report(acme, "2026-01.csv").rows == 11
    assert file_report(acme, "2026-02.csv").status == "counted"
    assert acme.rows_read == 11 + 30
    assert acme.rows_counted == 30
    scores = acme.windows["all"]
    assert (scores["contacts"].value, scores["csat"].value, scores["csat"].n) == (30, 100.0, 30)
    (problem,) = file_report(acme, "2026-01.csv").problems
    assert (problem.line, problem.code) == (12, "bad_int")


def test_nothing_under_data_is_modified(tmp_path):
    data = make_company(tmp_path, {
        "2026-01.csv": HEADER + good_rows(30),
        "2026-02.csv": HEADER + row(id="q", rating="9"),
        "2026-03.jsonl": json.dumps({**GOOD, "id": "j1"}) + "\n",
        "2026-04.parquet": pa.Table.from_pylist(ROWS),
        "empty.csv": "",
    }, actions=ACTION.format(status="planned", opened="2026-02-01", rest=""))

    def snapshot() -> dict[str, tuple[str, float]]:
        return {
            path.relative_to(tmp_path).as_posix(): (
                hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime,
            )
            for path in sorted(tmp_path.rglob("*"))
            if path.is_file()
        } | {path.relative_to(tmp_path).as_posix(): ("dir", 0) for path in tmp_path.rglob("*")
             if path.is_dir()}

    before = snapshot()
    board = build_scoreboard(data)
    check(data)
    assert snapshot() == before
    assert company_result(board).rows_counted == 30 + 1 + 3  # csv + jsonl + parquet


# --- company.yaml -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "code", "line"),
    [
        pytest.param("industry: banking\n", "missing_field", 1, id="no-name"),
        pytest.param("name: Acme\nindustry: mining\n", "unknown_industry", 2, id="industry"),
        pytest.param("name: Acme\nindustry: banking\nwebsite: http://acme.example\n",
                     "not_https", 3, id="http"),
        pytest.param("name: Acme\nindustry: banking\nname: Other\n", "yaml_duplicate_key", 3,
                     id="duplicate-key"),
        pytest.param("name: &n Acme\nindustry: banking\ndescription: *n\n", "yaml_alias", 3,
                     id="alias"),
        pytest.param("name: no\nindustry: banking\n", "not_text", 1, id="yaml-1.1-boolean"),
        pytest.param("name: Acme\nindustry: banking\ncountry: gb\n", "bad_country", 3,
                     id="country"),
        pytest.param("name: Acme\nindustry: banking\nslogan: Hi\n", "unknown_field", 3,
                     id="unknown-field"),
        pytest.param("name: [Acme\n", "yaml_syntax", None, id="syntax"),
    ],
)
def test_company_yaml_problems(tmp_path, profile, code, line):
    data = make_company(tmp_path, {"a.csv": HEADER + good_rows(30)}, profile=profile)
    problems = check(data)
    assert [p.code for p in problems] == [code]
    assert problems[0].file == "data/acme/company.yaml"
    if line is not None:
        assert problems[0].line == line
    # a bad profile never crashes the build
    board = build_scoreboard(data)
    assert file_report(company_result(board), "company.yaml").status == "quarantined"


def test_yaml_alias_message_names_the_alias(tmp_path):
    data = make_company(tmp_path, profile="name: &n Acme\nindustry: banking\ncontact: *n\n")
    (problem,) = check(data)
    assert "alias" in problem.message


def test_yaml_duplicate_key_message_names_the_key(tmp_path):
    data = make_company(tmp_path, profile="name: Acme\nindustry: banking\nindustry: travel\n")
    (problem,) = check(data)
    assert (problem.line, problem.code) == (3, "yaml_duplicate_key")
    assert "'industry'" in problem.message


# --- actions.yaml -------------------------------------------------------------------------

ACTION = """\
- id: faster-refunds
  topic: refund
  you_said: Refunds take weeks.
  we_did: Refunds in 48 hours.
  status: {status}
  opened: {opened}
{rest}"""
UPDATES = "  updates:\n"


@pytest.mark.parametrize(
    ("actions", "code", "line"),
    [
        pytest.param(ACTION.format(status="declined", opened="2026-02-01", rest=""),
                     "declined_without_reason", 5, id="declined-no-updates"),
        pytest.param(ACTION.format(status="declined", opened="2026-02-01", rest=UPDATES
                     + "    - {date: 2026-03-01, status: declined}\n"),
                     "declined_without_reason", 5, id="declined-no-note"),
        pytest.param(ACTION.format(status="finished", opened="2026-02-01", rest=""),
                     "bad_status", 5, id="status"),
        pytest.param(ACTION.format(status="done", opened="2026-02-01", rest=UPDATES
                     + "    - {date: 2026-03-01, status: shipped}\n"),
                     "bad_status", 8, id="update-status"),
        pytest.param(ACTION.format(status="planned", opened="2026-02-01", rest="") * 2,
                     "duplicate_action_id", 7, id="duplicate-id"),
        pytest.param(ACTION.format(status="done", opened="2026-02-01",
                                   rest="  evidence: http://acme.example/refunds\n"),
                     "not_https", 7, id="evidence-http"),
        pytest.param(ACTION.format(status="done", opened="2026-02-30", rest=""),
                     "bad_date", 6, id="opened-2026-02-30"),
        pytest.param(ACTION.format(status="done", opened="2026-02-01", rest=UPDATES
                     + "    - {date: 2026-02-30, status: done}\n"),
                     "bad_date", 8, id="update-2026-02-30"),
        pytest.param(ACTION.format(status="done", opened="soon", rest=""),
                     "bad_date", 6, id="opened-not-a-date"),
    ],
)
def test_actions_yaml_problems(tmp_path, actions, code, line):
    data = make_company(tmp_path, {"a.csv": HEADER + good_rows(30)}, actions=actions)
    problems = check(data)
    assert [(p.file, p.line, p.code) for p in problems] == [
        ("data/acme/actions.yaml", line, code),
    ]
    board = build_scoreboard(data)
    acme = company_result(board)
    assert file_report(acme, "actions.yaml").status == "quarantined"
    assert acme.actions == []
    assert acme.windows["all"]["contacts"].value == 30  # the feedback is still counted


def test_declined_with_a_reason_is_valid(tmp_path):
    actions = ACTION.format(status="declined", opened="2026-02-01", rest=UPDATES
                            + "    - {date: 2026-03-01, status: declined, note: Too costly.}\n")
    data = make_company(tmp_path, actions=actions)
    assert check(data) == []
    (action,) = company_result(build_scoreboard(data)).actions
    assert (action.status, action.reason) == ("declined", "Too costly.")


def test_invalid_date_message_names_the_value(tmp_path):
    data = make_company(tmp_path, actions=ACTION.format(status="done", opened="2026-02-30",
                                                        rest=""))
    (problem,) = check(data)
    assert "2026-02-30" in problem.message


@pytest.mark.parametrize(
    "actions",
    [
        pytest.param(ACTION.format(status="done", opened="2026-02-01", rest=UPDATES
                     + "    - {date: 2026-03-01T10:00:00Z, status: in_progress}\n"
                     + "    - {date: 2026-03-02, status: done}\n"), id="updates"),
        pytest.param(ACTION.format(status="planned", opened="2026-02-01T10:00:00Z", rest="")
                     + ACTION.format(status="planned", opened="2026-02-02", rest="").replace(
                         "faster-refunds", "live-chat"), id="opened"),
    ],
)
def test_dates_mixed_with_datetimes_do_not_crash(tmp_path, actions):
    # YAML reads 2026-03-01T10:00:00Z as a datetime and 2026-03-02 as a date; Python cannot
    # order the two. Bad input must give a problem or be accepted, never a traceback.
    data = make_company(tmp_path, {"a.csv": HEADER + good_rows(30)}, actions=actions)
    problems = check(data)
    assert all(p.file == "data/acme/actions.yaml" for p in problems)
    board = build_scoreboard(data)
    assert company_result(board).windows["all"]["contacts"].value == 30


def test_missing_company_yaml_is_named_like_every_other_file(tmp_path):
    data = make_company(tmp_path, {"a.csv": HEADER + good_rows(30)})
    (data / "acme" / "company.yaml").unlink()
    (problem,) = check(data)
    assert problem.code == "missing_profile"
    # every other problem of this tree names data/acme/...: so must this one, or a CI
    # annotation points at a file that does not exist
    assert problem.file == "data/acme/company.yaml"


def test_files_with_different_column_orders_report_their_own_columns(tmp_path):
    data = make_company(tmp_path, {
        "a.csv": HEADER + good_rows(2),
        "b.csv": "rating,channel,id,submitted_at\n5,phone,b1,2026-03-01\n9,phone,b2,2026-03-01\n",
        "c.jsonl": json.dumps({**GOOD, "id": "j1", "rating": 5}) + "\n",
    })
    problems = check(data)
    assert [(p.file, p.line, p.column, p.code) for p in problems] == [
        ("data/acme/feedback/b.csv", 3, 1, "bad_int"),
    ]
    acme = company_result(build_scoreboard(data))
    assert [f.status for f in acme.files if f.kind == "feedback"] == [
        "counted", "quarantined", "counted",
    ]
    assert acme.rows_counted == 3


def test_problems_per_file_are_capped(tmp_path):
    text = HEADER + "".join(row(id=f"c{i}", rating="9") for i in range(150))
    data = make_company(tmp_path, {"a.csv": text})
    problems = check(data)
    assert len(problems) == 100 + 1
    assert [p.code for p in problems[:100]] == ["bad_int"] * 100
    assert problems[-1].code == "more_problems"
    assert "50" in problems[-1].message


# --- a static tree of invalid files, with its expected problems beside it ----------------

INVALID = Path(__file__).parent / "fixtures" / "invalid"


def fixture_relative(file: str) -> str:
    return file[file.index("invalid/") + len("invalid/"):]


def test_invalid_fixture_tree_gives_exactly_the_expected_problems():
    expected = set()
    for line in (INVALID / "expected_problems.csv").read_text().splitlines()[1:]:
        file, number, column, code = line.split(",")
        expected.add((file, int(number) if number else None, int(column) if column else None,
                      code))
    found = {(fixture_relative(p.file), p.line, p.column, p.code) for p in check(INVALID)}
    assert found == expected


def test_invalid_fixture_tree_builds_without_counting_anything():
    before = {p: p.read_bytes() for p in INVALID.rglob("*") if p.is_file()}
    board = build_scoreboard(INVALID)
    assert [c.slug for c in board.companies] == ["acme", "boolean-name"]
    acme = company_result(board)
    assert {Path(f.file).name: f.status for f in acme.files} == {
        "company.yaml": "counted", "actions.yaml": "quarantined",
        "2026-01.csv": "quarantined", "2026-02.jsonl": "quarantined",
        "2026-03.csv": "quarantined",
    }
    assert acme.rows_counted == 0
    assert acme.windows["all"]["csat"].value is None
    assert acme.actions == []
    assert company_result(board, "boolean-name").name == "boolean-name"  # no profile to trust
    assert {p: p.read_bytes() for p in INVALID.rglob("*") if p.is_file()} == before


def test_two_empty_ids_are_missing_not_duplicates(tmp_path):
    text = HEADER + row(id="") + row(id="")
    data = make_company(tmp_path, {"a.csv": text})
    problems = problems_of(data, "a.csv")
    # each empty id is a missing value; "id None is earlier in this file" is noise
    assert [(p.line, p.code) for p in problems] == [(2, "missing_value"), (3, "missing_value")]
