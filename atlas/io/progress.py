"""Progress and cancellation for long imports, without threading a callback through every reader.

A worker thread wraps its read in :func:`reporting`; readers call :func:`tick` with the fraction
done at natural break points (after each parsed block of a CSV). When the callback returns False
the read stops with :class:`ImportCancelled`, before anything is handed to the model, so a
cancelled import leaves the loaded data untouched. Outside :func:`reporting`, ``tick`` costs one
attribute lookup.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_local = threading.local()


class ImportCancelled(Exception):
    """The user cancelled the import."""


@contextmanager
def reporting(callback: Callable[[float], bool]) -> Iterator[None]:
    """Within the block, readers in this thread report progress (0..1) to ``callback``."""
    previous = getattr(_local, "callback", None)
    _local.callback = callback
    try:
        yield
    finally:
        _local.callback = previous


def tick(fraction: float) -> None:
    cb = getattr(_local, "callback", None)
    if cb is not None and cb(min(max(fraction, 0.0), 1.0)) is False:
        raise ImportCancelled()
