"""Progress on stderr for long work (audits, neighbour searches, fix comparisons, generator training), on tqdm.

Off unless asked for (``verbose=True`` in the API; on in the command line).
On a terminal the bar redraws in place; elsewhere (CI logs, files, captured
streams) every update is a line of its own, so logs stay readable.
"""

from __future__ import annotations

import sys
import threading

__all__ = ["Progress"]


class _OneLinePerUpdate:
    """A stream wrapper for non-terminals: each of tqdm's carriage-return redraws becomes one line."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> None:
        for part in text.replace("\x1b[A", "").split("\r"):
            part = part.strip()
            if part:
                self.stream.write(part + "\n")

    def flush(self) -> None:
        self.stream.flush()


class Progress:
    """``total`` units of work, shown by tqdm on ``stream`` (stderr) when ``enabled``.

    Parameters
    ----------
    total : int
        Units of work (steps, rows, folds).
    enabled : bool, default=False
    label : str
        What is being done (the bar's description).
    stream : file-like, optional
        Defaults to ``sys.stderr``.
    unit : str, default="step"
    min_interval : float, default=0.0
        Seconds between two updates shown (use it for many small updates,
        such as rows); the first and the last are always shown.

    Examples
    --------
    >>> import io
    >>> from datafix._progress import Progress
    >>> stream = io.StringIO()
    >>> bar = Progress(2, enabled=True, stream=stream, label="datafix audit")
    >>> bar.step("duplicates"); bar.step("missing"); bar.close()
    >>> lines = stream.getvalue().splitlines()
    >>> lines[-1].startswith("datafix audit: done"), "2/2" in lines[-1]
    (True, True)
    """

    def __init__(self, total: int, *, enabled: bool = False, label: str = "datafix", stream=None, unit: str = "step",
                 min_interval: float = 0.0):
        from tqdm import tqdm

        stream = sys.stderr if stream is None else stream
        interactive = bool(getattr(stream, "isatty", lambda: False)())
        self.enabled = enabled
        self.label = label
        self._started = False
        self._lock = threading.Lock()
        self._bar = tqdm(
            total=max(int(total), 1), desc=label, unit=unit, disable=not enabled, leave=True,
            file=stream if interactive else _OneLinePerUpdate(stream),
            mininterval=max(min_interval, 0.1 if interactive else 0.0), dynamic_ncols=interactive,
            ascii=not interactive, delay=1e-9,  # nothing is shown before the first update
            bar_format=None if interactive else "{desc} [{bar:24}] {n_fmt}/{total_fmt} {elapsed}",
        )

    def _describe(self, text: str) -> None:
        self._bar.set_description_str(f"{self.label}: {text}" if text else self.label, refresh=False)

    def note(self, text: str) -> None:
        """Show what is being computed now, without advancing."""
        if self.enabled:
            with self._lock:
                self._describe(text)
                self._bar.refresh()

    def step(self, text: str = "") -> None:
        """Start the next step (``text`` says which); the one before it counts as done."""
        if self.enabled:
            with self._lock:
                self._describe(text)
                if self._started:
                    self._bar.update(1)
                else:
                    self._bar.refresh()
                self._started = True

    def advance(self, amount: int, text: str = "") -> None:
        """Count ``amount`` more units done (rows, folds); thread-safe."""
        if self.enabled:
            with self._lock:
                if text:
                    self._describe(text)
                self._bar.update(amount)

    def close(self) -> None:
        """Finish: the bar at its total, shown once more, then a new line."""
        if self.enabled:
            with self._lock:
                self._bar.n = self._bar.total
                self._describe("done")
        self._bar.close()
