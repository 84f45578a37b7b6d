"""Plates by the dealer's region: a mainland dealer refuses a mainland plate without its province character but
still takes Hong Kong, Macau and Taiwan plates; a message that is only a plate is no language signal."""

from __future__ import annotations

import pytest

from bot.core.common.identifiers import RecordError, lacks_province, normalise_plate, reads_as_plate
from bot.handlers.common.context import written_locale


@pytest.mark.parametrize(
    ("typed", "cn", "elsewhere"),
    [("粤B12345", "粤B12345", "粤B12345"), ("粵b·d12345", "粤BD12345", "粤BD12345"),
     ("B12345", None, "B12345"), ("BD12345", None, "BD12345"), ("b·1234x", None, "B1234X"),
     ("AB 1234", "AB1234", "AB1234"), ("ABC-1234", "ABC1234", "ABC1234"), ("MA-12-34", "MA1234", "MA1234"),
     ("1234-AB", "1234AB", "1234AB")],
)  # fmt: skip
def test_a_mainland_dealer_wants_the_province(typed: str, cn: str | None, elsewhere: str) -> None:
    assert normalise_plate(typed, "TW") == normalise_plate(typed) == elsewhere
    assert lacks_province(typed) is (cn is None)
    if cn is None:
        with pytest.raises(RecordError, match="province"):
            normalise_plate(typed, "CN")
    else:
        assert normalise_plate(typed, "CN") == cn


@pytest.mark.parametrize("text", ["粤B12345", "粵B 12345", "AB 1234", "B12345"])
def test_a_plate_alone_says_nothing_of_the_language(text: str) -> None:
    assert reads_as_plate(text)
    assert written_locale(text, "en", "en") is None


@pytest.mark.parametrize("text", ["粤B12345 明天可以嗎", "tomorrow", "保養"])
def test_words_are_still_a_language_signal(text: str) -> None:
    assert not reads_as_plate(text)
    assert written_locale(text, "en", "en") is not None
