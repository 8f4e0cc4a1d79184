"""The command line as a user and CI run it: help, exit codes, validate formats, summary, serve."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURE_ARG = "tests/fixtures/basic"  # relative, as a contributor types it at the repo root
BAD_FILE = "tests/fixtures/basic/acme/feedback/2026-05.csv"
SERVE_TIMEOUT = 60


# --- help and usage -------------------------------------------------------------------------

@pytest.mark.parametrize(("command", "options"), [
    ("build", ["--data", "--output", "--strict", "--site-url", "--as-of"]),
    ("validate", ["--data", "--format", "text", "github", "json"]),
    ("serve", ["--data", "--output", "--port", "--site-url", "--as-of"]),
    ("new", ["slug", "--data", "--name", "--industry"]),
    ("diff", ["--base", "--data", "--as-of"]),
    ("audit", ["--data", "--format", "text", "json"]),
    ("demo", ["--data", "--seed"]),
])
def test_every_command_has_help(publish, command, options):
    done = publish(command, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: publish.py {command}")
    for option in options:
        assert option in done.stdout, f"{command} --help does not mention {option}"


def test_top_level_help_lists_every_command(publish):
    done = publish("--help")
    assert done.returncode == 0
    for command in ("build", "validate", "serve", "new", "diff", "demo"):
        assert command in done.stdout


def test_every_command_is_in_the_readme():
    import publish

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for command in publish.COMMANDS:
        assert f"publish.py {command}" in readme or f"publish.py [{command}]" in readme, command


@pytest.mark.parametrize("args", [
    ["build", "--no-such-option"],
    ["--no-such-option"],
    ["validate", "--format", "xml"],
    ["build", "--as-of", "31/10/2026"],
    ["validate", "--data", "no/such/folder"],
    ["serve", "--port", "eighty"],
])
def test_usage_errors_exit_2(publish, args):
    done = publish(*args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "usage: publish.py" in done.stderr
    assert "error:" in done.stderr


# --- validate -------------------------------------------------------------------------------

def test_validate_text_names_file_line_and_column(publish):
    done = publish("validate", "--data", FIXTURE_ARG)
    assert done.returncode == 1
    assert BAD_FILE in done.stdout
    lines = done.stdout.splitlines()
    problem = next(line for line in lines if "bad_int" in line)
    assert problem.split()[0] == "4:4"
    assert "rating '6'" in problem
    assert "hint:" in done.stdout
    assert "1 problem found" in done.stdout


def test_validate_github_prints_annotations(publish):
    done = publish("validate", "--data", FIXTURE_ARG, "--format", "github")
    assert done.returncode == 1
    annotations = [line for line in done.stdout.splitlines() if line.startswith("::")]
    assert len(annotations) == 1
    line = annotations[0]
    # The file is relative to the repository root, so GitHub places it on the diff.
    assert line.startswith(f"::error file={BAD_FILE},")
    properties = line.split(" ", 1)[1].split("::", 1)[0].split(",")
    assert "line=4" in properties
    assert "col=4" in properties
    assert "title=bad_int" in properties
    assert "rating '6'" in line.split("::", 2)[2]


def test_validate_json_is_a_list_of_problems(publish):
    done = publish("validate", "--data", FIXTURE_ARG, "--format", "json")
    assert done.returncode == 1
    problems = json.loads(done.stdout)
    assert isinstance(problems, list)
    assert len(problems) == 1
    problem = problems[0]
    assert problem["code"] == "bad_int"
    assert problem["file"] == BAD_FILE
    assert (problem["line"], problem["column"]) == (4, 4)
    assert problem["severity"] == "error"
    assert problem["message"] and problem["hint"]


@pytest.mark.parametrize("fmt", ["text", "github", "json"])
def test_validate_clean_data_exits_0(publish, clean_fixture_copy, fmt):
    done = publish("validate", "--data", clean_fixture_copy, "--format", fmt)
    assert done.returncode == 0, done.stdout + done.stderr
    if fmt == "json":
        assert json.loads(done.stdout) == []
    elif fmt == "github":
        assert "::" not in done.stdout
    else:
        assert "All data files are valid." in done.stdout


def test_validate_reports_every_company(publish, fixture_copy):
    # A second broken company is reported too: validation does not stop at the first.
    (fixture_copy / "tiny" / "company.yaml").write_text("name: Tiny Bank\n", encoding="utf-8")
    done = publish("validate", "--data", fixture_copy, "--format", "json")
    assert done.returncode == 1
    codes = sorted((Path(p["file"]).name, p["code"]) for p in json.loads(done.stdout))
    assert codes == [("2026-05.csv", "bad_int"), ("company.yaml", "missing_field")]


# --- the build summary ----------------------------------------------------------------------

def test_build_prints_a_summary(fixture_build):
    out = fixture_build.result.stdout
    assert re.search(r"^Built .+ in \d+\.\d s$", out, re.M), out
    # acme: 40 counted of 43 read (2026-05.csv quarantined); tiny: 3 of 3.
    assert re.search(r"^\s+companies\s+2$", out, re.M), out
    assert re.search(r"^\s+contacts\s+43 counted of 46 read$", out, re.M), out
    assert re.search(r"^\s+quarantined\s+1 file$", out, re.M), out
    assert re.search(rf"^\s+{re.escape(BAD_FILE)}:4:4: error: \[bad_int\]", out, re.M), out
    # index, acme, tiny, methodology, data, publish, about, actions, the industries index and
    # the 7 industries: as many as are on disk
    on_disk = len(list(fixture_build.output.rglob("*.html")))
    assert on_disk == 16
    assert re.search(rf"^\s+pages\s+{on_disk}, \d companies' files reused from cache$", out,
                     re.M), out
    assert re.search(r"^\s+as of\s+2026-10-20 \(methodology v1\.1\)$", out, re.M), out


def test_build_is_the_default_command(publish, tmp_path, clean_fixture_copy):
    done = publish("--data", clean_fixture_copy, "--output", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "companies" / "acme" / "index.html").is_file()
    assert re.search(r"^\s+quarantined\s+0 files$", done.stdout, re.M), done.stdout


# --- serve ----------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str] | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


class Server:
    """`publish.py serve` in a subprocess; output goes to files so a full pipe never blocks."""

    def __init__(self, data: Path, output: Path, logs: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.stdout = (logs / "serve.out").open("w+")
        self.stderr = (logs / "serve.err").open("w+")
        self.process = subprocess.Popen(
            [sys.executable, str(REPO / "publish.py"), "serve", "--data", str(data),
             "--output", str(output), "--port", str(self.port)],
            cwd=REPO, stdout=self.stdout, stderr=self.stderr, text=True,
            # A job started in the background of a non-interactive shell inherits SIGINT
            # ignored, and Python then installs no Ctrl-C handler: restore the default.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )

    def logs(self) -> str:
        self.stdout.seek(0)
        self.stderr.seek(0)
        return f"stdout:\n{self.stdout.read()}\nstderr:\n{self.stderr.read()[-3000:]}"

    def wait_for(self, path: str, predicate, what: str) -> str:
        """Poll url+path until predicate(body) holds; fail if serve exits or time runs out."""
        deadline = time.monotonic() + SERVE_TIMEOUT
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                pytest.fail(f"publish.py serve exited with {code} before {what}\n{self.logs()}")
            got = _get(self.url + path)
            if got and got[0] == 200 and predicate(got[1]):
                return got[1]
            time.sleep(0.25)
        pytest.fail(f"no {what} within {SERVE_TIMEOUT} s\n{self.logs()}")

    def stop(self) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # Ctrl-C
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
                return None
        self.stdout.close()
        self.stderr.close()
        return self.process.returncode


@pytest.fixture
def server(tmp_path, fixture_copy):
    started = []

    def start() -> Server:
        started.append(Server(fixture_copy, tmp_path / "site", tmp_path))
        return started[-1]

    yield start
    for each in started:
        each.stop()


def _state(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and mtime: a rewrite with the same bytes shows too."""
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_serve_builds_and_serves_the_site(server, fixture_copy):
    before = _state(fixture_copy)
    running = server()
    page = running.wait_for("", lambda body: "Acme Parcels" in body, "the leaderboard")
    assert "Tiny Bank" in page
    company = _get(running.url + "companies/acme/")
    assert company is not None and company[0] == 200
    assert "Acme Parcels" in company[1]
    assert running.stop() == 0, running.logs()
    assert _state(fixture_copy) == before, "serve wrote under the data folder"


@pytest.mark.parametrize("form", ["text", "github", "json"])
def test_validate_writes_nothing_under_data(publish, fixture_copy, form):
    before = _state(fixture_copy)
    assert publish("validate", "--data", fixture_copy, "--format", form).returncode == 1
    assert _state(fixture_copy) == before


def test_serve_rebuilds_when_data_changes(server, fixture_copy):
    running = server()
    running.wait_for("", lambda body: "Tiny Bank" in body, "the first build")
    profile = fixture_copy / "tiny" / "company.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("Tiny Bank", "Tiny Savings"),
                       encoding="utf-8")
    page = running.wait_for("", lambda body: "Tiny Savings" in body, "the rebuilt leaderboard")
    assert "Tiny Bank" not in page



def test_github_annotations_escape_their_properties(publish, tmp_path):
    """A comma in a file name would end the file= property; a newline would end the command."""
    feedback = tmp_path / "data" / "acme" / "feedback"
    feedback.mkdir(parents=True)
    (tmp_path / "data" / "acme" / "company.yaml").write_text("name: Acme\nindustry: banking\n")
    (feedback / "2026,01.csv").write_text("id,submitted_at,channel,rating\nx,2026-01-01,fax,5\n")
    done = publish("validate", "--data", tmp_path / "data", "--format", "github")
    assert done.returncode == 1
    (line,) = done.stdout.splitlines()
    assert line.startswith("::error file=")
    assert "2026%2C01.csv,line=2,col=3,title=bad_enum::channel 'fax' is not one of" in line
    assert "Fix: use one of the listed values" in line
