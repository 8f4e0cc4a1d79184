"""Fuzz targets (Hypothesis): any bytes given to the CSV, JSONL and YAML loaders and the
validator give a result or a clean list of problems, never an unhandled exception.

Each target is a Hypothesis test, so pytest runs a fixed sample of it, and each has
`.hypothesis.fuzz_one_input(bytes)`, so `bench/fuzz.py` (or atheris, through
`atheris.Setup(sys.argv, target.hypothesis.fuzz_one_input)`) drives it with random bytes for as
long as it is given. The inputs mix raw bytes with text built from the format's own tokens
(column names, quotes, separators, YAML indicators, dates), so most reach past the parser."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.board import check
from scoring.config import ConfigError, read_config
from scoring.ledger import COLUMNS_BY_NAME
from scoring.load import read_feedback
from scoring.problems import CODES, Problem
from scoring.validate import parse_feedback

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))
PROFILE = b"name: Acme\nindustry: banking\n"

# Cells, values and breakers that the formats give meaning to.
VALUES = [
    "c1", "c2", "2026-01-05T10:00:00Z", "2026-01-05", "2026-02-30", "2026-01-05T10:00:00+0200",
    "2026-01-05T10:00:00", "9999-12-31T23:59:59Z", "0001-01-01", "phone", "chat", "PHONE",
    "pre_sale", "true", "false", "True", "1", "5", "0", "-1", "6", "4.0", "4.5", "1e400", "NaN",
    "inf", "-0", "", " ", "NA", "null", "x" * 120, "\u202e", "\u200b", "\ufeff", "\x00", "é",
    "=1+1", "<script>", "{{7*7}}",
]
CSV_TOKENS = [*COLUMNS_BY_NAME, *VALUES, ",", ",", ",", '"', '""', "\n", "\n", "\r\n", "\r",
              ";", "\t", " "]
YAML_TOKENS = [
    "name", "industry", "website", "country", "description", "contact", "banking", "id", "topic",
    "you_said", "we_did", "status", "opened", "updates", "date", "note", "evidence", "done",
    "declined", "planned", "weights", "csat", "prior_strength", "min_weight_share", "0.6",
    *VALUES, ": ", ": ", "\n", "\n", "\n  ", "\n    ", "- ", "- ", "{", "}", "[", "]", ", ",
    "'", '"', "&a ", "*a", "<<: ", "? ", "|\n  ", ">\n  ", "# ", "!!binary ", "!!python/name:os ",
    "!!set ", "!!timestamp ", "~", "yes", "NO", "012", "0x1F", ".nan", "https://example.com/",
    "javascript:alert(1)", "--- ", "...", "%YAML 1.1\n", "\t",
]


def _joined(tokens: list[str]) -> st.SearchStrategy[bytes]:
    return st.lists(st.sampled_from(tokens), max_size=200).map(lambda t: "".join(t).encode())


def _jsonl_lines() -> st.SearchStrategy[bytes]:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                        st.sampled_from(VALUES), st.text(max_size=20))
    values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)
    keys = st.one_of(st.sampled_from(list(COLUMNS_BY_NAME)), st.text(max_size=8))
    record = st.dictionaries(keys, values, max_size=8).map(lambda r: json.dumps(r))
    line = st.one_of(record, record, st.sampled_from(VALUES), st.just("["), st.just("{"))
    return st.lists(line, max_size=12).map(lambda lines: "\n".join(lines).encode())


def _inputs(structured: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    raw = st.binary(max_size=2048)
    spliced = st.tuples(structured, raw).map(lambda pair: pair[0] + pair[1])
    return st.one_of(structured, structured, raw, spliced)


CSV_INPUTS = _inputs(_joined(CSV_TOKENS))
JSONL_INPUTS = _inputs(_jsonl_lines())
YAML_INPUTS = _inputs(_joined(YAML_TOKENS))


def _company(folder: Path, files: dict[str, bytes]) -> Path:
    """data/acme/ with the given files (paths relative to the company folder); returns data/."""
    company = folder / "data" / "acme"
    for name, content in {"company.yaml": PROFILE, **files}.items():
        (company / name).parent.mkdir(parents=True, exist_ok=True)
        (company / name).write_bytes(content)
    return folder / "data"


def _assert_clean(problems: list[Problem], names: tuple[str, ...]) -> None:
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.code in CODES
        assert problem.file.endswith(names), problem
        assert problem.line is None or problem.line >= 1, problem
        assert problem.column is None or problem.column >= 1, problem
        assert isinstance(problem.message, str) and problem.message, problem


def check_feedback(data: bytes, suffix: str) -> None:
    """One feedback file: read, then validated; rows are counted whole or quarantined whole."""
    with tempfile.TemporaryDirectory() as folder:
        data_dir = _company(Path(folder), {f"feedback/f{suffix}": data})
        table = read_feedback(data_dir / "acme" / "feedback" / f"f{suffix}", data_dir)
        contacts, problems = parse_feedback(table)
        _assert_clean(problems, (f"f{suffix}",))
        if contacts is not None:
            assert not problems
            assert len(contacts) == table.records == len(table.lines)
        else:
            assert problems or table.rows.empty
        _assert_clean(check(data_dir), (f"f{suffix}",))


@given(CSV_INPUTS)
@SETTINGS
def test_fuzz_csv(data: bytes) -> None:
    check_feedback(data, ".csv")


@given(JSONL_INPUTS)
@SETTINGS
def test_fuzz_jsonl(data: bytes) -> None:
    check_feedback(data, ".jsonl")


@given(YAML_INPUTS)
@SETTINGS
def test_fuzz_company_yaml(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = _company(Path(folder), {})
        (data_dir / "acme" / "company.yaml").write_bytes(data)
        _assert_clean(check(data_dir), ("company.yaml",))


@given(YAML_INPUTS)
@SETTINGS
def test_fuzz_actions_yaml(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _assert_clean(check(_company(Path(folder), {"actions.yaml": data})), ("actions.yaml",))


@given(YAML_INPUTS)
@SETTINGS
def test_fuzz_candor_yaml(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "candor.yaml"
        path.write_bytes(data)
        try:
            config = read_config(path)
        except ConfigError as error:
            assert error.problems
            _assert_clean(error.problems, ("candor.yaml",))
        else:
            assert sum(config.weights.values()) > 0


TARGETS = {
    "csv": test_fuzz_csv,
    "jsonl": test_fuzz_jsonl,
    "company.yaml": test_fuzz_company_yaml,
    "actions.yaml": test_fuzz_actions_yaml,
    "candor.yaml": test_fuzz_candor_yaml,
}


def test_regression_a_mapping_as_a_yaml_key_is_a_problem(tmp_path):
    """Found by the fuzzer: in `name: {{7*7}}` the value is a mapping whose key, `{7*7}`, is a
    mapping too; the loader crashed (TypeError: unhashable type) instead of reporting it."""
    data_dir = _company(tmp_path, {})
    (data_dir / "acme" / "company.yaml").write_text("name: {{7*7}}\nindustry: banking\n",
                                                        encoding="utf-8")
    [problem] = check(data_dir)
    assert (problem.code, problem.line, problem.column) == ("yaml_syntax", 1, 8)
    assert problem.message == "a key is a list or mapping, not plain text"


@pytest.mark.parametrize(("text", "code", "message"), [
    # found by the fuzzer: pyyaml raised AttributeError on a !!timestamp that is not one
    ("name: !!timestamp x\n", "yaml_tag", "tags such as !!timestamp are not allowed"),
    ("name: !!set [a]\n", "yaml_tag", "tags such as !!set are not allowed"),
    ("name: !!python/name:os.system\n", "yaml_tag",
     "tags such as !!python/name:os.system are not allowed"),
    # YAML 1.1 reads 0b_ as a binary number, and int('', 2) raised ValueError
    ("name: 0b_\n", "yaml_syntax", "'0b_' cannot be read as int"),
])
def test_regression_tags_and_false_numbers_are_problems(tmp_path, text, code, message):
    data_dir = _company(tmp_path, {})
    (data_dir / "acme" / "company.yaml").write_text(text + "industry: banking\n", "utf-8")
    [problem] = check(data_dir)
    assert (problem.code, problem.line, problem.column, problem.message) == (
        code, 1, 7, message)
