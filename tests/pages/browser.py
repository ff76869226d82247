"""Headless Chromium (Debian's `chromium` package, never a downloaded browser) driven from
its command line: a screenshot and the DOM after layout, of a page on loopback. Name
resolution is mapped to nothing but 127.0.0.1 and background services are off, so the
browser reaches no other address. Plus a small PNG reader to look at the screenshot."""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
import zlib
from collections import Counter
from pathlib import Path

CHROMIUM = "chromium"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
         "--no-default-browser-check", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")


def chromium() -> str | None:
    return shutil.which(CHROMIUM)


def _run(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    binary = chromium()
    assert binary is not None, "chromium is not installed"
    with tempfile.TemporaryDirectory(prefix="monitor-chromium-") as profile:
        return subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=timeout, check=False)


def screenshot(url: str, path: Path, width: int = 1200, height: int = 900) -> Path:
    result = _run(f"--window-size={width},{height}", f"--screenshot={path}", url)
    assert path.exists(), f"chromium wrote no screenshot: {result.stderr[-2000:]}"
    return path


def dump_dom(url: str) -> str:
    result = _run("--dump-dom", url)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def png_colours(path: Path) -> tuple[int, int, Counter[tuple[int, int, int]]]:
    """(width, height, pixel count per RGB colour) of an 8-bit RGB or RGBA PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, bytearray(), b""
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour_type in (2, 6), f"unsupported PNG ({depth}, {colour_type})"
    channels = 4 if colour_type == 6 else 3
    raw, stride = zlib.decompress(bytes(idat)), width * channels
    counts: Counter[tuple[int, int, int]] = Counter()
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        row = _unfilter(raw[start], bytearray(raw[start + 1:start + 1 + stride]), previous,
                        channels)
        counts.update(zip(row[0::channels], row[1::channels], row[2::channels], strict=True))
        previous = row
    return width, height, counts


def _unfilter(kind: int, row: bytearray, up: bytearray, bpp: int) -> bytearray:
    if kind == 0:
        return row
    if kind == 2:
        return bytearray((a + b) & 0xFF for a, b in zip(row, up, strict=True))
    for i in range(len(row)):
        left = row[i - bpp] if i >= bpp else 0
        if kind == 1:
            row[i] = (row[i] + left) & 0xFF
        elif kind == 3:
            row[i] = (row[i] + ((left + up[i]) >> 1)) & 0xFF
        else:  # 4: Paeth
            upper_left = up[i - bpp] if i >= bpp else 0
            p = left + up[i] - upper_left
            pa, pb, pc = abs(p - left), abs(p - up[i]), abs(p - upper_left)
            pred = left if pa <= pb and pa <= pc else up[i] if pb <= pc else upper_left
            row[i] = (row[i] + pred) & 0xFF
    return row
