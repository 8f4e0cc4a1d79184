"""Summary files (data/<slug>/summaries/*.jsonl, docs/SUMMARIES.md): the format round trip, one
fixture per error class, quarantine and row accounting, `publish.py summarize` from files and
from a Dask dataset, and the property that scores from summary files equal scores from rows."""

from __future__ import annotations

import csv
import datetime as dt
import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import publish  # the command line, run in this process
from scoring.board import build_scoreboard, check
from scoring.gaming import Signal
from scoring.ledger import CHANNELS, STAGES
from scoring.load import read_summary
from scoring.summary import ANSWERS, DAY, RATINGS, Summary
from scoring.summary_file import check as check_summary
from scoring.summary_file import dumps

PROFILE = "name: Acme\nindustry: banking\n"
HEADER = ('{"format":"candor.summary/1","company":"acme","month":"2026-10","contacts":%d,'
          '"public_comments":%d,"wait_resolution_seconds":1,"hours_resolution_minutes":1}')
NO_NPS = [0] * 11


def _day(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def _days(*texts: str) -> pd.Series:
    return pd.Series([_day(text) for text in texts]).astype(DAY)


def _texts(*values: str | None) -> pd.Series:
    return pd.Series(values, dtype=object)


def _contacts_line(day="2026-10-03", channel="phone", stage=None, site=None, topic=None,
                   contacts=1, ratings=(0, 0, 0, 0, 0), nps=NO_NPS, **extra) -> str:
    record = {"kind": "contacts", "day": day, "channel": channel, "stage": stage, "site": site,
              "topic": topic, "contacts": contacts, "ratings": list(ratings), "nps": list(nps),
              **extra}
    return json.dumps(record, separators=(",", ":"))


def _tree(tmp_path: Path, files: dict[str, str], feedback: dict[str, str] | None = None) -> Path:
    data = tmp_path / "data"
    (data / "acme" / "summaries").mkdir(parents=True)
    (data / "acme" / "company.yaml").write_text(PROFILE)
    for name, text in files.items():
        (data / "acme" / "summaries" / name).write_text(text, encoding="utf-8")
    for name, text in (feedback or {}).items():
        (data / "acme" / "feedback").mkdir(exist_ok=True)
        (data / "acme" / "feedback" / name).write_text(text, encoding="utf-8")
    return data


# --- the format ---------------------------------------------------------------------------------


def _hand_built() -> Summary:
    contacts = pd.DataFrame({
        "day": _days("2026-10-03", "2026-10-03", "2026-10-31"),
        "channel": _texts("chat", "phone", "email"), "stage": _texts(None, "post_sale", "pre_sale"),
        "site": _texts(None, "in-house", "vendor-a"), "topic": _texts("refund", None, "délivery"),
        "contacts": np.array([10, 5, 1], dtype=np.int64)})
    for index, name in enumerate(RATINGS):
        contacts[name] = np.array([[0, 1, 0, 2, 6], [0, 0, 0, 0, 0], [1, 0, 0, 0, 0]],
                                  dtype=np.int64)[:, index]
    for index, name in enumerate(ANSWERS):
        contacts[name] = np.array([3 if index == 10 else 0, 2 if index == 0 else 0, 0],
                                  dtype=np.int64)
    waits = pd.DataFrame({"day": _days(*["2026-10-03"] * 4, "2026-10-31"),
                          "wait_seconds": [12.0, 300.0, 300.2, 300.7, 0.4],
                          "count": np.array([2, 1, 1, 2, 1], dtype=np.int64)})
    cases = pd.DataFrame({"day": _days("2026-10-03", "2026-10-03", "2026-10-03", "2026-10-31"),
                          "n_contacts": np.array([1, 2, 2, 1], dtype=np.int64),
                          "resolved": [np.nan, 1.0, 1.0, 0.0],
                          # 7 minutes exactly, 7 minutes and 1 second, and 2 hours
                          "resolution_hours": [np.nan, 7 / 60, (7 * 60 + 1) / 3600, 2.0],
                          "count": np.array([3, 1, 1, 1], dtype=np.int64)})
    comments = pd.DataFrame({
        "id": _texts("c9", "c1"),
        "submitted_at": _days("2026-10-31T23:59:59.25", "2026-10-03T09:14"),
        "channel": _texts("email", "chat"), "topic": _texts("délivery", "refund"),
        "rating": [1.0, np.nan], "comment": _texts("Slow ☃, \"really\"", "Great")})
    bursts = (Signal("burst", "2026-10-03T09:00:00Z", "2026-10-03T09:07:30Z", 5, ""),)
    return Summary(contacts, waits, cases, comments, 4, bursts)


EXPECTED_FILE = "\n".join([
    HEADER % (16, 4),
    '{"kind":"contacts","day":"2026-10-03","channel":"chat","stage":null,"site":null,'
    '"topic":"refund","contacts":10,"ratings":[0,1,0,2,6],"nps":[0,0,0,0,0,0,0,0,0,0,3]}',
    '{"kind":"contacts","day":"2026-10-03","channel":"phone","stage":"post_sale",'
    '"site":"in-house","topic":null,"contacts":5,"ratings":[0,0,0,0,0],'
    '"nps":[2,0,0,0,0,0,0,0,0,0,0]}',
    '{"kind":"contacts","day":"2026-10-31","channel":"email","stage":"pre_sale",'
    '"site":"vendor-a","topic":"délivery","contacts":1,"ratings":[1,0,0,0,0],'
    '"nps":[0,0,0,0,0,0,0,0,0,0,0]}',
    '{"kind":"waits","day":"2026-10-03","seconds":12,"count":2}',
    '{"kind":"waits","day":"2026-10-03","seconds":300,"count":1}',
    # 300.2 s and 300.7 s are both 301 s, rounded up: 1 + 2 waits
    '{"kind":"waits","day":"2026-10-03","seconds":301,"count":3}',
    '{"kind":"waits","day":"2026-10-31","seconds":1,"count":1}',
    '{"kind":"cases","day":"2026-10-03","contacts":1,"resolved":null,"resolution_minutes":null,'
    '"count":3}',
    '{"kind":"cases","day":"2026-10-03","contacts":2,"resolved":true,"resolution_minutes":7,'
    '"count":1}',
    '{"kind":"cases","day":"2026-10-03","contacts":2,"resolved":true,"resolution_minutes":8,'
    '"count":1}',
    '{"kind":"cases","day":"2026-10-31","contacts":1,"resolved":false,"resolution_minutes":120,'
    '"count":1}',
    '{"kind":"comment","id":"c9","submitted_at":"2026-10-31T23:59:59.25Z","channel":"email",'
    '"topic":"délivery","rating":1,"comment":"Slow ☃, \\"really\\""}',
    '{"kind":"comment","id":"c1","submitted_at":"2026-10-03T09:14:00Z","channel":"chat",'
    '"topic":"refund","rating":null,"comment":"Great"}',
    '{"kind":"burst","start":"2026-10-03T09:00:00Z","end":"2026-10-03T09:07:30Z","count":5}',
]) + "\n"


def test_a_summary_is_written_as_documented_and_read_back_the_same(tmp_path):
    summary = _hand_built()
    text = dumps(summary, "acme", "2026-10")
    assert text == EXPECTED_FILE
    data = _tree(tmp_path, {"2026-10.jsonl": text})
    back, rows, problems = check_summary(
        read_summary(data / "acme" / "summaries" / "2026-10.jsonl", data), "acme")
    assert problems == []
    assert rows == 16
    pd.testing.assert_frame_equal(back.contacts, summary.contacts)
    pd.testing.assert_frame_equal(back.comments, summary.comments)
    assert back.public_comments == 4
    # rounded up to whole seconds and minutes; counts of equal values added
    assert back.waits["wait_seconds"].tolist() == [12.0, 300.0, 301.0, 1.0]
    assert back.waits["count"].tolist() == [2, 1, 3, 1]
    assert back.cases["n_contacts"].tolist() == [1, 2, 2, 1]
    assert back.cases["resolution_hours"].tolist()[1:] == [7 / 60, 8 / 60, 2.0]
    assert back.cases["resolved"].tolist()[1:] == [1.0, 1.0, 0.0]
    assert back.cases["count"].tolist() == [3, 1, 1, 1]
    (signal,) = back.bursts
    assert (signal.kind, signal.start, signal.end, signal.count) == (
        "burst", "2026-10-03T09:00:00Z", "2026-10-03T09:07:30Z", 5)
    assert signal.message == "5 ratings of 5 with the same comment within 8 minutes, from " \
                             "2026-10-03 09:00 UTC."
    # written again, the same bytes
    assert dumps(back, "acme", "2026-10") == text


def test_the_published_schema_accepts_every_line_of_a_written_file():
    from jsonschema import Draft202012Validator

    from scoring.schemas import summary_schema

    validator = Draft202012Validator(summary_schema(),
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    for line in EXPECTED_FILE.splitlines():
        assert list(validator.iter_errors(json.loads(line))) == [], line
    bad = json.loads(_contacts_line(channel="fax"))
    assert [error.validator for error in validator.iter_errors(bad)] == ["enum"]


def test_an_empty_or_header_only_summary_is_no_data(tmp_path):
    data = _tree(tmp_path, {"2026-10.jsonl": HEADER % (0, 0) + "\n", "2026-11.jsonl": ""})
    assert check(data) == []
    result = build_scoreboard(data).companies[0]
    assert [(f.kind, f.status, f.rows) for f in result.files if f.kind == "summary"] == [
        ("summary", "empty", 0), ("summary", "empty", 0)]


# --- errors: one fixture per class, through `publish.py validate` --------------------------------

ONE = _contacts_line()
ERRORS = {
    # name: (file text, code, line, column)
    "no header": (ONE + "\n", "summary_header", 1, 1),
    "header twice": (HEADER % (1, 0) + "\n" + ONE + "\n" + HEADER % (1, 0) + "\n",
                     "summary_header", 3, 1),
    "unknown format": (HEADER.replace("summary/1", "summary/9") % (1, 0) + "\n" + ONE + "\n",
                       "summary_header", 1, 2),
    "another company": (HEADER.replace('"acme"', '"zeta"') % (1, 0) + "\n" + ONE + "\n",
                        "summary_company", 1, 30),
    "unknown kind": (HEADER % (1, 0) + "\n" + ONE + '\n{"kind":"call","day":"2026-10-03"}\n',
                     "bad_kind", 3, 2),
    "unknown key": (HEADER % (1, 0) + "\n" + _contacts_line(colour="red") + "\n",
                    "unknown_field", 2, 160),
    "missing key": (HEADER % (1, 0) + "\n" + ONE.replace(',"site":null', "") + "\n",
                    "missing_field", 2, 1),
    "unknown channel": (HEADER % (1, 0) + "\n" + _contacts_line(channel="fax") + "\n",
                        "bad_enum", 2, 39),
    "unknown stage": (HEADER % (1, 0) + "\n" + _contacts_line(stage="after") + "\n",
                      "bad_enum", 2, 57),
    "not a real date": (HEADER % (1, 0) + "\n" + _contacts_line(day="2026-10-32") + "\n",
                        "bad_date", 2, 20),
    "year 1": (HEADER % (1, 0) + "\n" + _contacts_line(day="0001-10-03") + "\n",
               "bad_date", 2, 20),
    "count beyond int64": (HEADER % (1, 0) + "\n" + _contacts_line(contacts=10**23) + "\n",
                           "bad_count", 2, 95),
    "negative count": (HEADER % (-1, 0) + "\n", "bad_count", 1, 65),
    "fractional count": (HEADER % (1, 0) + "\n" + ONE + "\n"
                         + '{"kind":"waits","day":"2026-10-03","seconds":1,"count":0.5}\n',
                         "bad_count", 3, 48),
    "four ratings": (HEADER % (1, 0) + "\n" + _contacts_line(ratings=(0, 0, 0, 0)) + "\n",
                     "bad_count", 2, 108),
    "label too long": (HEADER % (1, 0) + "\n" + _contacts_line(topic="x" * 61) + "\n",
                       "too_long", 2, 82),
    "outside the month": (HEADER % (1, 0) + "\n" + _contacts_line(day="2026-11-01") + "\n",
                          "wrong_month", 2, 20),
    "repeated key": (HEADER % (2, 0) + "\n" + ONE + "\n" + ONE + "\n", "duplicate_record", 3, 20),
    "more ratings than contacts": (HEADER % (1, 0) + "\n" + _contacts_line(ratings=(1, 0, 0, 0, 1))
                                   + "\n", "summary_inconsistent", 2, 108),
    "header total": (HEADER % (3, 0) + "\n" + ONE + "\n", "summary_inconsistent", 1, 65),
    "more waits than contacts": (HEADER % (1, 0) + "\n" + ONE + "\n"
                                 + '{"kind":"waits","day":"2026-10-03","seconds":1,"count":2}\n',
                                 "summary_inconsistent", 3, 17),
    "comment time": (HEADER % (1, 1) + "\n" + ONE + "\n" + json.dumps(
        {"kind": "comment", "id": "c1", "submitted_at": "2026-10-03T09:14:00+02:00",
         "channel": "phone", "topic": None, "rating": None, "comment": "Hi"},
        separators=(",", ":")) + "\n", "bad_datetime", 3, 29),
    "blank comment": (HEADER % (1, 1) + "\n" + ONE + "\n" + json.dumps(
        {"kind": "comment", "id": "c1", "submitted_at": "2026-10-03T09:14:00Z",
         "channel": "phone", "topic": None, "rating": None, "comment": "  "},
        separators=(",", ":")) + "\n", "empty_value", 3, 112),
    "burst beyond the ratings": (
        HEADER % (4, 0) + "\n" + _contacts_line(contacts=4, ratings=(0, 0, 0, 0, 4)) + "\n"
        + '{"kind":"burst","start":"2026-10-03T09:00:00Z","end":"2026-10-03T09:05:00Z",'
          '"count":5}\n', "summary_inconsistent", 3, 77),
    "not json": (HEADER % (1, 0) + "\n" + ONE[:-1] + "\n", "json_syntax", 2, len(ONE)),
}


def _validate(capsys, data: Path, *extra: str) -> tuple[int, list[dict]]:
    """`publish.py validate --format json` (in this process: the same main as the command)."""
    status = publish.main(["validate", "--data", str(data), "--format", "json", *extra])
    return status, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_each_error_is_reported_with_its_code_file_line_and_column(tmp_path, capsys, name):
    text, code, line, column = ERRORS[name]
    data = _tree(tmp_path, {"2026-10.jsonl": text})
    status, problems = _validate(capsys, data)
    assert status == 1
    assert {(p["code"], p["line"], p["column"]) for p in problems} >= {(code, line, column)}, (
        problems)
    assert all(p["file"].endswith("data/acme/summaries/2026-10.jsonl") for p in problems)
    assert all(p["hint"] for p in problems)


def test_the_validate_command_reports_a_summary_error_without_a_traceback(tmp_path, publish):
    data = _tree(tmp_path, {"2026-10.jsonl": ERRORS["unknown channel"][0]})
    done = publish("validate", "--data", data, "--format", "github")
    assert done.returncode == 1
    assert "::error file=" in done.stdout and "summaries/2026-10.jsonl,line=2,col=39," \
        "title=bad_enum::channel \"fax\" is not one of" in done.stdout
    assert "Traceback" not in done.stderr


def test_a_burst_may_run_on_into_the_next_month(tmp_path, capsys):
    """Found by the property test: a burst starting on a month's last minute ends in the next
    month's file, whose ratings of 5 this file cannot see."""
    text = (HEADER.replace("2026-10", "2026-01") % (4, 0) + "\n"
            + _contacts_line(day="2026-01-31", contacts=4, ratings=(0, 0, 0, 0, 4)) + "\n"
            + '{"kind":"burst","start":"2026-01-31T23:59:00Z","end":"2026-02-01T00:01:00Z",'
              '"count":5}\n')
    data = _tree(tmp_path, {"2026-01.jsonl": text})
    assert _validate(capsys, data) == (0, [])


def test_two_files_of_one_month_are_refused_the_later_quarantined(tmp_path, capsys):
    text = HEADER % (1, 0) + "\n" + ONE + "\n"
    data = _tree(tmp_path, {"2026-10.jsonl": text, "2026-10b.jsonl": text})
    status, problems = _validate(capsys, data)
    assert status == 1
    assert [(p["file"].rsplit("/", 1)[-1], p["code"], p["line"], p["column"])
            for p in problems] == [("2026-10b.jsonl", "duplicate_month", 1, 47)]
    (company,) = build_scoreboard(data).companies
    assert (company.rows_counted, company.rows_quarantined) == (1, 1)


def test_contacts_after_a_pinned_as_of_are_an_error(tmp_path, capsys):
    data = _tree(tmp_path, {"2026-10.jsonl": HEADER % (1, 0) + "\n" + ONE + "\n"})
    assert _validate(capsys, data, "--as-of", "2026-10-03") == (0, [])
    status, problems = _validate(capsys, data, "--as-of", "2026-10-02")
    assert status == 1
    assert [(p["code"], p["line"], p["column"]) for p in problems] == [("after_as_of", 2, 20)]


def test_bytes_that_are_not_utf8_and_a_file_over_the_cap(tmp_path):
    data = _tree(tmp_path, {})
    folder = data / "acme" / "summaries"
    (folder / "2026-10.jsonl").write_bytes((HEADER % (0, 0) + "\n").encode() + b'{"k\xff"}\n')
    with open(folder / "2026-11.jsonl", "wb") as handle:  # sparse: no disk used
        handle.truncate(256 * 1024 * 1024 + 1)
    found = {(p.file.rsplit("/", 1)[-1], p.code, p.line) for p in check(data)}
    assert found == {("2026-10.jsonl", "not_utf8", 2), ("2026-11.jsonl", "file_too_large", None)}


# --- quarantine and row accounting ---------------------------------------------------------------

def test_an_invalid_summary_is_quarantined_whole_and_its_rows_accounted_for(tmp_path,
                                                                           build_site):
    valid = HEADER % (3, 0) + "\n" + _contacts_line(contacts=3, ratings=(0, 0, 0, 1, 2)) + "\n"
    invalid = (HEADER.replace("2026-10", "2026-09") % (7, 0) + "\n"
               + _contacts_line(day="2026-09-02", contacts=7, ratings=(9, 0, 0, 0, 0)) + "\n")
    data = _tree(tmp_path, {"2026-10.jsonl": valid, "2026-09.jsonl": invalid},
                 {"2026-10.csv": "id,submitted_at,channel,rating\na1,2026-10-04,chat,1\n"})
    (company,) = build_scoreboard(data).companies
    files = {f.file.rsplit("/", 1)[-1]: (f.kind, f.status, f.rows) for f in company.files}
    assert files["2026-10.jsonl"] == ("summary", "counted", 3)
    assert files["2026-09.jsonl"] == ("summary", "quarantined", 7)
    assert files["2026-10.csv"] == ("feedback", "counted", 1)
    assert (company.rows_read, company.rows_counted, company.rows_quarantined) == (11, 4, 7)
    # 4 counted contacts with ratings 4, 5, 5 (summary) and 1 (row): CSAT 2 of 4 ... not enough
    # data for a published CSAT, but the contacts metric counts them
    assert company.windows["all"]["contacts"].value == 4
    assert company.newest == dt.date(2026, 10, 4)

    site = build_site(data, tmp_path / "out", "--no-cache")
    assert site.result.returncode == 0, site.result.stderr
    assert "acme: 11 rows read = 4 counted + 7 in 1 quarantined file" in site.result.stdout
    assert "2026-09.jsonl:2:" in site.result.stdout
    page = (site.output / "companies" / "acme" / "index.html").read_text(encoding="utf-8")
    assert "summaries/2026-09.jsonl" in page
    scores = json.loads((site.output / "data" / "scores.json").read_text())
    (entry,) = scores["companies"]
    assert entry["rows"] == {"read": 11, "counted": 4, "quarantined": 7}


def test_a_default_build_is_as_of_the_newest_summarized_day(tmp_path):
    data = _tree(tmp_path, {"2026-10.jsonl": HEADER % (1, 0) + "\n"
                            + _contacts_line(day="2026-10-30") + "\n"},
                 {"2026-10.csv": "id,submitted_at,channel\na1,2026-10-04,chat\n"})
    assert build_scoreboard(data).as_of == dt.date(2026, 10, 30)


def test_the_cache_key_covers_summary_files(tmp_path):
    from scoring.board import Job
    from scoring.cache import key
    from scoring.config import read_config
    from scoring.load import discover

    data = _tree(tmp_path, {"2026-10.jsonl": HEADER % (1, 0) + "\n" + ONE + "\n"})
    config = read_config()

    def current() -> str:
        (company,), _ = discover(data)
        return key(Job(company, data, dt.date(2026, 10, 31), None, config), config)

    before = current()
    (data / "acme" / "summaries" / "2026-10.jsonl").write_text(
        HEADER % (2, 0) + "\n" + _contacts_line(contacts=2) + "\n")
    assert current() != before


# --- publish.py summarize -------------------------------------------------------------------------

ROWS = "\n".join([
    ",".join(("id", "submitted_at", "channel", "case_id", "stage", "topic", "site", "rating",
              "nps", "wait_seconds", "resolved", "resolved_at", "comment", "comment_public")),
    'a1,2026-09-30T23:50:00Z,phone,k1,post_sale,refund,in-house,2,3,300.2,false,,'
    '"Still waiting, third call",true',
    "a2,2026-10-01T08:00:00+02:00,phone,k1,post_sale,refund,in-house,4,,299.9,true,"
    "2026-10-01T06:07:00.5Z,,false",
    "a3,2026-10-02,chat,,,,,5,10,,,,NA,true",
]) + "\n"


def _summarize(*args: object) -> int:
    return publish.main(["summarize", *map(str, args)])


def test_summarize_writes_a_file_per_month_and_never_overwrites_unasked(tmp_path, capsys):
    rows = tmp_path / "rows.csv"
    rows.write_text(ROWS, encoding="utf-8")
    out = tmp_path / "data" / "acme" / "summaries"  # the company is the folder above
    assert _summarize(rows, "--output", out) == 0
    assert sorted(p.name for p in out.iterdir()) == ["2026-09.jsonl", "2026-10.jsonl"]
    september = (out / "2026-09.jsonl").read_text(encoding="utf-8").splitlines()
    october = (out / "2026-10.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(september[0])["contacts"] == 1
    assert json.loads(october[0]) == {
        "format": "candor.summary/1", "company": "acme", "month": "2026-10", "contacts": 2,
        "public_comments": 1, "wait_resolution_seconds": 1, "hours_resolution_minutes": 1}
    # case k1 began on 09-30 23:50 and was resolved at 10-01 06:07:00.5: 6 h 17 min 0.5 s,
    # 378 minutes rounded up; it is in its first contact's month, with both contacts
    assert '{"kind":"cases","day":"2026-09-30","contacts":2,"resolved":true,' \
           '"resolution_minutes":378,"count":1}' in september
    assert '{"kind":"waits","day":"2026-09-30","seconds":301,"count":1}' in september
    # a2 is 06:00 UTC on 10-01; its wait of 299.9 s is 300 s, not a long wait either way
    assert '{"kind":"waits","day":"2026-10-01","seconds":300,"count":1}' in october
    assert '{"kind":"cases","day":"2026-10-02","contacts":1,"resolved":null,' \
           '"resolution_minutes":null,"count":1}' in october
    # "NA" is a comment, kept as text; a2's unconsented comment is not there at all
    assert [json.loads(line)["comment"] for line in october if '"kind":"comment"' in line] == [
        "NA"]
    assert [json.loads(line)["comment"] for line in september if '"kind":"comment"' in line] == [
        "Still waiting, third call"]
    written = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()

    assert _summarize(rows, "--output", out) == 2  # exists: refused, nothing touched
    assert "--force" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == written
    assert _summarize(rows, "--output", out, "--force") == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == written  # the same bytes again

    (out.parent / "company.yaml").write_text(PROFILE)
    assert check(out.parent.parent) == []
    (company,) = build_scoreboard(out.parent.parent).companies
    assert (company.rows_read, company.rows_counted) == (3, 3)


def test_summarize_checks_the_rows_first_and_writes_nothing_on_a_problem(tmp_path, capsys):
    rows = tmp_path / "rows.csv"
    rows.write_text(ROWS.replace(",5,10,", ",9,10,"), encoding="utf-8")
    out = tmp_path / "out"
    assert _summarize(rows, "--output", out, "--company", "acme") == 1
    printed = capsys.readouterr().out
    assert "rows.csv" in printed and "4:8  bad_int  rating '9'" in printed
    assert not out.exists()


def test_summarize_runs_files_here_and_only_a_dataset_on_a_cluster(tmp_path, capsys):
    rows = tmp_path / "rows.csv"
    rows.write_text(ROWS, encoding="utf-8")
    assert _summarize(rows, "--output", tmp_path / "out", "--company", "acme",
                      "--workers", "2") == 2
    assert "--workers and --scheduler summarize a dataset" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_summarize_needs_a_company(tmp_path, capsys):
    rows = tmp_path / "rows.csv"
    rows.write_text(ROWS, encoding="utf-8")
    assert _summarize(rows, "--output", tmp_path / "out") == 2
    assert "--company" in capsys.readouterr().err
    assert _summarize(rows, "--output", tmp_path / "out", "--company", "Not A Slug") == 2
    assert not (tmp_path / "out").exists()


def _typed_rows() -> pd.DataFrame:
    """ROWS as typed columns, as a Parquet export has them."""
    return pd.DataFrame({
        "id": ["a1", "a2", "a3"],
        "submitted_at": pd.to_datetime(["2026-09-30T23:50:00Z", "2026-10-01T06:00:00Z",
                                        "2026-10-02T00:00:00Z"], utc=True),
        "channel": ["phone", "phone", "chat"], "case_id": ["k1", "k1", None],
        "stage": ["post_sale", "post_sale", None], "topic": ["refund", "refund", None],
        "site": ["in-house", "in-house", None], "rating": [2.0, 4.0, 5.0],
        "nps": [3.0, np.nan, 10.0], "wait_seconds": [300.2, 299.9, np.nan],
        "resolved": pd.array([False, True, None], dtype="boolean"),
        "resolved_at": pd.to_datetime([None, "2026-10-01T06:07:00.5Z", None], utc=True),
        "comment": ["Still waiting, third call", None, "NA"],
        "comment_public": [True, False, True],
    })


def test_a_dask_dataset_gives_the_bytes_of_the_local_path(tmp_path):
    pytest.importorskip("dask.dataframe")
    rows = tmp_path / "rows.csv"
    rows.write_text(ROWS, encoding="utf-8")
    assert _summarize(rows, "--output", tmp_path / "local", "--company", "acme") == 0
    dataset = tmp_path / "dataset"  # one Parquet file a partition; case k1 spans two
    dataset.mkdir()
    frame = _typed_rows()
    for index in range(3):
        frame.iloc[[index]].to_parquet(dataset / f"part-{index}.parquet", index=False)
    assert _summarize(dataset, "--output", tmp_path / "dask", "--company", "acme") == 0
    # and on a local cluster of two worker processes, as on a remote one (--scheduler)
    assert _summarize(dataset, "--output", tmp_path / "cluster", "--company", "acme",
                      "--workers", "2") == 0
    local = {p.name: p.read_bytes() for p in (tmp_path / "local").iterdir()}
    assert {p.name: p.read_bytes() for p in (tmp_path / "dask").iterdir()} == local
    assert {p.name: p.read_bytes() for p in (tmp_path / "cluster").iterdir()} == local
    assert sorted(local) == ["2026-09.jsonl", "2026-10.jsonl"]


def test_a_dask_dataset_is_checked_partition_by_partition(tmp_path, capsys):
    pytest.importorskip("dask.dataframe")
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    frame = _typed_rows()
    frame.loc[2, "channel"] = "fax"
    frame.iloc[:2].to_parquet(dataset / "part-0.parquet", index=False)
    frame.iloc[2:].to_parquet(dataset / "part-1.parquet", index=False)
    assert _summarize(dataset, "--output", tmp_path / "out", "--company", "acme") == 1
    printed = capsys.readouterr().out
    assert "(partition 2)" in printed and "1  bad_enum  channel 'fax'" in printed
    frame.loc[2, ["id", "channel"]] = ["a1", "chat"]  # now a repeated id, in another partition
    frame.iloc[2:].to_parquet(dataset / "part-1.parquet", index=False)
    assert _summarize(dataset, "--output", tmp_path / "out", "--company", "acme") == 1
    assert "duplicate_id  id 'a1' appears 2 times in the dataset" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()


# --- THE property: scores from summary files equal scores from the rows -------------------------

COLUMNS = ("id", "submitted_at", "channel", "case_id", "stage", "topic", "site", "rating", "nps",
           "wait_seconds", "resolved", "resolved_at", "comment", "comment_public")
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SPAN = int((dt.datetime(2026, 5, 1, tzinfo=dt.UTC) - START).total_seconds()) - 1
# month ends, midnights and the last second of a day: where a wrong day or month would show
EDGES = [0, 86_399, 86_400, 31 * 86_400 - 1, 31 * 86_400, 59 * 86_400 - 60, SPAN]
# the resolution of the summary files: seconds for waits, one minute for resolution hours
TOLERANCE = {"seconds": 1.0, "hours": 1 / 60 + 1e-9}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S") + (f".{value.microsecond:06d}Z"
                                                       if value.microsecond else "Z")
    return str(value)


@st.composite
def contact_rows(draw) -> list[dict]:
    """Valid rows for one company over four months: a few channels, stages, sites and topics,
    ratings, NPS, fractional waits (300.2 s beside the 300 s hold bar), cases spanning days and
    months with resolved true, false or missing and resolved_at up to 40 days later, and
    comments with and without consent."""
    n = draw(st.integers(30, 90))
    # each column either always given or sometimes missing: dense columns let the metrics with
    # a minimum sample (30) reach it
    dense = {name: draw(st.booleans()) for name in ("rating", "wait", "resolved", "case")}
    seconds = st.one_of(st.integers(0, SPAN), st.sampled_from(EDGES))
    waits = st.one_of(st.sampled_from([0.0, 299.9, 300.0, 300.2, 0.4, 1800.5]),
                      st.floats(0, 4000, allow_nan=False).map(lambda v: round(v, 3)))
    resolved = st.sampled_from([True, False] if dense["resolved"] else [None, True, False])
    rows = []
    for index in range(n):
        when = START + dt.timedelta(seconds=draw(seconds),
                                    microseconds=draw(st.sampled_from([0, 0, 250_000])))
        later = st.integers(0, 40 * 86_400).map(lambda s, w=when: w + dt.timedelta(
            seconds=s, microseconds=draw(st.sampled_from([0, 500_000]))))
        resolved_at = draw(later if dense["resolved"] else st.one_of(st.none(), later))
        rows.append({
            "id": f"c{index}", "submitted_at": when,
            "channel": draw(st.sampled_from(CHANNELS[:4])),
            "case_id": draw(st.one_of(st.none(), st.sampled_from(["k1", "k2", "k3", "k4"]))
                            if not dense["case"] else st.none()),
            "stage": draw(st.sampled_from([None, *STAGES])),
            "topic": draw(st.sampled_from([None, "refund", "delivery"])),
            "site": draw(st.sampled_from([None, "in-house", "vendor-a"])),
            "rating": draw(st.one_of(st.integers(1, 5), st.integers(4, 5)) if dense["rating"]
                           else st.one_of(st.none(), st.integers(1, 5))),
            "nps": draw(st.one_of(st.none(), st.integers(0, 10))),
            "wait_seconds": draw(waits if dense["wait"] else st.one_of(st.none(), waits)),
            "resolved": draw(resolved),
            "resolved_at": resolved_at,
            "comment": draw(st.sampled_from([None, "Great", "great!", "Too slow", "NA"])),
            "comment_public": draw(st.booleans()),
        })
    # a case's resolved_at is checked against each of its contacts: keep it after all of them
    first = {}
    for row in rows:
        key = row["case_id"] or row["id"]
        first[key] = max(first.get(key, row["submitted_at"]), row["submitted_at"])
    for row in rows:
        if row["resolved_at"] is not None:
            row["resolved_at"] = max(row["resolved_at"], first[row["case_id"] or row["id"]])
    return rows


def _close(unit: str, left: float | None, right: float | None) -> bool:
    if left is None or right is None:
        return left is right
    return abs(left - right) <= TOLERANCE.get(unit, 0.0)


def _assert_same_scores(rows: dict, files: dict, where: str) -> None:
    assert rows.keys() == files.keys(), where
    for metric_id, score in rows.items():
        other = files[metric_id]
        assert (score.n, score.unit, score.reason) == (other.n, other.unit, other.reason), (
            where, metric_id, score, other)
        for part in ("value", "low", "high"):
            assert _close(score.unit, getattr(score, part), getattr(other, part)), (
                where, metric_id, part, score, other)


def check_summaries_score_as_the_rows(rows: list[dict]) -> None:
    """Score `rows` from a feedback CSV, and from the files `publish.py summarize` makes of
    it read back through the loader: every score equal (percentiles within the resolution)."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        raw = root / "raw" / "acme"
        (raw / "feedback").mkdir(parents=True)
        (raw / "company.yaml").write_text(PROFILE)
        with open(raw / "feedback" / "rows.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            writer.writerows([_cell(row[name]) for name in COLUMNS] for row in rows)
        summed = root / "summed" / "acme"
        summed.mkdir(parents=True)
        (summed / "company.yaml").write_text(PROFILE)
        assert publish.main(["summarize", str(raw / "feedback" / "rows.csv"),
                             "--output", str(summed / "summaries")]) == 0
        from_rows, from_files = (build_scoreboard(root / name) for name in ("raw", "summed"))
    assert from_rows.as_of == from_files.as_of
    (left,), (right,) = from_rows.companies, from_files.companies
    assert right.rows_counted == left.rows_counted == len(rows)
    assert all(f.status == "counted" for f in right.files)
    for window in left.windows:
        _assert_same_scores(left.windows[window], right.windows[window], window)
    assert [month for month, _ in left.monthly] == [month for month, _ in right.monthly]
    for (month, scores), (_, others) in zip(left.monthly, right.monthly, strict=True):
        _assert_same_scores(scores, others, month)
    assert left.breakdowns == right.breakdowns
    assert (left.comments, left.n_public_comments) == (right.comments, right.n_public_comments)
    assert left.signals == right.signals
    assert (left.newest, left.stale) == (right.newest, right.stale)


@settings(max_examples=30, deadline=None, derandomize=True, print_blob=True)
@given(contact_rows())
def test_scores_from_summary_files_equal_scores_from_the_rows(rows):
    check_summaries_score_as_the_rows(rows)


def test_the_docs_and_the_publish_page_describe_every_key(fixture_site):
    from scoring.schemas import summary_schema

    docs = (Path(__file__).resolve().parent.parent / "docs" / "SUMMARIES.md").read_text(
        encoding="utf-8")
    page = (fixture_site / "publish" / "index.html").read_text(encoding="utf-8")
    assert 'href="../schemas/summary.schema.json"' in page
    for kind, definition in summary_schema()["$defs"].items():
        assert kind == "header" or f'"kind": "{kind}"' in docs, kind
        assert kind == "header" or f"&#34;kind&#34;: &#34;{kind}&#34;" in page, kind
        for key in definition["properties"]:
            assert f"`{key}`" in docs, key
            assert key == "kind" or f"<code>{key}</code>" in page, key
    for code in ("summary_header", "summary_company", "bad_kind", "wrong_month",
                 "duplicate_record", "summary_inconsistent"):
        assert f"`{code}`" in docs, code


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats()
    | st.text(max_size=20) | st.sampled_from(["2026-10-03", "2026-10-03T09:00:00Z", "acme"]),
    lambda inner: st.lists(inner, max_size=12) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=20)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(0, 14), st.text(max_size=12), JSON_VALUES), max_size=4),
       st.booleans())
def test_a_damaged_summary_file_gives_problems_never_an_exception(edits, drop_first):
    """A written file with values replaced by anything JSON holds: every outcome is a Summary
    or problems with registered codes and a line, never an exception."""
    from scoring.load import SummaryLines

    lines = EXPECTED_FILE.splitlines()
    records = [json.loads(line) for line in lines]
    for index, key, value in edits:
        record = records[index]
        record[key if key and index % 2 else sorted(record)[len(key) % len(record)]] = value
    texts = [json.dumps(record) for record in records][drop_first:]
    summary_lines = SummaryLines("data/acme/summaries/2026-10.jsonl", "",
                                 [(number, text, json.loads(text))
                                  for number, text in enumerate(texts, start=1)])
    summary, rows, problems = check_summary(summary_lines, "acme")
    assert isinstance(rows, int)
    assert (summary is None) == bool(problems) or not texts
    assert all(p.line is not None or p.code == "more_problems" for p in problems)
    if summary is not None:
        assert dumps(summary, "acme", "2026-10").count("\n") >= 1
