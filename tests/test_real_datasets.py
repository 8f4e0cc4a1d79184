"""Candor on real public data nobody here made (../shared/datasets, see its README): a call
centre's 5,000 calls and 6,623 CFPB complaints against 710 companies, converted to the data
contract here, then validated and built for real. The data sets' licences forbid copying them
into the repository, so where they are absent (a user's clone) these tests skip.

Expected numbers come from the data sets' PROVENANCE.md counts or from counting the source
CSV here with the csv module, never from Candor."""

from __future__ import annotations

import csv
import gzip
import html
import json
import re
from pathlib import Path

import pytest

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
CALLS = DATASETS / "pwc_call_centre" / "Call-Center-Dataset.csv"
COMPLAINTS = DATASETS / "cfpb_complaints_sample" / "complaints_sample.csv"
# The datasets' README: read them where they exist, skip cleanly where they do not.
pytestmark = pytest.mark.skipif(not DATASETS.is_dir(), reason="no ../shared/datasets here")
HEADER = ("id,submitted_at,channel,case_id,stage,topic,site,rating,nps,wait_seconds,resolved,"
          "resolved_at,comment,comment_public")


def _company(folder: Path, name: str, industry: str) -> None:
    folder.mkdir(parents=True)
    (folder / "feedback").mkdir()
    (folder / "company.yaml").write_text(
        f"name: {json.dumps(name)}\nindustry: {industry}\nwebsite: https://example.org/\n"
        "country: US\n", encoding="utf-8")


def _write(path: Path, rows: list[dict]) -> None:
    columns = HEADER.split(",")
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: row.get(c, "") for c in columns} for row in rows)


def _read(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8-sig") as source:
        return list(csv.DictReader(source))


def convert_calls(data: Path) -> list[dict]:
    """PwC's teaching call centre: one company, phone only. Its times have no zone; they are
    taken as UTC (the contract needs an offset, and nothing here depends on the hour)."""
    calls = _read(CALLS)
    rows = [{
        "id": c["Call Id"],
        "submitted_at": f"{c['Date']}T{int(c['Time'].split(':')[0]):02d}:"
                        f"{c['Time'].split(':', 1)[1]}Z",
        "channel": "phone",
        "topic": c["Topic"].lower(),
        "site": c["Agent"].lower(),
        "rating": c["Satisfaction rating"],
        "wait_seconds": c["Speed of answer in seconds"],
        "resolved": {"Y": "true", "N": "false"}[c["Resolved"]],
    } for c in calls]
    _company(data / "phonenow", "PhoneNow (PwC case)", "telecom")
    _write(data / "phonenow" / "feedback" / "2021-q1.csv", rows)
    return calls


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:63].rstrip("-")


CHANNELS = {"Phone": "phone", "Email": "email"}  # web forms, referrals, post and fax: other


def convert_complaints(data: Path) -> list[dict]:
    """CFPB complaints: one row per complaint, its company, product as topic, the state as
    site. Narratives are the complainant's words: kept as unconsented comments, which Candor
    must never publish."""
    complaints = _read(COMPLAINTS)
    by_company: dict[str, list[dict]] = {}
    for c in complaints:
        by_company.setdefault(c["Company"], []).append({
            "id": c["Complaint ID"],
            "submitted_at": c["Date received"],
            "channel": CHANNELS.get(c["Submitted via"], "other"),
            "topic": c["Product"].split(",")[0].lower()[:60],
            "site": c["State"],
            "resolved": "true" if "relief" in c["Company response to consumer"] else "false",
            "comment": c["Consumer complaint narrative"],
            "comment_public": "false",
        })
    for name, rows in by_company.items():
        _company(data / slug(name), name, "banking")
        _write(data / slug(name) / "feedback" / "complaints.csv", rows)
    return complaints



@pytest.fixture(scope="module")
def call_centre(tmp_path_factory, publish):
    root = tmp_path_factory.mktemp("calls")
    calls = convert_calls(root / "data")
    done = publish("build", "--data", root / "data", "--output", root / "out", "--strict")
    assert done.returncode == 0, done.stdout + done.stderr
    scores = json.loads((root / "out" / "data" / "scores.json").read_text(encoding="utf-8"))
    return calls, scores["companies"][0]


def test_call_centre_validates_as_converted(tmp_path, publish):
    convert_calls(tmp_path / "data")
    done = publish("validate", "--data", tmp_path / "data")
    assert done.returncode == 0, done.stdout + done.stderr


def test_call_centre_scores_match_its_published_counts(call_centre):
    calls, company = call_centre
    scores = company["windows"]["all"]
    assert len(calls) == 5000 and company["rows"]["counted"] == 5000
    # PROVENANCE.md: ratings 1: 417, 2: 396, 3: 1,218, 4: 1,180, 5: 843; blank when unanswered
    assert scores["responses"]["value"] == 4054
    assert scores["csat"]["n"] == 4054
    # scores.json rounds shares to one decimal
    assert scores["csat"]["value"] == round(100 * (1180 + 843) / 4054, 1) == 49.9
    # every call is its own case, its outcome known: resolved Y 3,646 of 5,000
    assert scores["first_contact_resolution"]["value"] == 72.9  # 100 * 3646 / 5000 = 72.92
    assert scores["contacts_per_case"]["value"] == 1.0
    # speed of answer runs from 10 to 125 s: nobody waited over 5 minutes
    assert scores["share_waits_over_5min"]["value"] == 0.0
    assert scores["share_waits_over_5min"]["n"] == 4054


def test_call_centre_median_wait_matches_the_source(call_centre):
    calls, company = call_centre
    waits = sorted(int(c["Speed of answer in seconds"]) for c in calls
                   if c["Speed of answer in seconds"])
    median = company["windows"]["all"]["wait_seconds_p50"]["value"]
    # an even count: any value between the two middle waits is a median
    assert waits[len(waits) // 2 - 1] <= median <= waits[len(waits) // 2]


@pytest.fixture(scope="module")
def complaints_site(tmp_path_factory, publish):
    root = tmp_path_factory.mktemp("cfpb")
    complaints = convert_complaints(root / "data")
    done = publish("build", "--data", root / "data", "--output", root / "out", "--strict",
                   timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return complaints, root / "out", done


def test_complaints_build_a_page_per_company(complaints_site):
    complaints, out, _ = complaints_site
    names = {c["Company"] for c in complaints}
    assert len(names) == 710  # PROVENANCE.md
    assert len({slug(n) for n in names}) == 710
    scores = json.loads((out / "data" / "scores.json").read_text(encoding="utf-8"))
    by_name = {c["name"]: c for c in scores["companies"]}
    assert set(by_name) == names
    assert sum(c["rows"]["counted"] for c in by_name.values()) == 6623
    # PROVENANCE.md: TransUnion 1,708 complaints; Experian 850
    big = sorted(by_name.values(), key=lambda c: -c["rows"]["counted"])[:2]
    assert [c["rows"]["counted"] for c in big] == [1708, 850]
    for company in by_name.values():
        assert (out / "companies" / company["slug"] / "index.html").is_file()


def test_complaint_narratives_never_reach_the_site(complaints_site):
    # Narratives were committed without publication consent: no sentence of any of them may
    # appear in any built file (HTML unescaped, search-index fragments decompressed) or in the
    # build's output. One probe per narrative, its longest sentence, keeps the search fast.
    complaints, out, done = complaints_site
    probes = set()
    for c in complaints:
        sentences = [" ".join(s.split()) for s in c["Consumer complaint narrative"].split(".")]
        longest = max(sentences, key=len)
        if len(longest) > 40:
            probes.add(longest)
    assert len(probes) > 1000
    texts = [done.stdout, done.stderr]
    for path in out.rglob("*"):
        if path.is_file() and path.suffix not in (".js", ".css", ".wasm", ".svg"):
            data = path.read_bytes()
            if path.suffix == ".pf_fragment":
                data = gzip.decompress(data)
            texts.append(" ".join(html.unescape(data.decode("utf-8", "replace")).split()))
    built = "\n".join(texts)
    assert [probe for probe in probes if probe in built] == []
