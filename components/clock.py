"""Today's date, in one place, so date-dependent checks (model retirement) can be run as of any day.

The program asks `today()`; tests and `offline.plan --today` pin a date with `pinned(...)`, so a test written
now gives the same answer in two years and a reviewer can ask "will this stack still deploy on 1 June?".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

_pinned: list[date] = []


def today() -> date:
    """The pinned date if one is set, else today's date in UTC."""
    return _pinned[-1] if _pinned else datetime.now(UTC).date()


@contextmanager
def pinned(day: date) -> Iterator[None]:
    """Run a block as if today were `day`."""
    _pinned.append(day)
    try:
        yield
    finally:
        _pinned.pop()
