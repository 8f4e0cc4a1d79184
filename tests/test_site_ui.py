"""The leaderboard (trend sparklines, freshness, sorting and filtering in the browser), site
search, charts in dark mode, keyboard use, and screenshots for people to look at. Expected orders
and counts are worked out here from scores.json and the data files, not from the page."""

from __future__ import annotations

import csv
import datetime as dt
import html
import json
import re
import struct
from pathlib import Path

import pytest
from conftest import origin
from test_build import parse

DATA = Path(__file__).resolve().parent.parent / "data"
STALE_DAYS = 60  # "stale": no contact in the 60 days before as_of (the methodology page says)


@pytest.fixture(scope="module")
def companies(demo_site) -> list[dict]:
    """scores.json's companies, in its order (the server's order of the leaderboard)."""
    return json.loads((demo_site / "data" / "scores.json").read_text("utf-8"))["companies"]


def value(company: dict, metric_id: str):
    return company["windows"]["all"][metric_id]["value"]


def row_names(page) -> list[str]:
    """Names of the leaderboard rows a visitor sees, top to bottom."""
    return page.eval_on_selector_all(
        "#leaderboard tbody tr", "(rows) => rows.filter((r) => !r.hidden)"
        ".map((r) => r.querySelector('th a').textContent.trim())")


# --- the leaderboard's HTML -----------------------------------------------------------------

@pytest.fixture(scope="module")
def home_rows(demo_site) -> dict[str, dict[str, object]]:
    """Company name -> column heading -> that row's cell."""
    table = parse(demo_site / "index.html").find("table", cls="leaderboard")
    headings = [" ".join(th.text.split()) for th in table.find("thead").find_all("th")]
    return {row.find("th").find("a").text.strip(): dict(zip(headings, row.elements(), strict=True))
            for row in table.find("tbody").find_all("tr")}


def test_every_row_has_a_trend_drawn_from_its_monthly_scores(home_rows, companies):
    for company in companies:
        monthly = [m["candor_score"]["value"] for m in company["monthly"]]
        known = [v for v in monthly if v is not None]
        cell = home_rows[company["name"]]["Trend"]
        if not known:
            assert cell.find("svg") is None
            assert cell.find("span", cls="nodata").text == "not enough data"
            continue
        path = cell.find("svg").find("path").attrs["d"]
        points = [(float(x), float(y)) for x, y in re.findall(r"[ML]([\d.]+) ([\d.]+)", path)]
        assert len(points) == len(known), company["slug"]
        # A higher score is drawn higher (smaller y), month after month left to right.
        for (x1, y1), (x2, y2), v1, v2 in zip(points, points[1:], known, known[1:], strict=False):
            assert x2 > x1
            assert (y2 < y1) == (v2 > v1) and (y2 == y1) == (v2 == v1), company["slug"]
        text = cell.find("span", cls="visually-hidden").text
        first_month = next(m["month"] for m in company["monthly"]
                           if m["candor_score"]["value"] is not None)
        assert f"{known[0]:g} in {first_month}" in text
        assert f"{known[-1]:g} in {company['monthly'][-1]['month']}" in text
        assert f"lowest {min(known):g}, highest {max(known):g}" in text


def newest_contact(slug: str) -> dt.date:
    stamps = []
    for path in (DATA / slug / "feedback").glob("*.csv"):
        with path.open(encoding="utf-8") as handle:
            stamps += [dt.datetime.fromisoformat(r["submitted_at"]) for r in csv.DictReader(handle)]
    return max(stamps).astimezone(dt.UTC).date()


def test_freshness_marker_says_fresh_or_since_when_stale(home_rows, companies):
    as_of = max(newest_contact(c["slug"]) for c in companies)
    stale = 0
    for company in companies:
        newest = newest_contact(company["slug"])
        cell = home_rows[company["name"]]["Freshness"].text
        if (as_of - newest).days > STALE_DAYS:
            since = (newest + dt.timedelta(days=STALE_DAYS + 1)).strftime("%Y-%m")
            assert f"stale since {since}" in cell and "fresh" not in cell
            assert f"newest {newest.isoformat()}" in cell
            stale += 1
        else:
            assert "fresh" in cell and "stale" not in cell
    assert stale == 1  # glowworm-energy stopped publishing in March 2026


def test_not_enough_data_is_a_tag_not_a_number(home_rows):
    score_cell = home_rows["Teacup Mutual"]["Candor score"]
    tag = score_cell.find("span", cls="nodata")
    assert tag is not None and tag.text == "not enough data"
    assert score_cell.find("span", cls="score-chip") is None
    assert score_cell.attrs["data-sort"] == ""  # sorts last, never as a zero


def test_every_sort_key_is_the_value_scores_json_publishes(home_rows, companies):
    # The leaderboard's rows are written in Python (site.leaderboard_rows); a column sorts by
    # its cell's data-sort: the published (rounded) value, empty for "not enough data".
    columns = {"Candor score": "candor_score", "CSAT": "csat", "NPS": "nps",
               "Solved first time": "first_contact_resolution",
               "Contacts per case": "contacts_per_case", "Median wait": "wait_seconds_p50",
               "Freshness": "freshness_days"}
    empty = 0
    for company in companies:
        row = home_rows[company["name"]]
        for heading, metric_id in columns.items():
            key, published = row[heading].attrs["data-sort"], value(company, metric_id)
            if published is None:
                assert key == "", (company["slug"], metric_id)
                empty += 1
            else:
                assert float(key) == published, (company["slug"], metric_id)
        contacts = company["windows"]["all"]["contacts"]["n"]
        assert row["Contacts"].attrs["data-sort"] == str(contacts)
        assert row["Contacts"].text == f"{contacts:,}"
        done = sum(a["status"] == "done" for a in company["actions"])
        assert row["Actions done"].attrs["data-sort"] == str(done)
        assert row["Actions done"].text == f"{done} of {len(company['actions'])}"
    assert empty > 0  # Teacup Mutual's Candor score, at least


# --- sorting and filtering in the browser ---------------------------------------------------

def metric(metric_id: str):
    return lambda company: value(company, metric_id)


def rank(company):
    r = company["rank"]
    return None if r is None else r["best"] + r["worst"] / 1000


# header -> (the value it sorts by, None for "not enough data"; whether a first click sorts
# ascending: names A-Z, lower-is-better metrics best first, the rest highest first)
SORTS = {
    "Rank": (rank, True),
    "Company": (lambda c: c["name"].casefold(), True),
    "CSAT": (metric("csat"), False),
    "NPS": (metric("nps"), False),
    "Solved first time": (metric("first_contact_resolution"), False),
    "Median wait": (metric("wait_seconds_p50"), True),
    "Contacts": (lambda c: c["windows"]["all"]["contacts"]["n"], False),
    "Freshness": (metric("freshness_days"), True),
}


def expected_order(companies, header: str, ascending: bool) -> list[str]:
    """Sorted by the column, ties in the server's order, "not enough data" last either way."""
    get = SORTS[header][0]
    known = sorted((c for c in companies if get(c) is not None), key=get, reverse=not ascending)
    return [c["name"] for c in known] + [c["name"] for c in companies if get(c) is None]


@pytest.mark.browser
@pytest.mark.parametrize("header", sorted(SORTS))
def test_clicking_a_header_sorts_by_it_and_again_reverses(visit, demo_url, companies, header):
    page = visit(demo_url)
    button = page.page.locator("#leaderboard thead th button", has_text=re.compile(
        rf"^{re.escape(header)}$"))
    th = button.locator("xpath=..")
    ascending = SORTS[header][1]
    button.click()
    assert row_names(page.page) == expected_order(companies, header, ascending)
    assert th.get_attribute("aria-sort") == ("ascending" if ascending else "descending")
    assert page.page.locator("#leaderboard thead th[aria-sort]").count() == 1
    button.click()
    assert row_names(page.page) == expected_order(companies, header, not ascending)
    assert th.get_attribute("aria-sort") == ("descending" if ascending else "ascending")
    assert "10 of 10 companies shown" in page.page.inner_text("#board-count")
    page.assert_clean(origin(demo_url))


@pytest.mark.browser
def test_the_candor_score_is_marked_as_the_starting_order_and_flips(visit, demo_url, companies):
    page = visit(demo_url)
    candor = page.page.locator("#leaderboard thead th", has_text="Candor score")
    assert candor.get_attribute("aria-sort") == "descending"
    assert row_names(page.page) == [c["name"] for c in companies]
    candor.locator("button").click()
    assert candor.get_attribute("aria-sort") == "ascending"
    known = sorted((c for c in companies if value(c, "candor_score") is not None),
                   key=lambda c: value(c, "candor_score"))
    assert row_names(page.page)[:len(known)] == [c["name"] for c in known]


@pytest.mark.browser
def test_filter_by_industry_and_by_name(visit, demo_url, companies):
    page = visit(demo_url)
    count = page.page.locator("#board-count")
    assert count.get_attribute("aria-live") == "polite"
    page.page.select_option("#filter-industry", "telecom")
    telecom = [c["name"] for c in companies if c["industry"] == "telecom"]
    assert len(telecom) == 2
    assert row_names(page.page) == telecom
    assert count.inner_text() == f"{len(telecom)} of {len(companies)} companies shown"
    page.page.select_option("#filter-industry", "")
    page.page.fill("#filter-name", "BANK")
    banks = [c["name"] for c in companies if "bank" in c["name"].casefold()]
    assert row_names(page.page) == banks
    page.page.select_option("#filter-industry", "banking")
    page.page.fill("#filter-name", "fern")
    assert row_names(page.page) == ["Fernhollow Credit Union"]
    page.page.fill("#filter-name", "no such company")
    assert row_names(page.page) == []
    assert count.inner_text() == f"0 of {len(companies)} companies shown"
    page.assert_clean(origin(demo_url))


@pytest.mark.browser
def test_controls_wait_for_javascript(visit, demo_url):
    page = visit(demo_url, java_script_enabled=False)
    assert page.page.locator("#board-filters").is_hidden()
    assert page.page.locator("#leaderboard thead button").count() == 0


@pytest.mark.browser
def test_keyboard_reaches_a_sort_button_with_a_visible_focus(visit, demo_url, companies):
    page = visit(demo_url)
    for _ in range(60):
        page.page.keyboard.press("Tab")
        if page.page.evaluate("() => document.activeElement.textContent.trim()") == "NPS":
            break
    else:
        pytest.fail("Tab never reached the NPS sort button")
    outline = page.page.evaluate("() => { const s = getComputedStyle(document.activeElement);"
                                 " return [s.outlineStyle, s.outlineWidth]; }")
    assert outline[0] != "none" and outline[1] != "0px", outline
    page.page.keyboard.press("Enter")
    assert row_names(page.page) == expected_order(companies, "NPS", ascending=False)


# --- search ---------------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.parametrize("query, slug", [("Tellurian", "tellurian-mobile"),
                                         ("glowworm", "glowworm-energy")])
def test_search_finds_a_company_by_name(visit, demo_url, query, slug, companies):
    page = visit(demo_url + "methodology/")
    page.page.fill("#search input", query)
    first = page.page.locator(".pagefind-ui__result-link").first
    first.wait_for(timeout=15_000)
    name = next(c["name"] for c in companies if c["slug"] == slug)
    assert first.inner_text().strip() == name
    assert first.get_attribute("href").rstrip("/").endswith(f"companies/{slug}")
    page.assert_clean(origin(demo_url))


SEARCH = """async (query) => {
  const pagefind = await import('/pagefind/pagefind.js');
  await pagefind.init();
  const found = await pagefind.search(query);
  return (await Promise.all(found.results.map((r) => r.data()))).map((d) => d.url);
}"""
ALL = ("brassbridge-bank", "fernhollow", "gizmo-bazaar", "glowworm-energy", "parcelwick",
       "static-and-sons", "teacup-mutual", "tellurian-mobile", "wanderwomble", "zoomerang")
# What visitors look for, and pages each must find, read off data/ and the page texts by hand:
# names, industries (company.yaml), a channel, a site and a topic as the breakdown tables label
# them (every company has chat contacts; in person five; only Tellurian serves from vendor-a
# and Gizmo Bazaar from vendor-b; roaming is a topic of the two telecoms), a word of the newest
# consented comments (Parcelwick's c010959), of the action logs (actions.yaml: an update's
# note, a "we did", a reason for declining) and of the methodology and publishing guide.
EXPECTED = {
    "Parcelwick": {"/companies/parcelwick/"},
    "Tellurian": {"/companies/tellurian-mobile/"},
    "Teacup": {"/companies/teacup-mutual/"},
    "department store": {"/companies/parcelwick/"},
    "telecom": {"/companies/static-and-sons/", "/companies/tellurian-mobile/",
                "/industries/telecom/"},
    "insurance": {"/companies/teacup-mutual/", "/industries/insurance/"},
    "chat": {f"/companies/{slug}/" for slug in ALL},
    "in person": {f"/companies/{slug}/" for slug in ("brassbridge-bank", "fernhollow",
                                                     "static-and-sons", "tellurian-mobile",
                                                     "wanderwomble")},
    "vendor": {"/companies/tellurian-mobile/", "/companies/gizmo-bazaar/"},
    "roaming": {"/companies/static-and-sons/", "/companies/tellurian-mobile/"},
    "Springfield": {"/companies/parcelwick/"},
    "Leeds": {"/companies/parcelwick/"},
    "Cork": {"/companies/tellurian-mobile/"},
    "newsagent": {"/companies/zoomerang/"},
    "Wilson": {"/methodology/"},
    "promoter": {"/methodology/"},
    "quarantined": {"/publish/"},
}


def _fragments(site: Path) -> dict[str, str]:
    """What the search index holds of each page (its text, title, image and headings: gzipped
    JSON after a signature), by URL."""
    import gzip

    texts = {}
    for path in (site / "pagefind" / "fragment").glob("*.pf_fragment"):
        fragment = json.loads(gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd"))
        texts[fragment["url"]] = json.dumps(fragment, ensure_ascii=False)
    return texts


def _shown(site: Path, page: str, pattern: str) -> str:
    """The text a visitor reads of the first element that matches `pattern` on a page."""
    found = re.search(pattern, (site / page).read_text("utf-8"), re.DOTALL)[0]
    return html.unescape(re.sub(r"<[^>]+>", "", found))


@pytest.mark.browser
def test_search_finds_what_visitors_look_for_and_no_number_that_moves(
        visit, demo_site, demo_url):
    """The index holds what visitors search (EXPECTED: each query finds at least these pages),
    and none of the numbers that change whenever any company's data does: a company's scores
    and rank as its page shows them, the contacts counted, the scoreboard's date."""
    tab = visit(demo_url + "methodology/")
    for query, pages in EXPECTED.items():
        found = set(tab.page.evaluate(SEARCH, query))
        assert pages <= found, (query, sorted(pages - found))
    tab.assert_clean(origin(demo_url))
    company = "companies/parcelwick/index.html"
    headline = _shown(demo_site, company, r'<p class="headline".*?</p>')
    moving = [
        _shown(demo_site, company, r'#csat">[^<]+</a></h3>\s*<p class="big">.*?</p>'),
        re.match(r"Candor score \d+", headline)[0],
        re.search(r"rank \S+ of \d+", headline)[0],
        re.search(r'alt="(Candor score of Parcelwick: \d+)',  # the badge's, once the
                  (demo_site / company).read_text("utf-8"))[1],  # result's image
        re.search(r"Scores from [\d,]+ customer contacts",
                  _shown(demo_site, "index.html", r'<p class="lede".*?</p>'))[0],
        re.search(r"currently [\d-]+", _shown(demo_site, "methodology/index.html",
                                              r"<p>Every metric is computed.*?</p>"))[0],
    ]
    texts = _fragments(demo_site)
    assert len(texts) == 24  # every page is indexed
    assert "Springfield" in texts["/companies/parcelwick/"]
    for number in moving:
        assert not any(number in text for text in texts.values()), number


# --- charts in dark mode --------------------------------------------------------------------

LINE_STROKES = """() => [...document.querySelectorAll('.chart svg .mark-line path')]
  .map((p) => p.getAttribute('stroke'))"""
CSS_VAR = "(name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim()"


@pytest.mark.browser
def test_charts_take_the_colours_of_the_colour_scheme(visit, demo_url):
    colours = {}
    for scheme in ("light", "dark"):
        page = visit(demo_url + "companies/parcelwick/", color_scheme=scheme)
        page.wait_for_charts()
        strokes = set(page.page.evaluate(LINE_STROKES))
        first = page.page.evaluate(CSS_VAR, "--chart-1")
        assert first in strokes, (scheme, strokes)
        colours[scheme] = first
        page.assert_clean(origin(demo_url))
    assert colours["light"] != colours["dark"]


# --- screenshots ----------------------------------------------------------------------------

SHOTS = {"home": "", "company": "companies/parcelwick/", "methodology": "methodology/"}


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("name", list(SHOTS))
def test_screenshot(visit, demo_url, screenshots, name, width, scheme):
    page = visit(demo_url + SHOTS[name], viewport={"width": width, "height": 900},
                 color_scheme=scheme)
    if page.page.query_selector(".chart"):
        page.wait_for_charts()
    page.page.wait_for_selector("#search input")
    assert page.page.evaluate("() => document.scrollingElement.scrollWidth") <= width
    path = screenshots / f"{name}-{width}-{scheme}.png"
    page.page.screenshot(path=str(path), full_page=True)
    png = path.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">I", png[16:20])[0] == width
    page.assert_clean(origin(demo_url))


@pytest.mark.browser
def test_search_results_link_into_a_site_served_under_a_sub_path(visit, demo_site, serve_site,
                                                                 tmp_path_factory):
    # GitHub project pages serve the site at https://owner.github.io/repo/.
    parent = tmp_path_factory.mktemp("sub-path")
    (parent / "repo").symlink_to(demo_site, target_is_directory=True)
    root = serve_site(parent)
    page = visit(root + "repo/methodology/")
    page.page.fill("#search input", "Parcelwick")
    first = page.page.locator(".pagefind-ui__result-link").first
    first.wait_for(timeout=15_000)
    first.click()
    page.page.wait_for_url(root + "repo/companies/parcelwick/")
    assert page.page.locator("h1").inner_text().strip() == "Parcelwick"
    page.assert_clean(origin(root))
