"""What a visitor downloads for each company page: its HTML plus the stylesheets it links (the
budget: under 100 KB), and apart, the JavaScript every page shares (loaded once, then cached).

Run: .venv/bin/python bench/page_weight.py [--site output/]  (without --site it builds the demo
data into a temporary folder first). Exits 1 if a company page is over budget.
"""

from __future__ import annotations

import argparse
import gzip
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUDGET = 100 * 1000  # bytes of HTML + CSS per company page
LINKS = re.compile(r'<link rel="stylesheet" href="([^"]+)"|<script src="([^"]+)"')


def assets(page: Path) -> tuple[list[Path], list[Path]]:
    """The stylesheets and scripts a page links, as files of the built site."""
    styles, scripts = [], []
    for css, js in LINKS.findall(page.read_text(encoding="utf-8")):
        (styles if css else scripts).append((page.parent / (css or js)).resolve())
    return styles, scripts


def size(paths: list[Path]) -> tuple[int, int]:
    """Bytes as stored, and gzipped as a server would usually send them."""
    data = [p.read_bytes() for p in paths]
    return sum(map(len, data)), sum(len(gzip.compress(d, mtime=0)) for d in data)


def report(site: Path) -> int:
    pages = sorted((site / "companies").glob("*/index.html"))
    if not pages:
        print(f"no company pages under {site}/companies/", file=sys.stderr)
        return 2
    over = 0
    shared: set[Path] = set()
    print(f"{'company page':<28} {'HTML':>9} {'CSS':>9} {'HTML+CSS':>9} {'gzipped':>9}")
    for page in pages:
        styles, scripts = assets(page)
        shared.update(scripts)
        html, html_gz = size([page])
        css, css_gz = size(styles)
        flag = "" if html + css < BUDGET else "  OVER BUDGET"
        over += bool(flag)
        print(f"{page.parent.name:<28} {html:>9,} {css:>9,} {html + css:>9,} "
              f"{html_gz + css_gz:>9,}{flag}")
    print(f"\nbudget: HTML + CSS under {BUDGET:,} bytes per company page; "
          f"{len(pages) - over} of {len(pages)} within it")
    print("\nJavaScript shared by every company page (loaded once, then cached):")
    for script in sorted(shared):
        raw, gz = size([script])
        print(f"  {script.relative_to(site).as_posix():<34} {raw:>9,} {gz:>9,} gzipped")
    raw, gz = size(sorted(shared))
    print(f"  {'total':<34} {raw:>9,} {gz:>9,} gzipped")
    return 1 if over else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build data/ first)")
    args = parser.parse_args(argv)
    if args.site:
        return report(args.site)
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([sys.executable, str(REPO / "publish.py"), "build", "--output",
                               f"{tmp}/site"], cwd=REPO, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stdout + done.stderr, file=sys.stderr)
            return done.returncode
        return report(Path(tmp) / "site")


if __name__ == "__main__":
    sys.exit(main())
