"""Methodology 1.1 (issue 4): the changelog kept beside the code, the thresholds table and the
changelog on the methodology page, and the monthly charts' marks where the methodology changed.
A scoreboard whose data runs into the month 1.1 took effect (2026-11) shows the mark."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from test_browser import Visit, _origin
from test_build import parse, words

from scoring.board import CompanyResult
from scoring.charts import CHARTS, MARKS, company_charts, methodology_marks
from scoring.metrics import CHANGELOG, METHODOLOGY_VERSION, Change, Score


def test_the_changelog_is_oldest_first_and_ends_with_the_current_version():
    assert [c.version for c in CHANGELOG] == ["1.0", "1.1"]
    assert CHANGELOG[-1].version == METHODOLOGY_VERSION == "1.1"
    assert CHANGELOG[-1].effective == dt.date(2026, 11, 22)
    dates = [c.effective for c in CHANGELOG]
    assert dates == sorted(dates)
    assert all(c.changed.strip() and c.why.strip() for c in CHANGELOG)


def _months(*months: str) -> CompanyResult:
    company = CompanyResult("x", {"name": "X"}, [])
    company.monthly = [(month, {}) for month in months]
    return company


LOG = (Change("1.0", dt.date(2026, 1, 5), "start", "start"),
       Change("1.1", dt.date(2026, 3, 2), "a", "a"),
       Change("1.2", dt.date(2026, 5, 1), "b", "b"),
       Change("1.3", dt.date(2026, 5, 20), "c", "c"))


@pytest.mark.parametrize(("months", "marked"), [
    # the first entry is the start, not a change: never marked
    (("2026-01", "2026-02"), []),
    (("2026-02", "2026-03", "2026-04"), [("2026-03", "1.1")]),
    # two changes in May: the month was published under the later one
    (("2026-03", "2026-04", "2026-05", "2026-06"), [("2026-03", "1.1"), ("2026-05", "1.3")]),
    (("2026-06", "2026-07"), []),  # after every change: nothing in range
    ((), []),
])
def test_marks_are_the_changes_within_the_months_shown(months, marked):
    marks = methodology_marks(_months(*months), LOG)
    assert [(month, change.version) for month, change in marks] == marked


def test_every_chart_carries_the_marks_as_swapped_data():
    # Companies whose months include 2026-11 share one template per chart, with the marks as a
    # second dataset; the label goes where there is room (right of the rule in the first half
    # of the months, left of it in the second). Without a mark, the template has no mark layers.
    drawn = {metric_id: Score(50.0, 40, "percent", 40.0, 60.0) for kind in CHARTS
             for metric_id in kind.metrics}
    specs = []
    for months in (("2026-10", "2026-11"), ("2026-11", "2026-12"), ("2026-09", "2026-10")):
        company = _months(*months)
        company.monthly = [(month, drawn) for month, _ in company.monthly]
        specs.append([spec for _, spec in company_charts(company, methodology_marks(company))])
    for late, early, unmarked in zip(*specs, strict=True):
        assert late["datasets"][MARKS] == [
            {"month": "2026-11-01", "label": "methodology 1.1", "side": "right"}]
        assert early["datasets"][MARKS] == [
            {"month": "2026-11-01", "label": "methodology 1.1", "side": "left"}]
        assert {k: v for k, v in late.items() if k != "datasets"} == {
            k: v for k, v in early.items() if k != "datasets"}
        rules = [layer for layer in late["layer"]
                 if layer["data"] == {"name": MARKS} and layer["mark"]["type"] == "rule"]
        assert rules and rules[0]["mark"]["strokeDash"] == [4, 3]
        assert MARKS not in unmarked["datasets"]
        assert all(layer.get("data") != {"name": MARKS} for layer in unmarked["layer"])


# --- a scoreboard whose data runs into November 2026 -------------------------------------------


def _write_company(data: Path) -> None:
    """Glimmer: 40 contacts a month from August to November 2026, 30 rated 4 or 5 each month."""
    folder = data / "glimmer"
    (folder / "feedback").mkdir(parents=True)
    (folder / "company.yaml").write_text("name: Glimmer\nindustry: banking\n", encoding="utf-8")
    for month in ("2026-08", "2026-09", "2026-10", "2026-11"):
        rows = "".join(
            f"{month}-{i},{month}-{i % 20 + 1:02d}T10:00:00Z,phone,{5 if i < 30 else 2},"
            f"{9 if i < 25 else 5},{60 + 10 * i},{'true' if i < 32 else 'false'}\n"
            for i in range(40))
        (folder / "feedback" / f"{month}.csv").write_text(
            "id,submitted_at,channel,rating,nps,wait_seconds,resolved\n" + rows,
            encoding="utf-8")


@pytest.fixture(scope="module")
def changed_site(tmp_path_factory, build_site) -> Path:
    root = tmp_path_factory.mktemp("methodology-change")
    _write_company(root / "data")
    done = build_site(root / "data", root / "out")
    assert done.result.returncode == 0, done.result.stderr
    return done.output


def test_company_page_notes_the_change_beside_the_charts_and_in_their_tables(changed_site):
    text = (changed_site / "companies" / "glimmer" / "index.html").read_text(encoding="utf-8")
    page = words(re.sub(r"<[^>]+>", " ", text))
    assert "Every month is computed with the current methodology, v1.1" in page
    assert "The dashed line at 2026-11 marks when methodology v1.1 took effect" in page
    # each chart's table marks the month (4 charts)
    assert page.count("2026-11 methodology v1.1 from here") == 4
    assert page.count("2026-10 methodology") == 0
    specs = re.findall(r'<script type="application/json" id="spec-[^"]+">(.*?)</script>', text)
    assert len(specs) == 4
    for spec in specs:
        assert (f'"{MARKS}":[{{"month":"2026-11-01","label":"methodology 1.1",'
                '"side":"right"}]') in spec


def test_company_headline_shows_the_candor_score_with_its_interval(changed_site):
    page = parse(changed_site / "companies" / "glimmer" / "index.html")
    headline = page.find("p", "headline")
    assert headline is not None
    text = headline.text
    # one company, alone: ranked 1 of 1; its score carries an interval and the version
    assert re.fullmatch(r"Candor score \d+ 95% interval \d+\N{EN DASH}\d+ · rank 1 of 1 · "
                        r"methodology v1\.1", text), text


def test_methodology_page_lists_thresholds_and_the_changelog(changed_site):
    page = parse(changed_site / "methodology" / "index.html")
    table = page.find("table", "thresholds")
    rows = {r.find("th").text: [td.text for td in r.find_all("td")]
            for r in table.find("tbody").find_all("tr")}
    assert rows["long_wait_seconds"][:2] == ["300 seconds", "300"]
    assert "Waits over 5 minutes" in rows["long_wait_seconds"][3]
    assert rows["resolution_window_days"][:2] == ["14 days", "14"]
    assert "Cases resolved" in rows["resolution_window_days"][3]
    assert rows["top_complaint_topics"][:2] == ["5 topics", "5"]
    assert "Complaints answered" in rows["top_complaint_topics"][3]
    changelog = page.find("table", "changelog")
    versions = [r.find("th").text for r in changelog.find("tbody").find_all("tr")]
    assert versions == ["1.1 (current)", "1.0"]
    assert "2026-11-22" in changelog.text


@pytest.mark.browser
def test_the_mark_is_drawn_as_a_dashed_rule_with_its_label(browser, serve_site, changed_site,
                                                           tmp_path):
    url = serve_site(changed_site)
    visit = Visit(browser.new_context(viewport={"width": 1000, "height": 900}))
    try:
        visit.open(url + "companies/glimmer/")
        visit.page.wait_for_function(
            "() => [...document.querySelectorAll('.chart')].every("
            "(c) => c.getAttribute('data-rendered') === 'true')", timeout=30_000)
        for chart in visit.page.query_selector_all(".chart"):
            labels = [t.text_content() for t in chart.query_selector_all("svg text")]
            assert "methodology 1.1" in labels, chart.get_attribute("id")
            dashed = chart.query_selector_all("svg [stroke-dasharray]")
            assert dashed, f"{chart.get_attribute('id')} has no dashed rule"
        visit.page.query_selector("#chart-csat").screenshot(path=str(tmp_path / "csat.png"))
        visit.assert_clean(_origin(url))
    finally:
        visit.context.close()
