"""The demo site in headless Chromium: no errors, no request off the site's origin, charts drawn,
fits a phone, and the leaderboard works without JavaScript."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import origin as _origin

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parent.parent / "data"
PHONE = {"width": 375, "height": 812}
OVERFLOW = "() => document.documentElement.scrollWidth"
# Tables wider than the screen that are not inside a horizontally scrolling box that fits it;
# tables in closed <details> are not shown, so they do not count.
WIDE_TABLES = """(selector) => {
  const screen = document.documentElement.clientWidth + 1;
  const label = (t) => (t.caption && t.caption.textContent.trim())
    || (t.closest('details') && t.closest('details').querySelector('summary').textContent.trim())
    || t.className || 'table';
  const wide = [];
  for (const table of document.querySelectorAll(selector)) {
    if (table.closest('details:not([open])')) continue;
    const right = table.getBoundingClientRect().right;
    if (right <= screen) continue;
    let box = table.parentElement, scrolls = false;
    while (box && box !== document.body) {
      const overflow = getComputedStyle(box).overflowX;
      if (overflow !== 'visible' && box.getBoundingClientRect().right <= screen) {
        scrolls = true;
        break;
      }
      box = box.parentElement;
    }
    if (!scrolls) wide.push(`${label(table)} (${Math.round(right)} px)`);
  }
  return wide;
}"""


def demo_names() -> list[str]:
    return sorted(yaml.safe_load((p / "company.yaml").read_text(encoding="utf-8"))["name"]
                  for p in DATA.iterdir() if (p / "company.yaml").is_file())


# parcelwick and tellurian-mobile are checked the same way with their charts, below.
@pytest.mark.parametrize("path", [
    "",
    "companies/teacup-mutual/",
    "companies/glowworm-energy/",
    "methodology/",
    "data/",
    "about/",
])
def test_page_loads_without_errors_or_off_site_requests(visit, demo_url, path):
    page = visit(demo_url + path)
    if page.page.query_selector(".chart"):
        page.wait_for_charts()
    page.assert_clean(_origin(demo_url))


@pytest.mark.parametrize("slug", ["parcelwick", "tellurian-mobile"])
def test_company_page_draws_every_chart(visit, demo_url, slug):
    page = visit(demo_url + f"companies/{slug}/")
    charts = page.wait_for_charts()
    assert len(charts) == 4
    for chart in charts:
        name = chart.get_attribute("id")
        assert chart.get_attribute("data-rendered") == "true", name
        assert chart.query_selector("svg") is not None, f"{name} has no svg"
        assert chart.query_selector("svg path, svg line") is not None, f"{name} draws nothing"
    page.assert_clean(_origin(demo_url))


def test_home_page_shows_every_company(visit, demo_url):
    page = visit(demo_url)
    rows = page.page.query_selector_all("table.leaderboard tbody tr")
    names = sorted(r.query_selector("th a").inner_text().strip() for r in rows)
    assert names == demo_names()
    page.assert_clean(_origin(demo_url))


@pytest.mark.parametrize("slug", ["parcelwick", "tellurian-mobile", "teacup-mutual"])
def test_company_page_fits_a_phone(visit, demo_url, slug):
    page = visit(demo_url + f"companies/{slug}/", viewport=PHONE)
    if page.page.query_selector(".chart"):
        page.wait_for_charts()
    width = page.page.evaluate(OVERFLOW)
    assert width <= PHONE["width"] + 1, (
        f"the page is {width} px wide on a 375 px screen; tables wider than the screen: "
        f"{page.page.evaluate(WIDE_TABLES, 'table')}")


def test_company_page_chart_tables_fit_a_phone_when_opened(visit, demo_url):
    # The table under each chart is its accessible fallback: opened on a phone, a wide one
    # must scroll inside its own box rather than widen the page.
    page = visit(demo_url + "companies/parcelwick/", viewport=PHONE)
    page.page.evaluate("() => document.querySelectorAll('details.chart-table')"
                       ".forEach((d) => { d.open = true; })")
    wide = page.page.evaluate(WIDE_TABLES, "details.chart-table table")
    assert wide == [], f"chart tables wider than a 375 px screen: {wide}"


def test_home_page_table_scrolls_inside_its_wrapper_on_a_phone(visit, demo_url):
    page = visit(demo_url, viewport=PHONE)
    width = page.page.evaluate(OVERFLOW)
    assert width <= PHONE["width"] + 1, f"the page is {width} px wide on a 375 px screen"
    wrap = page.page.query_selector(".table-wrap")
    assert wrap is not None
    overflow_x = wrap.evaluate("(e) => getComputedStyle(e).overflowX")
    assert overflow_x in ("auto", "scroll")


def test_leaderboard_works_without_javascript(visit, demo_url):
    page = visit(demo_url, java_script_enabled=False)
    rows = page.page.query_selector_all("table.leaderboard tbody tr")
    names = sorted(r.query_selector("th a").inner_text().strip() for r in rows)
    assert names == demo_names()
    # The scores themselves are in the HTML, not filled in by a script.
    first = rows[0].inner_text()
    assert "%" in first and "n=" in first
    assert page.errors == []


def test_company_page_without_javascript_keeps_its_tables(visit, demo_url):
    page = visit(demo_url + "companies/parcelwick/", java_script_enabled=False)
    charts = page.page.query_selector_all(".chart")
    assert charts
    for chart in charts:
        assert chart.get_attribute("data-rendered") is None  # nothing ran
    tables = page.page.query_selector_all("details.chart-table table")
    assert len(tables) == len(charts)
    page.page.click("details.chart-table summary")
    assert page.page.query_selector("details.chart-table tbody tr").is_visible()
