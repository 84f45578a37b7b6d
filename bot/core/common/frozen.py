"""Objects the process holds for good, set aside from the cyclic garbage collector's full collections.

A full collection walks every object the process holds: the services, the knowledge base, the fitted matcher,
every imported module (about 480,000 objects, 200–500 ms of CPU each on the project's machine). A bot taking
updates ran two or three of them a thousand questions (bench/throughput_bench.py), and a sweep several every
few thousand reminders, each walking objects that live as long as the process. gc.freeze() moves every object
alive to a permanent generation that collections skip; objects made afterwards are collected as usual.

- `freeze_after_start_up()`: once the bot has loaded everything and starts taking updates (the application's
  `start`), after one full collection so that no garbage is kept; `thaw()` when it stops.
- `frozen_meanwhile()`: around a sweep, the objects alive when it begins. Afterwards they are collected as
  usual again; if the bot's start-up freeze is in force, it is taken again after one full collection (the
  objects made since start-up and still alive join the frozen ones), so a sweep neither undoes it nor keeps
  garbage frozen.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_after_start_up = False  # the bot's start-up freeze is in force


def freeze_after_start_up() -> None:
    """Collect once, then set every object alive aside for the rest of the process's life (or until `thaw`)."""
    global _after_start_up
    gc.collect()
    gc.freeze()
    _after_start_up = True


def thaw() -> None:
    """Give every frozen object back to the collector (the bot stopped taking updates)."""
    global _after_start_up
    _after_start_up = False
    gc.unfreeze()


@contextmanager
def frozen_meanwhile() -> Iterator[None]:
    """The objects alive now are set aside until the block ends (then as before it: see the module's doc)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        if _after_start_up:
            gc.collect()
            gc.freeze()
