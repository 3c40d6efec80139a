"""SOQL tokens. Strings keep both their plain value and, for LIKE, which characters are
wildcards (an escaped \\% or \\_ is a literal character, an unescaped one a wildcard)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from ..errors import ApiError, bad_request


class Kind(Enum):
    IDENT = "identifier"
    STRING = "string"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    DATE_N = "date literal with n"
    OP = "operator"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    DOT = "."
    EOF = "end of query"


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str
    position: int
    value: object = None
    # For STRING tokens: (char, is_wildcard) pairs used by LIKE.
    pattern: tuple[tuple[str, bool], ...] = ()

    def is_word(self, *words: str) -> bool:
        return self.kind is Kind.IDENT and self.text.upper() in words


_ESCAPES = {"'": "'", '"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?![\dT])")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?![\w.])")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DATE_N = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(\d+)")
_OPS = ("!=", "<>", "<=", ">=", "=", "<", ">")
_PUNCT = {"(": Kind.LPAREN, ")": Kind.RPAREN, ",": Kind.COMMA, ".": Kind.DOT}


def error_at(query: str, position: int, message: str, *, code: str = "MALFORMED_QUERY") -> ApiError:
    """Salesforce's SOQL error text: the query, a caret under the culprit, row and column."""
    line_start = query.rfind("\n", 0, position) + 1
    line_end = query.find("\n", position)
    line = query[line_start : line_end if line_end >= 0 else len(query)]
    row = query.count("\n", 0, position) + 1
    column = position - line_start
    text = f"\n{line}\n{' ' * column}^\nERROR at Row:{row}:Column:{column + 1}\n{message}"
    return bad_request(code, text)


def tokenize(query: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(query):
        char = query[pos]
        if char.isspace():
            pos += 1
            continue
        if char == "'":
            token, pos = _string(query, pos)
            tokens.append(token)
            continue
        if char in _PUNCT:
            tokens.append(Token(_PUNCT[char], char, pos))
            pos += 1
            continue
        op = next((o for o in _OPS if query.startswith(o, pos)), None)
        if op:
            tokens.append(Token(Kind.OP, "!=" if op == "<>" else op, pos))
            pos += len(op)
            continue
        for pattern, kind in ((_DATETIME, Kind.DATETIME), (_DATE, Kind.DATE), (_NUMBER, Kind.NUMBER)):
            match = pattern.match(query, pos)
            if match:
                tokens.append(Token(kind, match.group(), pos))
                pos = match.end()
                break
        else:
            match = _DATE_N.match(query, pos)
            if match:
                tokens.append(Token(Kind.DATE_N, match.group(), pos, (match[1].upper(), int(match[2]))))
                pos = match.end()
                continue
            match = _IDENT.match(query, pos)
            if not match:
                raise error_at(query, pos, f"unexpected token: '{char}'")
            tokens.append(Token(Kind.IDENT, match.group(), pos))
            pos = match.end()
    tokens.append(Token(Kind.EOF, "<EOF>", len(query)))
    return tokens


def _string(query: str, start: int) -> tuple[Token, int]:
    chars: list[tuple[str, bool]] = []
    pos = start + 1
    while pos < len(query):
        char = query[pos]
        if char == "'":
            value = "".join(c for c, _ in chars)
            return Token(Kind.STRING, query[start : pos + 1], start, value, tuple(chars)), pos + 1
        if char == "\\":
            if pos + 1 >= len(query):
                break
            escaped = query[pos + 1]
            if escaped in _ESCAPES:
                chars.append((_ESCAPES[escaped], False))
            elif escaped in "%_":
                chars.append((escaped, False))
            else:
                raise error_at(
                    query,
                    pos,
                    f"Invalid string literal '{query[start : pos + 2]}'. Illegal escape sequence: '\\{escaped}'",
                )
            pos += 2
            continue
        chars.append((char, char in "%_"))
        pos += 1
    raise error_at(query, start, f"unexpected token: '{query[start:]}'. Unterminated string literal")
