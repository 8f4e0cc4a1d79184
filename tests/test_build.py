"""End to end: tests/fixtures/basic through `publish.py build`; specific facts in the output.

Expected numbers are worked out by hand from the fixture files:

acme counts 2026-06.csv (a01-a20) and 2026-10.csv (a21-a40); 2026-05.csv (3 rows) is
quarantined for the rating 6 on line 4, column 4. So 40 contacts counted of 43 read.
- ratings >= 4: a01-a15 (5) and a21-a35 (4) = 30 of 40 -> CSAT 75.0; Wilson 95%:
  centre (0.75 + 1.96^2/80) / (1 + 1.96^2/40) = 0.7281, half 0.1300 -> 59.8..85.8
- nps: promoters a01-a10, a21-a30 = 20; detractors a16-a20 (3), a31-a40 (5) = 15 -> 12.5
- cases: a01-a30 alone (30) and k31, k33, k35, k37, k39 with two contacts each = 35;
  resolved at first contact: the 30 single ones -> 85.7; contacts per case 40/35 = 1.14
- waits: twenty 30 s (October) and 60, 120, ..., 1200 (June); sorted, median between
  rank 20 (30) and 21 (60) = 45; p90 at 0.9 * 39 = 35.1 -> 960 + 0.1 * 60 = 966;
  over 300 s: 360..1200 = 15 of 40 -> 37.5
- newest contact a40, 2026-10-20T09:00+02:00 -> as_of 2026-10-20 (tiny's newest: 2026-10-04)
- 90 days to 2026-10-20: October only, 20 contacts, 20 ratings (< 30: no CSAT), 15 cases
tiny: 3 contacts, 3 ratings (< 30: CSAT "not enough data").
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import tree_bytes

from scoring.ledger import INDUSTRIES
from scoring.metrics import METHODOLOGY_VERSION, METRICS, Thresholds

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "basic"

PAGES = (
    "index.html",
    "companies/acme/index.html",
    "companies/tiny/index.html",
    "methodology/index.html",
    "data/index.html",
    "publish/index.html",
    "about/index.html",
    "actions/index.html",
    "industries/index.html",
    *(f"industries/{name}/index.html" for name in INDUSTRIES),
)
DOWNLOADS = ("data/scores.json", "data/scores.csv", "data/datapackage.json",
             "schemas/company.schema.json", "schemas/actions.schema.json",
             "actions/feed.xml", "companies/acme/actions.xml", "companies/tiny/actions.xml",
             "badges/acme.svg", "badges/tiny.svg")
BAD_FILE_SUFFIX = "acme/feedback/2026-05.csv"


# --- a small DOM on the standard library's HTMLParser --------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs):
        for node in self.iter():
            if tag and node.tag != tag:
                continue
            if cls and cls not in (node.attrs.get("class") or "").split():
                continue
            if any(node.attrs.get(k.replace("_", "-")) != v for k, v in attrs.items()):
                continue
            yield node

    def find(self, tag: str | None = None, cls: str | None = None, **attrs) -> Node | None:
        return next(self.find_all(tag, cls, **attrs), None)

    def elements(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node)]

    @property
    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text for c in self.children]
        return " ".join(" ".join(parts).split())


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(path: Path) -> Node:
    builder = _TreeBuilder()
    builder.feed(path.read_text(encoding="utf-8"))
    builder.close()
    return builder.root


def words(text: str) -> str:
    return " ".join(text.split())


def tree_digest(root: Path) -> dict[str, tuple[str, int]]:
    """Every file: (sha256, mtime in ns), so even a rewrite with the same bytes shows."""
    return {p.relative_to(root).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(),
                                             p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


# --- files ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", PAGES + DOWNLOADS)
def test_build_writes_every_page_and_download(fixture_site, name):
    path = fixture_site / name
    assert path.is_file(), f"{name} missing from the build"
    assert path.stat().st_size > 0


def test_build_writes_a_page_per_company_and_no_other_html(fixture_site):
    pages = sorted(p.relative_to(fixture_site).as_posix() for p in fixture_site.rglob("*.html"))
    assert pages == sorted(PAGES)


# --- scores.json ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def scores(fixture_site) -> dict:
    return json.loads((fixture_site / "data" / "scores.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def by_slug(scores) -> dict[str, dict]:
    return {c["slug"]: c for c in scores["companies"]}


def test_scores_json_header(scores):
    assert scores["schema"] == "candor.scores/1"
    assert scores["methodology_version"] == METHODOLOGY_VERSION == "1.1"
    # additive in candor.scores/1: the changelog and the thresholds the scores were made with
    assert [(c["version"], c["effective"]) for c in scores["methodology_changelog"]] == [
        ("1.0", "2026-11-22"), ("1.1", "2026-11-22")]
    assert all(c["changed"] and c["why"] for c in scores["methodology_changelog"])
    assert scores["thresholds"] == {
        "long_wait_seconds": 300, "resolution_window_days": 14, "top_complaint_topics": 5,
        "complaint_lookback_days": 365, "follow_through_days": 90, "effect_window_days": 90,
        "stale_days": 60}
    assert scores["as_of"] == "2026-10-20"
    assert [c["slug"] for c in scores["companies"]] == ["acme", "tiny"]


def test_scores_json_companies_carry_their_profile(by_slug):
    assert (by_slug["acme"]["name"], by_slug["acme"]["industry"]) == ("Acme Parcels",
                                                                      "e-commerce")
    assert (by_slug["tiny"]["name"], by_slug["tiny"]["industry"]) == ("Tiny Bank", "banking")


@pytest.mark.parametrize("slug", ["acme", "tiny"])
@pytest.mark.parametrize("window", ["all", "90d"])
def test_scores_json_every_metric_under_every_window(by_slug, slug, window):
    scores = by_slug[slug]["windows"][window]
    assert set(scores) == set(METRICS)
    for metric_id, m in METRICS.items():
        score = scores[metric_id]
        assert set(score) == {"value", "low", "high", "n", "unit"}, metric_id
        assert score["unit"] == m.unit, metric_id
        assert isinstance(score["n"], int) and score["n"] >= 0, metric_id


@pytest.mark.parametrize(("metric_id", "value", "n"), [
    ("contacts", 40, 40),
    ("cases", 35, 35),
    ("responses", 40, 40),
    ("csat", 75.0, 40),
    ("nps", 12.5, 40),
    ("first_contact_resolution", 85.7, 35),
    ("contacts_per_case", 1.14, 35),
    ("wait_seconds_p50", 45, 40),
    ("wait_seconds_p90", 966, 40),
    ("share_waits_over_5min", 37.5, 40),
    ("freshness_days", 0, 40),
])
def test_scores_json_acme_all_time(by_slug, metric_id, value, n):
    score = by_slug["acme"]["windows"]["all"][metric_id]
    assert score["value"] == value
    assert score["n"] == n


def test_scores_json_acme_csat_interval(by_slug):
    csat = by_slug["acme"]["windows"]["all"]["csat"]
    assert (csat["low"], csat["high"]) == (59.8, 85.8)


def test_scores_json_acme_last_90_days(by_slug):
    recent = by_slug["acme"]["windows"]["90d"]
    assert recent["contacts"]["value"] == 20
    assert recent["cases"]["value"] == 15
    assert recent["csat"] == {"value": None, "low": None, "high": None, "n": 20,
                              "unit": "percent"}


def test_scores_json_tiny_has_not_enough_data(by_slug):
    tiny = by_slug["tiny"]["windows"]["all"]
    assert tiny["csat"] == {"value": None, "low": None, "high": None, "n": 3, "unit": "percent"}
    assert tiny["contacts"]["value"] == 3
    assert tiny["freshness_days"]["value"] == 16  # 2026-10-04 to 2026-10-20


def test_scores_json_rows_read_and_counted(by_slug):
    assert by_slug["acme"]["rows"] == {"read": 43, "counted": 40, "quarantined": 3}
    assert by_slug["tiny"]["rows"] == {"read": 3, "counted": 3, "quarantined": 0}


def test_scores_json_names_the_quarantined_file(by_slug):
    quarantined = by_slug["acme"]["quarantined"]
    assert len(quarantined) == 1
    problem = quarantined[0]
    assert problem["file"].endswith(BAD_FILE_SUFFIX)
    assert (problem["line"], problem["column"], problem["code"]) == (4, 4, "bad_int")
    assert "6" in problem["message"]
    assert by_slug["tiny"]["quarantined"] == []
    statuses = {f["file"].rsplit("/", 1)[-1]: f["status"] for f in by_slug["acme"]["files"]}
    assert statuses["2026-05.csv"] == "quarantined"
    assert statuses["2026-06.csv"] == statuses["2026-10.csv"] == "counted"


def test_scores_json_monthly_series_includes_gap_months(by_slug):
    monthly = by_slug["acme"]["monthly"]
    assert [m["month"] for m in monthly] == ["2026-06", "2026-07", "2026-08", "2026-09",
                                             "2026-10"]
    for entry in monthly:
        assert set(entry) == {"month", *METRICS}
    assert [m["contacts"]["value"] for m in monthly] == [20, 0, 0, 0, 20]
    # 20 ratings in a month is below the minimum of 30: no monthly CSAT, but its n.
    assert monthly[0]["csat"]["value"] is None
    assert monthly[0]["csat"]["n"] == 20


def test_scores_json_actions(by_slug):
    actions = {a["id"]: a for a in by_slug["acme"]["actions"]}
    assert set(actions) == {"faster-refunds", "sunday-delivery", "live-chat"}
    assert actions["faster-refunds"]["status"] == "done"
    assert actions["faster-refunds"]["topic"] == "refund"
    assert actions["sunday-delivery"]["status"] == "declined"
    assert actions["live-chat"]["status"] == "planned"
    assert by_slug["tiny"]["actions"] == []


def test_scores_json_data_commit_of_the_repository(scores):
    # The fixture lives in this git checkout: the data commit is a full sha.
    assert re.fullmatch(r"[0-9a-f]{40}", scores["data_commit"] or "")


# --- scores.csv and datapackage.json --------------------------------------------------------

@pytest.fixture(scope="module")
def csv_rows(fixture_site) -> tuple[list[str], list[dict[str, str]]]:
    text = (fixture_site / "data" / "scores.csv").read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return list(reader.fieldnames or []), list(reader)


def test_scores_csv_one_row_per_company(csv_rows):
    _, rows = csv_rows
    assert [r["slug"] for r in rows] == ["acme", "tiny"]
    acme, tiny = rows
    assert (acme["name"], acme["industry"], acme["as_of"]) == ("Acme Parcels", "e-commerce",
                                                               "2026-10-20")
    assert (acme["csat"], acme["csat_low"], acme["csat_high"], acme["csat_n"]) == (
        "75.0", "59.8", "85.8", "40")
    assert acme["wait_seconds_p90"] == "966"
    assert acme["contacts_per_case"] == "1.14"
    assert (tiny["csat"], tiny["csat_low"], tiny["csat_n"]) == ("", "", "3")


def test_scores_csv_has_four_columns_per_metric(csv_rows):
    header, _ = csv_rows
    for metric_id in METRICS:
        for suffix in ("", "_low", "_high", "_n"):
            assert f"{metric_id}{suffix}" in header


def test_datapackage_describes_the_csv_columns(fixture_site, csv_rows):
    header, _ = csv_rows
    package = json.loads((fixture_site / "data" / "datapackage.json").read_text("utf-8"))
    resources = {r["path"]: r for r in package["resources"]}
    assert set(resources) == {"scores.csv", "scores.json", "companies/acme.json",
                              "companies/tiny.json"}
    fields = [f["name"] for f in resources["scores.csv"]["schema"]["fields"]]
    assert fields == header


# --- HTML facts -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def leaderboard(fixture_site) -> Node:
    return parse(fixture_site / "index.html")


@pytest.fixture(scope="module")
def acme_page(fixture_site) -> Node:
    return parse(fixture_site / "companies" / "acme" / "index.html")


def test_leaderboard_lists_both_companies_in_order(leaderboard):
    table = leaderboard.find("table", cls="leaderboard")
    assert table is not None
    rows = list(table.find("tbody").find_all("tr"))
    assert len(rows) == 2
    links = [(a.text, a.attrs["href"]) for row in rows for a in row.find_all("a")
             if "companies/" in a.attrs["href"]]
    assert [name for name, _ in links] == ["Acme Parcels", "Tiny Bank"]
    assert links[0][1].rstrip("/").endswith("companies/acme")
    assert links[1][1].rstrip("/").endswith("companies/tiny")
    acme, tiny = (row.text for row in rows)
    assert "75.0%" in acme
    assert "n=40" in acme
    assert "not enough data" in tiny
    assert "75.0%" not in tiny


def test_leaderboard_mentions_the_quarantine(leaderboard):
    assert "1 data file failed validation and was not counted" in leaderboard.text


def test_company_page_names_the_quarantined_file(acme_page):
    section = acme_page.find("section", cls="notice")
    assert section is not None
    text = section.text
    assert "1 file was not counted" in text
    assert BAD_FILE_SUFFIX in text
    assert "2026-05.csv:4:4" in text
    assert "rating '6' is not a whole number in 1..5" in text
    assert "3 of 43 rows read are not in the scores" in text


def test_company_page_shows_the_declined_reason(acme_page):
    action = acme_page.find("li", id="action-sunday-delivery")
    assert action is not None
    reason = action.find("p", cls="declined-reason")
    assert reason is not None
    assert "Our carriers do not work on Sundays" in reason.text


def test_company_page_shows_the_done_action_and_its_status(acme_page):
    action = acme_page.find("li", id="action-faster-refunds")
    assert action is not None
    assert action.find("span", cls="status-done") is not None
    assert "Refunds are issued within 48 hours of the return scan." in action.text


def test_company_page_score_cards_with_n(acme_page):
    cards = {c.find("h3").text: c for c in acme_page.find_all("article", cls="card")}
    csat = cards[METRICS["csat"].title].text
    assert "75.0%" in csat
    assert "59.8\N{EN DASH}85.8" in csat
    assert "n=40" in csat
    assert "966 s" in cards[METRICS["wait_seconds_p90"].title].text
    assert "n=35" in cards[METRICS["first_contact_resolution"].title].text


def test_company_page_without_enough_data_says_so(fixture_site):
    page = parse(fixture_site / "companies" / "tiny" / "index.html")
    cards = {c.find("h3").text: c for c in page.find_all("article", cls="card")}
    assert "not enough data" in cards[METRICS["csat"].title].text
    assert "card-nodata" in cards[METRICS["csat"].title].attrs["class"]


MONTHS = ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]


def _chart_figures(page: Node) -> list[Node]:
    figures = list(page.find_all("figure", cls="chart-figure"))
    assert figures, "no chart figures on the page"
    return figures


def test_company_page_has_a_table_under_every_chart(acme_page):
    for figure in _chart_figures(acme_page):
        details = figure.find("details", cls="chart-table")
        assert details is not None and details.find("table") is not None
        months = [tr.find("th").text for tr in details.find("tbody").find_all("tr")]
        assert months == MONTHS


def test_company_page_without_a_chartable_month_says_so(acme_page, fixture_site):
    # acme's months hold 20 or 0 ratings, waits and cases each: none reaches the minimum
    # of 30, so no chart has a point to draw and each says so instead of drawing empty axes.
    for figure in _chart_figures(acme_page):
        assert figure.find("div", cls="chart") is None
        assert "No month has enough data" in figure.find("p", cls="nodata").text
    text = (fixture_site / "companies" / "acme" / "index.html").read_text("utf-8")
    assert "vega.min.js" not in text


@pytest.fixture(scope="module")
def parcelwick_page(demo_site) -> Node:
    return parse(demo_site / "companies" / "parcelwick" / "index.html")


def test_demo_company_page_charts_carry_a_vega_lite_spec_and_a_table(parcelwick_page):
    figures = _chart_figures(parcelwick_page)
    assert len(figures) == 4
    for figure in figures:
        chart = figure.find("div", cls="chart")
        assert chart is not None, figure.find("h3").text
        spec_node = figure.find("script", id=chart.attrs["data-spec"])
        assert spec_node is not None, chart.attrs
        assert spec_node.attrs.get("type") == "application/json"
        spec = json.loads(spec_node.text)
        assert "vega-lite" in spec["$schema"]
        series = next(iter(spec["datasets"].values()))
        assert any(row["value"] is not None for row in series)
        details = figure.find("details", cls="chart-table")
        assert details is not None
        # The table fallback holds every month of the demo's two years.
        assert len(list(details.find("tbody").find_all("tr"))) == 24
    scripts = [n.attrs["src"] for n in parcelwick_page.find_all("script") if "src" in n.attrs]
    names = [s.rsplit("/", 1)[-1] for s in scripts]
    assert [n for n in names if n.startswith("vega") or n == "charts.js"] == [
        "vega.min.js", "vega-lite.min.js", "vega-embed.min.js", "charts.js"]
    # Every page's search box: Pagefind's UI first, then the script that starts it.
    assert names.index("pagefind-ui.js") < names.index("search.js")


def test_company_page_chart_specs_are_inert_json(demo_site):
    # Inside <script> a "</" could end the element early; the filter escapes < and >.
    text = (demo_site / "companies" / "parcelwick" / "index.html").read_text("utf-8")
    bodies = re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', text, re.S)
    assert bodies
    for body in bodies:
        assert "<" not in body and ">" not in body


def test_methodology_page_documents_every_metric(fixture_site):
    page = parse(fixture_site / "methodology" / "index.html")
    for metric_id, m in METRICS.items():
        m = m.published(Thresholds())  # the repository's candor.yaml holds the defaults
        term = page.find("dt", id=metric_id)
        assert term is not None, f"{metric_id} has no entry on the methodology page"
        assert m.title in term.text
        assert m.methodology.strip(), f"{metric_id} has no methodology text"
        definition = term.parent.elements()[term.parent.elements().index(term) + 1]
        assert definition.tag == "dd"
        assert words(m.methodology) in definition.text


def _html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


@pytest.mark.parametrize("page", PAGES)
def test_csp_meta_is_the_first_element_of_head(fixture_site, page):
    document = parse(fixture_site / page)
    head = document.find("head")
    assert head is not None
    first = head.elements()[0]
    assert first.tag == "meta"
    assert first.attrs.get("http-equiv") == "Content-Security-Policy"
    policy = first.attrs.get("content") or ""
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["default-src"] == "'self'"
    # Pagefind's search compiles WebAssembly; 'wasm-unsafe-eval' allows that and no JS eval.
    assert directives["script-src"] == "'self' 'wasm-unsafe-eval'"
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy


RESOURCE_TAGS = {"script": "src", "link": "href", "img": "src", "iframe": "src",
                 "source": "src", "video": "src", "audio": "src", "embed": "src",
                 "object": "data"}


@pytest.mark.parametrize("site_name", ["fixture_site", "demo_site"])
def test_no_page_loads_anything_from_another_origin(request, site_name):
    site = request.getfixturevalue(site_name)
    for page in _html_pages(site):
        for node in parse(page).iter():
            attr = RESOURCE_TAGS.get(node.tag)
            url = node.attrs.get(attr) if attr else None
            if url is None:
                continue
            parts = urlsplit(url)
            assert not parts.scheme and not parts.netloc, (
                f"{page.relative_to(site)}: <{node.tag} {attr}={url!r}> leaves the site")
            target = (page.parent / parts.path).resolve()
            assert target.is_file(), f"{page.relative_to(site)}: {url} is not in the build"


@pytest.mark.parametrize("site_name", ["fixture_site", "demo_site"])
def test_internal_links_resolve(request, site_name):
    site = request.getfixturevalue(site_name)
    for page in _html_pages(site):
        document = parse(page)
        ids = {n.attrs["id"] for n in document.iter() if n.attrs.get("id")}
        for link in document.find_all("a"):
            href = link.attrs.get("href") or ""
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                continue
            if not parts.path:
                assert parts.fragment in ids, f"{page.relative_to(site)}: {href} has no target"
                continue
            target = (page.parent / parts.path).resolve()
            if href.endswith("/") or target.is_dir():
                target = target / "index.html"
            assert target.is_file(), f"{page.relative_to(site)}: link {href} is broken"
            if parts.fragment and target.suffix == ".html":
                assert f'id="{parts.fragment}"' in target.read_text("utf-8"), href


# --- escaping -------------------------------------------------------------------------------

HOSTILE_NAME = 'Acme & "Sons" <b>'
FORMULA_NAME = "=HYPERLINK(1)"


@pytest.fixture(scope="module")
def hostile_site(build_site, tmp_path_factory) -> Path:
    """The fixture with profile text that is markup (acme) and a spreadsheet formula (tiny)."""
    data = Path(shutil.copytree(FIXTURE, tmp_path_factory.mktemp("hostile") / "basic"))
    (data / "acme" / "company.yaml").write_text(
        "name: 'Acme & \"Sons\" <b>'\n"
        "industry: e-commerce\n"
        "description: <script>alert(1)</script>\n",
        encoding="utf-8",
    )
    (data / "tiny" / "company.yaml").write_text(
        f"name: '{FORMULA_NAME}'\nindustry: banking\n", encoding="utf-8")
    done = build_site(data, data.parent / "out")
    assert done.result.returncode == 0, done.result.stdout + done.result.stderr
    return done.output


def test_templates_escape_company_text(hostile_site):
    company = (hostile_site / "companies" / "acme" / "index.html").read_text("utf-8")
    home = (hostile_site / "index.html").read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in company
    for text in (company, home):
        assert "<script>alert" not in text
        assert HOSTILE_NAME not in text
        assert "<b>" not in text
        assert "Acme &amp; &#34;Sons&#34; &lt;b&gt;" in text
    # Escaped in the markup, the text reads as written.
    assert parse(hostile_site / "index.html").find("a", href="./companies/acme/").text == (
        HOSTILE_NAME)


def test_downloads_keep_company_text_as_written(hostile_site):
    scores = json.loads((hostile_site / "data" / "scores.json").read_text("utf-8"))
    names = {c["slug"]: c["name"] for c in scores["companies"]}
    assert names == {"acme": HOSTILE_NAME, "tiny": FORMULA_NAME}


def test_scores_csv_neutralises_spreadsheet_formulas(hostile_site):
    text = (hostile_site / "data" / "scores.csv").read_text("utf-8")
    rows = {r["slug"]: r for r in csv.DictReader(io.StringIO(text, newline=""))}
    assert rows["tiny"]["name"] == "'" + FORMULA_NAME
    assert rows["acme"]["name"] == HOSTILE_NAME


# --- determinism and the input tree ---------------------------------------------------------

@pytest.fixture(scope="module")
def second_build(build_site, tmp_path_factory, fixture_site):
    before = tree_digest(FIXTURE)
    done = build_site(FIXTURE, tmp_path_factory.mktemp("second") / "output")
    after = tree_digest(FIXTURE)
    assert done.result.returncode == 0, done.result.stderr
    return done.output, before, after


def test_build_is_byte_for_byte_deterministic(fixture_site, second_build):
    output, _, _ = second_build
    first, second = tree_bytes(fixture_site), tree_bytes(output)
    assert sorted(first) == sorted(second)
    different = [name for name in first if first[name] != second[name]]
    assert different == []


def test_build_writes_a_search_index_of_every_page(fixture_site, second_build):
    bundle = fixture_site / "pagefind"
    assert (bundle / "pagefind-ui.js").is_file() and (bundle / "pagefind-ui.css").is_file()
    entry = json.loads((bundle / "pagefind-entry.json").read_text("utf-8"))
    (language,) = entry["languages"].values()
    assert language["page_count"] == len(PAGES)  # every page's <main> is data-pagefind-body
    # ... and the byte-for-byte comparison above covered the index too.
    assert any(name.startswith("pagefind/fragment/") for name in tree_bytes(second_build[0]))


def test_build_leaves_the_data_folder_untouched(second_build):
    _, before, after = second_build
    assert before
    assert after == before


# --- strict mode ----------------------------------------------------------------------------

def test_strict_build_fails_on_a_quarantined_file(build_site, tmp_path):
    done = build_site(FIXTURE, tmp_path / "out", "--strict")
    assert done.result.returncode == 1
    assert "strict" in done.result.stderr
    # The site is still written: strict mode only changes the exit code.
    assert (done.output / "companies" / "acme" / "index.html").is_file()


def test_strict_build_passes_on_clean_data(build_site, clean_fixture_copy, tmp_path):
    done = build_site(clean_fixture_copy, tmp_path / "out", "--strict")
    assert done.result.returncode == 0, done.result.stdout + done.result.stderr
    scores = json.loads((done.output / "data" / "scores.json").read_text("utf-8"))
    acme = next(c for c in scores["companies"] if c["slug"] == "acme")
    assert acme["quarantined"] == []
    assert acme["rows"] == {"read": 40, "counted": 40, "quarantined": 0}
    assert acme["windows"]["all"]["csat"]["value"] == 75.0
    # Outside a git checkout there is no data commit, and the page says so.
    assert scores["data_commit"] is None
    assert "not in git" in (done.output / "index.html").read_text("utf-8")
    assert "not counted" not in (done.output / "companies/acme/index.html").read_text("utf-8")


# --- provenance from real git ---------------------------------------------------------------

def _git(cwd: Path, *args: str) -> str:
    env_config = ["-c", "user.name=Candor Tests", "-c", "user.email=tests@candor.invalid",
                  "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]
    done = subprocess.run(["git", *env_config, *args], cwd=cwd, capture_output=True,
                          text=True, check=True, timeout=60)
    return done.stdout.strip()


def test_data_commit_is_the_commit_that_last_touched_the_data(build_site, fixture_copy,
                                                               tmp_path):
    _git(fixture_copy, "init", "-q")
    _git(fixture_copy, "add", ".")
    _git(fixture_copy, "commit", "-q", "-m", "data")
    head = _git(fixture_copy, "rev-parse", "HEAD")
    done = build_site(fixture_copy, tmp_path / "out")
    assert done.result.returncode == 0, done.result.stderr
    scores = json.loads((done.output / "data" / "scores.json").read_text("utf-8"))
    assert scores["data_commit"] == head
    company = (done.output / "companies" / "acme" / "index.html").read_text("utf-8")
    assert head in company
    assert html.escape(head[:12]) in (done.output / "index.html").read_text("utf-8")
