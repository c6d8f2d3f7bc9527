"""Progress on a terminal for work that takes more than a moment.

Lines go to standard error, only when it is a terminal, and only once the work has taken
longer than a short delay, so quick runs and redirected output stay clean. A step that is
still running when the delay passes is shown then, not only when the next step starts.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    """Report the current step on one self-overwriting line of a terminal.

    >>> import io
    >>> Progress(io.StringIO()).step("reading")  # not a terminal: prints nothing
    """

    def __init__(self, stream: TextIO | None = None, *, delay: float = 0.5,
                 enabled: bool = True) -> None:  # fmt: skip
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled and self.stream.isatty()
        self.delay = delay
        self.started = time.monotonic()
        self.shown = False
        self.current = ""
        self.finished = False
        self.lock = threading.Lock()
        self.timer: threading.Timer | None = None

    def _show(self) -> None:
        with self.lock:
            if self.finished or not self.current:
                return
            elapsed = time.monotonic() - self.started
            self.stream.write(f"\r\x1b[K{self.current} ({elapsed:.1f} s)")
            self.stream.flush()
            self.shown = True

    def step(self, text: str) -> None:
        """Show ``text`` as the current step (once the delay has passed)."""
        if not self.enabled:
            return
        self.current = text
        if time.monotonic() - self.started >= self.delay:
            self._show()
        elif self.timer is None:
            wait = self.delay - (time.monotonic() - self.started)
            self.timer = threading.Timer(wait, self._show)
            self.timer.daemon = True
            self.timer.start()

    def done(self) -> None:
        """Clear the progress line."""
        with self.lock:
            self.finished = True
            if self.timer is not None:
                self.timer.cancel()
            if self.shown:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
                self.shown = False


def silent(text: str) -> None:
    """A progress callback that reports nothing."""
