"""Resource limits: an oversized file, an oversized field, a deeply nested JSONL line or YAML
file and a YAML alias bomb each fail fast with a clear problem, within a memory limit.

Each case runs `publish.py validate --format json` in a child process whose peak resident
memory is measured (wait4), whose address space is capped with setrlimit(RLIMIT_AS) and whose
run time is capped by a timeout: going over any of them is a failure, and so is a traceback
instead of a problem."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from scoring.ledger import MAX_FEEDBACK_FILE_BYTES, MAX_YAML_FILE_BYTES

REPO = Path(__file__).resolve().parent.parent
# Peak resident memory of the validating process, imports and all (about 130 MiB of it): a
# file read whole or a value expanded would pass it. Its address space is capped too, well
# above what numpy's and pyarrow's thread pools reserve (1.7 GiB here, most never touched),
# so that a runaway allocation fails instead of taking the machine.
MEMORY_LIMIT = 400 * 2**20
ADDRESS_LIMIT = 4 * 2**30
TIMEOUT = 90
HEADER = "id,submitted_at,channel,comment\n"
BIG_FIELD = 32 * 2**20  # 32 MiB in one cell: 6,700 times a comment's cap


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_LIMIT, ADDRESS_LIMIT))


def _validate(data: Path) -> tuple[list[dict], float]:
    """`publish.py validate` of `data` in a child process: its problems (JSON) and seconds,
    once it exited with 1 (problems found), within TIMEOUT and MEMORY_LIMIT."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(
            [sys.executable, str(REPO / "publish.py"), "validate", "--data", str(data),
             "--format", "json"],
            cwd=REPO, stdout=out, stderr=err, preexec_fn=_cap_memory)
        timer = threading.Timer(TIMEOUT, child.kill)
        timer.start()
        try:  # wait4: the child's own peak resident memory
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            timer.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode(errors="replace")
    assert seconds < TIMEOUT, "killed: out of time"
    assert "Traceback" not in stderr, stderr[-3000:]
    assert "MemoryError" not in stderr
    assert child.returncode == 1, (child.returncode, stderr[-3000:])
    assert usage.ru_maxrss * 1024 < MEMORY_LIMIT, f"{usage.ru_maxrss / 1024:.0f} MiB resident"
    return json.loads(stdout), seconds


def _company(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    company = tmp_path / "data" / "acme"
    for name, content in {"company.yaml": "name: Acme\nindustry: banking\n", **files}.items():
        path = company / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return tmp_path / "data"


def _codes(problems: list[dict]) -> list[tuple[str, str, int | None]]:
    return [(Path(p["file"]).name, p["code"], p["line"]) for p in problems]


def test_an_oversized_feedback_file_is_refused_unread(tmp_path):
    data = _company(tmp_path, {})
    big = data / "acme" / "feedback" / "2026-01.csv"
    big.parent.mkdir()
    with big.open("wb") as handle:  # sparse: the size is real, the disk use is not
        handle.write(HEADER.encode())
        handle.truncate(MAX_FEEDBACK_FILE_BYTES + 1)
    problems, seconds = _validate(data)
    assert _codes(problems) == [("2026-01.csv", "file_too_large", None)]
    assert problems[0]["message"] == (
        f"the file is {MAX_FEEDBACK_FILE_BYTES + 1:,} bytes; the limit is "
        f"{MAX_FEEDBACK_FILE_BYTES:,}")
    assert seconds < 30


def test_an_oversized_yaml_file_is_refused_unread(tmp_path):
    data = _company(tmp_path, {"actions.yaml": "#" * (MAX_YAML_FILE_BYTES + 1)})
    problems, _ = _validate(data)
    assert _codes(problems) == [("actions.yaml", "file_too_large", None)]


def test_an_oversized_csv_field_is_a_problem_not_a_crash(tmp_path):
    row = f'c1,2026-01-05T10:00:00Z,phone,"{"é" * BIG_FIELD}"\n'  # non-ASCII: 4 bytes a char
    data = _company(tmp_path, {"feedback/2026-01.csv": HEADER + row})
    problems, seconds = _validate(data)
    assert _codes(problems) == [("2026-01.csv", "csv_syntax", 2)]
    assert "field larger than field limit" in problems[0]["message"]
    assert seconds < TIMEOUT


def test_an_oversized_jsonl_line_is_refused_unparsed(tmp_path):
    line = json.dumps({"id": "c1", "submitted_at": "2026-01-05T10:00:00Z", "channel": "phone",
                       "comment": "é" * BIG_FIELD}, ensure_ascii=False)
    ok = '{"id": "c0", "submitted_at": "2026-01-04T10:00:00Z", "channel": "chat"}'
    data = _company(tmp_path, {"feedback/2026-01.jsonl": f"{ok}\n{line}\n"})
    problems, _ = _validate(data)
    assert _codes(problems) == [("2026-01.jsonl", "too_long", 2)]
    assert problems[0]["message"] == (
        f"the line has {len(line):,} characters; the limit is 1,000,000")


def test_a_comment_over_its_cap_is_too_long(tmp_path):
    row = f'c1,2026-01-05T10:00:00Z,phone,"{"x" * 32_001}"\n'  # the cap is 32,000
    data = _company(tmp_path, {"feedback/2026-01.csv": HEADER + row})
    problems, _ = _validate(data)
    assert _codes(problems) == [("2026-01.csv", "too_long", 2)]
    assert problems[0]["message"] == "comment has 32,001 characters"


@pytest.mark.parametrize("depth", [100, 200_000])
def test_a_deeply_nested_jsonl_line_is_a_problem(tmp_path, depth):
    ok = '{"id": "c0", "submitted_at": "2026-01-04T10:00:00Z", "channel": "chat"}'
    deep = "[" * depth + "]" * depth
    data = _company(tmp_path, {"feedback/2026-01.jsonl": f"{ok}\n{deep}\n"})
    problems, _ = _validate(data)
    # 100 deep parses (and is not an object); 200,000 deep is past Python's recursion limit
    code = "json_not_object" if depth == 100 else "too_deep"
    assert _codes(problems) == [("2026-01.jsonl", code, 2)]


@pytest.mark.parametrize("text", ["[" * 100_000, "- " * 5_000 + "x\n", "a:\n" + "".join(
    " " * level + "a:\n" for level in range(1, 500))])
def test_a_deeply_nested_yaml_file_is_refused_early(tmp_path, text):
    data = _company(tmp_path, {"actions.yaml": text})
    problems, _ = _validate(data)
    assert _codes(problems)[0][:2] == ("actions.yaml", "too_deep")
    assert problems[0]["message"] == "lists and mappings nest more than 32 deep"


BILLION_LAUGHS = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 10)}]\n" for level in range(1, 10))


def test_a_yaml_alias_bomb_never_expands(tmp_path):
    data = _company(tmp_path, {"actions.yaml": BILLION_LAUGHS})
    problems, seconds = _validate(data)
    # the first alias: line 2 ("a1: &a1 [*a0, ..."), column 10
    assert _codes(problems) == [("actions.yaml", "yaml_alias", 2)]
    assert problems[0]["column"] == 10
    assert problems[0]["message"] == "aliases (*name) are not allowed"
    assert seconds < 30
