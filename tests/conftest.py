"""Session fixtures: the fixture and demo sites (each built once), a local HTTP server and a
headless Chromium (Debian's package, never Playwright's own download)."""

from __future__ import annotations

import filecmp
import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "basic"
DEMO_DATA = REPO / "data"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]


def run_publish(*args: object, timeout: float = 300) -> subprocess.CompletedProcess:
    """`python publish.py ARGS` from the repository root, as a user or CI runs it."""
    return subprocess.run(
        [sys.executable, str(REPO / "publish.py"), *map(str, args)],
        cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False,
    )


@dataclass(frozen=True)
class Build:
    output: Path
    result: subprocess.CompletedProcess


def build(data: Path, output: Path, *extra: object) -> Build:
    return Build(output, run_publish("build", "--data", data, "--output", output, *extra))


def _built(done: Build, what: str) -> Path:
    if done.result.returncode != 0:
        pytest.fail(f"building {what} exited {done.result.returncode}\n"
                    f"stdout:\n{done.result.stdout}\nstderr:\n{done.result.stderr}")
    return done.output


@pytest.fixture(scope="session")
def publish() -> Callable[..., subprocess.CompletedProcess]:
    """publish(*args) runs `python publish.py ARGS` from the repository root."""
    return run_publish


@pytest.fixture(scope="session")
def build_site() -> Callable[..., Build]:
    """build_site(data, output, *options) runs `publish.py build` and returns a Build."""
    return build


@pytest.fixture(scope="session")
def fixture_build(tmp_path_factory) -> Build:
    """tests/fixtures/basic built once with `publish.py build` (the real Pelican build)."""
    return build(FIXTURE, tmp_path_factory.mktemp("fixture-site") / "output")


@pytest.fixture(scope="session")
def fixture_site(fixture_build) -> Path:
    return _built(fixture_build, "tests/fixtures/basic")


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> Path:
    """The committed demo data under data/, built once per session."""
    done = build(DEMO_DATA, tmp_path_factory.mktemp("demo-site") / "output")
    return _built(done, "data/")


@pytest.fixture
def fixture_copy(tmp_path) -> Path:
    """A private copy of tests/fixtures/basic, outside any git checkout."""
    return Path(shutil.copytree(FIXTURE, tmp_path / "basic"))


@pytest.fixture
def fixture_in_git(tmp_path) -> tuple[Path, Callable[[str], str]]:
    """A copy of tests/fixtures/basic as repo/data in a git repository of its own, and
    commit(message), which commits everything and returns the commit's id."""
    repo = tmp_path / "repo"
    data = Path(shutil.copytree(FIXTURE, repo / "data"))

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                              text=True).stdout.strip()

    git("init", "-q", "-b", "main")
    git("config", "user.email", "test@example.com")
    git("config", "user.name", "Test")

    def commit(message: str) -> str:
        git("add", "-A")
        git("commit", "-q", "-m", message)
        return git("rev-parse", "HEAD")

    return data, commit


@pytest.fixture
def two_demo_companies(tmp_path) -> Path:
    """Two demo companies (fernhollow, parcelwick), each with every chart drawn, breakdowns and
    comments, copied as a data folder of their own."""
    data = tmp_path / "data"
    for slug in ("fernhollow", "parcelwick"):
        shutil.copytree(DEMO_DATA / slug, data / slug)
    return data


def same_tree(left: Path, right: Path) -> None:
    """The two folders hold the same files, byte for byte."""
    files = sorted(p.relative_to(left) for p in left.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(right) for p in right.rglob("*") if p.is_file())
    for name in files:
        assert filecmp.cmp(left / name, right / name, shallow=False), name


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under root, by its path there, with its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def scored(stdout: str) -> tuple[int, int]:
    """(scored, reused from cache), as a build's summary says them."""
    match = re.search(r"^\s+scored\s+(\d+), reused (\d+) from cache$", stdout, re.MULTILINE)
    assert match, stdout
    return int(match[1]), int(match[2])


@pytest.fixture
def clean_fixture_copy(fixture_copy) -> Path:
    """The fixture without its one invalid file: nothing to quarantine."""
    (fixture_copy / "acme" / "feedback" / "2026-05.csv").unlink()
    return fixture_copy


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def serve_site() -> Iterator[Callable[[Path], str]]:
    """serve_site(folder) -> "http://127.0.0.1:PORT/": a static server on a free port, one per
    folder, in a thread; all are stopped at the end of the session."""
    servers: dict[Path, tuple[http.server.ThreadingHTTPServer, threading.Thread]] = {}

    def serve(folder: Path) -> str:
        if folder not in servers:
            handler = functools.partial(_QuietHandler, directory=str(folder))
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            servers[folder] = (server, thread)
        host, port = servers[folder][0].server_address[:2]
        return f"http://{host}:{port}/"

    yield serve
    for server, thread in servers.values():
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    """Where the browser tests leave screenshots for people to look at: $CANDOR_SCREENSHOTS
    (created if missing), or a folder under pytest's temporary directory."""
    folder = os.environ.get("CANDOR_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def demo_url(demo_site, serve_site) -> str:
    return serve_site(demo_site)


def chromium_path() -> str:
    """Debian's chromium; $CHROMIUM names another Chromium build (GitHub's runners have Chrome)."""
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Debian's headless chromium driven by Playwright. A missing browser is a failure, not a
    skip: CI installs it (apt-get install chromium), and a skipped browser suite proves nothing."""
    executable = chromium_path()
    if not Path(executable).is_file():
        pytest.fail("Debian's chromium is required for the browser tests: "
                    "apt-get install chromium (Playwright's own browser download is not used)",
                    pytrace=False)
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except Error as error:
            pytest.fail(f"could not start chromium at {executable}: {error}", pytrace=False)
        yield chromium
        chromium.close()


# --- pages in the browser -------------------------------------------------------------------

CHARTS_SETTLED = """() => {
  const charts = document.querySelectorAll('.chart');
  return charts.length > 0 && [...charts].every((c) => c.hasAttribute('data-rendered'));
}"""


class Visit:
    """One page in its own context, with everything it logged and requested."""

    def __init__(self, context):
        self.context = context
        self.page = context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.bad_responses: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfailed", lambda r: self.bad_responses.append(f"failed {r.url}"))
        self.page.on("response", lambda r: r.status >= 400
                     and self.bad_responses.append(f"{r.status} {r.url}"))

    def open(self, url: str) -> Visit:
        response = self.page.goto(url, wait_until="load")
        assert response is not None and response.status == 200, url
        return self

    def wait_for_charts(self) -> list:
        self.page.wait_for_function(CHARTS_SETTLED, timeout=30_000)
        return self.page.query_selector_all(".chart")

    def assert_clean(self, site: str) -> None:
        """No console error, no failed load, and no request to any origin but site's."""
        self.page.wait_for_load_state("networkidle")
        assert self.errors == [], "console errors:\n" + "\n".join(self.errors)
        assert self.bad_responses == []
        assert self.requests, "no request recorded"
        off_site = [u for u in self.requests if origin(u) != site]
        assert off_site == [], f"requests off {site}: {off_site}"


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture
def visit(browser, tmp_path):
    opened: list[Visit] = []

    def open_page(url: str, **context_options) -> Visit:
        opened.append(Visit(browser.new_context(**context_options)))
        return opened[-1].open(url)

    yield open_page
    from playwright.sync_api import Error

    for number, each in enumerate(opened):
        try:
            # For debugging a failure: what the screen showed at the end of the test.
            each.page.screenshot(path=str(tmp_path / f"page-{number}.png"))
        except Error:
            pass  # a page that crashed has nothing to show; its test reports why
        finally:
            each.context.close()
