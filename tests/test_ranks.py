"""Rank ranges on the Candor score: worked out by hand from made-up intervals."""

from __future__ import annotations

import json

from test_build import parse

from scoring.board import CompanyResult
from scoring.metrics import Score
from scoring.ranks import RANKED_BY, RankRange, rank_ranges, ranked


def _company(slug: str, value, low=None, high=None) -> CompanyResult:
    company = CompanyResult(slug, {"name": slug}, [])
    company.windows = {"all": {"candor_score": Score(value, 100, "score", low, high)}}
    return company


def test_ranks_are_on_the_candor_score():
    assert RANKED_BY == "candor_score"


def test_leaderboard_order_puts_companies_without_a_score_last_by_name():
    companies = [_company("zed", None), _company("low", 40.0, 35.0, 45.0),
                 _company("abe", None), _company("high", 80.0, 75.0, 85.0)]
    assert [c.slug for c in ranked(companies)] == ["high", "low", "abe", "zed"]


def test_overlapping_intervals_share_a_range_and_separated_ones_do_not():
    companies = [
        _company("a", 85.0, 80.0, 90.0),
        _company("b", 90.0, 85.0, 95.0),
        _company("c", 55.0, 50.0, 60.0),
        _company("d", None),
    ]
    ranges = rank_ranges(companies)
    # b: nobody's low exceeds 95 -> best 1; highs reaching 85: a (90), b -> worst 2.
    # a: nobody's low exceeds 90 -> best 1; highs reaching 80: a, b -> worst 2.
    # c: lows above 60: a (80), b (85) -> best 3; highs reaching 50: all three -> worst 3.
    assert ranges == {"a": RankRange(1, 2), "b": RankRange(1, 2), "c": RankRange(3, 3)}
    assert "d" not in ranges
    assert str(ranges["a"]) == "1\N{EN DASH}2"
    assert str(ranges["c"]) == "3"


def test_disjoint_intervals_give_a_strict_order():
    companies = [_company("x", 50.0, 45.0, 55.0), _company("y", 70.0, 65.0, 75.0),
                 _company("z", 90.0, 85.0, 95.0)]
    assert {s: str(r) for s, r in rank_ranges(companies).items()} == {
        "z": "1", "y": "2", "x": "3"}



def test_intervals_that_touch_overlap():
    # The ends are compared as the methodology says: "wholly above" is strict (low > high),
    # "reaches" is not (high >= low), so intervals sharing an end share a range.
    companies = [_company("a", 55.0, 50.0, 60.0), _company("b", 65.0, 60.0, 70.0),
                 _company("c", 75.0, 70.0, 80.0), _company("d", 45.0, 40.0, 49.9)]
    # a: lows above 60: c (70) -> best 2; highs reaching 50: a, b, c -> worst 3.
    # b: lows above 70: none -> best 1; highs reaching 60: a, b, c -> worst 3.
    # c: lows above 80: none -> best 1; highs reaching 70: b, c -> worst 2.
    # d: lows above 49.9: a, b, c -> best 4; highs reaching 40: all four -> worst 4.
    assert {s: str(r) for s, r in rank_ranges(companies).items()} == {
        "a": "2\N{EN DASH}3", "b": "1\N{EN DASH}3", "c": "1\N{EN DASH}2", "d": "4"}

# A scoreboard whose Candor score is CSAT alone, unshrunk: its interval is CSAT's Wilson one.
CSAT_ONLY = """weights: {csat: 1, nps: 0, first_contact_resolution: 0, contacts_per_case: 0,
  share_waits_over_5min: 0, resolution_rate: 0, follow_through: 0, action_coverage: 0}
prior_strength: 0
min_weight_share: 0.5
"""


def test_leaderboard_shows_rank_ranges(tmp_path, build_site):
    # Candor score = CSAT; Wilson 95%: 40/40 -> 100 [91.2, 100]; 31/40 -> 77.5 [62.5, 87.7];
    # 30/40 -> 75 [59.8, 85.8]; 3 ratings: not enough data, unranked and last.
    # top: nothing above, nobody else reaches 91.2 -> "1".
    # good and fair: top lies wholly above (best 2); all three reach their lows -> "2-3".
    config = tmp_path / "candor.yaml"
    config.write_text(CSAT_ONLY, encoding="utf-8")
    data = tmp_path / "data"
    for slug, good in (("top", 40), ("good", 31), ("fair", 30), ("tiny", 3)):
        (data / slug / "feedback").mkdir(parents=True)
        (data / slug / "company.yaml").write_text(f"name: {slug.title()}\nindustry: banking\n")
        n = 40 if slug != "tiny" else 3
        rows = "".join(f"{slug}{i},2026-01-{i % 28 + 1:02d},phone,{5 if i < good else 1}\n"
                       for i in range(n))
        (data / slug / "feedback" / "2026-01.csv").write_text(
            "id,submitted_at,channel,rating\n" + rows)
    done = build_site(data, tmp_path / "out", "--config", config)
    assert done.result.returncode == 0, done.result.stderr
    rows = [row.elements() for row in parse(done.output / "index.html").find(
        "table", cls="leaderboard").find("tbody").elements()]
    # cells: rank, company (name, industry), Candor score (value, interval), ...
    assert [(cells[1].find("a").text, cells[0].text) for cells in rows] == [
        ("Top", "1"), ("Good", "2\N{EN DASH}3"), ("Fair", "2\N{EN DASH}3"),
        ("Tiny", "unranked")]
    candor = {cells[1].find("a").text: cells[2].text for cells in rows}
    assert candor["Top"] == "100 95%: 91\N{EN DASH}100"
    assert candor["Good"] == "78 95%: 62\N{EN DASH}88"  # 77.5 rounds half to even: 78
    assert candor["Tiny"] == "not enough data"
    scores = json.loads((done.output / "data" / "scores.json").read_text(encoding="utf-8"))
    assert {c["slug"]: c["rank"] for c in scores["companies"]} == {
        "top": {"best": 1, "worst": 1}, "good": {"best": 2, "worst": 3},
        "fair": {"best": 2, "worst": 3}, "tiny": None}
    good = next(c for c in scores["companies"] if c["slug"] == "good")
    assert good["windows"]["all"]["candor_score"] == {
        "value": 78, "low": 62, "high": 88, "n": 40, "unit": "score"}


def test_each_company_has_its_own_json_matching_scores_json(fixture_site):
    everything = json.loads((fixture_site / "data" / "scores.json").read_text(encoding="utf-8"))
    package = json.loads((fixture_site / "data" / "datapackage.json").read_text(encoding="utf-8"))
    paths = {resource["path"] for resource in package["resources"]}
    for company in everything["companies"]:
        path = f"companies/{company['slug']}.json"
        own = json.loads((fixture_site / "data" / path).read_text(encoding="utf-8"))
        assert own["companies"] == [company]
        assert own["as_of"] == everything["as_of"] == "2026-10-20"
        assert path in paths
