"""Comments: only consented ones are published, and only redacted; nothing else leaks anywhere."""

from __future__ import annotations

import csv
import gzip
import io

import pytest

HEADER = ["id", "submitted_at", "channel", "topic", "rating", "comment", "comment_public"]
# Unique strings that must appear in no output file and no log line.
UNCONSENTED = "UNCONSENTED-CANARY-7f3a secret.person@example.org"
DEFAULTED = "DEFAULT-FALSE-CANARY-91bc"
CONSENTED_PII = ("pat.smith@example.net", "+44 20 7946 0123", "5555 5555 5555 4444")
CONSENTED = (f"Call me on {CONSENTED_PII[1]} or mail {CONSENTED_PII[0]}, "
             f"my card {CONSENTED_PII[2]} was charged twice")
QUARANTINED = "QUARANTINED-FILE-CANARY-22de"


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([HEADER, *rows])
    return out.getvalue()


@pytest.fixture(scope="module")
def privacy_build(tmp_path_factory, build_site):
    root = tmp_path_factory.mktemp("privacy")
    feedback = root / "data" / "acme" / "feedback"
    feedback.mkdir(parents=True)
    (root / "data" / "acme" / "company.yaml").write_text("name: Acme\nindustry: banking\n")
    (feedback / "2026-01.csv").write_text(_csv([
        ["c1", "2026-01-05T10:00:00Z", "phone", "billing", "2", UNCONSENTED, "false"],
        ["c2", "2026-01-06T10:00:00Z", "chat", "billing", "1", CONSENTED, "true"],
        ["c3", "2026-01-07T10:00:00Z", "email", "billing", "3", DEFAULTED, ""],
        ["c4", "2026-01-08T10:00:00Z", "app", "card", "5", "Lovely, thanks", "true"],
    ]), encoding="utf-8")
    # An invalid file: its consented comment is not published either, nor echoed in errors.
    (feedback / "2026-02.csv").write_text(_csv([
        ["c5", "2026-02-01T10:00:00Z", "phone", "billing", "7", QUARANTINED, "true"],
    ]), encoding="utf-8")
    return build_site(root / "data", root / "out"), root / "data"


def _readable(path) -> bytes:
    # Pagefind's search index and fragments are gzipped: a leak would hide there from a byte
    # search, so they are searched unzipped.
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def _everything(done) -> bytes:
    files = b"".join(_readable(p) for p in sorted(done.output.rglob("*")) if p.is_file())
    return files + done.result.stdout.encode() + done.result.stderr.encode()


def test_the_search_index_holds_the_published_comment_only(privacy_build):
    done, _ = privacy_build
    fragments = b"".join(_readable(p) for p in (done.output / "pagefind").rglob("*.pf_fragment"))
    assert b"Lovely, thanks" in fragments  # searched unzipped: the check above sees the index
    assert b"[phone removed]" in fragments
    assert UNCONSENTED.encode() not in fragments and DEFAULTED.encode() not in fragments


@pytest.mark.parametrize("secret", [UNCONSENTED, "secret.person@example.org", DEFAULTED,
                                    QUARANTINED, *CONSENTED_PII])
def test_no_secret_reaches_any_output_or_log(privacy_build, secret):
    done, _ = privacy_build
    assert done.result.returncode == 0, done.result.stderr
    assert secret.encode() not in _everything(done)


def test_the_consented_comment_is_published_redacted(privacy_build):
    done, _ = privacy_build
    page = (done.output / "companies" / "acme" / "index.html").read_text(encoding="utf-8")
    assert "Lovely, thanks" in page
    assert "Call me on [phone removed] or mail [email removed], my card " \
           "[card number removed] was charged twice" in page
    assert "The 2 newest of 2 comments" in page


@pytest.mark.parametrize("form", ["text", "github", "json"])
def test_validation_messages_never_echo_a_comment(privacy_build, publish, form):
    _, data = privacy_build
    done = publish("validate", "--data", data, "--format", form)
    assert done.returncode == 1
    assert "rating" in done.stdout
    for secret in (UNCONSENTED, DEFAULTED, QUARANTINED, *CONSENTED_PII):
        assert secret not in done.stdout + done.stderr
