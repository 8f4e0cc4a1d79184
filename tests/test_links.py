"""No broken internal link, served at a domain's root or under a sub-path (GitHub project pages).

Every href and src of every HTML page, and every link of every Atom feed, is resolved the way a
browser or feed reader resolves it against the address the file is served from; a link that
stays on the site's origin must land on a file of the build (a folder: its index.html) and,
with a #fragment into a page, on an element with that id. Under a sub-path, a link that leaves
the sub-path (such as "/theme/site.css") is broken too: it would hit another project's site.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "basic"
SUB_PATH_URL = "https://owner.github.io/repo/"
LOCAL_URL = "http://127.0.0.1:8000/"  # where a root build is pretended to be served
ATOM = "{http://www.w3.org/2005/Atom}"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


class _Links(HTMLParser):
    """The href/src values and the ids of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append(value)
            elif name == "id" and value:
                self.ids.add(value)


def _page(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def broken_links(output: Path, served_at: str) -> list[str]:
    """Every internal link of the build at `output`, served at `served_at`, that finds nothing."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(served_at))
    ids: dict[Path, set[str]] = {}

    def ids_of(page: Path) -> set[str]:
        if page not in ids:
            ids[page] = _page(page).ids
        return ids[page]

    def check(source: Path, base: str, link: str) -> str | None:
        target = urljoin(base, link)
        parts = urlsplit(target)
        if parts.scheme in ("mailto", "data"):
            return None
        if f"{parts.scheme}://{parts.netloc}" != origin:
            return None  # another site: not ours to check here
        where = f"{source.relative_to(output)}: {link!r}"
        if not target.startswith(served_at):
            return f"{where} leaves the site's folder ({target})"
        path = output / unquote(parts.path[len(urlsplit(served_at).path):])
        if parts.path.endswith("/") or path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            return f"{where} -> {path.relative_to(output)} is not in the build"
        if parts.fragment and path.suffix == ".html" and parts.fragment not in ids_of(path):
            return f"{where} -> no id {parts.fragment!r} in {path.relative_to(output)}"
        return None

    problems = []
    for page in sorted(output.rglob("*.html")):
        base = served_at + page.relative_to(output).as_posix()
        problems += [check(page, base, link) for link in _page(page).links]
    for feed in sorted(output.rglob("*.xml")):
        root = ET.parse(feed).getroot()
        if root.tag != f"{ATOM}feed":
            continue
        base = urljoin(served_at + feed.relative_to(output).as_posix(), root.get(XML_BASE, ""))
        problems += [check(feed, base, link.get("href")) for link in root.iter(f"{ATOM}link")]
    return [problem for problem in problems if problem]


@pytest.fixture(scope="module")
def sub_path_site(build_site, tmp_path_factory) -> Path:
    done = build_site(FIXTURE, tmp_path_factory.mktemp("sub-path") / "output",
                      "--site-url", SUB_PATH_URL)
    assert done.result.returncode == 0, done.result.stdout + done.result.stderr
    return done.output


@pytest.mark.parametrize("site_name", ["fixture_site", "demo_site"])
def test_no_broken_internal_link_at_the_root(request, site_name):
    site = request.getfixturevalue(site_name)
    assert broken_links(site, LOCAL_URL) == []


@pytest.mark.parametrize("site_name", ["fixture_site", "demo_site"])
def test_a_root_build_also_works_under_a_sub_path(request, site_name):
    """Without --site-url every link is relative, so the same files work in any folder."""
    site = request.getfixturevalue(site_name)
    assert broken_links(site, SUB_PATH_URL) == []


def test_no_broken_internal_link_under_a_sub_path(sub_path_site):
    assert broken_links(sub_path_site, SUB_PATH_URL) == []


def test_sub_path_feeds_link_absolutely_under_the_site_url(sub_path_site):
    """With --site-url, feed links are absolute (readers fetch them from anywhere), and the
    checker above followed them into the build."""
    root = ET.parse(sub_path_site / "actions" / "feed.xml").getroot()
    hrefs = [link.get("href") for link in root.iter(f"{ATOM}link")]
    assert hrefs[:2] == [SUB_PATH_URL + "actions/feed.xml", SUB_PATH_URL + "actions/"]
    assert hrefs[2] == SUB_PATH_URL + "companies/acme/#action-live-chat"
    assert all(href.startswith(SUB_PATH_URL) for href in hrefs)


# --- the checker itself finds what it should ---------------------------------------------------

@pytest.fixture
def tiny_site(tmp_path) -> Path:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text('<h1 id="top">A</h1>', encoding="utf-8")
    (tmp_path / "style.css").write_text("", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("page", "fault"), [
    ('<a href="a/">ok</a><a href="b/">missing</a>', "b/index.html is not in the build"),
    ('<a href="a/#top">ok</a><a href="a/#nope">bad anchor</a>', "no id 'nope'"),
    ('<link href="/style.css" rel="stylesheet">', "leaves the site's folder"),
    ('<img src="missing.png" alt="">', "missing.png is not in the build"),
])
def test_checker_reports_broken_links(tiny_site, page, fault):
    (tiny_site / "index.html").write_text(page, encoding="utf-8")
    problems = broken_links(tiny_site, SUB_PATH_URL)
    assert len(problems) == 1 and fault in problems[0], problems


def test_checker_reports_a_broken_feed_link(tiny_site):
    (tiny_site / "index.html").write_text('<a href="https://example.org/">elsewhere</a>',
                                          encoding="utf-8")
    (tiny_site / "feed.xml").write_text(
        '<feed xmlns="http://www.w3.org/2005/Atom"><link href="a/"/><entry>'
        '<link href="gone/"/></entry></feed>', encoding="utf-8")
    problems = broken_links(tiny_site, LOCAL_URL)
    assert len(problems) == 1 and "feed.xml: 'gone/'" in problems[0], problems
