"""Screenshots of a national summary and an area page at 400 and 1280 px (`make screenshots`)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
PAGES = {"national": "cqc-la-2024/2024/index.html",
         "area": "ss-stars-2002/2003/areas/E06000001.html"}
WIDTHS = (400, 1280)
MAX_HEIGHT = 2000


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        reports = Path(work) / "reports"
        subprocess.run([sys.executable, "-m", "perfassess", "score", "--out", str(reports),
                        "--quiet"], cwd=ROOT, check=True)
        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium")
            for kind, name in PAGES.items():
                for width in WIDTHS:
                    page = browser.new_page(viewport={"width": width, "height": 900})
                    page.goto((reports / name).resolve().as_uri())
                    height = min(page.evaluate("document.documentElement.scrollHeight"),
                                 MAX_HEIGHT)
                    page.screenshot(path=str(OUT / f"{kind}-{width}.png"), full_page=True,
                                    clip={"x": 0, "y": 0, "width": width, "height": height})
                    page.close()
            browser.close()


if __name__ == "__main__":
    main()
