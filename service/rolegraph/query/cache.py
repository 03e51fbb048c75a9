"""One in-process answer cache (least recently used out first, within a byte budget), used for
query results (safety.CachingRunner) and for whole responses (web/ops.ResponseCache).

Two choices keep it cheap when most requests are distinct (integrators' queries, bench/soak.py):
- an answer is kept on its key's second sight, not its first, so one-off queries never fill
  the cache and push out the answers that are asked for again;
- keys and values are tuples of strings, bytes and numbers, which the garbage collector stops
  tracking: a full collection over a filled cache of dataclass entries paused a worker for
  40-75 ms (the whole latency tail), over tuples it costs a fraction of a millisecond."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

# What one entry holds beyond its key's and value's bytes: the tuples and the dictionary slot.
ENTRY_OVERHEAD = 512
SEEN_SLOTS = 1 << 16  # the doorkeeper: one remembered hash per slot, a collision forgets
V = TypeVar("V")


class AnswerCache(Generic[V]):
    def __init__(self, budget_bytes: int) -> None:
        self.budget = budget_bytes
        self.used = 0
        self._entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._seen = [0] * SEEN_SLOTS
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def offer(self, key: Hashable, value: V, size: int) -> None:
        """Keep `value` (of `size` bytes with its key) if `key` was offered before and the
        entry is at most a sixteenth of the budget."""
        cost = size + ENTRY_OVERHEAD
        if cost > self.budget // 16 or not self._second_sight(key):
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (value, cost)
            self.used += cost
            while self.used > self.budget:
                _, (_, old_cost) = self._entries.popitem(last=False)
                self.used -= old_cost

    def _second_sight(self, key: Hashable) -> bool:
        digest = hash(key) or 1
        slot = digest % SEEN_SLOTS
        if self._seen[slot] == digest:
            return True
        self._seen[slot] = digest
        return False

    def __len__(self) -> int:
        return len(self._entries)
