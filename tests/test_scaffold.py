"""`publish.py new SLUG`: the scaffold validates as written, builds, and refuses bad slugs."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import yaml

from scoring.board import build_scoreboard, check


def _tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_new_writes_three_files_that_validate_as_written(publish, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    done = publish("new", "acme-parcels", "--data", data, "--industry", "telecom")
    assert done.returncode == 0, done.stderr
    folder = data / "acme-parcels"
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) \
        == ["actions.yaml", "company.yaml", "feedback/contacts.csv"]
    assert check(data) == []
    assert publish("validate", "--data", data).returncode == 0


def test_scaffolded_profile_has_the_name_and_industry(publish, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    publish("new", "acme-parcels", "--data", data, "--name", "Acme & Sons", "--industry", "travel")
    profile = yaml.safe_load((data / "acme-parcels" / "company.yaml").read_text())
    assert profile == {"name": "Acme & Sons", "industry": "travel"}
    assert yaml.safe_load((data / "acme-parcels" / "actions.yaml").read_text()) == []


def test_scaffold_points_editors_at_the_committed_schemas(publish, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    publish("new", "acme", "--data", data)
    for name, schema in (("company.yaml", "company.schema.json"),
                         ("actions.yaml", "actions.schema.json")):
        path = data / "acme" / name
        first = path.read_text(encoding="utf-8").splitlines()[0]
        match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        assert match, first
        target = (path.parent / match.group(1)).resolve()
        assert target.name == schema and target.is_file()


def test_scaffolded_company_builds_as_no_data(publish, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    publish("new", "acme", "--data", data)
    board = build_scoreboard(data)
    (company,) = board.companies
    assert company.rows_read == 0
    assert [f.status for f in company.files if f.kind == "feedback"] == ["empty"]
    assert company.windows["all"]["csat"].value is None


@pytest.mark.parametrize("slug", ["Acme", "acme_parcels", ".acme", "a" * 64, "acme/../x"])
def test_new_refuses_a_malformed_slug(publish, tmp_path, slug):
    data = tmp_path / "data"
    data.mkdir()
    done = publish("new", slug, "--data", data)
    assert done.returncode == 2
    assert "not a valid slug" in done.stderr
    assert list(data.iterdir()) == []


def test_new_refuses_an_existing_company_and_changes_nothing(publish, tmp_path):
    data = tmp_path / "data"
    (data / "acme").mkdir(parents=True)
    (data / "acme" / "company.yaml").write_text("name: Acme\nindustry: banking\n")
    before = _tree_digest(data)
    done = publish("new", "acme", "--data", data)
    assert done.returncode == 2
    assert "already exists" in done.stderr
    assert _tree_digest(data) == before


def test_new_refuses_an_unknown_industry(publish, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    done = publish("new", "acme", "--data", data, "--industry", "mining")
    assert done.returncode == 2
    assert not (data / "acme").exists()
