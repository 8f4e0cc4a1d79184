"""Chart templates kept in the build cache (scoring.charts.prepare): a build with a cache reads
the eight chart templates (four charts, with and without methodology marks) that an earlier
build wrote, instead of importing Altair and building them, and its pages are the ones a build
without any cache makes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import REPO, same_tree

# publish.py's build in this process, then whether Altair was imported
BUILD = ("import sys, publish; code = publish.main(sys.argv[1:]); "
         "print('altair imported:', 'altair' in sys.modules); sys.exit(code)")


def _build(data: Path, output: Path, *extra: object) -> bool:
    """Builds; returns whether the build imported Altair."""
    done = subprocess.run([sys.executable, "-c", BUILD, "build", "--data", str(data),
                           "--output", str(output), *map(str, extra)],
                          cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return "altair imported: True" in done.stdout


def _saved(cache: Path) -> Path:
    (found,) = cache.glob("*/charts.templates")
    return found


def test_a_build_with_a_cache_uses_the_saved_templates_without_altair(two_demo_companies, tmp_path):
    cache = tmp_path / "cache"
    assert _build(two_demo_companies, tmp_path / "cold", "--cache", cache)
    saved = json.loads(_saved(cache).read_text("utf-8"))
    assert sorted(saved["templates"]) == [f"{kind}:{marked}" for kind in
                                          ("contacts_per_case", "csat", "nps", "waits")
                                          for marked in (0, 1)]
    assert saved["key"].startswith("altair ")
    # One rating changes: that company's page and charts are made again, from the templates.
    newest = sorted((two_demo_companies / "parcelwick" / "feedback").glob("*.csv"))[-1]
    text = newest.read_text("utf-8")
    newest.write_text(text.replace(",5,", ",1,", 1), encoding="utf-8")
    assert not _build(two_demo_companies, tmp_path / "warm", "--cache", cache)
    assert _build(two_demo_companies, tmp_path / "plain", "--no-cache")
    same_tree(tmp_path / "plain", tmp_path / "warm")
    page = (tmp_path / "warm" / "companies" / "parcelwick" / "index.html").read_text("utf-8")
    assert page != (tmp_path / "cold" / "companies" / "parcelwick" / "index.html").read_text(
        "utf-8")
    assert all(f'id="spec-{kind}"' in page for kind in ("csat", "nps", "waits",
                                                         "contacts_per_case"))


def test_saved_templates_of_another_altair_or_damaged_are_built_again(two_demo_companies, tmp_path):
    cache = tmp_path / "cache"
    _build(two_demo_companies, tmp_path / "first", "--cache", cache)
    saved = _saved(cache)
    good = json.loads(saved.read_text("utf-8"))
    stale = {"key": "altair 0.0; another charts.py",
             "templates": {name: {"mark": "point"} for name in good["templates"]}}
    for damage in (json.dumps(stale), "{not json", json.dumps({"key": good["key"]})):
        saved.write_text(damage, encoding="utf-8")
        assert _build(two_demo_companies, tmp_path / "again", "--cache", cache)  # built again
        assert json.loads(saved.read_text("utf-8")) == good  # and written again, whole
        same_tree(tmp_path / "first", tmp_path / "again")
