"""One status line on stderr, rewritten in place.

Hand-written rather than tqdm or rich: a bar and a few figures on one line is all the CLI shows,
and an operator tool installed beside the connector should not pull a rendering library for it.
Drawn only on a terminal: piped output (CI, `--json`) gets the final figures and no redraws.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 24


class ProgressLine:
    def __init__(self, stream: TextIO | None = None, *, enabled: bool | None = None, every: float = 0.1) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.every = every
        self._last = 0.0
        self._drawn = False

    def show(self, label: str, done: int, total: int | None, figures: str = "", *, force: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not force and now - self._last < self.every):
            return
        self._last = now
        self.stream.write("\r\x1b[2K" + render(label, done, total, figures))
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False


def render(label: str, done: int, total: int | None, figures: str = "") -> str:
    """`redrive [##########--------------] 5/12  figures`; without a total, a count only."""
    if total:
        filled = min(WIDTH, WIDTH * done // total)
        bar = f"[{'#' * filled}{'-' * (WIDTH - filled)}] {done}/{total}"
    else:
        bar = f"{done}"
    return f"{label} {bar}  {figures}".rstrip()
