"""The Candor score (issue 4): the composite on hand-built inputs, candor.yaml validated like
data, and the demo's story. Expected numbers are worked out by hand in each test."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_publish

from scoring.board import build_scoreboard
from scoring.config import DEFAULT_CONFIG, ConfigError, read_config
from scoring.metrics import (
    CANDOR_COMPONENTS,
    METRICS,
    CandorConfig,
    Score,
    Thresholds,
    candor_scores,
)

DEMO = Path(__file__).resolve().parent.parent / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "config"
UNITS = {metric_id: METRICS[metric_id].unit for metric_id in CANDOR_COMPONENTS}


def scores(**values: tuple) -> dict[str, Score]:
    """Every component as (value, n) or (value, n, low, high); without an interval given, the
    interval is the value itself. A component not given has no data (n = 12)."""
    out = {}
    for metric_id in CANDOR_COMPONENTS:
        value, n, *ends = values.get(metric_id, (None, 12))
        low, high = ends or ((value, value) if value is not None else (None, None))
        out[metric_id] = Score(value, n, UNITS[metric_id], low, high)
    return out


def config(prior_strength: float = 1, min_weight_share: float = 0.5, **weights) -> CandorConfig:
    return CandorConfig({m: float(weights.get(m, 0)) for m in CANDOR_COMPONENTS},
                        float(prior_strength), float(min_weight_share))


def test_each_component_is_shrunk_toward_its_industry_mean_then_weighted():
    # k = 1 x minimum sample = 30 for both CSAT and first-contact resolution.
    # Industry means: CSAT (90 + 70) / 2 = 80; FCR (60 + 80) / 2 = 70.
    # A: CSAT (90*90 + 30*80) / 120 = 87.5; FCR (30*60 + 30*70) / 60 = 65 -> (87.5 + 65) / 2
    # B: CSAT (30*70 + 30*80) / 60 = 75;   FCR (30*80 + 30*70) / 60 = 75 -> 75
    a = scores(csat=(90, 90), first_contact_resolution=(60, 30))
    b = scores(csat=(70, 30), first_contact_resolution=(80, 30))
    (sa, parts), (sb, _) = candor_scores([("banking", a), ("banking", b)],
                                         config(csat=1, first_contact_resolution=1))
    assert sa.value == pytest.approx(76.25)
    assert sb.value == pytest.approx(75.0)
    assert (sa.n, sa.unit, sa.reason) == (90, "score", "")
    csat_part = next(p for p in parts if p.metric_id == "csat")
    assert (csat_part.value, csat_part.target, csat_part.prior_n) == (90, 80, 30)
    assert csat_part.shrunk == pytest.approx(87.5)
    assert csat_part.contribution == pytest.approx(87.5 / 2)
    assert sum(p.contribution for p in parts if p.contribution) == pytest.approx(sa.value)


def test_the_interval_puts_every_component_at_its_own_interval_ends():
    # The first test's companies, now with intervals. Means stay 80 (CSAT) and 70 (FCR), k 30.
    # A CSAT [84, 94]: (90*84 + 30*80) / 120 = 83,  (90*94 + 30*80) / 120 = 90.5
    # A FCR  [42, 75]: (30*42 + 30*70) / 60  = 56,  (30*75 + 30*70) / 60  = 72.5
    # score 76.25, interval ((83 + 56) / 2, (90.5 + 72.5) / 2) = (69.5, 81.5)
    a = scores(csat=(90, 90, 84, 94), first_contact_resolution=(60, 30, 42, 75))
    b = scores(csat=(70, 30, 52, 83), first_contact_resolution=(80, 30, 62, 91))
    (sa, parts), _ = candor_scores([("banking", a), ("banking", b)],
                                   config(csat=1, first_contact_resolution=1))
    assert sa.value == pytest.approx(76.25)
    assert (sa.low, sa.high) == pytest.approx((69.5, 81.5))
    fcr = next(p for p in parts if p.metric_id == "first_contact_resolution")
    assert (fcr.low, fcr.shrunk, fcr.high) == pytest.approx((56, 65, 72.5))
    assert sa.low <= sa.value <= sa.high


def test_the_interval_of_a_component_scaled_downwards_is_turned_round():
    # Contacts per case 2 [1.5, 2.6], alone and unshrunk: 50, with 1.5 -> 75 and 2.6 -> 20,
    # so the interval is (20, 75). With 3.4 above the 0 floor: [2.5, 3.4] -> (0, 25).
    ((score, _),) = candor_scores([("banking", scores(contacts_per_case=(2, 500, 1.5, 2.6)))],
                                  config(0, contacts_per_case=1))
    assert (score.low, score.value, score.high) == pytest.approx((20, 50, 75))
    ((score, _),) = candor_scores([("banking", scores(contacts_per_case=(3, 500, 2.5, 3.4)))],
                                  config(0, contacts_per_case=1))
    assert (score.low, score.value, score.high) == pytest.approx((0, 0, 25))


def test_the_interval_with_a_missing_component_reweights_like_the_score():
    # Weights CSAT 3, NPS 1, NPS missing: CSAT alone at prior 0, [80, 96] as it is.
    ((score, _),) = candor_scores([("banking", scores(csat=(90, 400, 80, 96)))],
                                  config(0, csat=3, nps=1))
    assert (score.low, score.value, score.high) == pytest.approx((80, 90, 96))
    assert score.reason.startswith("partial")


def test_prior_strength_zero_means_no_shrinkage():
    a = scores(csat=(90, 90), first_contact_resolution=(60, 30))
    b = scores(csat=(70, 30), first_contact_resolution=(80, 30))
    (sa, _), _ = candor_scores([("banking", a), ("banking", b)],
                               config(0, csat=1, first_contact_resolution=3))
    assert sa.value == pytest.approx((1 * 90 + 3 * 60) / 4)


@pytest.mark.parametrize(("metric_id", "raw", "scaled"), [
    ("nps", -100, 0), ("nps", 20, 60), ("nps", 100, 100),
    ("contacts_per_case", 1, 100), ("contacts_per_case", 2, 50), ("contacts_per_case", 3, 0),
    ("contacts_per_case", 4.5, 0), ("share_waits_over_5min", 30, 70), ("csat", 64, 64),
])
def test_components_are_put_on_a_0_to_100_scale(metric_id, raw, scaled):
    # One company alone: its mean is itself, so shrinkage leaves the value as it is.
    ((score, _),) = candor_scores([("banking", scores(**{metric_id: (raw, 500)}))],
                                  config(**{metric_id: 1}))
    assert score.value == pytest.approx(scaled)


def test_a_missing_component_is_dropped_and_the_rest_reweighted():
    # Weights CSAT 3, NPS 1; minimum share 0.5. Each company is alone in its industry, so
    # each component shrinks toward the mean over all companies that have it:
    # CSAT (90 + 60) / 2 = 75; NPS scaled (20 + 100) / 2 = 60 (only B and C have one).
    # A (no NPS): 3/4 of the weight -> CSAT alone, (30*90 + 30*75) / 60 = 82.5, partial.
    # B: CSAT (30*60 + 30*75) / 60 = 67.5, NPS 60 -> (3*67.5 + 1*60) / 4 = 65.625.
    # C (no CSAT): 1/4 of the weight < 0.5 -> not enough data; n is the CSAT n (12).
    a = scores(csat=(90, 30))
    b = scores(csat=(60, 30), nps=(20, 30))
    c = scores(nps=(20, 30))
    (sa, pa), (sb, _), (sc, pc) = candor_scores(
        [("banking", a), ("telecom", b), ("insurance", c)], config(csat=3, nps=1))
    assert sa.value == pytest.approx(82.5)
    assert sa.reason.startswith("partial") and "nps" in sa.reason
    assert next(p for p in pa if p.metric_id == "csat").contribution == pytest.approx(82.5)
    assert sb.value == pytest.approx(65.625) and sb.reason == ""
    assert sc.value is None and sc.n == 12 and (sc.low, sc.high) == (None, None)
    assert sc.reason.startswith("not enough data") and "25%" in sc.reason and "csat" in sc.reason
    assert all(p.contribution is None for p in pc)


def test_the_industry_mean_is_used_when_the_industry_has_two_companies():
    # Banking: 90 and 70 -> mean 80; telecom's 10 does not count for them.
    # A: (30*90 + 30*80) / 60 = 85.
    a, b, c = (scores(csat=(v, 30)) for v in (90, 70, 10))
    (sa, _), _, _ = candor_scores([("banking", a), ("banking", b), ("telecom", c)],
                                  config(csat=1))
    assert sa.value == pytest.approx(85)


def test_a_board_gets_the_bits_of_the_methodology_written_out_a_company_at_a_time():
    # candor_scores works a component at a time over every company at once; every number must
    # have the bits of the same sums made one by one in the methodology's order (pages and
    # scores.json show them, and the same data must give the same bytes). Reference: the
    # methodology in plain Python, each sum in company order, then in component order.
    scale = {"csat": lambda v: v, "nps": lambda v: (v + 100) / 2,
             "contacts_per_case": lambda v: min(100.0, max(0.0, 100 * (3 - v) / 2))}
    weights = {"csat": 3, "nps": 1, "contacts_per_case": 1}
    board = [  # banking and telecom interleaved; travel and no industry have one company each
        ("banking", scores(csat=(83.7, 31, 71.3, 92.9), nps=(12.1, 57, -9.4, 33.3),
                           contacts_per_case=(1.37, 45, 1.21, 1.58))),
        ("telecom", scores(csat=(64.1, 97, 54.8, 72.6), nps=(-3.3, 88, -18.2, 11.6),
                           contacts_per_case=(2.21, 120, 2.03, 2.44))),
        ("banking", scores(csat=(91.2, 402, 88.3, 93.6), nps=(41.7, 350, 35.1, 48.0),
                           contacts_per_case=(1.12, 610, 1.08, 1.17))),
        ("travel", scores(csat=(77.7, 64, 66.0, 86.4), nps=(5.5, 64, -12.8, 23.1),
                          contacts_per_case=(1.93, 70, 1.71, 2.2))),
        ("banking", scores(csat=(70.3, 45, 56.1, 81.5), contacts_per_case=(2.9, 33, 2.5, 3.3))),
        ("telecom", scores(csat=(58.9, 1203, 56.1, 61.6), nps=(-21.4, 990, -26.5, -16.2),
                           contacts_per_case=(2.67, 800, 2.58, 2.77))),
        (None, scores(csat=(88.8, 30, 76.4, 95.2), nps=(30.3, 30, 8.1, 52.5),
                      contacts_per_case=(1.5, 30, 1.2, 1.9))),
        ("banking", scores(nps=(60.6, 200, 52.2, 68.9))),  # 1/5 of the weight: not enough data
        ("telecom", scores(csat=(66.6, 150, 58.2, 74.1), nps=(0.4, 140, -15.9, 16.3),
                           contacts_per_case=(2.05, 150, 1.9, 2.21))),
    ]
    settings = config(1, 0.5, **weights)

    def on_scale(metric_id, values, end):
        return scale[metric_id](getattr(values[metric_id], end))

    def added(numbers):  # one by one, in order (sum() compensates from Python 3.12)
        total = 0.0
        for number in numbers:
            total += number
        return total

    means = {}
    for metric_id in weights:
        every = [on_scale(metric_id, values, "value") for _, values in board
                 if values[metric_id].value is not None]
        for industry in {industry for industry, _ in board}:
            mine = [on_scale(metric_id, values, "value") for name, values in board
                    if name == industry and values[metric_id].value is not None]
            mine = mine if len(mine) >= 2 else every
            means[industry, metric_id] = added(mine) / len(mine)
    got = candor_scores(board, settings)
    for (industry, values), (score, parts) in zip(board, got, strict=True):
        have = [m for m in weights if values[m].value is not None]
        available = sum(weights[m] for m in have)
        shrunk = {}
        for m in have:
            k = METRICS[m].min_n
            low, high = sorted((on_scale(m, values, "low"), on_scale(m, values, "high")))
            shrunk[m] = [(values[m].n * x + k * means[industry, m]) / (values[m].n + k)
                         for x in (on_scale(m, values, "value"), low, high)]
        ends = tuple(added(weights[m] / available * shrunk[m][end] for m in have)
                     for end in range(3))
        if available / 5 < 0.5:
            assert (score.value, score.low, score.high) == (None, None, None)
        else:
            assert (score.value, score.low, score.high) == ends
        assert score.n == values["csat"].n
        for part in parts:
            if part.metric_id in weights:
                assert part.target == means[industry, part.metric_id]
            if part.metric_id in have:
                assert (part.shrunk, part.low, part.high) == tuple(shrunk[part.metric_id])
    # the not-enough-data company still shows its parts; the partial one names its gap
    assert got[7][0].reason.startswith("not enough data: components holding 20% of the weight")
    assert got[4][0].reason == "partial: no data for nps; the other weights scaled up"
    assert [p.shrunk is not None for p in got[7][1] if p.metric_id in weights] == [
        False, True, False]


# --- candor.yaml ------------------------------------------------------------------------------


def test_the_repository_config_is_valid_and_names_every_component():
    settings = read_config(DEFAULT_CONFIG)
    assert set(settings.weights) == set(CANDOR_COMPONENTS)
    assert any(settings.weights.values())
    assert 0 < settings.min_weight_share <= 1


GOOD = DEFAULT_CONFIG.read_text(encoding="utf-8")


@pytest.mark.parametrize(("old", "new", "code", "line_of"), [
    ("  csat: 3\n", "  csat: -1\n", "bad_weight", "  csat:"),
    ("  csat: 3\n", "  csat: lots\n", "bad_weight", "  csat:"),
    ("  csat: 3\n", "  cstat: 3\n", "unknown_field", "  cstat:"),
    ("  csat: 3\n", "", "missing_field", "  nps:"),  # where the weights mapping starts
    ("prior_strength: 1\n", "prior_strenght: 1\n", "unknown_field", "prior_strenght:"),
    ("prior_strength: 1\n", "prior_strength: -2\n", "bad_prior_strength", "prior_strength:"),
    ("min_weight_share: 0.6\n", "min_weight_share: 1.5\n", "bad_weight_share",
     "min_weight_share:"),
    ("min_weight_share: 0.6\n", "min_weight_share: 0\n", "bad_weight_share",
     "min_weight_share:"),
    ("weights:\n", "weights: [\n", "yaml_syntax", None),
    ("  long_wait_seconds: 300 ", "  long_wait_seconds: 0 ", "bad_threshold",
     "  long_wait_seconds:"),
    ("  resolution_window_days: 14 ", "  resolution_window_days: 14.5 ", "bad_threshold",
     "  resolution_window_days:"),
    ("  top_complaint_topics: 5 ", "  top_complaint_topics: five ", "bad_threshold",
     "  top_complaint_topics:"),
    ("  stale_days: 60 ", "  stale_days: true ", "bad_threshold", "  stale_days:"),
    ("  stale_days: 60 ", "  stale_dayz: 60 ", "unknown_field", "  stale_dayz:"),
])
def test_a_bad_config_names_its_file_line_and_code(tmp_path, old, new, code, line_of):
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    path = tmp_path / "candor.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        read_config(path)
    problem = next(p for p in raised.value.problems if p.code == code)
    assert problem.file.endswith("candor.yaml")
    if line_of is not None:
        assert problem.line == next(number for number, line in
                                    enumerate(text.splitlines(), start=1)
                                    if line.startswith(line_of))


def test_the_repository_config_holds_the_default_thresholds():
    # candor.yaml spells out every threshold at methodology 1.0's value, so the demo's numbers
    # did not move when they left the code.
    assert read_config(DEFAULT_CONFIG).thresholds == Thresholds()
    assert {f"  {name}:" for name in Thresholds.__dataclass_fields__} <= {
        line.split(":")[0] + ":" for line in GOOD.splitlines()}


def test_a_threshold_left_out_keeps_its_default(tmp_path):
    path = tmp_path / "candor.yaml"
    path.write_text(GOOD.split("thresholds:")[0] + "thresholds:\n  stale_days: 30\n",
                    encoding="utf-8")
    assert read_config(path).thresholds == Thresholds(stale_days=30)
    path.write_text(GOOD.split("thresholds:")[0], encoding="utf-8")
    assert read_config(path).thresholds == Thresholds()


def test_thresholds_must_be_a_mapping(tmp_path):
    path = tmp_path / "candor.yaml"
    text = GOOD.split("thresholds:")[0] + "thresholds: 5\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        read_config(path)
    assert [(p.line, p.code) for p in raised.value.problems] == [
        (len(text.splitlines()), "not_mapping")]


def test_the_bad_threshold_fixture_names_each_problem_where_it_is():
    # tests/fixtures/config/bad-thresholds.yaml: a hold bar of 0 on line 6, column 22, and a
    # resolution window of "two weeks" on line 7, column 27 (columns count from 1).
    with pytest.raises(ConfigError) as raised:
        read_config(FIXTURES / "bad-thresholds.yaml")
    assert [(p.line, p.column, p.code) for p in raised.value.problems] == [
        (6, 22, "bad_threshold"), (7, 27, "bad_threshold")]
    first = raised.value.problems[0]
    assert "long_wait_seconds" in first.message
    assert first.hint == "write a whole number of seconds from 1 to 3600, e.g. 300"
    assert str(first).startswith(f"{first.file}:6:22: error: [bad_threshold]")


def test_all_weights_zero_is_refused(tmp_path):
    path = tmp_path / "candor.yaml"
    text = GOOD
    for metric_id in CANDOR_COMPONENTS:
        text = "\n".join(f"  {metric_id}: 0" if line.startswith(f"  {metric_id}:") else line
                         for line in text.splitlines())
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        read_config(path)
    assert [p.code for p in raised.value.problems] == ["no_weight"]


def test_the_build_stops_with_exit_2_on_a_bad_config(tmp_path):
    path = tmp_path / "candor.yaml"
    path.write_text(GOOD.replace("  csat: 3\n", "  csat: -1\n"), encoding="utf-8")
    line = GOOD.splitlines().index("  csat: 3") + 1
    done = run_publish("build", "--data", DEMO, "--output", tmp_path / "out", "--config", path)
    assert done.returncode == 2
    assert f"candor.yaml:{line}:" in done.stderr and "[bad_weight]" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


# --- the demo ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    board = build_scoreboard(DEMO)
    return {c.slug: c for c in board.companies}


def test_fernhollow_has_the_highest_candor_score_and_static_and_sons_one_of_the_lowest(demo):
    values = {slug: c.windows["all"]["candor_score"].value for slug, c in demo.items()}
    scored = sorted((v, slug) for slug, v in values.items() if v is not None)
    assert scored[-1][1] == "fernhollow"
    assert "static-and-sons" in [slug for _, slug in scored[:2]]


def test_teacup_mutual_is_not_enough_data_or_partial(demo):
    score = demo["teacup-mutual"].windows["all"]["candor_score"]
    assert score.value is None or score.reason.startswith("partial")
    assert score.reason


def test_every_demo_score_has_an_interval_around_it(demo):
    for company in demo.values():
        for window in company.windows.values():
            score = window["candor_score"]
            if score.value is not None:
                assert score.low <= score.value <= score.high, company.slug
                assert score.low >= 0 and score.high <= 100


def test_the_company_parts_add_up_to_the_published_score(demo):
    for company in demo.values():
        score = company.windows["all"]["candor_score"]
        if score.value is not None:
            total = sum(p.contribution for p in company.candor_parts if p.contribution)
            assert total == pytest.approx(score.value), company.slug
