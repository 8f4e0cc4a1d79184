"""scoring.load.discover lists every company's files with one directory listing per folder:
the same files, in the same order, as Path.rglob and is_file find them."""

from __future__ import annotations

from pathlib import Path

from scoring.ledger import FEEDBACK_SUFFIXES
from scoring.load import discover


def _tree(root: Path) -> Path:
    data = root / "data"
    files = [
        "acme/company.yaml", "acme/actions.yaml",
        "acme/feedback/2026-10.csv", "acme/feedback/2026-09.jsonl",
        "acme/feedback/b-c.csv",  # sorts after b/c.csv: Path order compares names, not text
        "acme/feedback/b/c.csv", "acme/feedback/b/d/e.parquet",
        "acme/feedback/.hidden.csv",  # a hidden file is still a CSV file (rglob finds it)
        "acme/feedback/.csv",  # a name that is all suffix has none
        "acme/feedback/notes.txt", "acme/feedback/UPPER.CSV",
        "acme/feedback/x.csv/inside.csv",  # a folder named like a file is looked into
        "acme/summaries/2026.jsonl", "acme/summaries/.jsonl", "acme/summaries/a/b.jsonl",
        "acme/summaries/c.csv",
        "bare/company.yaml",
        "Bad_Slug/company.yaml", ".hidden/company.yaml",
        "elsewhere/linked.csv", "elsewhere/company.yaml",
    ]
    for name in files:
        (data / name).parent.mkdir(parents=True, exist_ok=True)
        (data / name).write_text("x\n")
    (data / "bare" / "actions.yaml").mkdir()  # a folder, not a file
    (data / "stray.csv").write_text("not a company\n")
    feedback = data / "acme" / "feedback"
    (feedback / "link.csv").symlink_to(data / "elsewhere" / "linked.csv")  # a file: counted
    (feedback / "broken.csv").symlink_to(data / "nowhere.csv")  # no file: not counted
    (feedback / "folder").symlink_to(data / "elsewhere", target_is_directory=True)  # not followed
    (data / "linked").symlink_to(data / "bare", target_is_directory=True)  # a company folder
    return data


def test_discover_finds_the_files_rglob_finds_in_path_order(tmp_path):
    data = _tree(tmp_path)
    companies, problems = discover(data)
    assert [c.slug for c in companies] == ["acme", "bare", "elsewhere", "linked"]
    assert [p.file for p in problems] == ["data/Bad_Slug"]
    acme = companies[0]
    feedback = data / "acme" / "feedback"
    assert acme.feedback == [feedback / name for name in [
        ".hidden.csv", "2026-09.jsonl", "2026-10.csv", "b/c.csv", "b/d/e.parquet", "b-c.csv",
        "link.csv", "x.csv/inside.csv"]]
    summaries = data / "acme" / "summaries"
    assert acme.summaries == [summaries / ".jsonl", summaries / "2026.jsonl",
                              summaries / "a/b.jsonl"]
    assert (acme.profile, acme.actions) == (data / "acme" / "company.yaml",
                                            data / "acme" / "actions.yaml")
    bare = companies[1]
    assert (bare.actions, bare.feedback, bare.summaries) == (None, [], [])
    assert companies[3].folder == data / "linked" and companies[3].actions is None
    # The same as Path's own walk, which discover used to take.
    for company in companies:
        assert company.feedback == _walked(company.folder / "feedback", "*", FEEDBACK_SUFFIXES)
        assert company.summaries == _walked(company.folder / "summaries", "*.jsonl", (".jsonl",))


def _walked(folder: Path, pattern: str, suffixes: tuple[str, ...]) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob(pattern) if p.is_file() and (
        pattern != "*" or p.suffix in suffixes))
