"""The contract's documents agree with the code: schemas on disk, the problem-code registry."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from scoring.problems import CODES, Problem
from scoring.schemas import FOLDER, SCHEMAS, schema_text

SCORING = Path(__file__).resolve().parent.parent / "scoring"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schema_matches_the_code(name):
    committed = (FOLDER / name).read_text(encoding="utf-8")
    assert committed == schema_text(name), (
        f"schemas/{name} is out of date: run python -m scoring.schemas")


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_is_a_valid_draft_2020_12_schema(name):
    Draft202012Validator.check_schema(json.loads(schema_text(name)))


def _string_constants_in_problem_calls() -> set[str]:
    """Every literal given as the `code` argument (the 4th) of a Problem(...) call."""
    codes = set()
    for path in SCORING.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Problem":
                args = [a for a in node.args if not isinstance(a, ast.Starred)]
                starred = any(isinstance(a, ast.Starred) for a in node.args)
                position = 1 if starred else 3  # *_locate(...) stands for line and column
                if len(args) > position and isinstance(args[position], ast.Constant):
                    codes.add(args[position].value)
    return codes


def test_every_literal_code_in_the_code_is_registered():
    used = _string_constants_in_problem_calls()
    assert len(used) >= 20  # the walk really found the calls (others are computed)
    assert used <= set(CODES), used - set(CODES)


def test_every_schema_x_code_is_registered():
    def walk(node):
        if isinstance(node, dict):
            if "x-code" in node:
                yield node["x-code"]
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    declared = {code for make in SCHEMAS.values() for code in walk(make())}
    assert {"not_https", "bad_date", "bad_status", "unknown_industry"} <= declared
    assert declared <= set(CODES)


def test_an_unregistered_code_is_refused():
    with pytest.raises(ValueError, match="unregistered"):
        Problem("f.csv", 1, 1, "no_such_code", "message")


def _company_tree(tmp_path: Path, feedback: str | None = None, actions: str | None = None) -> Path:
    data = tmp_path / "data"
    (data / "acme" / "feedback").mkdir(parents=True)
    (data / "acme" / "company.yaml").write_text("name: Acme\nindustry: banking\n")
    if feedback is not None:
        (data / "acme" / "feedback" / "2026-03.csv").write_text(feedback, encoding="utf-8")
    if actions is not None:
        (data / "acme" / "actions.yaml").write_text(actions, encoding="utf-8")
    return data


def test_the_published_examples_are_valid(tmp_path):
    from scoring.board import build_scoreboard, check
    from scoring.ledger import EXAMPLE_ACTIONS_YAML, EXAMPLE_FEEDBACK_CSV

    data = _company_tree(tmp_path, EXAMPLE_FEEDBACK_CSV, EXAMPLE_ACTIONS_YAML)
    assert check(data) == []
    (company,) = build_scoreboard(data).companies
    assert company.rows_counted == 3
    assert {a.id: a.status for a in company.actions} == {
        "faster-refunds": "done", "sunday-delivery": "declined"}


def test_publish_page_lists_every_column_code_and_schema_key(fixture_site):
    from scoring.ledger import FEEDBACK_COLUMNS
    from scoring.schemas import company_schema

    html = (fixture_site / "publish" / "index.html").read_text(encoding="utf-8")
    for column in FEEDBACK_COLUMNS:
        assert f"<code>{column.name}</code>" in html, column.name
    for code in CODES:
        assert f"<code>{code}</code>" in html, code
    for key in company_schema()["properties"]:
        assert f"<code>{key}</code>" in html, key
    assert "256 MiB" in html


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_the_site_publishes_the_schemas(fixture_site, name):
    assert (fixture_site / "schemas" / name).read_text(encoding="utf-8") == schema_text(name)


def test_every_row_is_accounted_for(tmp_path, build_site):
    """rows read = rows counted + rows in quarantined files, per company, in scores.json."""
    data = _company_tree(tmp_path)
    feedback = data / "acme" / "feedback"
    (feedback / "2026-01.csv").write_text(
        "id,submitted_at,channel,rating\n"
        "a1,2026-01-01,phone,5\na2,2026-01-02,phone,4\na3,2026-01-03,chat,\n")  # 3 counted
    (feedback / "2026-02.csv").write_text(
        "id,submitted_at,channel,rating\n"
        "b1,2026-02-01,phone,5\n"
        "b2,2026-02-02,phone,5,extra\n"          # wrong field count: still a row read
        "b3,2026-02-03,phone,9\n"                # out of range
        "b4,2026-02-04,phone,1\n")               # 4 read, all quarantined
    (feedback / "2026-03.csv").write_text("id,submitted_at,channel,rating\n")  # empty: 0
    (feedback / "2026-04.jsonl").write_text(
        '{"id": "d1", "submitted_at": "2026-04-01", "channel": "app"}\n{"id": \n')  # 2 read
    done = build_site(data, tmp_path / "out")
    assert done.result.returncode == 0
    (company,) = json.loads((done.output / "data" / "scores.json").read_text())["companies"]
    assert company["rows"] == {"read": 9, "counted": 3, "quarantined": 6}
    assert company["windows"]["all"]["contacts"]["value"] == 3
    assert {q["file"].rsplit("/", 1)[1] for q in company["quarantined"]} == {
        "2026-02.csv", "2026-04.jsonl"}
    assert "acme: 9 rows read = 3 counted + 6 in 2 quarantined files" in done.result.stdout


@pytest.mark.parametrize(("name", "cap"), [
    ("feedback/2026-01.csv", 256 * 1024 * 1024),
    ("company.yaml", 1024 * 1024),
    ("actions.yaml", 1024 * 1024),
])
def test_a_file_over_its_size_cap_is_refused_unread(tmp_path, name, cap):
    """Sparse files: the cap is checked before reading, so the test costs no disk or time."""
    from scoring.board import check

    data = _company_tree(tmp_path)
    path = data / "acme" / name
    with path.open("wb") as handle:
        handle.truncate(cap + 1)
    problems = check(data)
    assert [(p.code, p.file.endswith(name)) for p in problems] == [("file_too_large", True)]
    assert f"{cap + 1:,} bytes" in problems[0].message

