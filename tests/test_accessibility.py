"""axe-core (bundled by axe-playwright-python, so it runs offline) finds no violation on the
site's pages in light and dark mode, and no page is wider than a 375 px phone."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.browser

# Every kind of page the site has; add new kinds here and both checks cover them.
PAGES = [
    "",
    "companies/parcelwick/",
    "companies/teacup-mutual/",  # not enough data: the other look of every score
    "companies/glowworm-energy/",  # stale
    "industries/",
    "industries/e-commerce/",
    "actions/",
    "methodology/",
    "data/",
    "publish/",
    "about/",
]
SCHEMES = ["light", "dark"]
PHONE = {"width": 375, "height": 812}


def settled(page) -> None:
    """Wait until the scripts have drawn what they draw: charts, and Pagefind's search box."""
    if page.page.query_selector(".chart"):
        page.wait_for_charts()
    page.page.wait_for_selector("#search input")


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_violation(visit, demo_url, axe, path, scheme):
    page = visit(demo_url + path, color_scheme=scheme)
    settled(page)
    results = axe.run(page.page)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("path", PAGES)
def test_page_fits_a_375_px_screen(visit, demo_url, path, scheme):
    page = visit(demo_url + path, viewport=PHONE, color_scheme=scheme)
    settled(page)
    width = page.page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"{path or 'home'} is {width} px wide on a 375 px screen"
