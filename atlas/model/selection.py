"""The selection: a set of event ids plus one *current* event (the one the details show)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Selection:
    """Immutable; the model replaces it and emits what was added and removed."""

    ids: frozenset[str] = field(default_factory=frozenset)
    current: str | None = None

    @classmethod
    def of(cls, ids: Iterable[str], current: str | None = None) -> Selection:
        return cls(frozenset(ids), current)

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, event_id: object) -> bool:
        return event_id in self.ids

    def diff(self, other: Selection) -> tuple[frozenset[str], frozenset[str]]:
        """(added, removed) going from ``other`` to ``self``."""
        return self.ids - other.ids, other.ids - self.ids
