"""A description's 32,000 characters as Salesforce counts them: UTF-16 code units (a character
outside the Basic Multilingual Plane, an emoji, is a surrogate pair and counts twice, as Apex's
String.length() and the org's field-length check count it)."""

from __future__ import annotations

from connector.chat.transcripts import CUT_MARKER, DESCRIPTION_LENGTH, fit_description


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_a_text_of_emoji_over_32000_utf16_units_is_cut_to_fit() -> None:
    # 20,000 emoji: 20,000 code points, 40,000 UTF-16 code units
    text = "\N{GRINNING FACE}" * 20_000
    description = fit_description(text)
    assert description.cut
    assert utf16_length(description.text) <= DESCRIPTION_LENGTH
    assert description.text.endswith(CUT_MARKER)
    assert description.full_text == text


def test_the_cut_never_splits_a_surrogate_pair() -> None:
    # a cut that would fall between the two halves of an emoji keeps the whole emoji out
    text = "a" + "\N{GRINNING FACE}" * 20_000
    description = fit_description(text)
    kept = description.text.removesuffix(CUT_MARKER)
    assert kept.encode("utf-16-le").decode("utf-16-le") == kept
    assert utf16_length(description.text) <= DESCRIPTION_LENGTH
    assert set(kept[1:]) == {"\N{GRINNING FACE}"}


def test_a_text_of_exactly_32000_utf16_units_is_kept_whole() -> None:
    text = "\N{GRINNING FACE}" * (DESCRIPTION_LENGTH // 2)
    assert not fit_description(text).cut
