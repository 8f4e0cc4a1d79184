"""One fixture per class of bad input: tests/fixtures/errors/<case>/data is a data tree and
expected.json beside it says, worked out by hand, the exit status of `publish.py validate` and
every problem (code, file, line, column) it must report: no more, no fewer, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import publish

CASES = Path(__file__).resolve().parent / "fixtures" / "errors"


def _cases() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if (p / "expected.json").is_file())


def test_there_is_a_fixture_for_every_error_class_in_the_issue():
    assert len(_cases()) >= 50


@pytest.mark.parametrize("case", _cases(), ids=lambda p: p.name)
def test_validate_reports_exactly_the_expected_problems(case, capsys):
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    data = case / "data"
    status = publish.main(["validate", "--data", str(data), "--format", "json",
                           *expected["args"]])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    reported = json.loads(out)
    prefix = publish.Path(data).resolve().relative_to(Path.cwd().resolve()).as_posix() + "/" \
        if data.resolve().is_relative_to(Path.cwd().resolve()) else ""
    got = sorted((p["code"], p["file"].removeprefix(prefix), p["line"], p["column"])
                 for p in reported)
    want = sorted((p["code"], p["file"], p["line"], p["column"]) for p in expected["problems"])
    assert got == want
    assert status == expected["exit"]
    for problem in reported:
        assert problem["message"] and problem["hint"], problem


@pytest.mark.parametrize("case", _cases(), ids=lambda p: p.name)
def test_a_build_never_fails_on_bad_data_without_strict(case, tmp_path, capsys):
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    args = ["build", "--data", str(case / "data"), "--output", str(tmp_path / "out"),
            *expected["args"]]
    assert publish.main(args) == 0
    assert publish.main([*args, "--strict"]) == expected["exit"]
    capsys.readouterr()
