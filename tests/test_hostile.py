"""A hostile corpus end to end: tests/fixtures/hostile built with the real Pelican build, then
every output file checked by its type, so a page, feed, badge or download added later is
covered without a change here.

- HTML (parsed by html5lib, as a browser parses it): no script but the site's own files under
  theme/ or pagefind/ and inert application/json blocks, no event-handler attribute, no URL
  attribute with a scheme other than https (after entity decoding, whitespace and control
  characters removed, any case), no frame, object, embed, base or meta refresh.
- XML and SVG: well-formed, no DOCTYPE or entity, no script, no event handler, no foreignObject,
  https or relative links; Atom text of type html is checked as HTML.
- JSON parses; CSV cells that a spreadsheet would run are neutralised (a leading ' ).
- Text that reorders or hides its surroundings (bidi overrides, zero-width spaces) is removed
  from pages, feeds and badges (export.inert); downloads keep every value as written.
- Template syntax is printed literally: `{{1337*1337}}` is on the page and 1787569 nowhere.
- PII canaries, planted with and without consent, appear in no output file (compressed search
  index files decompressed first) and no line of the build or validate output.
- Headless Chromium loads every page: no dialog opens, the CSP reports nothing it blocked, no
  request leaves the origin, and the live DOM holds no inline script or event handler.

Each payload is also shown to have reached its page, or the checks above would prove nothing.
File names with markup are made at run time (tests/fixtures/hostile/README.md says why)."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import html
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import html5lib
import pytest
import yaml

from scoring.metrics import CHANGELOG

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "hostile"

# --- the payloads, as written in the fixture ------------------------------------------------

NAME = '=HYPERLINK("javascript:alert(1)")<script>alert("N1")</script>{{7*7}}'
WEBSITE = 'https://evil.example/W1"><script>alert(1)</script><img/src=x/onerror=alert(1)>'
TOPIC = '<svg onload=alert("T1")>{{7*7}}'
SITE = 'javascript:alert("S1")'
EVIDENCE = 'https://evil.example/EV1?"onmouseover="alert(1)"&x=<script>alert(1)</script>'
# As published on the company page (bidi overrides and zero-width characters removed).
PAGE_TEXT = [
    NAME, WEBSITE, TOPIC, SITE,
    '<img src=x onerror=alert("D1")> <a href="javascript:alert(1)">a</a>',
    '<a href="JaVaScRiPt&colon;alert(1)">b</a> <a href="java\tscript:alert(1)">c</a>',
    '${1337*1337} {% print(1337*1337) %} {{1337*1337}} {# c #} ]]> <?xml version="1.0"?> '
    "</svg> </title> & &amp; &lt; <![CDATA[x]]> <!-- --> D1-RLO zerowidth iso <style>*{}</style>",
    '<img src=x onerror=alert("C3")> {{1337*1337}} ${7*7} C3-RLO',
    '</script><script>alert("C2")</script>',
    '<script>alert("Y1")</script> javascript:alert(1) {{1337*1337}} Y1-RLO',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">WD1</a> '
    "]]></content><script>alert(1)</script> &",
    '"><img src=x onerror=alert("NT1")> {% raw %} <?xml version="1.0"?><!DOCTYPE x [<!ENTITY e',
    "Y2 </svg><svg onload=alert(1)> long long", "WD2 {{7*7}}", "NT2 <script>alert(2)</script>",
    # consented, redacted
    "Mail [email removed], ring [phone removed], card [card number removed], "
    'IBAN [IBAN removed] <script>alert("C1")</script>',
]
# File names the contract allows (any name ending .csv or .jsonl), made at run time.
FILE_NAMES = {
    '<img src=x onerror=alert("F1")>.csv': "f1,2026-01-10T10:00:00Z,chat\n",
    "{{1337*1337}} F2.csv": "f2,2026-01-11T10:00:00Z,chat\n",
    "\u202eF3vsc.csv": "f3,2026-01-12T10:00:00Z,chat\n",
    # quarantined: its problem message quotes the channel, so the payload lands there too
    '<svg onload=alert("F4")>.csv': 'f4,2026-01-13T10:00:00Z,"<script>alert(""Q1"")</script>"\n',
}
FORMULA_NAMES = {
    "evil": NAME, "plus": "+1+1 cmd|' /C calc'!A0", "minus": "-1-1 <b>minus</b>",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
}
REJECTED_EVIDENCE = [
    'javascript:alert("E1")', " https://lead-space.example/E2", 'java\tscript:alert("E3")',
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgiRTQiKTwvc2NyaXB0Pg==",
    '&#106;avascript:alert("E5")', "http://plain-http.example/E6",
    "https://user:pass@evil.example/E7", "https://evil.example/E8\njavascript:alert(1)",
    "//protocol-relative.example/E9", 'vbscript:msgbox("E10")', 'https:javascript:alert("E11")',
    "HTTPS://EVIL.EXAMPLE/E12\u202e",
]
# PII: the consented comment's is redacted before publishing; the others are never published.
CANARIES = [
    "hostile.canary.c1", "hostile.canary.u1", "hostile.canary.u2", "hostile.canary.u3",
    "UNCONSENTED-HOSTILE-U1", "DEFAULTED-HOSTILE-U2", "UNCONSENTED-HOSTILE-U3",
    "+44 7700 900461", "+44 7700 900462", "4929 1234 5678 9015", "5412 7534 5678 9127",
    "GB29 NWBK 6016 1331 9268 19", "FR14 2004 1010 0505 0001 3M02 606",
]
# The same numbers with every separator removed, searched in output with separators removed.
CANARY_DIGITS = ["447700900461", "447700900462", "4929123456789015", "5412753456789127",
                 "GB29NWBK60161331926819", "FR1420041010050500013M02606"]
INVISIBLE = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u2060\ufeff"

# --- the build ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, build_site, publish):
    """(site folder, build + validate output, data folder)."""
    data = Path(shutil.copytree(FIXTURE, tmp_path_factory.mktemp("hostile") / "hostile"))
    for name, row in FILE_NAMES.items():
        (data / "evil" / "feedback" / name).write_text("id,submitted_at,channel\n" + row,
                                                       encoding="utf-8")
    done = build_site(data, data.parent / "out")
    assert done.result.returncode == 0, done.result.stdout + done.result.stderr
    logs = done.result.stdout + done.result.stderr
    for form in ("text", "github", "json"):
        checked = publish("validate", "--data", data, "--format", form)
        assert checked.returncode == 1
        logs += checked.stdout + checked.stderr
    return done.output, logs, data


def files(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*") if p.is_file())


def content(path: Path) -> bytes:
    """A file's bytes, decompressed when gzip (the search index's fragments are)."""
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def page(site: Path, name: str):
    return html5lib.parse(content(site / name), treebuilder="etree",
                          namespaceHTMLElements=False)


def text_of(tree) -> str:
    return "".join(tree.itertext())


# --- what is safe: one checker per output type ----------------------------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcset", "poster", "data", "background",
                  "cite", "ping", "manifest", "codebase", "longdesc", "lowsrc", "dynsrc", "icon",
                  "usemap", "archive", "classid", "profile", "xmlns:xlink"}
FORBIDDEN_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base",
                      "foreignobject", "animate", "set", "animatetransform", "handler", "listener"}
OWN_SCRIPT_FOLDERS = ("theme", "pagefind")


def local(name) -> str:
    """An element's or attribute's name without its namespace ("" for a comment node)."""
    return name.rsplit("}", 1)[-1].lower() if isinstance(name, str) else ""


def unsafe_url(value: str) -> bool:
    """True unless `value` is relative to the site or plain https. Browsers drop tabs and line
    breaks anywhere in a URL and control characters and spaces around it, and read \\ as /;
    entities are decoded by the parser, and decoded once more here in case of double encoding."""
    for candidate in {value, html.unescape(value)}:
        cleaned = re.sub(r"[\x00-\x20\x7f-\x9f" + INVISIBLE + "]", "", candidate)
        cleaned = cleaned.replace("\\", "/")
        scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", cleaned)
        if scheme and scheme.group(1).lower() != "https":
            return True
        if cleaned.startswith("//") or (scheme and not cleaned.lower().startswith("https://")):
            return True
    return False


def url_values(name: str, value: str) -> list[str]:
    if name == "srcset":
        return [part.strip().split(" ")[0] for part in value.split(",") if part.strip()]
    return [value]


def element_problems(tree, where: str, own_scripts=None) -> list[str]:
    """What is not inert in an HTML or XML tree; `own_scripts(src)` says whether a script
    file is the site's own (None: no script element is allowed at all)."""
    problems = []
    for element in tree.iter():
        tag = local(element.tag)
        if tag in FORBIDDEN_ELEMENTS:
            problems.append(f"{where}: <{tag}> element")
        for name, value in element.attrib.items():
            name = local(name)
            if name.startswith("on"):
                problems.append(f"{where}: <{tag} {name}=...> event handler")
            if name in URL_ATTRIBUTES and any(unsafe_url(v) for v in url_values(name, value)):
                problems.append(f"{where}: <{tag} {name}={value!r}> unsafe URL")
            if name == "style" and re.search(r"url\(|expression|javascript", value, re.I):
                problems.append(f"{where}: <{tag} style={value!r}>")
        if tag == "meta" and (element.get("http-equiv") or "").lower() == "refresh":
            problems.append(f"{where}: meta refresh")
        if tag == "style" and re.search(r"url\(|expression|javascript|@import",
                                        element.text or "", re.I):
            problems.append(f"{where}: <style> that loads or runs something")
        if tag == "script":
            kind = (element.get("type") or "").strip().lower()
            src = element.get("src")
            if kind == "application/json" and src is None:
                try:
                    json.loads(element.text or "")
                except ValueError:
                    problems.append(f"{where}: application/json block is not JSON")
            elif own_scripts is None or src is None or (element.text or "").strip():
                problems.append(f"{where}: inline or unexpected <script>")
            elif not own_scripts(src):
                problems.append(f"{where}: <script src={src!r}> is not the site's own")
    return problems


def html_problems(path: Path, site: Path) -> list[str]:
    where = path.relative_to(site).as_posix()

    def own(src: str) -> bool:
        if unsafe_url(src) or re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", src):
            return False
        target = (path.parent / src.split("?")[0]).resolve() if not src.startswith("/") else (
            site / src.lstrip("/")).resolve()
        inside = target.relative_to(site.resolve()) if target.is_relative_to(site.resolve()) \
            else None
        return inside is not None and inside.parts[0] in OWN_SCRIPT_FOLDERS and target.is_file()

    tree = html5lib.parse(content(path), treebuilder="etree", namespaceHTMLElements=False)
    return element_problems(tree, where, own)


def xml_problems(path: Path, site: Path) -> list[str]:
    where = path.relative_to(site).as_posix()
    data = content(path)
    if re.search(rb"<!DOCTYPE|<!ENTITY", data, re.I):
        return [f"{where}: DOCTYPE or ENTITY declaration"]
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        return [f"{where}: not well-formed XML: {error}"]
    problems = element_problems(root, where)
    for element in root.iter():
        kind = element.get("type")
        if kind == "html":  # Atom: the text is HTML a feed reader renders
            fragment = html5lib.parseFragment(element.text or "", treebuilder="etree",
                                              namespaceHTMLElements=False)
            problems += element_problems(fragment, f"{where} <{local(element.tag)}>")
        if local(element.tag) == "link" and element.get("href") and unsafe_url(element.get("href")):
            problems.append(f"{where}: <link href={element.get('href')!r}>")
    return problems


NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def csv_problems(path: Path, site: Path) -> list[str]:
    where = path.relative_to(site).as_posix()
    rows = csv.reader(io.StringIO(content(path).decode("utf-8"), newline=""))
    return [f"{where}:{number}: cell {cell!r} would run as a formula"
            for number, row in enumerate(rows, start=1) for cell in row
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not NUMBER.fullmatch(cell)]


def json_problems(path: Path, site: Path) -> list[str]:
    try:
        json.loads(content(path))
    except ValueError as error:
        return [f"{path.relative_to(site).as_posix()}: not JSON: {error}"]
    return []


def search_index_problems(path: Path, site: Path) -> list[str]:
    """A compressed search-index file: an `excerpt`, which a search UI inserts as HTML, must be
    inert. Pagefind fragments are JSON after a signature. Their `content` is the page's plain
    text, which Pagefind escapes when it cuts excerpts from it, and titles and other metadata
    are escaped by its UI (Pagefind/pagefind#415): test_search_shows_payloads_as_text checks
    both in Chromium."""
    data = content(path)
    start = data.find(b"{")
    try:
        document = json.loads(data[start:]) if start >= 0 else None
    except ValueError:
        return []  # a binary index (CBOR): words, no markup
    strings, problems = [], []
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            strings += [v for k, v in item.items() if k == "excerpt"
                        and isinstance(v, str)]
            stack += item.values()
        elif isinstance(item, list):
            stack += item
    for text in strings:
        fragment = html5lib.parseFragment(text, treebuilder="etree", namespaceHTMLElements=False)
        problems += element_problems(fragment, path.relative_to(site).as_posix())
    return problems


CHECKERS = {".html": html_problems, ".htm": html_problems, ".xml": xml_problems,
            ".svg": xml_problems, ".atom": xml_problems, ".rss": xml_problems,
            ".csv": csv_problems, ".json": json_problems, ".pf_fragment": search_index_problems}
# Files that run or style: the site's own, never holding data.
CODE_SUFFIXES = {".js", ".mjs", ".css", ".wasm"}
MARKERS = ["N1", "D1", "W1", "T1", "S1", "C1", "C2", "C3", "Y1", "WD1", "NT1", "EV1", "F1", "F4",
           "Q1", "1337*1337"]


# --- the tests ------------------------------------------------------------------------------


def inertness_problems(site: Path) -> tuple[list[str], dict[str, int]]:
    """Every output file checked by its type: (problems, files checked per suffix)."""
    problems, checked = [], {}
    for path in files(site):
        checker = CHECKERS.get(path.suffix.lower())
        if checker:
            problems += checker(path, site)
            checked[path.suffix.lower()] = checked.get(path.suffix.lower(), 0) + 1
        elif path.suffix.lower() in CODE_SUFFIXES:
            text = content(path).decode("utf-8", "replace")
            problems += [f"{path.relative_to(site)}: data marker {m!r} in code"
                         for m in MARKERS if f'alert("{m}")' in text]
    return problems, checked


def test_every_output_file_is_inert(hostile):
    site, _, _ = hostile
    problems, checked = inertness_problems(site)
    assert problems == []
    assert checked[".html"] >= 9 and checked[".json"] >= 5 and checked[".csv"] >= 1, checked


def test_the_demo_site_is_inert_with_its_charts(demo_site):
    """The same checks on the demo, whose pages run the vendored chart scripts and hold their
    Vega-Lite specs as application/json blocks: the rules let the site's own code through."""
    problems, checked = inertness_problems(demo_site)
    assert problems == []
    charts = page(demo_site, "companies/parcelwick/index.html")
    scripts = [e for e in charts.iter() if local(e.tag) == "script"]
    assert {bool(e.get("src")) for e in scripts} == {True, False}  # files and JSON blocks
    assert checked[".html"] >= 10


def test_every_payload_reaches_the_company_page(hostile):
    site, _, _ = hostile
    tree = page(site, "companies/evil/index.html")
    shown = text_of(tree)
    missing = [text for text in PAGE_TEXT if text not in shown]
    assert missing == []
    for name in FILE_NAMES:
        assert name.replace("\u202e", "") in shown, name
    assert "channel '<script>alert(\"Q1\")</script>' is not one of" in shown
    # text at its cap arrives whole: the 500-character description, the 32,000-character comment
    profile = yaml.safe_load((FIXTURE / "evil" / "company.yaml").read_text("utf-8"))
    assert len(profile["description"]) == 500
    assert "".join(c for c in profile["description"] if c not in INVISIBLE) in shown
    with (FIXTURE / "evil" / "feedback" / "2026-01.csv").open(encoding="utf-8", newline="") as f:
        longest = max((row["comment"] for row in csv.DictReader(f)), key=len)
    assert len(longest) == 32_000 and longest in shown
    links = {a.get("href") for a in tree.iter("a")}
    assert WEBSITE in links and EVIDENCE in links  # kept whole, quoted as an attribute
    assert text_of(page(site, "index.html")).count(NAME) >= 1
    assert text_of(page(site, "industries/e-commerce/index.html")).count(NAME) >= 1


@pytest.mark.parametrize("name", ["index.html", "companies/evil/index.html",
                                  "industries/e-commerce/index.html"])
def test_markup_in_data_is_text_not_elements(hostile, name):
    site, _, _ = hostile
    tree = page(site, name)

    def own(e) -> bool:  # the site's own images: a company's badge and the trend sparklines
        return ((local(e.tag) == "img" and e.get("src", "").endswith("badges/evil.svg"))
                or (local(e.tag) == "svg" and e.get("class") == "spark"))

    assert not [e for e in tree.iter()
                if local(e.tag) in ("img", "svg", "iframe", "b") and not own(e)]
    # these pages draw no chart, so every script is a file of the site's own
    assert all(e.get("src") for e in tree.iter() if local(e.tag) == "script")


def test_template_syntax_is_printed_literally(hostile):
    site, _, _ = hostile
    shown = text_of(page(site, "companies/evil/index.html"))
    assert "{{1337*1337}}" in shown and "{{7*7}}" in shown and "{% raw %}" in shown
    assert "${1337*1337}" in shown and "{% print(1337*1337) %}" in shown
    assert [p for p in files(site) if b"1787569" in content(p)] == []


def test_bidi_and_zero_width_characters_are_removed_from_pages_and_kept_in_downloads(hostile):
    site, _, _ = hostile
    for path in files(site):
        if path.suffix.lower() in (".html", ".xml", ".svg", ".atom"):
            text = content(path).decode("utf-8")
            assert not [c for c in INVISIBLE if c in text], path
    scores = json.loads((site / "data" / "scores.json").read_text("utf-8"))
    evil = next(c for c in scores["companies"] if c["slug"] == "evil")
    assert any(f["file"].endswith("/\u202eF3vsc.csv") for f in evil["files"])


def test_downloads_keep_text_as_written(hostile):
    site, _, _ = hostile
    scores = json.loads((site / "data" / "scores.json").read_text("utf-8"))
    names = {c["slug"]: c["name"] for c in scores["companies"]}
    assert names == {**FORMULA_NAMES, "rejected": "rejected"}
    evil = next(c for c in scores["companies"] if c["slug"] == "evil")
    assert [a["topic"] for a in evil["actions"]] == [TOPIC, TOPIC]
    assert json.loads((site / "data" / "companies" / "evil.json").read_text("utf-8"))[
        "companies"][0]["name"] == NAME
    files_listed = {Path(f["file"]).name for f in evil["files"]}
    assert set(FILE_NAMES) <= files_listed


def test_scores_csv_neutralises_every_formula(hostile):
    site, _, _ = hostile
    rows = {r["slug"]: r for r in csv.DictReader(
        io.StringIO((site / "data" / "scores.csv").read_text("utf-8"), newline=""))}
    assert {slug: rows[slug]["name"] for slug in FORMULA_NAMES} == {
        slug: "'" + name for slug, name in FORMULA_NAMES.items()}


def test_rejected_urls_are_reported_and_never_published(hostile):
    site, logs, _ = hostile
    scores = json.loads((site / "data" / "scores.json").read_text("utf-8"))
    rejected = next(c for c in scores["companies"] if c["slug"] == "rejected")
    found = [(Path(p["file"]).name, p["line"], p["code"]) for p in rejected["quarantined"]]
    assert found == [("company.yaml", 4, "not_https"), ("company.yaml", 5, "bad_contact"),
                     *(("actions.yaml", 7 + 7 * i, "not_https") for i in range(12))]
    shown = text_of(page(site, "companies/rejected/index.html"))
    assert "2 files were not counted" in shown
    assert "evidence 'javascript:alert(\"E1\")' is not valid" in shown
    assert "rejected/actions.yaml:84:13: error: [not_https]" in logs
    hrefs = [a.get("href") or "" for p in files(site) if p.suffix == ".html"
             for a in page(site, p.relative_to(site).as_posix()).iter("a")]
    for url in [*REJECTED_EVIDENCE, 'JaVaScRiPt:alert("R1")', 'javascript:alert("R2")']:
        found = re.search(r"[ER]\d+", url)
        marker = found.group() if found else url[:30]  # the data: URL's marker is encoded
        assert not [h for h in hrefs if marker in h], url


def test_no_pii_canary_anywhere_in_the_output_or_the_logs(hostile):
    site, logs, _ = hostile
    everything = b"".join(content(p) for p in files(site)) + logs.encode()
    flat = re.sub(rb"[^0-9A-Za-z]", b"", everything)
    assert [c for c in CANARIES if c.encode() in everything] == []
    assert [c for c in CANARY_DIGITS if c.encode() in flat] == []
    # the consented comment is there, redacted; the others are not there at all
    assert b"Mail [email removed], ring [phone removed]" in everything


def test_the_hostile_build_is_byte_for_byte_deterministic(hostile, build_site, tmp_path):
    site, _, data = hostile
    again = build_site(data, tmp_path / "again")
    assert again.result.returncode == 0
    first = {p.relative_to(site).as_posix(): p.read_bytes() for p in files(site)}
    second = {p.relative_to(again.output).as_posix(): p.read_bytes()
              for p in files(again.output)}
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []
    # nothing of the build machine: no absolute path, no date of today (the data ends in
    # 2026-02; the methodology changelog's own dates are published, so a day that is one of
    # them cannot be told from the clock)
    machine = [str(data).encode(), str(site).encode(), str(REPO).encode()]
    if dt.date.today() not in {change.effective for change in CHANGELOG}:
        machine.append(dt.date.today().isoformat().encode())
    assert [(name, m) for name, text in first.items() for m in machine if m in text] == []


def test_the_checkers_catch_what_they_look_for(tmp_path):
    """The checks above pass on the site; here each is shown to fail on what it forbids."""
    bad = {
        "a.html": '<a href="  JaVa&#x09;sCrIpT&colon;alert(1)">x</a><img src=x onerror=1>'
                  '<script>alert(1)</script><script src="https://cdn.example/x.js"></script>'
                  '<a href="&amp;#106;avascript:1">y</a><iframe src="/x"></iframe>'
                  '<svg><a xlink:href="data:text/html,1">z</a></svg><a href="//evil/">w</a>',
        "b.svg": '<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>',
        "c.xml": '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>',
        "d.atom": '<feed xmlns="http://www.w3.org/2005/Atom"><entry><content type="html">'
                  '&lt;img src=x onerror=alert(1)&gt;</content></entry></feed>',
        "e.csv": "name,score\n=1+1,-12.5\n",
        "f.json": "{'not': json}",
        "g.svg": "<svg><unclosed></svg>",
    }
    for name, text in bad.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    bad["h.pf_fragment"] = ""
    (tmp_path / "h.pf_fragment").write_bytes(gzip.compress(
        b'pagefind_dcd{"meta": {"title": "<b>t</b>"}, "excerpt": "<img src=x onerror=1>"}'))
    found = {name: CHECKERS[Path(name).suffix](tmp_path / name, tmp_path) for name in bad}
    assert len(found["a.html"]) == 8, found["a.html"]
    assert all(found.values()), found
    assert found["e.csv"] == ["e.csv:2: cell '=1+1' would run as a formula"]
    assert found["h.pf_fragment"] == ["h.pf_fragment: <img onerror=...> event handler"]


# The DOM as Chromium built it: inline scripts, event-handler attributes, javascript: links.
LIVE_MARKUP = """() => {
  const all = [...document.querySelectorAll('*')];
  return {
    inline: document.querySelectorAll('script:not([src]):not([type="application/json"])').length,
    handlers: all.flatMap((e) => [...e.attributes].filter((a) => a.name.startsWith('on'))
                                                  .map((a) => `${e.tagName} ${a.name}`)),
    links: [...document.links].map((a) => a.protocol).filter((p) => p !== 'http:'),
  };
}"""


@pytest.mark.browser
def test_no_payload_runs_in_chromium(hostile, browser, serve_site):
    """Every page of the hostile site in headless Chromium: no dialog opens, nothing logs an
    error (the CSP reports any script it blocks), no request leaves the origin, and the DOM the
    browser built holds no inline script, event handler or non-http(s) link (https links to
    other origins are kept: the site is served over http here, so they show as https:)."""
    site, _, _ = hostile
    base = serve_site(site)
    context = browser.new_context()
    try:
        for path in files(site):
            if path.suffix != ".html":
                continue
            events: list[str] = []
            tab = context.new_page()
            tab.on("dialog", lambda d, e=events: (e.append(f"dialog {d.message}"), d.dismiss()))
            tab.on("console", lambda m, e=events: m.type == "error" and e.append(m.text))
            tab.on("pageerror", lambda err, e=events: e.append(f"page error: {err}"))
            tab.on("request", lambda r, e=events: not r.url.startswith(base)
                   and e.append(f"request {r.url}"))
            url = base + path.relative_to(site).as_posix()
            tab.goto(url, wait_until="load")
            tab.mouse.move(200, 200)
            tab.wait_for_load_state("networkidle")
            markup = tab.evaluate(LIVE_MARKUP)
            assert events == [], url
            assert markup["inline"] == 0 and markup["handlers"] == [], (url, markup)
            assert set(markup["links"]) <= {"https:"}, (url, markup)
            tab.close()
    finally:
        context.close()


@pytest.mark.browser
def test_search_shows_payloads_as_text(hostile, browser, serve_site):
    """The search box over the hostile site: results for the payloads' own words list the
    hostile pages, and their titles and excerpts show the markup as text. No dialog opens and
    the results hold no element or attribute a payload brought."""
    site, _, _ = hostile
    base = serve_site(site)
    context = browser.new_context()
    try:
        tab = context.new_page()
        events: list[str] = []
        tab.on("dialog", lambda d: (events.append(f"dialog {d.message}"), d.dismiss()))
        tab.on("pageerror", lambda err: events.append(f"page error: {err}"))
        tab.goto(base, wait_until="load")
        for query in ("alert", "script", "onerror", "javascript"):
            tab.fill(".pagefind-ui__search-input", query)
            tab.wait_for_selector(".pagefind-ui__result", timeout=15_000)
            tab.wait_for_load_state("networkidle")
            results = tab.locator(".pagefind-ui__results")
            assert "<script>" in results.inner_text() or "onerror=" in results.inner_text()
            found = tab.evaluate("""() => {
              const area = document.querySelector('.pagefind-ui__results');
              const all = [...area.querySelectorAll('*')];
              return {
                tags: [...new Set(all.map((e) => e.tagName.toLowerCase()))].sort(),
                handlers: all.flatMap((e) => [...e.attributes].map((a) => a.name)
                                                              .filter((n) => n.startsWith('on'))),
                links: [...area.querySelectorAll('a')].map((a) => a.protocol),
              };
            }""")
            assert set(found["tags"]) <= {"li", "div", "p", "a", "mark", "ol", "img"}, found
            assert not {"script", "iframe", "svg"} & set(found["tags"])
            assert found["handlers"] == [] and set(found["links"]) <= {"http:"}, found
        assert events == []
    finally:
        context.close()


def test_a_company_entry_is_the_json_of_its_dict_even_when_text_looks_like_a_placeholder():
    """export.company_text writes each score whole into a placeholder json.dumps leaves for it;
    text shaped like a placeholder ("\\x000" is written "\\u00000") must neither be replaced
    by a score nor move the scores: the entry is then written the slow way."""
    from scoring.board import CompanyResult
    from scoring.export import company_dict, company_text
    from scoring.metrics import METRICS, Score

    def entry(name: str) -> CompanyResult:
        company = CompanyResult("x", {"name": name, "industry": "banking"}, [])
        scores = {m: Score(1.25 if i % 3 else None, i, METRICS[m].unit, 1.0, 2.5)
                  for i, m in enumerate(METRICS)}
        company.windows = {"all": scores, "90d": scores}
        company.monthly = [("2026-09", scores)]
        return company

    for name in ("\x000", "\x001", "plain", "\x00", "\u0000 0"):
        company = entry(name)
        expected = json.dumps(company_dict(company), indent=1, ensure_ascii=False,
                              allow_nan=False).replace("\n", "\n  ")
        assert company_text(company, None) == expected, name
    assert '"name": "\\u00000"' in company_text(entry("\x000"), None)


def test_a_company_entry_is_the_json_of_its_dict_for_every_kind_of_number(fixture_copy):
    """export.company_text writes each window's scores and each month's entry itself
    (_scores_json): for every kind of number a score can hold (numpy's, halves that round to
    even, whole-number metrics, negatives, very large or small, none) and for the fixture's
    real companies, it is json.dumps of company_dict, and NaN is refused as json.dumps
    refuses it."""
    import numpy as np
    import pytest

    from scoring.board import CompanyResult, build_scoreboard
    from scoring.export import company_dict, company_text
    from scoring.metrics import METRICS, Score
    from scoring.ranks import rank_ranges

    def slow(company, rank=None) -> str:
        return json.dumps(company_dict(company, rank), indent=1, ensure_ascii=False,
                          allow_nan=False).replace("\n", "\n  ")

    numbers = [None, 2.5, 3.5, np.float64(-0.05), 1e16, 1.23456789e-7, np.float32(7.25), 12]
    company = CompanyResult("x", {"name": "Ünï \"q\"", "industry": "banking"}, [])
    windows = {}
    for w, window in enumerate(("all", "90d")):
        windows[window] = {m: Score(numbers[(i + w) % len(numbers)], np.int64(i * 1000 + w),
                                    METRICS[m].unit, numbers[(i + 1) % len(numbers)],
                                    numbers[(i + 2) % len(numbers)])
                           for i, m in enumerate(METRICS)}
    company.windows = windows
    company.monthly = [("2026-08", windows["90d"]), ("2026-09", windows["all"])]
    assert company_text(company, None) == slow(company)

    board = build_scoreboard(fixture_copy)
    ranks = rank_ranges(board.companies)
    assert all(company_text(c, ranks.get(c.slug)) == slow(c, ranks.get(c.slug))
               for c in board.companies)

    company.monthly = [("2026-09", {**windows["all"], "csat": Score(float("nan"), 3, "percent")})]
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        slow(company)
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        company_text(company, None)
