"""`connector.salesforce.soql`: every value placed in SOQL is one string literal, whatever it holds.

The literal grammar below is Salesforce's (SOQL reference, "Quoted String Escape Sequences"): a literal
is delimited by single quotes, and a backslash introduces one of \\n \\r \\t \\b \\f \\" \\' \\\\ (and, in
LIKE, \\_ and \\%).
"""

import pytest

from connector.salesforce import soql_like, soql_quote

_SEQUENCES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_LIKE_LITERALS = {**_SEQUENCES, "_": "_", "%": "%"}


def read_literal(text: str) -> tuple[str, str]:
    """Reads one SOQL string literal from the start of `text` as a SOQL parser would: (value, rest)."""
    assert text.startswith("'"), f"not a literal: {text!r}"
    value, i = [], 1
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            nxt = text[i + 1]
            assert nxt in _SEQUENCES, f"invalid escape \\{nxt} in {text!r}"
            value.append(_SEQUENCES[nxt])
            i += 2
        elif ch == "'":
            return "".join(value), text[i + 1 :]
        else:
            value.append(ch)
            i += 1
    raise AssertionError(f"unterminated literal: {text!r}")


HOSTILE = [
    "x' OR Name != '",
    "' OR '1'='1",
    "jane@example.com' OR Email LIKE '%",
    "a\\' OR Id != null OR Name = '",
    "\\",
    "trailing backslash\\",
    "'",
    "''",
    "line\nbreak",
    "carriage\rreturn",
    "tab\there",
    "back\bspace",
    "form\ffeed",
    'double "quotes"',
    "O'Brien",
    "unicode: Zoë 東京 ✓",
    "",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_quoted_value_reads_back_as_exactly_one_literal_holding_the_value(value):
    literal = soql_quote(value)

    decoded, rest = read_literal(literal)

    assert decoded == value
    assert rest == ""


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("O'Brien", r"'O\'Brien'"),
        ("back\\slash", r"'back\\slash'"),
        ("line\nbreak", r"'line\nbreak'"),
        ("cr\rlf", r"'cr\rlf'"),
        ("tab\t", r"'tab\t'"),
        ("bell\b", r"'bell\b'"),
        ("feed\f", r"'feed\f'"),
        ('say "hi"', r"'say \"hi\"'"),
    ],
)
def test_quote_uses_salesforces_escape_sequences(value, literal):
    assert soql_quote(value) == literal


def test_injection_attempt_stays_inside_the_literal():
    query = f"SELECT Id FROM Contact WHERE Email = {soql_quote("x' OR Name != '")}"

    assert query == r"SELECT Id FROM Contact WHERE Email = 'x\' OR Name != \''"


def test_quote_leaves_like_wildcards_alone():
    assert soql_quote("50%_off") == "'50%_off'"


def test_like_escapes_percent_and_underscore():
    assert soql_like("50%_off") == r"'50\%\_off'"


def read_like_pattern(text: str) -> tuple[list[tuple[str, bool]], str]:
    """Reads one LIKE literal as SOQL does, in a single pass: ([(char, is_wildcard)], rest).

    `\\_` and `\\%` are a literal _ and %; a bare _ or % is a wildcard; the other sequences as above.
    """
    assert text.startswith("'"), f"not a literal: {text!r}"
    tokens, i = [], 1
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            nxt = text[i + 1]
            assert nxt in _LIKE_LITERALS, f"invalid escape \\{nxt} in {text!r}"
            tokens.append((_LIKE_LITERALS[nxt], False))
            i += 2
        elif ch == "'":
            return tokens, text[i + 1 :]
        else:
            tokens.append((ch, ch in "%_"))
            i += 1
    raise AssertionError(f"unterminated literal: {text!r}")


@pytest.mark.parametrize("value", [*HOSTILE, "100%", "snake_case", "%_%", "\\%", "\\_", "\\\\"])
def test_like_value_reads_back_as_one_literal_matching_the_value_literally(value):
    literal = soql_like(value)

    tokens, rest = read_like_pattern(literal)

    assert rest == ""
    assert [ch for ch, wildcard in tokens if wildcard] == []
    assert "".join(ch for ch, _ in tokens) == value


def test_like_value_may_be_wrapped_in_wildcards_by_the_caller():
    literal = soql_like("a_b")

    contains = "'%" + literal[1:-1] + "%'"

    assert contains == r"'%a\_b%'"
