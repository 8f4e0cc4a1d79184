"""Slim cache entries: beside each company's whole result the cache keeps a slim one (its
monthly Scores of the Candor score's components only, no breakdowns, no comments), which a
build reads for every company whose page it does not make again; a page made again comes from
the whole entry (Cache.fill). Every build equals a build without any cache."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import same_tree, scored

from scoring.cache import Cache, MonthRows, SlimEntryWithoutFull, filled, result_of

COMPANIES = ("fernhollow", "parcelwick")  # what two_demo_companies holds
# The Candor score's components (methodology: CSAT, NPS, solved at first contact, contacts
# per case, waits over 5 minutes, cases resolved, follow-through, complaints answered)
COMPONENTS = {"csat", "nps", "first_contact_resolution", "contacts_per_case",
              "share_waits_over_5min", "resolution_rate", "follow_through", "action_coverage"}


def _entries(cache: Path) -> list[tuple[str, Path]]:
    (folder,) = cache.iterdir()
    return [(path.stem, path) for path in sorted(folder.glob(f"*{Cache.SUFFIX}"))]


def test_a_slim_entry_holds_the_components_months_and_everything_else_but_breakdowns(
        two_demo_companies, tmp_path, build_site):
    cache = tmp_path / "cache"
    built = build_site(two_demo_companies, tmp_path / "site", "--cache", cache)
    assert built.result.returncode == 0
    entries = _entries(cache)
    assert len(entries) == len(COMPANIES)
    for entry_key, path in entries:
        whole = result_of(entry_key, path.read_bytes())
        slim = result_of(entry_key, path.with_suffix(Cache.SLIM).read_bytes())
        assert whole.breakdowns and whole.comments  # the whole one has them...
        assert slim.breakdowns == {} and slim.comments == []  # ...the slim one not
        assert [m for m, _ in slim.monthly] == [m for m, _ in whole.monthly]
        for (_, part), (_, scores) in zip(slim.monthly, whole.monthly, strict=True):
            assert set(part) == COMPONENTS & set(scores)
            assert len(part) < len(scores) / 2  # most monthly Scores stay out
            assert all(part[k] == scores[k] for k in part)
        assert slim.windows == whole.windows  # every window's every Score is kept
        assert (slim.slug, slim.profile, slim.files, slim.actions, slim.n_public_comments) == (
            whole.slug, whole.profile, whole.files, whole.actions, whole.n_public_comments)
        assert filled(slim, whole) == whole
        assert filled(slim, result_of(*next(e for e in (
            (k, p.read_bytes()) for k, p in entries) if e[0] != entry_key))) is None


def test_pages_made_again_from_slim_entries_equal_a_build_without_cache(
        two_demo_companies, tmp_path, build_site):
    """With the page cache gone, every company's page is made again: from its slim entry made
    whole by the whole one."""
    cache = tmp_path / "cache"
    build_site(two_demo_companies, tmp_path / "first", "--cache", cache)
    (folder,) = cache.iterdir()
    for path in folder.glob(f"*{Cache.FILES}"):
        path.unlink()
    again = build_site(two_demo_companies, tmp_path / "again", "--cache", cache)
    assert scored(again.result.stdout) == (0, 2)
    plain = build_site(two_demo_companies, tmp_path / "plain", "--no-cache")
    same_tree(plain.output, again.output)


def test_a_damaged_whole_entry_behind_a_slim_one_is_scored_again(two_demo_companies, tmp_path,
                                                                 build_site):
    cache = tmp_path / "cache"
    build_site(two_demo_companies, tmp_path / "first", "--cache", cache)
    (folder,) = cache.iterdir()
    for path in folder.glob(f"*{Cache.FILES}"):  # the pages must be made again...
        path.unlink()
    for _, path in _entries(cache):  # ...and the whole entries cannot be read
        path.write_bytes(path.read_bytes()[:40])
    again = build_site(two_demo_companies, tmp_path / "again", "--cache", cache)
    assert again.result.returncode == 0, again.result.stderr
    assert "Traceback" not in again.result.stderr
    assert scored(again.result.stdout) == (2, 0)  # scored again, not trusted
    plain = build_site(two_demo_companies, tmp_path / "plain", "--no-cache")
    same_tree(plain.output, again.output)
    # and the entries are whole again: the next build reuses both
    assert scored(build_site(two_demo_companies, tmp_path / "next", "--cache", cache
                              ).result.stdout) == (0, 2)


def test_fill_refuses_a_whole_entry_it_cannot_read(two_demo_companies, tmp_path, build_site):
    from scoring.board import build_scoreboard

    cache_dir = tmp_path / "cache"
    build_site(two_demo_companies, tmp_path / "first", "--cache", cache_dir)
    cache = Cache.for_data(cache_dir, two_demo_companies)
    board = build_scoreboard(two_demo_companies, cache=cache, slim=True)
    assert set(cache.slim) == set(COMPANIES)
    company = board.companies[0]
    assert not company.breakdowns
    assert cache.fill(company).breakdowns  # whole again
    (cache.folder / f"{cache.slim[company.slug]}{Cache.SUFFIX}").unlink()
    with pytest.raises(SlimEntryWithoutFull, match=company.slug):
        cache.fill(company)
    # a result scored by this build (a cold cache) is whole, and fill gives it back as it is
    other = Cache(tmp_path / "other")
    scored = build_scoreboard(two_demo_companies, cache=other, slim=True).companies[0]
    assert scored.breakdowns and other.fill(scored) is scored


def test_a_slim_entrys_months_read_as_arrays_hold_their_scores_fields(
        two_demo_companies, tmp_path, build_site):
    """What a build reads of a slim entry's months (MonthRows: their Scores not made) is, for
    each month and each metric asked for, the value, interval ends (NaN for None) and n of
    the Score the entry holds; a metric a month does not hold is a KeyError, as its table
    would give."""
    cache = tmp_path / "cache"
    assert build_site(two_demo_companies, tmp_path / "site", "--cache", cache
                      ).result.returncode == 0
    names = ("nps", "csat", "contacts_per_case", "follow_through")
    nones = 0  # Scores without a value or interval: NaN in the arrays
    for entry_key, path in _entries(cache):
        entry = path.with_suffix(Cache.SLIM).read_bytes()
        made = result_of(entry_key, entry)
        kept = result_of(entry_key, entry, months=True)
        assert isinstance(kept.monthly, MonthRows)
        assert kept.monthly.months == [month for month, _ in made.monthly]
        assert len(made.monthly) > 6
        value, low, high, n = kept.monthly.fields(names)
        assert value.shape == low.shape == high.shape == n.shape == (len(made.monthly), 4)
        for row, (_, scores) in enumerate(made.monthly):
            for column, name in enumerate(names):
                score = scores[name]
                for got, want in ((value, score.value), (low, score.low), (high, score.high)):
                    nones += want is None
                    assert (math.isnan(got[row, column]) if want is None
                            else got[row, column] == want)
                assert n[row, column] == score.n
        assert (kept.slug, kept.windows, kept.files, kept.actions) == (
            made.slug, made.windows, made.files, made.actions)
        with pytest.raises(KeyError, match="wait_seconds_p50"):
            kept.monthly.fields(("csat", "wait_seconds_p50"))  # not a component: not kept
    assert nones  # the demo's quiet months have some


def test_the_months_are_the_only_pairs_of_text_and_score_table_a_cached_result_holds():
    """result_of(months=True) reads every list of (text, Score table) pairs of an entry as a
    result's months (MonthRows): that holds while CompanyResult.monthly is the only field of
    the cached classes that is one."""
    import dataclasses

    from scoring.cache import TYPES

    pairs = [(name, f.name) for name, cls in TYPES.items() for f in dataclasses.fields(cls)
             if "tuple[str, dict[str, Score]]" in str(f.type)]
    assert pairs == [("CompanyResult", "monthly")]
