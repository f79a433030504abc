"""A real browser opens the reports: headless Chromium, no console output, real pixels.

Fails where no Chromium can be found (``.ci/run`` installs Debian's ``chromium``).
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from tests.e2e.reports_fixture import small_run

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0", "--hide-scrollbars", "--window-size=1000,1000"]
# Chromium logs each console message of the page as "...:INFO:CONSOLE...] "text", source: …"
CONSOLE = re.compile(r":CONSOLE[:(\]].*")


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("Chromium not found on this machine (Debian: apt-get install chromium; "
                ".ci/run installs it)")


def browse(page: Path, work: Path, *extra: str) -> tuple[str, list[str]]:
    """Open a page; return stdout and the console messages it produced."""
    profile = work / f"profile-{page.stem}-{len(list(work.iterdir()))}"
    proc = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *extra,
                           page.resolve().as_uri()],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, [m.group(0) for m in CONSOLE.finditer(proc.stderr)]


def png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB or RGBA PNG with the standard library: width, height, pixels."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    height = depth = colour = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert depth == 8 and colour in (2, 6), (depth, colour)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytearray] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 0xFF
        rows.append(line)
        prev = line
    pixels = [bytes(row[x:x + 3]) for row in rows for x in range(0, stride, bpp)]
    return width, height, pixels


def assert_not_blank(png: Path) -> None:
    width, height, pixels = png_pixels(png)
    assert width >= 800 and height >= 800
    counts: dict[bytes, int] = {}
    for p in pixels:
        counts[p] = counts.get(p, 0) + 1
    background = max(counts.values())
    assert len(counts) > 20, f"{png.name}: only {len(counts)} colours"
    assert background < 0.98 * len(pixels), f"{png.name}: almost all one colour"


def assert_links_resolve(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for target in re.findall(r'(?:href|src)="([^"#:]+)"', text):
        assert (page.parent / target).exists(), f"{page.name}: broken link {target}"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chromium()
    return small_run(tmp_path_factory.mktemp("browser") / "out")


@pytest.mark.parametrize("page", [
    "index.html",
    "ss-stars-2002/2003/index.html",
    "ss-stars-2002/2003/areas/E06000001.html",
    "cqc-la-2024/2024/areas/X1.html",
])
def test_page_opens_without_console_output_and_draws_something(out: Path, tmp_path: Path,
                                                               page: str) -> None:
    path = out / page
    assert_links_resolve(path)
    shot = tmp_path / "shot.png"
    _, console = browse(path, tmp_path, f"--screenshot={shot}")
    assert console == [], console
    assert_not_blank(shot)


def test_a_hostile_name_stays_text_in_the_browser(out: Path, tmp_path: Path) -> None:
    dom, console = browse(out / "cqc-la-2024/2024/areas/X1.html", tmp_path, "--dump-dom")
    assert console == []
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in dom


def test_a_page_with_an_error_is_caught(tmp_path: Path) -> None:
    """The console check is real: a page that throws is reported."""
    chromium()
    bad = tmp_path / "bad.html"
    bad.write_text("<!doctype html><title>x</title><h1>x</h1><script>notDefined()</script>",
                   encoding="utf-8")
    _, console = browse(bad, tmp_path, f"--screenshot={tmp_path / 'bad.png'}")
    assert any("notDefined" in line for line in console), console


def test_league_table_sorts_in_the_browser(out: Path, tmp_path: Path) -> None:
    """Selecting the rating heading sorts worst first (rank order puts 3 stars first)."""
    summary = out / "ss-stars-2002" / "2003" / "index.html"
    text = summary.read_text(encoding="utf-8")
    click = ('<script>document.querySelectorAll("#league thead button")[3].click();'
             "</script></body>")
    probe = summary.with_name("probe.html")
    probe.write_text(text.replace("</body>", click), encoding="utf-8")
    dom, console = browse(probe, tmp_path, "--dump-dom")
    assert console == []
    league = dom.split('id="league"', 1)[1].split("</table>", 1)[0]
    codes = re.findall(r"<td>(E\d+)</td>", league)
    assert codes == ["E06000002", "E06000001"], codes
    assert 'aria-sort="ascending"><button type="button">rating</button>' in league
    unsorted = re.findall(r"<td>(E\d+)</td>", text.split('id="league"', 1)[1])
    assert unsorted[:2] == ["E06000001", "E06000002"]
