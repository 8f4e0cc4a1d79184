"""Industry pages, /actions/, the Atom feeds and the badges, through the real Pelican build.

Two builds: tests/fixtures/basic as it is (fixture_site, no --site-url), and "pages": the same
data plus three e-commerce companies written below, built with --site-url under a sub-path.
Expected values are worked out by hand from those files:

- CSAT (ratings 4-5 among 1-5; 30 needed): acme 30/40 = 75.0 (tests/test_build.py); beta 20 fives
  and 20 twos -> 50.0; gamma 36 fours and 4 ones -> 90.0; delta 3 ratings -> not enough data.
  E-commerce median: middle of 50.0, 75.0, 90.0 = 75.0 %, "of 3" (delta has too little).
- NPS: only acme has answers (12.5), so the median is 12.5 "of 1".
- contacts per case: acme 40/35 = 1.14; beta and gamma one case per contact = 1.00; the median
  of (1.00, 1.00, 1.14) is 1.00 "of 3".
- leaderboard order (CSAT, no data last): gamma, acme, beta, delta.
- status dates (last update that set a status, else opened): beta hostile-entry 2026-10-01
  (opened, no update); acme live-chat 2026-09-01 and gamma price-match 2026-09-01 (opened; tie
  -> by slug, acme first); beta noted 2026-08-15 (its 2026-10-10 update is a note, no status);
  acme sunday-delivery 2026-07-01; acme faster-refunds 2026-05-20.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from test_build import parse

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "basic"
SITE_URL = "https://owner.github.io/repo"
HOSTILE_NAME = 'Beta </title><script>alert(1)</script> ]]> & "Co"'
HOSTILE_SAID = "</title><script>alert(1)</script> ]]> <![CDATA[ & done"
HOSTILE_DID = "Fixed </content> ]]>\x0b for real"  # \x0b is not allowed in XML at all
SVG = "{http://www.w3.org/2000/svg}"


def _company(data: Path, slug: str, profile: str, ratings: list[int], actions: str = "") -> None:
    (data / slug / "feedback").mkdir(parents=True)
    (data / slug / "company.yaml").write_text(profile, encoding="utf-8")
    rows = ["id,submitted_at,channel,rating"] + [
        f"{slug[0]}{i:02d},2026-10-01T10:00:00Z,phone,{rating}"
        for i, rating in enumerate(ratings, 1)]
    (data / slug / "feedback" / "2026-10.csv").write_text("\n".join(rows) + "\n",
                                                          encoding="utf-8")
    if actions:
        (data / slug / "actions.yaml").write_text(actions, encoding="utf-8")


@pytest.fixture(scope="module")
def pages(build_site, tmp_path_factory) -> Path:
    data = Path(shutil.copytree(FIXTURE, tmp_path_factory.mktemp("pages") / "basic"))
    _company(data, "beta", 'name: "Beta </title><script>alert(1)</script> ]]> & \\"Co\\""\n'
             "industry: e-commerce\n", [5] * 20 + [2] * 20, """\
- id: hostile-entry
  topic: billing
  you_said: "</title><script>alert(1)</script> ]]> <![CDATA[ & done"
  we_did: "Fixed </content> ]]>\\x0b for real"
  status: planned
  opened: 2026-10-01
- id: noted
  topic: billing
  you_said: Bills are confusing.
  we_did: New bill layout.
  status: in_progress
  opened: 2026-08-01
  updates:
    - {date: 2026-08-15, status: in_progress}
    - {date: 2026-10-10, note: Layout tested with customers.}
""")
    _company(data, "gamma", "name: Gamma Goods\nindustry: e-commerce\n", [4] * 36 + [1] * 4, """\
- id: price-match
  topic: price
  you_said: Match the prices of other shops.
  we_did: We will match prices.
  status: planned
  opened: 2026-09-01
""")
    _company(data, "delta", "name: Delta Deals\nindustry: e-commerce\n", [5, 5, 5])
    done = build_site(data, data.parent / "out", "--site-url", SITE_URL + "/")
    assert done.result.returncode == 0, done.result.stdout + done.result.stderr
    return done.output


ORDER = [("beta", "hostile-entry"), ("acme", "live-chat"), ("gamma", "price-match"),
         ("beta", "noted"), ("acme", "sunday-delivery"), ("acme", "faster-refunds")]


# --- industry pages -------------------------------------------------------------------------

def test_every_industry_has_a_page_and_the_index_links_them(fixture_site):
    index = parse(fixture_site / "industries" / "index.html")
    links = [a.attrs["href"] for a in index.find("table", cls="industries").find_all("a")
             if "industries/" in a.attrs["href"]]
    industries = ["e-commerce", "banking", "telecom", "ride-hailing", "utilities", "travel",
                  "insurance"]
    assert links == [f"../industries/{name}/" for name in industries]
    for name in industries:
        assert (fixture_site / "industries" / name / "index.html").is_file()


def test_industries_index_gives_counts_and_medians(fixture_site):
    rows = parse(fixture_site / "industries" / "index.html").find(
        "table", cls="industries").find("tbody").elements()
    cells = {row.find("th").text: [td.text for td in row.find_all("td")] for row in rows}
    assert cells["e-commerce 1 company"][1] == "75.0% of 1"  # acme alone
    assert cells["banking 1 company"] == ["no company has enough data"] * 2
    assert cells["insurance 0 companies"] == ["no company yet"] * 2


def test_an_industry_without_companies_says_so(fixture_site):
    page = parse(fixture_site / "industries" / "insurance" / "index.html")
    assert "No insurance company has published data yet." in page.text
    assert page.find("table") is None


def test_industry_page_lists_its_companies_in_leaderboard_order(pages):
    table = parse(pages / "industries" / "e-commerce" / "index.html").find(
        "table", cls="industry-compare")
    rows = [row.find("th").find("a").attrs["href"] for row in table.find("tbody").find_all("tr")]
    # The leaderboard's own order (tests/test_ranks.py checks it), kept to this industry.
    board = parse(pages / "index.html").find("tbody")
    order = [row.find("th").find("a").attrs["href"] for row in board.find_all("tr")]
    assert sorted(rows) == [f"../../companies/{s}/" for s in ("acme", "beta", "delta", "gamma")]
    slugs = [href.rstrip("/").rsplit("/", 1)[1] for href in rows]
    assert slugs == [s for s in (h.rstrip("/").rsplit("/", 1)[1] for h in order) if s in slugs]


def _median_row(page: Path) -> dict[str, str]:
    table = parse(page).find("table", cls="industry-compare")
    heads = [th.text for th in table.find("thead").find_all("th")][1:]
    cells = [td.text for td in table.find("tfoot").find_all("td")]
    return dict(zip(heads, cells, strict=True))


def test_industry_median_counts_only_companies_with_enough_data(pages):
    median = _median_row(pages / "industries" / "e-commerce" / "index.html")
    assert median["Customer satisfaction (CSAT)"] == "75.0% of 3"
    assert median["Net Promoter Score"] == "12.5 of 1"
    assert median["Contacts per case"] == "1.00 of 3"
    assert median["Service after the sale"] == "no company has enough data"


def test_industry_page_shows_each_score_with_interval_and_n(pages):
    table = parse(pages / "industries" / "e-commerce" / "index.html").find(
        "table", cls="industry-compare")
    acme = next(row for row in table.find("tbody").find_all("tr") if "Acme" in row.text)
    # CSAT 75.0 with the Wilson interval and n of tests/test_build.py.
    assert "75.0% 95%: 59.8\N{EN DASH}85.8 n=40" in acme.text
    delta = next(row for row in table.find("tbody").find_all("tr") if "Delta" in row.text)
    assert "not enough data" in delta.text


def test_company_page_and_leaderboard_link_the_industry(fixture_site):
    crumbs = parse(fixture_site / "companies" / "acme" / "index.html").find("p", cls="crumbs")
    assert crumbs.find("a", href="../../industries/e-commerce/").text == "e-commerce"
    board = parse(fixture_site / "index.html")
    assert board.find("a", href="./industries/banking/").text == "banking"


# --- /actions/ -------------------------------------------------------------------------------

def test_actions_page_lists_every_entry_newest_status_first(pages):
    entries = parse(pages / "actions" / "index.html").find("ol", cls="action-log").elements()
    assert [e.attrs["id"] for e in entries] == [f"log-{slug}.{a}" for slug, a in ORDER]
    assert [e.attrs["data-status"] for e in entries] == [
        "planned", "planned", "planned", "in_progress", "declined", "done"]
    assert {e.attrs["data-industry"] for e in entries} == {"e-commerce"}


def test_actions_page_shows_status_history_and_effect(pages):
    page = parse(pages / "actions" / "index.html")
    noted = page.find("li", id="log-beta.noted")
    assert "in progress since 2026-08-15" in noted.find("p", cls="action-head").text
    history = [li.text for li in noted.find("ol", cls="updates").elements()]
    assert history == ["2026-08-01 opened planned", "2026-08-15 in progress",
                       "2026-10-10 Layout tested with customers."]
    done = page.find("li", id="log-acme.faster-refunds")
    # No refund rating in the 90 days either side of 2026-05-20 in the fixture.
    assert done.find("p", cls="effect").text == (
        "Measured effect: CSAT on this topic in the 90 days before 2026-05-20: not enough data "
        "(n=0); in the 90 days after: not enough data (n=0); change: not enough data.")


def test_actions_filters_are_labelled_hidden_without_script_and_the_script_is_external(pages):
    text = (pages / "actions" / "index.html").read_text("utf-8")
    page = parse(pages / "actions" / "index.html")
    form = page.find("form", id="action-filters")
    assert "hidden" in form.attrs  # without JavaScript: every entry, no dead controls
    for select in form.find_all("select"):
        assert form.find("label", **{"for": select.attrs["id"]}) is not None
    assert [o.attrs["value"] for o in page.find("select", id="filter-status").find_all(
        "option")] == ["", "planned", "in_progress", "done", "declined"]
    assert [o.attrs["value"] for o in page.find("select", id="filter-industry").find_all(
        "option")] == ["", "e-commerce"]
    scripts = [s.attrs.get("src") for s in page.find_all("script")]
    assert "../theme/js/actions.js" in scripts
    assert all(src.startswith(("../theme/js/", "../pagefind/")) for src in scripts)
    assert not re.search(r"\son[a-z]+=", text)


def test_actions_page_escapes_company_text(pages):
    text = (pages / "actions" / "index.html").read_text("utf-8")
    assert "<script>alert" not in text and "</title><script>" not in text
    entry = parse(pages / "actions" / "index.html").find("li", id="log-beta.hostile-entry")
    assert entry.find("h2").find("a").text == HOSTILE_NAME
    assert f"You said: {HOSTILE_SAID}" in entry.text


# --- Atom feeds -----------------------------------------------------------------------------

def _feed(path: Path):
    parsed = feedparser.parse(path.read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_site_feed_lists_every_entry_newest_first(pages):
    feed = _feed(pages / "actions" / "feed.xml")
    names = {"acme": "Acme Parcels", "beta": HOSTILE_NAME, "gamma": "Gamma Goods"}
    assert [(e.author, e.link) for e in feed.entries] == [
        (names[slug], f"{SITE_URL}/companies/{slug}/#action-{a}") for slug, a in ORDER]
    assert [e.updated for e in feed.entries] == [
        "2026-10-01T00:00:00Z", "2026-09-01T00:00:00Z", "2026-09-01T00:00:00Z",
        "2026-08-15T00:00:00Z", "2026-07-01T00:00:00Z", "2026-05-20T00:00:00Z"]
    assert feed.entries[5].title == (
        "Acme Parcels (done): Refunds are issued within 48 hours of the return scan.")
    assert feed.entries[5].published == "2026-03-14T00:00:00Z"
    # The feed's date is its newest entry's, from the data; never the build clock.
    assert feed.feed.updated == "2026-10-01T00:00:00Z"
    assert feed.feed.title == "Candor: you said, we did"
    assert [(link.rel, link.href) for link in feed.feed.links] == [
        ("self", f"{SITE_URL}/actions/feed.xml"), ("alternate", f"{SITE_URL}/actions/")]


def test_feed_ids_are_unique_stable_uris(pages, fixture_site):
    entries = _feed(pages / "actions" / "feed.xml").entries
    ids = [e.id for e in entries]
    assert len(set(ids)) == 6 and all(re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", i) for i in ids)
    # The same entry under the same site URL keeps its id: per-company feed == site feed.
    acme = _feed(pages / "companies" / "acme" / "actions.xml").entries
    assert [e.id for e in acme] == [ids[1], ids[4], ids[5]]


def test_company_feed_holds_only_that_company(pages):
    feed = _feed(pages / "companies" / "beta" / "actions.xml")
    assert [e.link for e in feed.entries] == [
        f"{SITE_URL}/companies/beta/#action-hostile-entry",
        f"{SITE_URL}/companies/beta/#action-noted"]
    assert feed.feed.updated == "2026-10-01T00:00:00Z"
    assert feed.feed.title == f"{HOSTILE_NAME}: you said, we did"


def test_feed_without_entries_is_valid_and_dated_from_the_data(fixture_site):
    feed = _feed(fixture_site / "companies" / "tiny" / "actions.xml")
    assert feed.entries == []
    assert feed.feed.updated == "2026-10-20T00:00:00Z"  # the scoreboard's as-of date


def test_feed_without_site_url_links_relative_to_itself(fixture_site):
    root = ET.parse(fixture_site / "actions" / "feed.xml").getroot()
    hrefs = [link.get("href") for link in root.iter("{http://www.w3.org/2005/Atom}link")]
    assert hrefs == ["../actions/feed.xml", "../actions/", "../companies/acme/#action-live-chat",
                     "../companies/acme/#action-sunday-delivery",
                     "../companies/acme/#action-faster-refunds"]


def test_feed_keeps_hostile_company_text_as_text(pages):
    raw = (pages / "companies" / "beta" / "actions.xml").read_text("utf-8")
    assert "<script>" not in raw and "<![CDATA[" not in raw and "\x0b" not in raw
    entry = _feed(pages / "companies" / "beta" / "actions.xml").entries[0]
    assert entry.title == f"{HOSTILE_NAME} (planned): Fixed </content> ]]>\ufffd for real"
    assert entry.title_detail.type == "text/plain"
    assert entry.content[0].type == "text/plain"
    assert entry.content[0].value == (
        f"You said: {HOSTILE_SAID}\nWe did: Fixed </content> ]]>\ufffd for real\n"
        "Topic: billing. Status: planned since 2026-10-01 (opened 2026-10-01).")


def test_pages_announce_their_feeds(fixture_site):
    for page, href in (("actions/index.html", "../actions/feed.xml"),
                       ("companies/acme/index.html", "../../companies/acme/actions.xml")):
        links = parse(fixture_site / page).find("head").find_all(
            "link", rel="alternate", type="application/atom+xml")
        assert [link.attrs["href"] for link in links] == [href]


# --- badges ---------------------------------------------------------------------------------

def _svg(path: Path) -> ET.Element:
    return ET.fromstring(path.read_bytes())  # raises on anything but well-formed XML


def test_badge_shows_the_candor_score_and_month(fixture_site):
    scores = json.loads((fixture_site / "data" / "scores.json").read_text("utf-8"))
    acme = next(c for c in scores["companies"] if c["slug"] == "acme")
    score = acme["windows"]["all"]["candor_score"]["value"]
    assert 10 <= score <= 99  # two digits: the widths below are worked out for two
    svg = _svg(fixture_site / "badges" / "acme.svg")
    texts = svg.findall(f"{SVG}g/{SVG}text")
    assert [t.text for t in texts] == ["candor", f"{score} · 2026-10"]
    # Verdana 11 px advances: c 6.0 + a 6.8 + n 6.8 + d 6.8 + o 6.8 + r 4.6 = 37.8 -> 38;
    # two digits 14 + space, dot, space 11.7 + 2026 28 + hyphen 4.6 + 10 14 = 72.3 -> 73;
    # each box is 6 px wider either side.
    assert [t.get("textLength") for t in texts] == ["38", "73"]
    assert svg.get("width") == str(38 + 12 + 73 + 12)
    title = f"Candor score of Acme Parcels: {score} out of 100, as of 2026-10-20"
    assert svg.find(f"{SVG}title").text == title
    assert svg.get("role") == "img" and svg.get("aria-label") == title


def test_badge_without_enough_data_says_so(fixture_site):
    svg = _svg(fixture_site / "badges" / "tiny.svg")
    assert [t.text for t in svg.findall(f"{SVG}g/{SVG}text")][1] == "not enough data · 2026-10"
    assert svg.find(f"{SVG}title").text == (
        "Candor score of Tiny Bank: not enough data, as of 2026-10-20")


def test_badge_escapes_company_text(pages):
    raw = (pages / "badges" / "beta.svg").read_text("utf-8")
    assert "<script>" not in raw
    assert _svg(pages / "badges" / "beta.svg").find(f"{SVG}title").text == (
        f"Candor score of {HOSTILE_NAME}: not enough data, as of 2026-10-20")


def test_company_page_shows_the_badge_and_relative_snippets_without_site_url(fixture_site):
    page = parse(fixture_site / "companies" / "acme" / "index.html")
    assert page.find("img", cls="badge").attrs["src"] == "../../badges/acme.svg"
    snippets = {area.attrs["id"]: area.text for area in page.find_all("textarea")}
    assert snippets == {
        "badge-markdown": "[![Candor score of Acme Parcels](badges/acme.svg)](companies/acme/)",
        "badge-html": '<a href="companies/acme/"><img src="badges/acme.svg" '
                      'alt="Candor score of Acme Parcels" height="20"></a>',
    }
    for area in page.find_all("textarea"):
        assert "readonly" in area.attrs
        assert page.find("label", **{"for": area.attrs["id"]}) is not None
    assert "--site-url" in page.find("section", aria_labelledby="badge-h").text


def test_badge_snippets_use_the_site_url_and_escape_the_name(pages):
    text = (pages / "companies" / "beta" / "index.html").read_text("utf-8")
    assert "<script>alert" not in text
    page = parse(pages / "companies" / "beta" / "index.html")
    snippets = {area.attrs["id"]: area.text for area in page.find_all("textarea")}
    alt = f"Candor score of {HOSTILE_NAME}"
    assert snippets["badge-markdown"] == (
        "[![Candor score of Beta </title><script>alert(1)</script> \\]\\]> & \"Co\"]"
        f"({SITE_URL}/badges/beta.svg)]({SITE_URL}/companies/beta/)")
    assert snippets["badge-html"] == (
        f'<a href="{SITE_URL}/companies/beta/"><img src="{SITE_URL}/badges/beta.svg" '
        f'alt="{html.escape(alt)}" height="20"></a>')


# --- the company page's action timeline and provenance ---------------------------------------

def test_company_timeline_shows_status_history_and_effect(fixture_site):
    page = parse(fixture_site / "companies" / "acme" / "index.html")
    entry = page.find("li", id="action-faster-refunds")
    assert [li.text for li in entry.find("ol", cls="updates").elements()] == [
        "2026-03-14 opened planned", "2026-04-02 in progress New scanner in the warehouse.",
        "2026-05-20 done"]
    assert "change: not enough data" in entry.find("p", cls="effect").text
    assert page.find("li", id="action-live-chat").find("p", cls="effect") is None


def test_company_page_links_every_download(fixture_site):
    section = parse(fixture_site / "companies" / "acme" / "index.html").find(
        "section", aria_labelledby="provenance-h")
    hrefs = [a.attrs["href"] for a in section.find_all("a")]
    assert hrefs == ["../../data/companies/acme.json", "../../data/scores.json",
                     "../../data/scores.csv", "../../data/datapackage.json",
                     "../../companies/acme/actions.xml"]


def test_site_url_must_be_plain_https(publish, tmp_path):
    done = publish("build", "--data", FIXTURE, "--output", tmp_path / "out",
                   "--site-url", "javascript:alert(1)//")
    assert done.returncode == 2
    assert "is not a plain https:// address" in done.stderr
    assert not (tmp_path / "out").exists()


# --- the filter in a real browser ------------------------------------------------------------

@pytest.mark.browser
def test_actions_filter_in_the_browser(pages, serve_site, browser):
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(serve_site(pages) + "actions/")
    visible = "ol.action-log > li:visible"
    assert page.locator("#action-filters").is_visible()
    assert page.locator(visible).count() == 6
    page.get_by_label("Status", exact=True).select_option("in_progress")
    assert page.locator(visible).count() == 1
    assert page.locator("#action-count").inner_text() == "Showing 1 of 6 entries"
    page.get_by_label("Status", exact=True).select_option("planned")
    page.get_by_label("Industry", exact=True).select_option("e-commerce")
    assert page.locator(visible).count() == 3
    reached = []
    for _ in range(40):  # the controls are reachable with Tab alone
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id"))
    assert "filter-status" in reached and "filter-industry" in reached
    assert errors == []
    page.close()


def test_effect_text_gives_both_sides_with_interval_and_n():
    from scoring.actions import Effect
    from scoring.metrics import Score
    from scoring.pages import effect_text

    before = Score(43.6, 236, "percent", 37.5, 50.0)
    after = Score(81.2, 240, "percent", 75.8, 85.7)
    assert effect_text(Effect(dt.date(2025, 12, 8), before, after, 90)) == (
        "CSAT on this topic in the 90 days before 2025-12-08: 43.6% (95%: 37.5\N{EN DASH}50.0, "
        "n=236); in the 90 days after: 81.2% (95%: 75.8\N{EN DASH}85.7, n=240); "
        "change: +37.6 points.")  # 81.2 - 43.6
    thin = Score(None, 12, "percent", reason="not enough data: 12 of the 30 needed")
    # the window is candor.yaml's effect_window_days, carried by the effect
    assert effect_text(Effect(dt.date(2025, 12, 8), before, thin, 30)).endswith(
        "in the 30 days after: not enough data (n=12); change: not enough data.")


def test_month_rows_are_the_cells_the_table_under_a_chart_shows():
    """scoring.site.month_rows writes the rows of the month-by-month tables (in Python: they
    are most of a company page's cells): the month (with its methodology mark), then each
    metric's score, 95% interval and n, every text escaped and without bidi controls."""
    from markupsafe import Markup

    from scoring.metrics import CHANGELOG, Score
    from scoring.site import month_rows

    scores = {"csat": Score(62.54, 12345, "percent", 55.0, 70.04),
              "wait_seconds_p50": Score(None, 3, "seconds", reason="only 3 <waits>\u202e")}
    rows = month_rows([("2026-09", scores), ("2026-10", scores)],
                      ("csat", "wait_seconds_p50"), {"2026-10": CHANGELOG[-1]})
    assert all(isinstance(row, Markup) for row in rows)
    cells = ('<td><span class="value">62.5%</span></td><td>55.0\u201370.0</td>'
             '<td class="num">12,345</td>'
             '<td><span class="nodata" title="only 3 &lt;waits&gt;">not enough data</span></td>'
             '<td></td><td class="num">3</td>')
    assert rows == [
        f'<tr><th scope="row">2026-09</th>{cells}</tr>',
        '<tr><th scope="row">2026-10 <span class="small">methodology v'
        f'{CHANGELOG[-1].version} from here</span></th>{cells}</tr>',
    ]
