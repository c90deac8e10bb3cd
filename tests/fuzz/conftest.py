"""Fuzz harness: example budgets, a per-example timeout, memory accounting and the counts report.

``make test`` runs a small budget (the whole fuzz folder in well under a minute); ``make fuzz`` sets
``KATLAS_FUZZ_EXAMPLES`` higher and ``KATLAS_FUZZ_REPORT`` to a JSON file that receives the counts.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

#: Examples per fuzz target (per reader, for the workspace loader, the filter JSON, the CLI).
EXAMPLES = int(os.environ.get("KATLAS_FUZZ_EXAMPLES", "120"))
#: The small budget of ``make test`` replays the same examples every run (reproducible CI); a longer
#: ``make fuzz`` explores new ones each time.
DERANDOMIZE = "KATLAS_FUZZ_EXAMPLES" not in os.environ
#: Wall-clock limit for one example; a reader that needs longer on a small input hangs.
TIMEOUT_S = float(os.environ.get("KATLAS_FUZZ_TIMEOUT", "10"))
#: Peak-RSS growth allowed over a whole fuzz target (inputs are at most a few hundred kB).
MAX_GROWTH_MB = float(os.environ.get("KATLAS_FUZZ_MAX_GROWTH_MB", "600"))

FIXTURES_DIR = Path(__file__).resolve().parents[3] / "shared" / "fixtures"

COUNTS: Counter[str] = Counter()
OUTCOMES: Counter[tuple[str, str]] = Counter()


class ExampleTimeout(BaseException):
    """Raised in the main thread when one example runs past TIMEOUT_S (BaseException: a reader's
    ``except Exception`` cannot swallow it)."""


@contextmanager
def time_limit(seconds: float = TIMEOUT_S) -> Iterator[None]:
    if os.name != "posix" or threading.current_thread() is not threading.main_thread():
        yield
        return

    def fire(_sig: int, _frame: object) -> None:
        raise ExampleTimeout(f"example ran longer than {seconds:g} s (a hang)")

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


@pytest.fixture
def memory_bound() -> Iterator[None]:
    before = peak_rss_mb()
    yield
    grown = peak_rss_mb() - before
    assert grown < MAX_GROWTH_MB, f"peak memory grew {grown:.0f} MB during the fuzz run (unbounded?)"


def record(target: str, outcome: str) -> None:
    COUNTS[target] += 1
    OUTCOMES[(target, outcome)] += 1


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001
    if not COUNTS:
        return
    tr = terminalreporter
    tr.section("fuzz cases run")
    for target in sorted(COUNTS):
        parts = {o: v for (t, o), v in OUTCOMES.items() if t == target}
        detail = ", ".join(f"{v:,} {k}" for k, v in sorted(parts.items()))
        tr.write_line(f"{target:<32} {COUNTS[target]:>7,}  ({detail})")
    out = os.environ.get("KATLAS_FUZZ_REPORT")
    if out:
        Path(out).write_text(json.dumps({"examples_per_target": EXAMPLES, "counts": dict(COUNTS),
                                         "outcomes": {f"{t}: {o}": v for (t, o), v in OUTCOMES.items()}},
                                        indent=1), encoding="utf-8")
