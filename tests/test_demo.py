"""The demo data: `publish.py demo` rewrites data/ byte for byte, and the data tells its stories."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import yaml
from conftest import tree_bytes

from scoring.board import build_scoreboard

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
MONTH_FILE = re.compile(r"\d{4}-(0[1-9]|1[0-2])\.csv")


def companies() -> list[Path]:
    return sorted(p for p in DATA.iterdir() if (p / "company.yaml").is_file())


def profile(folder: Path) -> dict:
    return yaml.safe_load((folder / "company.yaml").read_text(encoding="utf-8"))


# --- the generator --------------------------------------------------------------------------

def test_demo_seed_7_rewrites_data_byte_for_byte(publish, tmp_path):
    target = tmp_path / "data"
    # A folder that is not a demo company: "rewrite" means it is gone afterwards.
    (target / "old-company" / "feedback").mkdir(parents=True)
    (target / "old-company" / "company.yaml").write_text("name: Old\n", encoding="utf-8")
    done = publish("demo", "--seed", "7", "--data", target)
    assert done.returncode == 0, done.stderr
    written, committed = tree_bytes(target), tree_bytes(DATA)
    assert sorted(written) == sorted(committed)
    different = [name for name in committed if written[name] != committed[name]]
    assert different == [], f"{len(different)} files differ from data/, e.g. {different[:3]}"


def test_demo_another_seed_gives_other_data(publish, tmp_path):
    target = tmp_path / "data"
    done = publish("demo", "--seed", "8", "--data", target)
    assert done.returncode == 0, done.stderr
    written, committed = tree_bytes(target), tree_bytes(DATA)
    feedback = [name for name in committed if name.endswith(".csv") and name in written]
    assert feedback
    changed = [name for name in feedback if written[name] != committed[name]]
    # Every month of every company is drawn anew, not only the seed in a header.
    assert len(changed) > len(feedback) // 2


# --- the brief ------------------------------------------------------------------------------

def test_demo_has_at_least_8_companies():
    assert len(companies()) >= 8


def test_demo_covers_the_industries_of_the_brief():
    industries = {profile(folder)["industry"] for folder in companies()}
    assert len(industries) >= 4
    assert {"e-commerce", "banking", "telecom", "ride-hailing"} <= industries


def test_demo_most_companies_have_24_monthly_files():
    full = [folder.name for folder in companies()
            if len([f for f in (folder / "feedback").iterdir()
                    if MONTH_FILE.fullmatch(f.name)]) == 24]
    assert len(full) > len(companies()) / 2, full


def test_demo_most_companies_have_an_action_log():
    with_actions = [f.name for f in companies() if (f / "actions.yaml").is_file()]
    assert len(with_actions) > len(companies()) / 2
    for name in with_actions:
        entries = yaml.safe_load((DATA / name / "actions.yaml").read_text(encoding="utf-8"))
        assert isinstance(entries, list) and entries, name


def test_demo_has_at_least_50000_contacts():
    rows = 0
    for path in DATA.glob("*/feedback/*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            rows += sum(1 for _ in csv.reader(handle)) - 1  # minus the header
    assert rows >= 50_000


# --- the stories, on the scoreboard ---------------------------------------------------------

@pytest.fixture(scope="module")
def board():
    return build_scoreboard(DATA)


def test_demo_data_is_all_valid(board):
    assert board.problems == []
    assert board.quarantined == []


def test_story_a_done_refund_action_lifts_satisfaction(board):
    lifts = [
        (c.slug, a.id, a.effect.after.value - a.effect.before.value)
        for c in board.companies for a in c.actions
        if a.status == "done" and a.topic == "refund" and a.effect is not None
        and a.effect.before.value is not None and a.effect.after.value is not None
    ]
    assert any(change >= 20 for _, _, change in lifts), lifts


def _csat_of(company, dimension: str) -> dict[str, float | None]:
    return {g.name: g.csat.value for g in company.breakdowns[dimension]}


@pytest.mark.parametrize(("dimension", "better", "worse"), [
    pytest.param("site", "in-house", "vendor-a", id="outsourced-site-is-worse"),
    pytest.param("stage", "pre_sale", "post_sale", id="worse-after-the-sale"),
])
def test_story_one_group_is_served_far_worse(board, dimension, better, worse):
    gaps = []
    for company in board.companies:
        groups = _csat_of(company, dimension)
        if groups.get(better) is not None and groups.get(worse) is not None:
            gaps.append((company.slug, groups[better] - groups[worse]))
    assert any(gap >= 20 for _, gap in gaps), gaps


def test_story_a_declined_action_says_why(board):
    declined = [a for c in board.companies for a in c.actions if a.status == "declined"]
    assert declined
    assert all(a.reason.strip() for a in declined)


def test_story_a_company_with_too_little_data(board):
    assert any(c.windows["all"]["csat"].value is None for c in board.companies)
    # ... yet it has contacts: too few ratings, not an empty folder.
    assert any(c.windows["all"]["csat"].value is None and c.windows["all"]["contacts"].n > 0
               for c in board.companies)


def test_story_a_stale_company(board):
    stale = [c.slug for c in board.companies
             if (c.windows["all"]["freshness_days"].value or 0) > 60]
    assert stale
    assert all(c.stale for c in board.companies if c.slug in stale)
