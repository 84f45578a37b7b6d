"""The bot's start-up freeze (bot.core.common.frozen): kept through a sweep's own freeze, garbage never kept."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot.core.common import frozen


class Node:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def after_start_up() -> Iterator[None]:
    frozen.freeze_after_start_up()
    try:
        yield
    finally:
        frozen.thaw()


def test_start_up_freeze_until_thawed() -> None:
    try:
        frozen.freeze_after_start_up()
        assert gc.get_freeze_count() > 0
    finally:
        frozen.thaw()
    assert gc.get_freeze_count() == 0


def test_a_sweep_keeps_the_start_up_freeze_and_frees_what_died_meanwhile(after_start_up: None) -> None:
    held = Node()
    gone = weakref.ref(held)
    with frozen.frozen_meanwhile():  # `held` is alive here: frozen with the rest
        del held  # garbage now, but frozen: no collection can free it while the sweep runs
        gc.collect()
        assert gone() is not None
    assert gone() is None, "garbage frozen by the sweep is collected when it ends"
    assert gc.get_freeze_count() > 0, "the start-up freeze is still in force"


def test_without_the_start_up_freeze_a_sweep_leaves_nothing_frozen() -> None:
    with frozen.frozen_meanwhile():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
