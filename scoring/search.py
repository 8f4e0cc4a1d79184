"""What Pagefind reads of a page, and Pagefind's index of a site made again only when that
changed. Standard library only: `python -m scoring.search SITE COPIES INDEX` (main) is the
process a build indexes its pages in, while it writes its other files."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Pagefind indexes each page's <main> (data-pagefind-body), less the elements the templates mark
# data-pagefind-ignore="all": every number that moves when any company's data does (scores,
# intervals, ranks, sample sizes, the scoreboard's date), the breadcrumb trail, a company's
# input files with their SHA-256, its downloads and badge, and /actions/'s entries (each is on
# its company's page). What is left is what visitors search: names, industries, countries,
# websites, descriptions, notices, the labels of the breakdown tables, customers' comments,
# the action logs, the methodology, the about page and the publishing guide. At L this is a
# quarter of the words the whole <main> held (289,395 of 1,204,692), and Pagefind takes half
# the CPU time: most of what is left is reading the pages' HTML.

PAGEFIND = "pagefind"  # the index's folder in the output, kept from the last build
# Its folders of files named by a hash of what they hold (a page's fragment, a chunk of the word
# index, a filter), which Pagefind does not write again when one is there (`_pagefind`)
HASHED = ("fragment", "index", "filter")
STAMP = "candor-index.json"  # in it: written once the index matches the pages, removed before
# anything changes them (SearchIndex)
# Comparing a rewritten page with the last (3 ms for a company's at L) costs about what Pagefind
# takes to index a page: past this many, the index is made again without comparing the rest.
COMPARED_PAGES = 100
HELD_PAGES = 64  # changed pages whose bytes SearchIndex holds for their search copies
# Pagefind's priority when it starts while the build still scores (SearchIndex.speculate): the
# build's own work comes first, Pagefind takes the core it leaves
NICE = 10
VOID = frozenset(("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "param", "source", "track", "wbr"))
VOID_BYTES = frozenset(tag.encode() for tag in VOID)


class SearchInput(HTMLParser):
    """What Pagefind reads of a page, as the parts of it in document order: the <html> tag
    (its lang picks the index), the <title> (the result's title when the body has no <h1>),
    any tag with a data-pagefind-* attribute, and every tag (with its attributes) and text in
    the data-pagefind-body element, less the elements marked data-pagefind-ignore, which
    Pagefind reads nothing of (no text, heading anchor or image: checked with Pagefind 1.5).
    Two pages with the same parts give the same index. An ignored element's content is skipped
    up to its end tag (the parser's raw-text mode, as for <script>) rather than taken apart,
    which makes a leaderboard's thousand-row table cheap: it must be closed by its own end
    tag, as the templates write every element they mark (one that was not would be read to
    the end of the page, never less than Pagefind reads)."""

    def __init__(self, page: bytes):
        super().__init__()
        self.parts: list[tuple] = []
        self.body: str | None = None  # the data-pagefind-body element's tag, while inside it
        self.depth = 0  # how many elements of that tag are open in it
        self.skipping = False  # inside an ignored element
        self.title = False
        self.feed(page.decode("utf-8", "replace"))
        self.close()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._start(tag, attrs, tag in VOID)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self._start(tag, attrs, True)

    def _start(self, tag: str, attrs: list, void: bool) -> None:
        names = {name for name, _ in attrs}
        if self.body is None:
            if tag == "html" or any(name.startswith("data-pagefind") for name in names):
                self.parts.append((tag, attrs))
            self.title = tag == "title"
            if "data-pagefind-body" in names and not void:
                self.body, self.depth = tag, 1
        elif "data-pagefind-ignore" in names:
            if not void:
                self.skipping = True
                self.set_cdata_mode(tag)
        else:
            self.parts.append((tag, attrs))
            self.depth += tag == self.body

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:  # in raw-text mode, only the ignored element's end tag comes here
            self.skipping = False
        elif self.body is not None:
            self.parts.append(("/" + tag,))
            self.depth -= tag == self.body
            if not self.depth:
                self.body = None
        self.title = False

    def handle_data(self, data: str) -> None:
        if self.skipping or not (self.body or self.title):
            return
        if self.parts and self.parts[-1][0] == "":
            data = self.parts.pop()[1] + data
        self.parts.append(("", data))


class SearchIndex:
    """Pagefind's index of the site in output/pagefind/, made again only when what Pagefind
    reads of the pages (SearchInput) changed since the index the last build made or kept: a
    page added, removed, or rewritten with other parts. Otherwise it is kept as it is, which
    gives the same bytes as indexing these pages. Pelican deletes the pages outside the KEPT
    folders: they are read before it does (and compared once written again); a page in a KEPT
    folder is compared as it is rewritten (`rewritten`), one written with the same bytes is
    not rewritten. The stamp in the index's folder says the index was made, by this Pagefind,
    from the pages as they are, and the folder's files (a digest): it is removed before any
    page changes and written once the index matches them again, so a build that fails in
    between, a lost or altered file or another Pagefind version makes it again. The stamp
    also names the data commit the pages showed: a page that differs from the last build's
    only where it shows the data commit (outside what Pagefind reads: base.html's footer,
    company.html's provenance) is not compared, so a new commit alone keeps the index.

    Pagefind reads search copies of the pages (search_copy), made in `copies` (a folder of
    the build's cache; a temporary one without). They are kept there for the next index: one
    is made again only when its page changed other than where it shows the data commit
    (`changed`), as long as the folder is as the last build left it (`copies_known`, by the
    size and modification time of each copy) and the index it made can be trusted; else every
    copy is made again. A kept copy may show an older data commit than its page, outside
    what Pagefind reads. The changed pages' bytes are held as they are written (up to
    HELD_PAGES of them), so that Pagefind can start on the copies before the writer thread
    has written the pages (`start`). Earlier still (`early`), once the companies rendered
    again are, when every other company's page can only show a new commit: if what Pagefind
    reads of one changed, Pagefind starts then, and is started again (`start`) only if a page
    written after changed what it reads too. Earliest (`speculate`), on the pages of the
    companies read, rendered as soon as they are scored, each checked against its final page
    when that is written."""

    def __init__(self, output: Path, kept: tuple[str, ...], commit: str | None = None,
                 seen: dict | None = None, copies: Path | None = None,
                 copies_seen: dict | None = None):
        started = time.perf_counter()
        self.output, self.folder, self.kept = output, output / PAGEFIND, kept
        # the index's files (name -> size and modification time) as the last build left them,
        # and as this one does
        self.seen, self.listing = seen, {}
        self.process: subprocess.Popen | None = None
        self.command: list[str] = []  # the process's
        # Pagefind runs over the last index (`_pagefind`): its files are to be pruned (`finish`)
        self.over = False
        # the folder of the pages' copies Pagefind reads: kept (the cache's), or temporary
        self.copies, self.temporary = copies, copies is None
        # its copies (name -> size and modification time) as the last build left them, then as
        # this one does, once it changed them; None: not known (they are listed once made)
        self.copies_known = dict(copies_seen) if copies_seen is not None else None
        # the pages whose copies are made again if the index is: name -> the page, if held
        self.changed: dict[str, bytes | None] = {}
        self.loose: dict[str, bytes] = {}  # the pages outside KEPT this build wrote (`written`)
        self.copied: int | None = None  # how many copies were made (None: no index was)
        self.early_pages: set[str] = set()  # the pages it started early on (`early`)
        self.restart = False  # a page written since changed what it reads: start it again
        # what Pagefind reads of each page it started on before the page was made (`speculate`)
        self.speculated: dict[str, list[tuple]] = {}
        # when Pagefind started: "speculative" (once the companies read were scored), "early"
        # (once they were rendered), "again" (before, then again), "written" (once every page
        # was written or handed to the writer thread), or None (the index was kept)
        self.started: str | None = None
        self.compared = 0
        self.commit = commit  # the data commit the pages show
        self.shown: str | None = None  # the one the last build's pages showed
        self.stamp: dict | None = None
        before = self._take()  # the pages outside KEPT by name, or None: index them
        self.before = before or {}
        self.trusted = before is not None  # the last index, and the copies it was made from
        self.reused = self.trusted  # until a page changes what Pagefind reads
        self.seconds = time.perf_counter() - started  # spent here, but waiting for Pagefind

    def _take(self) -> dict[str, bytes] | None:
        if self.folder.is_symlink() or not self.folder.is_dir():
            return None
        stamp = self.folder / STAMP
        try:
            saved = stamp.read_bytes()
            stamp.unlink()
            self.shown = json.loads(saved)["commit"]
        except (OSError, ValueError, TypeError, KeyError):
            return None
        if not isinstance(self.shown, str | None):
            return None
        self.stamp = self._stamp(self.shown, json.loads(saved).get("files"))
        if saved != _stamp_text(self.stamp) or any(path.is_symlink()
                                                   for path in self.folder.rglob("*")):
            return None
        return {name: (self.output / name).read_bytes()
                for name in _pages(self.output, self.kept)}

    def _stamp(self, commit: str | None, known: str | None = None) -> dict:
        """The stamp of the index's folder as it is, made from pages that show `commit`. The
        digest of its files is `known` (the last stamp's) when they are as the last build left
        them (the same names, sizes and modification times: self.seen), else made."""
        names = sorted(path.relative_to(self.folder).as_posix()
                       for path in self.folder.rglob("*") if path.is_file() and path.name != STAMP)
        self.listing = _statuses(self.folder, names)
        if known is not None and self.listing == self.seen:
            files = known
        else:
            digest = hashlib.sha256()
            for name in names:
                digest.update(name.encode() + b"\0"
                              + hashlib.sha256((self.folder / name).read_bytes()).digest())
            files = digest.hexdigest()
        return {"pagefind": importlib.metadata.version("pagefind_bin"),
                "command": PAGEFIND_ARGUMENTS, "files": files, "commit": commit}

    def _commit_only(self, old: bytes | None, new: bytes) -> bool:
        """The page differs from `old` only where it shows the data commit."""
        return (old is not None and self.shown != self.commit
                and _unshown(old, self.shown) == _unshown(new, self.commit))

    def rewritten(self, name: str, old: bytes | None, new: bytes) -> None:
        """A page written over `old` (None: a new page)."""
        started = time.perf_counter()
        if name in self.early_pages:  # Pagefind started on it, unless it was rendered ahead
            if name in self.speculated and SearchInput(new).parts != self.speculated[name]:
                self.changed[name], self.restart = new, True  # and reads otherwise now
        elif not self._commit_only(old, new):
            self.changed[name] = new if len(self.changed) < HELD_PAGES else None
            if self.early_pages:
                self.restart = self.restart or self._read_differently(old, new)
            elif self.reused:
                self.compared += 1
                self.reused = self.compared <= COMPARED_PAGES and not self._read_differently(
                    old, new)
        self.seconds += time.perf_counter() - started

    def _read_differently(self, old: bytes | None, new: bytes) -> bool:
        """Pagefind reads something else of `new` than of `old` (None: no page before)."""
        return old is None or (old != new and not self._commit_only(old, new)
                               and SearchInput(old).parts != SearchInput(new).parts)

    def written(self, name: str, page: bytes) -> None:
        """A page outside KEPT, as this build writes it (compared in `start`)."""
        self.loose[name] = page

    def removed(self) -> None:
        """A page of the last build is not one of this build's."""
        self.reused, self.restart = False, True

    def early(self, pages: dict[str, bytes], others_kept: bool, nice: bool = False) -> None:
        """The pages of the companies rendered again, before they are written (in a KEPT
        folder); `others_kept`: every other company's page is as the last build wrote it, and
        will at most show a new data commit. If what Pagefind reads of one of them changed,
        make their copies and start Pagefind now, while the build writes the rest (`nice`: at
        a lower priority than the build, NICE)."""
        if self.temporary or not self.reused or not others_kept or len(pages) > HELD_PAGES:
            return
        started = time.perf_counter()
        changed = {}
        for name, page in pages.items():
            try:
                old = (self.output / name).read_bytes()
            except OSError:
                old = None
            if self._read_differently(old, page):
                changed[name] = page
        if changed and self._copies_as_known():
            self.reused, self.early_pages = False, set(pages)
            for name, page in changed.items():
                self.copies_known[name] = _copy(self.copies / name, page)
            self.copied = len(changed)
            self._pagefind(nice=nice)
            self.started = "early"
        self.seconds += time.perf_counter() - started

    def speculate(self, pages: dict[str, bytes] | None) -> None:
        """The pages of the companies read by this build, rendered as soon as they were
        scored, before the other companies' results are known (site.speculative_pages):
        what Pagefind reads of a page does not depend on them (every number that moves with
        the other companies is in an element it ignores), so Pagefind starts on them now, as
        `early` would, at a lower priority than the build's own work. Each is checked when
        its final page is written (`rewritten`), and Pagefind starts again if one reads
        otherwise."""
        if not pages:
            return
        self.early(pages, others_kept=True, nice=True)
        if self.early_pages:
            self.speculated = {name: SearchInput(page).parts for name, page in pages.items()}
            self.started = "speculative"

    def _copies_as_known(self) -> bool:
        """The kept copies are as the last build left them, and this one made them (a folder,
        not a link to one)."""
        return (self.copies_known is not None and not self.copies.is_symlink()
                and self.copies.is_dir() and _listing(self.copies) == self.copies_known)

    def _index_path(self) -> str:
        """The index's folder, for Pagefind: the output's, not where a link there leads (the
        folder is removed before Pagefind runs, a link in its place too)."""
        return str(self.output.resolve() / PAGEFIND)

    def _pagefind(self, command: list[str] | None = None, nice: bool = False) -> None:
        """Run Pagefind on the copies (by default), or `command`, in the background. Over the
        last index, when it can be trusted and no Pagefind was stopped writing to it (`start`):
        Pagefind does not write again a hashed file (HASHED) that is there, which at L saves a
        third of its CPU time (the best gzip of a thousand fragments, and as many files made).
        Its other files are removed first, and once it is done the hashed files the new index
        does not name (`finish`). Else the folder is emptied first."""
        self.over = self.trusted and self.started != "again"
        if self.over:
            for path in self.folder.iterdir():
                if path.name not in HASHED or not path.is_dir():
                    _remove(path)
        else:
            _remove(self.folder)
        self.command = command or [str(_pagefind()), "--site", str(self.copies),
                                   "--output-path", self._index_path(), *PAGEFIND_ARGUMENTS]
        self._run(nice)

    def _run(self, nice: bool = False) -> None:
        self.process = subprocess.Popen(self.command, cwd=ROOT, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        if nice and hasattr(os, "setpriority"):
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, self.process.pid, NICE)

    def start(self, kept_pages: set[str], flush: Callable[[], None]) -> int:
        """Every page is written, or handed to the writer thread (`flush` waits for it): these
        in the KEPT folders, and the others, which Pelican wrote or `written` was told of.
        Index them (in the background) unless the index matches them; returns how many pages
        there are outside the KEPT folders. With the copies kept, only the changed pages'
        are made, here, and Pagefind starts on them at once, while the writer thread still
        writes; else a process of its own (main) makes every copy, once the pages are all
        written, and runs Pagefind."""
        started = time.perf_counter()
        loose = sorted(set(_pages(self.output, self.kept)).union(self.loose))
        if sorted(self.before) != loose:
            self.reused, self.restart = False, True
        for name in loose:  # a page outside KEPT: its old bytes were read before Pelican ran
            old = self.before.get(name)
            page = self.loose.get(name) or (self.output / name).read_bytes()
            if page != old:
                self.rewritten(name, old, page)
        self.loose = {}
        if self.early_pages and self.restart:  # Pagefind started early, on what is not all
            self.process.kill()
            self.process.wait()
            self.process, self.started = None, "again"
        if self.reused:  # the stamp of the folder as it is: the one taken (_take)
            self.stamp["commit"] = self.commit
        elif self.process is None:  # not started early, or to start again
            self.started = self.started or "written"
            pages = kept_pages.union(loose)
            if (not self.temporary and self.trusted and self._copies_as_known()
                    and pages.difference(self.copies_known).issubset(self.changed)):
                self._copy_changed(pages, flush)
                self._pagefind()
            else:
                flush()
                self.copied = self.copies_known = None  # main makes them, says how many
                if self.temporary:
                    self.copies = Path(tempfile.mkdtemp(prefix="candor-search-"))
                else:
                    _remove(self.copies)
                    self.copies.mkdir(parents=True)
                self._pagefind([sys.executable, "-m", "scoring.search",
                                str(self.output.resolve()), str(self.copies),
                                self._index_path()])
        self.changed = {}
        self.seconds += time.perf_counter() - started
        return len(loose)

    def _copy_changed(self, pages: set[str], flush: Callable[[], None]) -> None:
        """Bring the kept copies up to these pages: remove those of pages gone, make those of
        the changed pages (from their bytes, or once written when they were not held)."""
        for name in set(self.copies_known).difference(pages):
            (self.copies / name).unlink()
            del self.copies_known[name]
        made = sorted(pages.intersection(self.changed))
        if any(self.changed[name] is None for name in made):
            flush()
        for name in made:
            self.copies_known[name] = _copy(self.copies / name, self.changed[name]
                                            or (self.output / name).read_bytes())
        self.copied = (self.copied or 0) + len(made)

    def finish(self) -> None:
        """Wait for the index, then stamp it."""
        if self.process is not None:
            while True:
                stdout, stderr = self.process.communicate()
                if self.process.returncode != 0:
                    raise RuntimeError(f"pagefind could not index {self.output}: "
                                       f"{stderr or stdout}")
                if not self.over or _prune(self.folder):
                    break
                # not an index as Pagefind 1.5 makes: made again, from nothing
                self.over = False
                _remove(self.folder)
                self._run()
            if self.copied is None:  # main made every copy, and says how many
                self.copied = int(stdout.split()[0])
            if self.temporary:
                shutil.rmtree(self.copies, ignore_errors=True)
            elif self.copies_known is None:
                self.copies_known = _listing(self.copies)
            self.stamp = self._stamp(self.commit)
        (self.folder / STAMP).write_bytes(_stamp_text(self.stamp))

    def stop(self) -> None:
        """The build failed: end Pagefind, if it runs."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            self.process.wait()
        if self.temporary and self.copies is not None:
            shutil.rmtree(self.copies, ignore_errors=True)


PAGEFIND_ARGUMENTS = ["--silent"]


def _stamp_text(stamp: dict) -> bytes:
    return json.dumps(stamp, indent=1).encode() + b"\n"


def shown_commit(commit: str | None) -> tuple[str, str]:
    """The data commit as the pages show it: whole (a company's provenance), and its first 12
    characters (every page's footer)."""
    return (commit, commit[:12]) if commit else ("not in git", "not in git")


def _unshown(page: bytes, commit: str | None) -> bytes:
    """A page with the data commit, as with_commit shows it (whole, and its first 12
    characters), taken out."""
    whole, short = shown_commit(commit)
    return page.replace(whole.encode(), b"").replace(short.encode(), b"")


IGNORED = b"data-pagefind-ignore"
ENDS = frozenset(b" \t\n\r\f/>")  # what may follow a tag's name


def search_copy(page: bytes) -> bytes:
    """A page less the content of the elements marked data-pagefind-ignore, which Pagefind
    reads nothing of (SearchInput): each is kept, empty, up to its own end tag (counting the
    elements of its name nested in it). Pagefind makes the same index of it, from a fifth of
    the bytes at L. The mark counts only as an attribute's name in a start tag: every < and "
    in a page's text and attribute values is escaped, so the last < before it opens the tag it
    is in (no > between), and the " before it in that tag are even. Where that does not hold,
    or an end tag is missing, the page is copied as it is from there."""
    parts, done, at = [], 0, 0
    while (at := page.find(IGNORED, at)) >= 0:
        start = page.rfind(b"<", done, at)
        opened = page.find(b">", at)
        name = (page[start + 1:at].split(None, 1) or [b""])[0] if start >= 0 else b""
        at += len(IGNORED)
        if (start < 0 or opened < 0 or page.find(b">", start, at) >= 0
                or page.count(b'"', start, at) % 2 or page[at - len(IGNORED) - 1] not in ENDS
                or page[at] not in ENDS | {ord("=")} or not name.isalnum()
                or name.lower() in VOID_BYTES or page[opened - 1] == ord("/")):
            continue
        end = _end_tag(page, name, opened + 1)
        if end < 0:
            break
        parts.append(page[done:opened + 1])
        done = at = end
    parts.append(page[done:])
    return b"".join(parts)


def _end_tag(page: bytes, name: bytes, at: int) -> int:
    """Where the end tag of the element named `name` whose content starts at `at` starts, or
    -1."""
    depth, opening, closing = 1, b"<" + name, b"</" + name
    while True:
        close = _tag(page, closing, at)
        if close < 0:
            return -1
        while (open_ := _tag(page, opening, at, close)) >= 0:
            depth += 1
            at = open_ + len(opening)
        depth -= 1
        if not depth:
            return close
        at = close + len(closing)


def _tag(page: bytes, prefix: bytes, at: int, end: int | None = None) -> int:
    """The first `prefix` (<name or </name) from `at` (to `end`) followed by what ends a name."""
    while (found := page.find(prefix, at, end)) >= 0:
        after = found + len(prefix)
        if after < len(page) and page[after] in ENDS:
            return found
        at = after
    return -1


def _pages(output: Path, leave_out: tuple[str, ...] = ()) -> list[str]:
    """The pages (*.html) of the output outside the index's folder and the `leave_out` ones,
    by name, sorted."""
    pages, top = [], str(output)
    for folder, folders, files in os.walk(top):
        if folder == top:
            folders[:] = [f for f in folders if f not in (*leave_out, PAGEFIND)]
            prefix = ""
        else:  # os.walk joins each folder to its parent's: top, a separator, the rest
            prefix = folder[len(top) + 1:].replace(os.sep, "/") + "/"
        pages += [prefix + f for f in files if f.endswith(".html")]
    return sorted(pages)


def _remove(path: Path) -> None:
    """Remove a folder and what it holds, or a link or file in its place."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)


def _prune(folder: Path) -> bool:
    """Remove the hashed files (HASHED) of Pagefind's index in `folder` that it does not name:
    those of an index made before, which Pagefind wrote over. False when the index's entry and
    meta files are not as Pagefind 1.5 writes them, or a page's fragment is not there."""
    import cbor2  # Pagefind's meta file is CBOR; only an index made over the last one reads it

    named: set[str] = set()
    try:
        languages = json.loads((folder / "pagefind-entry.json").read_bytes())["languages"]
        for language in languages.values():
            meta = gzip.decompress((folder / f"pagefind.{language['hash']}.pf_meta")
                                   .read_bytes())
            if not meta.startswith(b"pagefind_dcd"):
                return False
            # [version, pages [[fragment, words]], chunks [[from, to, index]], filters, ...]
            pages = cbor2.loads(meta[len(b"pagefind_dcd"):])
            named.update(_strings(pages))
            fragments = {page[0] for page in pages[1]}
            if (len(fragments) != language["page_count"]
                    or not all((folder / "fragment" / f"{name}.pf_fragment").is_file()
                               for name in fragments)):
                return False
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError,
            cbor2.CBORDecodeError):
        return False
    for sub in HASHED:
        if (folder / sub).is_dir():
            for path in (folder / sub).iterdir():
                if path.name.rsplit(".", 1)[0] not in named:
                    _remove(path)
    return True


def _strings(value: object) -> set[str]:
    """Every string in a decoded CBOR value."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, list | tuple):
        return set().union(*map(_strings, value))
    if isinstance(value, dict):
        return _strings(list(value.items()))
    return set()


def _statuses(folder: Path, names: list[str]) -> dict[str, list[int]]:
    """These files under `folder`, each with its size and modification time (a link's own: a
    link in the place of a file is not the file the last build left there)."""
    statuses, top = {}, str(folder)
    for name in names:
        status = os.lstat(os.path.join(top, name))
        statuses[name] = [status.st_size, status.st_mtime_ns]
    return statuses


def _listing(folder: Path) -> dict[str, list[int]]:
    """The pages under `folder` (_pages), with their _statuses."""
    return _statuses(folder, _pages(folder))


def _copy(copy: Path, page: bytes) -> list[int]:
    """Write a page's search copy; its size and modification time, as _listing gives them."""
    copy.parent.mkdir(parents=True, exist_ok=True)
    with copy.open("wb") as stream:
        stream.write(search_copy(page))
        stream.flush()
        status = os.fstat(stream.fileno())
    return [status.st_size, status.st_mtime_ns]


def _pagefind() -> Path:
    from pagefind_bin import get_executable  # the binary python -m pagefind_bin runs

    return get_executable()


def main(site: str, copies: str, index: str) -> int:
    """Index the pages of `site` into `index`: Pagefind reads their search copies, written to
    `copies` (an empty folder), the same index from a fifth of the bytes. Prints how many
    copies were made."""
    pages = _pages(Path(site))
    for name in pages:
        _copy(Path(copies, name), Path(site, name).read_bytes())
    print(len(pages), flush=True)
    done = subprocess.run([str(_pagefind()), "--site", copies, "--output-path", index,
                           *PAGEFIND_ARGUMENTS], check=False)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
