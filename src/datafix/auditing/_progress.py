"""A small progress bar on stderr (no dependency)."""

from __future__ import annotations

import sys
import time


class Progress:
    """Progress over ``total`` steps, drawn on ``stream`` (stderr) when ``enabled``.

    On a terminal the bar redraws in place; elsewhere (CI logs) each step is
    a line of its own.

    Examples
    --------
    >>> import io
    >>> from datafix.auditing._progress import Progress
    >>> stream = io.StringIO()
    >>> bar = Progress(2, enabled=True, stream=stream)
    >>> bar.step("duplicates"); bar.step("missing"); bar.close()
    >>> "2/2" in stream.getvalue()
    True
    """

    def __init__(self, total: int, *, enabled: bool = False, stream=None, label: str = "datafix audit", width: int = 24):
        self.total = max(total, 1)
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.label = label
        self.width = width
        self.done = 0
        self.started = time.perf_counter()
        self.interactive = bool(getattr(self.stream, "isatty", lambda: False)())

    def _draw(self, text: str) -> None:
        if not self.enabled:
            return
        filled = int(self.width * self.done / self.total)
        bar = "#" * filled + "-" * (self.width - filled)
        elapsed = time.perf_counter() - self.started
        line = f"{self.label} [{bar}] {self.done}/{self.total} {elapsed:5.1f}s {text}"
        if self.interactive:
            self.stream.write("\r\x1b[2K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def note(self, text: str) -> None:
        """Show what is being computed now, without advancing."""
        self._draw(text)

    def step(self, text: str = "") -> None:
        """Start the next step."""
        self._draw(text)
        self.done = min(self.done + 1, self.total)

    def close(self) -> None:
        self.done = self.total
        self._draw("done")
        if self.enabled and self.interactive:
            self.stream.write("\n")
            self.stream.flush()
