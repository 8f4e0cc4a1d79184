"""`publish.py audit`: tamper evidence on real temporary git repositories."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.audit import STATE, Event, audit, report_text
from scoring.cache import Cache
from scoring.git import GitError

HEADER = "id,submitted_at,channel,rating\n"
SCRIPT = Path(__file__).resolve().parent.parent / "publish.py"


class Repo:
    """A git repository with data/<slug>/feedback/ files, committed on chosen days."""

    def __init__(self, root: Path):
        self.root = root
        self.data = root / "data"
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "test@example.com")
        self.git("config", "user.name", "Test")

    def git(self, *args: str, date: str = "2026-01-01T00:00:00+00:00") -> str:
        env = {**os.environ, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date}
        return subprocess.run(["git", *args], cwd=self.root, check=True, capture_output=True,
                              text=True, env=env).stdout.strip()

    def write(self, company: str, name: str, text: str) -> None:
        feedback = self.data / company / "feedback"
        feedback.mkdir(parents=True, exist_ok=True)
        (self.data / company / "company.yaml").write_text(f"name: {company}\nindustry: banking\n")
        (feedback / name).write_text(text)

    def commit(self, day: str) -> str:
        """Commit everything at noon UTC on `day`; the new commit's sha."""
        date = f"{day}T12:00:00+00:00"
        self.git("add", "-A")
        self.git("commit", "-q", "-m", day, date=date)
        return self.git("rev-parse", "HEAD")


def csv_rows(*rows: tuple[str, int]) -> str:
    return HEADER + "".join(f"{row_id},2026-01-05,phone,{rating}\n" for row_id, rating in rows)


def jsonl_rows(*rows: tuple[str, int]) -> str:
    return "".join(json.dumps({"id": row_id, "submitted_at": "2026-01-05", "channel": "phone",
                               "rating": rating}) + "\n" for row_id, rating in rows)


FIVE = [("a1", 5), ("a2", 4), ("a3", 1), ("a4", 2), ("a5", 5)]


@pytest.fixture
def repo(tmp_path) -> Repo:
    """acme with five CSV contacts, committed on 2026-02-01."""
    made = Repo(tmp_path)
    made.write("acme", "2026-01.csv", csv_rows(*FIVE))
    made.commit("2026-02-01")
    return made


def publish(repo_root: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], cwd=repo_root,
                          capture_output=True, text=True, timeout=120, check=False)


# --- what counts ------------------------------------------------------------------------------

def test_only_additions_is_clean(repo):
    repo.write("acme", "2026-02.csv", csv_rows(("b1", 3), ("b2", 4)))
    repo.commit("2026-03-01")
    # a row appended to an existing file is an addition too
    repo.write("acme", "2026-01.csv", csv_rows(*FIVE, ("a6", 1)))
    repo.commit("2026-03-02")
    assert audit(repo.data) == []


def test_deleting_two_rows_is_one_event(repo):
    repo.write("acme", "2026-01.csv", csv_rows(FIVE[0], FIVE[2], FIVE[4]))  # a2, a4 gone
    sha = repo.commit("2026-05-02")
    assert audit(repo.data) == [
        Event("acme", "deleted", sha, "2026-05-02T12:00:00+00:00", 2, ("a2", "a4")),
    ]


def test_changing_one_rating_is_one_alteration(repo):
    repo.write("acme", "2026-01.csv", csv_rows(*FIVE[:2], ("a3", 5), *FIVE[3:]))  # a3: 1 -> 5
    sha = repo.commit("2026-05-03")
    assert audit(repo.data) == [
        Event("acme", "altered", sha, "2026-05-03T12:00:00+00:00", 1, ("a3",)),
    ]


def test_changing_a_comment_is_an_alteration(repo):
    # any cell counts, not only the scored ones; an added empty column does not
    repo.write("acme", "2026-01.csv",
               "id,submitted_at,channel,rating,comment\n"
               "a1,2026-01-05,phone,5,\n"
               "a2,2026-01-05,phone,4,great\n"
               "a3,2026-01-05,phone,1,\n"
               "a4,2026-01-05,phone,2,\n"
               "a5,2026-01-05,phone,5,\n")
    sha = repo.commit("2026-05-04")
    assert [(e.kind, e.commit, e.ids) for e in audit(repo.data)] == [("altered", sha, ("a2",))]


def test_moving_rows_between_files_and_formats_is_not_an_event(repo):
    # a4 and a5 move to a JSONL file, where the rating is a JSON number rather than text
    repo.write("acme", "2026-01.csv", csv_rows(*FIVE[:3]))
    repo.write("acme", "2026-02.jsonl", jsonl_rows(*FIVE[3:]))
    repo.commit("2026-03-01")
    # and the CSV file is renamed
    repo.git("mv", "data/acme/feedback/2026-01.csv", "data/acme/feedback/january.csv")
    repo.commit("2026-03-02")
    assert audit(repo.data) == []


def test_reordering_columns_is_not_an_event(repo):
    repo.write("acme", "2026-01.csv", "rating,channel,id,submitted_at\n" + "".join(
        f"{rating},phone,{row_id},2026-01-05\n" for row_id, rating in FIVE))
    repo.commit("2026-03-01")
    assert audit(repo.data) == []


def test_jsonl_deletion_and_alteration_in_one_commit(tmp_path):
    repo = Repo(tmp_path)
    repo.write("beta", "2026-01.jsonl", jsonl_rows(("j1", 5), ("j2", 4), ("j3", 3)))
    repo.commit("2026-02-01")
    # j1 deleted; j2: 4 -> 1; keys reordered on j3, which is not a change
    repo.write("beta", "2026-01.jsonl", jsonl_rows(("j2", 1)) + json.dumps(
        {"rating": 3, "channel": "phone", "submitted_at": "2026-01-05", "id": "j3"}) + "\n")
    sha = repo.commit("2026-06-10")
    assert audit(repo.data) == [
        Event("beta", "deleted", sha, "2026-06-10T12:00:00+00:00", 1, ("j1",)),
        Event("beta", "altered", sha, "2026-06-10T12:00:00+00:00", 1, ("j2",)),
    ]


def test_parquet_rows_are_followed_too(tmp_path):
    import pandas as pd

    repo = Repo(tmp_path)

    def parquet(name: str, rows: list[tuple[str, int]]) -> None:
        (repo.data / "acme" / "feedback").mkdir(parents=True, exist_ok=True)
        (repo.data / "acme" / "company.yaml").write_text("name: acme\nindustry: banking\n")
        pd.DataFrame({"id": [r[0] for r in rows], "submitted_at": ["2026-01-05"] * len(rows),
                      "channel": ["phone"] * len(rows), "rating": [r[1] for r in rows]},
                     ).to_parquet(repo.data / "acme" / "feedback" / name, index=False)

    parquet("2026-01.parquet", [("p1", 5), ("p2", 4), ("p3", 3)])
    repo.commit("2026-02-01")
    # p3 moves to a CSV file unchanged (the integer 3 and the text "3" are the same value);
    # p2's rating changes from 4 to 2
    parquet("2026-01.parquet", [("p1", 5), ("p2", 2)])
    repo.write("acme", "2026-02.csv", csv_rows(("p3", 3)))
    sha = repo.commit("2026-03-01")
    assert audit(repo.data) == [
        Event("acme", "altered", sha, "2026-03-01T12:00:00+00:00", 1, ("p2",)),
    ]


def test_events_belong_to_the_right_company(repo):
    repo.write("zeta", "2026-01.csv", csv_rows(("a1", 5), ("z2", 5)))  # a1 too: ids are per company
    first = repo.commit("2026-02-02")
    repo.write("zeta", "2026-01.csv", csv_rows(("z2", 5)))
    second = repo.commit("2026-02-03")
    events = audit(repo.data)
    assert events == [Event("zeta", "deleted", second, "2026-02-03T12:00:00+00:00", 1, ("a1",))]
    assert first != second


def test_a_re_added_row_keeps_its_deletion(repo):
    repo.write("acme", "2026-01.csv", csv_rows(*FIVE[1:]))
    deleted = repo.commit("2026-04-01")
    repo.write("acme", "2026-01.csv", csv_rows(("a1", 1), *FIVE[1:]))  # back, with a new rating
    repo.commit("2026-04-02")
    assert audit(repo.data) == [
        Event("acme", "deleted", deleted, "2026-04-01T12:00:00+00:00", 1, ("a1",)),
    ]


def test_removing_a_company_deletes_its_rows(repo):
    repo.write("zeta", "2026-01.csv", csv_rows(("z1", 5)))
    repo.commit("2026-03-01")
    repo.git("rm", "-rq", "data/acme")
    sha = repo.commit("2026-04-01")
    assert audit(repo.data) == [Event("acme", "deleted", sha, "2026-04-01T12:00:00+00:00", 5,
                                      ("a1", "a2", "a3", "a4", "a5"))]


def test_an_unreadable_version_deletes_nothing(repo):
    # an unterminated quote: the file cannot be read whole at this commit, so it is skipped
    repo.write("acme", "2026-01.csv", csv_rows(*FIVE[:2]) + 'a3,2026-01-05,"phone,1\n')
    repo.commit("2026-04-01")
    # readable again, without a5: the deletion is reported against this commit
    repo.write("acme", "2026-01.csv", csv_rows(*FIVE[:4]))
    fixed = repo.commit("2026-04-02")
    assert audit(repo.data) == [
        Event("acme", "deleted", fixed, "2026-04-02T12:00:00+00:00", 1, ("a5",)),
    ]


def test_only_feedback_files_count(repo):
    (repo.data / "acme" / "company.yaml").write_text("name: Acme Ltd\nindustry: banking\n")
    (repo.data / "acme" / "notes.csv").write_text(HEADER)
    repo.commit("2026-03-01")
    (repo.data / "acme" / "notes.csv").unlink()
    repo.commit("2026-03-02")
    assert audit(repo.data) == []


def test_files_left_out_of_git_archive_are_still_read(repo):
    # export-ignore keeps a file out of `git archive`; the audit reads blobs by their sha
    (repo.root / ".gitattributes").write_text("*.csv export-ignore\n")
    repo.commit("2026-03-01")
    repo.write("acme", "2026-01.csv", csv_rows(*FIVE[:4]))
    sha = repo.commit("2026-03-02")
    assert [(e.kind, e.commit, e.ids) for e in audit(repo.data)] == [("deleted", sha, ("a5",))]


def test_ids_are_capped_and_the_count_is_not(tmp_path):
    repo = Repo(tmp_path)
    many = [(f"r{i:02d}", 5) for i in range(25)]
    repo.write("acme", "2026-01.csv", csv_rows(*many))
    repo.commit("2026-02-01")
    repo.write("acme", "2026-01.csv", HEADER)
    repo.commit("2026-02-02")
    (event,) = audit(repo.data)
    assert event.count == 25
    assert event.ids == tuple(f"r{i:02d}" for i in range(20))


def test_not_a_git_repository_raises(tmp_path):
    (tmp_path / "data").mkdir()
    with pytest.raises(GitError, match="is not inside a git repository"):
        audit(tmp_path / "data")


# --- the walk kept in a build's cache ---------------------------------------------------------

def test_a_kept_walk_goes_on_from_its_commit(repo, tmp_path):
    cache = Cache(tmp_path / "cache")
    assert audit(repo.data, cache) == []
    state = json.loads(cache.read(STATE))
    assert state["commit"] == repo.git("rev-parse", "HEAD")
    # what the kept state says is taken as it is: an event it holds is reported again
    kept = Event("acme", "deleted", state["commit"], "2026-02-01T12:00:00+00:00", 1, ("zz",))
    state["events"] = [kept.as_dict()]
    cache.write(STATE, state)
    repo.write("acme", "2026-01.csv", csv_rows(FIVE[0], FIVE[2], FIVE[4]))  # a2, a4 gone
    sha = repo.commit("2026-05-02")
    deleted = Event("acme", "deleted", sha, "2026-05-02T12:00:00+00:00", 2, ("a2", "a4"))
    assert audit(repo.data, cache) == [kept, deleted]
    assert json.loads(cache.read(STATE))["commit"] == sha
    assert audit(repo.data) == [deleted]  # without a cache: from the first commit


@pytest.mark.parametrize("how", ["history rewritten", "other code", "damaged"])
def test_a_kept_walk_that_does_not_fit_is_not_used(repo, tmp_path, how):
    cache = Cache(tmp_path / "cache")
    repo.write("acme", "2026-01.csv", csv_rows(*FIVE[:4]))  # a5 gone
    repo.commit("2026-05-02")
    state = json.loads(cache.read(STATE)) if audit(repo.data, cache) else None
    state["events"] = [{**state["events"][0], "ids": ["zz"]}]  # not what the history says
    cache.write(STATE, state)
    if how == "history rewritten":  # the kept commit is no longer in the history
        repo.git("reset", "-q", "--hard", "HEAD~1")
        repo.write("acme", "2026-01.csv", csv_rows(*FIVE[1:]))  # a1 gone instead
        sha = repo.commit("2026-05-03")
        expected = [Event("acme", "deleted", sha, "2026-05-03T12:00:00+00:00", 1, ("a1",))]
    else:
        if how == "other code":
            cache.write(STATE, {**state, "code": "another version"})
        else:
            cache.write(STATE, cache.read(STATE)[:-9])
        expected = [Event("acme", "deleted", repo.git("rev-parse", "HEAD"),
                          "2026-05-02T12:00:00+00:00", 1, ("a5",))]
    assert audit(repo.data, cache) == expected


# Each commit of a random history writes, empties, breaks or removes one of three files of two
# companies, their rows drawn from one pool of ids (so rows move between files and companies
# and ids repeat). The model follows the documented rules with the rows as written: a file
# that cannot be read keeps its last readable rows, a company's rows are its files' in path
# order with the first of a repeated id kept, and each commit is compared with the one before.
FILES = ("acme/feedback/2026-01.csv", "acme/feedback/2026-02.csv", "bolt/feedback/2026-01.csv")
IDS = ("a", "b", "c", "d", "e")
change = st.tuples(
    st.sampled_from(FILES),
    st.one_of(st.lists(st.tuples(st.sampled_from(IDS), st.integers(1, 2)), max_size=4),
              st.sampled_from(["unreadable", "removed"])))


def model(history: list[tuple[str, str, dict[str, list | str]]]) -> list[Event]:
    events, rows_before, readable = [], {}, {}
    for sha, date, files in history:
        readable = {path: (readable.get(path) if rows == "unreadable" else rows)
                    for path, rows in files.items()}
        rows_now: dict[str, dict[str, int]] = {}
        for path in sorted(readable):
            company = rows_now.setdefault(path.split("/")[0], {})
            for row_id, rating in readable[path] or []:
                company.setdefault(row_id, rating)
        for company in sorted(rows_before.keys() | rows_now.keys()):
            before, after = rows_before.get(company, {}), rows_now.get(company, {})
            for kind, ids in (("deleted", sorted(before.keys() - after.keys())),
                              ("altered", sorted(i for i in before.keys() & after.keys()
                                                 if before[i] != after[i]))):
                if ids:
                    events.append(Event(company, kind, sha, date, len(ids), tuple(ids)))
        rows_before = rows_now
    return events


@settings(max_examples=25, deadline=None, derandomize=True, print_blob=True)
@given(st.lists(change, min_size=1, max_size=7))
def test_the_walk_follows_the_rules_whether_kept_or_not(changes):
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "repo").mkdir()
        repo, cache = Repo(Path(folder) / "repo"), Cache(Path(folder) / "cache")
        files: dict[str, list | str] = {}
        history, kept = [], []
        for number, (path, rows) in enumerate(changes):
            target = repo.data / path
            if rows == "removed":
                files.pop(path, None)
                target.unlink(missing_ok=True)
            else:
                files[path] = rows
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(csv_rows(*rows) if rows != "unreadable" else
                                  HEADER + 'x,2026-01-05,"phone,1\n')
            day = f"2026-03-{number + 1:02d}"
            repo.git("add", "-A")
            repo.git("commit", "-q", "--allow-empty", "-m", day, date=f"{day}T12:00:00+00:00")
            history.append((repo.git("rev-parse", "HEAD"), f"{day}T12:00:00+00:00",
                            dict(files)))
            if repo.data.is_dir():
                kept = audit(repo.data, cache)  # after every commit, going on from the last
        if repo.data.is_dir():
            assert kept == audit(repo.data) == model(history)


# --- the command line -------------------------------------------------------------------------

@pytest.fixture
def tampered(repo) -> tuple[Repo, str, str]:
    """acme loses a2 and a4 on 2026-05-02, then a1's rating changes on 2026-05-09."""
    repo.write("acme", "2026-01.csv", csv_rows(FIVE[0], FIVE[2], FIVE[4]))
    deleted = repo.commit("2026-05-02")
    repo.write("acme", "2026-01.csv", csv_rows(("a1", 1), FIVE[2], FIVE[4]))
    altered = repo.commit("2026-05-09")
    return repo, deleted, altered


def test_text_report(tampered):
    repo, deleted, altered = tampered
    done = publish(repo.root, "audit", "--data", repo.data)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        f"acme: 2 contacts removed on 2026-05-02 in commit {deleted[:7]} (a2, a4); "
        f"1 contact altered on 2026-05-09 in commit {altered[:7]} (a1)\n")


def test_json_report(tampered):
    repo, deleted, altered = tampered
    done = publish(repo.root, "audit", "--data", repo.data, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [
        {"company": "acme", "kind": "deleted", "commit": deleted,
         "date": "2026-05-02T12:00:00+00:00", "count": 2, "ids": ["a2", "a4"], "unit": "contact"},
        {"company": "acme", "kind": "altered", "commit": altered,
         "date": "2026-05-09T12:00:00+00:00", "count": 1, "ids": ["a1"], "unit": "contact"},
    ]


@pytest.mark.parametrize(("fmt", "expected"), [
    ("text", "No rows were deleted or altered.\n"),
    ("json", "[]\n"),
])
def test_clean_reports(repo, fmt, expected):
    done = publish(repo.root, "audit", "--data", "data", "--format", fmt)
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected


def test_not_a_git_repository_is_a_usage_error(tmp_path):
    (tmp_path / "data").mkdir()
    done = publish(tmp_path, "audit", "--data", tmp_path / "data")
    assert done.returncode == 2
    assert "publish.py audit:" in done.stderr
    assert "is not inside a git repository" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_shallow_clone_is_audited_with_a_warning(tampered, tmp_path_factory):
    repo, _, _ = tampered
    clone = tmp_path_factory.mktemp("clone")
    repo.git("clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone))
    done = publish(clone, "audit", "--data", clone / "data")
    assert done.returncode == 0, done.stderr
    # only the last commit is there: nothing to compare it with
    assert done.stdout == "No rows were deleted or altered.\n"
    assert "shallow clone" in done.stderr


def test_an_unknown_data_folder_is_a_usage_error(repo):
    done = publish(repo.root, "audit", "--data", repo.root / "nowhere")
    assert done.returncode == 2
    assert "does not exist" in done.stderr
    assert "Traceback" not in done.stderr


# --- summary files: counts may grow, never shrink -------------------------------------------

def summary_lines(rated: int, waits: int, comment: bool = True) -> str:
    """acme's October summary: one contacts record with `rated` ratings of 5, one waits record
    of `waits` waits of 301 s, and (with `comment`) one consented comment."""
    records = [
        {"format": "candor.summary/1", "company": "acme", "month": "2026-10"},
        {"kind": "contacts", "day": "2026-10-03", "channel": "phone", "stage": None,
         "site": None, "topic": "refunds", "contacts": 10, "ratings": [0, 0, 0, 0, rated],
         "nps": [0] * 11},
        {"kind": "waits", "day": "2026-10-03", "seconds": 301, "count": waits},
    ]
    if comment:
        records.append({"kind": "comment", "id": "c1", "submitted_at": "2026-10-03T10:00:00Z",
                        "channel": "phone", "topic": None, "rating": 5, "comment": "Quick."})
    return "".join(json.dumps(record) + "\n" for record in records)


def write_summary(repo: Repo, text: str) -> None:
    folder = repo.data / "acme" / "summaries"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "2026-10.jsonl").write_text(text)


CONTACTS_ID = "contacts day=2026-10-03 channel=phone stage=- site=- topic=refunds"


def test_a_summary_whose_counts_grow_is_clean(repo):
    write_summary(repo, summary_lines(rated=4, waits=3))
    repo.commit("2026-11-01")
    write_summary(repo, summary_lines(rated=6, waits=5))  # late rows summarized again
    repo.commit("2026-11-02")
    assert audit(repo.data) == []


def test_a_summary_count_that_shrinks_is_an_alteration(repo):
    write_summary(repo, summary_lines(rated=6, waits=5))
    repo.commit("2026-11-01")
    write_summary(repo, summary_lines(rated=4, waits=5))  # two five-star ratings withdrawn
    sha = repo.commit("2026-11-02")
    assert audit(repo.data) == [
        Event("acme", "altered", sha, "2026-11-02T12:00:00+00:00", 1, (CONTACTS_ID,),
              "summary record")]


def test_summary_records_and_comments_removed_are_deletions(repo):
    write_summary(repo, summary_lines(rated=6, waits=5))
    repo.commit("2026-11-01")
    text = summary_lines(rated=6, waits=5, comment=False)
    write_summary(repo, "".join(line + "\n" for line in text.splitlines() if '"waits"' not in line))
    sha = repo.commit("2026-11-02")
    assert audit(repo.data) == [Event(
        "acme", "deleted", sha, "2026-11-02T12:00:00+00:00", 2,
        ("comment id=c1", "waits day=2026-10-03 seconds=301"), "summary record")]


def test_summary_records_are_reported_apart_from_contacts(repo):
    write_summary(repo, summary_lines(rated=6, waits=5))
    repo.commit("2026-11-01")
    repo.write("acme", "2026-01.csv", csv_rows(*FIVE[:4]))  # a5 deleted
    write_summary(repo, summary_lines(rated=6, waits=2))  # three waits withdrawn
    sha = repo.commit("2026-11-02")
    day = "2026-11-02T12:00:00+00:00"
    events = audit(repo.data)
    assert events == [
        Event("acme", "deleted", sha, day, 1, ("a5",), "contact"),
        Event("acme", "altered", sha, day, 1, ("waits day=2026-10-03 seconds=301",),
              "summary record")]
    assert "1 contact removed" in report_text(events)
    assert "1 summary record altered" in report_text(events)
