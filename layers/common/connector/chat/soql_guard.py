"""The chatbot's "Find a record by SOQL": a query the bot wrote, checked before Salesforce sees it.

Only a read the configuration allows passes: one statement, a plain SELECT of allow-listed fields
of an allow-listed object, filtered and ordered on allow-listed fields, with a LIMIT no higher than
the configured maximum. Anything this checker cannot judge (subqueries, aggregates, TYPEOF,
functions, GROUP BY, FOR UPDATE, USING SCOPE...) is refused rather than guessed at.

A query may be a template: `{name}` or `:name` stands for one whole value, taken from the command's
variables and placed in the query as an escaped string literal (`soql_quote`), never as text.

The grammar followed is Salesforce's SOQL SELECT syntax
(https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select.htm).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from connector.salesforce.soql import soql_quote


class RefusedQuery(ValueError):
    """The query is not one the bot may run; the message says why (it never quotes values)."""


@dataclass(frozen=True)
class Token:
    kind: str  # word, string, number, date, op, punct, placeholder
    text: str
    start: int
    end: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed: its text (variables in place), object, selected fields and LIMIT."""

    soql: str
    sobject: str
    fields: tuple[str, ...]
    limit: int


# Writes, whatever the statement around them: never in a bot's read.
_DML = ("INSERT", "UPDATE", "DELETE", "UPSERT", "MERGE", "UNDELETE")
# Clauses a plain read of one object does not need, that this checker cannot judge.
_UNSUPPORTED = ("GROUP", "HAVING", "WITH", "USING", "TYPEOF", "FOR", "ROLLUP", "CUBE", "FORMAT")
_COMPARISONS = ("=", "!=", "<>", "<", "<=", ">", ">=")
_WORD_OPERATORS = ("LIKE", "IN", "INCLUDES", "EXCLUDES")
_DATE_LITERAL = re.compile(
    r"^(TODAY|YESTERDAY|TOMORROW|(LAST|THIS|NEXT)_(WEEK|MONTH|YEAR|QUARTER|FISCAL_QUARTER|FISCAL_YEAR|90_DAYS)"
    r"|(LAST|NEXT)_N_(DAYS|WEEKS|MONTHS|QUARTERS|YEARS|FISCAL_QUARTERS|FISCAL_YEARS)|N_(DAYS|WEEKS|MONTHS|"
    r"QUARTERS|YEARS|FISCAL_QUARTERS|FISCAL_YEARS)_AGO)$",
    re.IGNORECASE,
)
_MAX_OFFSET = 2000  # Salesforce's own maximum OFFSET

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<unterminated>')
  | (?P<placeholder>\{[A-Za-z_][A-Za-z0-9_]*\}|(?<![\w:]):[A-Za-z_][A-Za-z0-9_]*)
  | (?P<date>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2}))?)
  | (?P<number>-?\d+(?:\.\d+)?(?![\w.]))
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?::\d+)?)
  | (?P<op>!=|<>|<=|>=|=|<|>)
  | (?P<punct>[(),;])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def tokenize(soql: str) -> list[Token]:
    tokens = []
    for match in _TOKEN.finditer(soql):
        kind = match.lastgroup or "other"
        if kind == "space":
            continue
        if kind == "unterminated":
            raise RefusedQuery(f"a string literal is not closed (at character {match.start() + 1})")
        if kind == "other":
            raise RefusedQuery(f"unexpected character {match.group()!r} at character {match.start() + 1}")
        tokens.append(Token(kind, match.group(), match.start(), match.end()))
    return tokens


_PLACEHOLDER_IN_STRING = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def fill_template(soql: str, variables: Mapping[str, str]) -> str:
    """The query with each `{name}` / `:name` replaced by its variable as an escaped literal."""
    out, last = [], 0
    for token in tokenize(soql):
        if token.kind == "string" and _PLACEHOLDER_IN_STRING.search(token.text):
            raise RefusedQuery("a placeholder stands for a whole value: write {name}, not '{name}'")
        if token.kind != "placeholder":
            continue
        name = token.text.strip("{}:")
        if name not in variables:
            raise RefusedQuery(f"placeholder {token.text} has no variable of that name")
        out.append(soql[last : token.start])
        out.append(soql_quote(variables[name]))
        last = token.end
    out.append(soql[last:])
    return "".join(out)


class _Checker:
    def __init__(self, soql: str, objects: Mapping[str, Sequence[str]], max_rows: int) -> None:
        self.soql = soql
        self.tokens = tokenize(soql)
        self.pos = 0
        self.objects = objects
        self.max_rows = max_rows
        self.allowed: dict[str, str] = {}
        self.sobject = ""

    # -- reading -------------------------------------------------------------------------------
    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, what: str) -> Token:
        token = self.peek()
        if token is None:
            raise RefusedQuery(f"the query ends where {what} was expected")
        self.pos += 1
        return token

    def at_word(self, *words: str) -> bool:
        token = self.peek()
        return token is not None and token.is_word(*words)

    def expect_word(self, word: str) -> None:
        token = self.take(word)
        if not token.is_word(word):
            raise RefusedQuery(f"expected {word} at character {token.start + 1}")

    # -- the whole statement -------------------------------------------------------------------
    def check(self) -> CheckedQuery:
        self._refuse_what_is_never_allowed()
        if not self.tokens or not self.tokens[0].is_word("SELECT"):
            raise RefusedQuery("only a SELECT query is allowed")
        for token in self.tokens:
            if token.kind == "placeholder":
                raise RefusedQuery(f"placeholder {token.text} has no variable of that name")
        self.pos = 1
        raw_fields = self._select_list()
        self.expect_word("FROM")
        self._from()
        fields = tuple(self._field(token) for token in raw_fields)
        if self.at_word("WHERE"):
            self.pos += 1
            self._condition()
        if self.at_word("ORDER"):
            self.pos += 1
            self.expect_word("BY")
            self._order_by()
        if not self.at_word("LIMIT"):
            stray = self.peek()
            if stray is None:
                raise RefusedQuery(f"a LIMIT of at most {self.max_rows} is required")
            raise RefusedQuery(f"unexpected {stray.text!r} at character {stray.start + 1}")
        self.pos += 1
        limit = self._limit()
        if self.at_word("OFFSET"):
            self.pos += 1
            offset = self.take("an OFFSET")
            if offset.kind != "number" or not offset.text.isdigit() or int(offset.text) > _MAX_OFFSET:
                raise RefusedQuery(f"OFFSET takes a whole number up to {_MAX_OFFSET}")
        rest = self.peek()
        if rest is not None:
            raise RefusedQuery(f"unexpected {rest.text!r} at character {rest.start + 1}")
        return CheckedQuery(self.soql.strip(), self.sobject, fields, limit)

    def _refuse_what_is_never_allowed(self) -> None:
        for token in self.tokens:
            if token.kind == "punct" and token.text == ";":
                raise RefusedQuery("one statement only: ';' is not allowed")
        for index, token in enumerate(self.tokens):
            if token.is_word("SELECT") and index > 0:
                raise RefusedQuery("subqueries are not allowed")
            if token.is_word("FOR"):
                raise RefusedQuery("FOR UPDATE, FOR VIEW and FOR REFERENCE are not allowed")
            if token.is_word(*_UNSUPPORTED):
                raise RefusedQuery(f"{token.text.upper()} is not allowed in a bot's query")
        for token in self.tokens:
            if token.is_word(*_DML):
                raise RefusedQuery(f"the bot may only read: {token.text.upper()} is not allowed")

    # -- clauses -------------------------------------------------------------------------------
    def _select_list(self) -> list[Token]:
        fields = []
        while True:
            token = self.take("a field")
            if token.kind != "word" or token.is_word("FROM"):
                raise RefusedQuery(f"expected a field at character {token.start + 1}")
            following = self.peek()
            if following is not None and following.text == "(":
                raise RefusedQuery(f"functions are not allowed: {token.text}(...)")
            fields.append(token)
            if following is not None and following.text == ",":
                self.pos += 1
                continue
            return fields

    def _from(self) -> None:
        token = self.take("an object")
        if token.kind != "word" or "." in token.text:
            raise RefusedQuery(f"expected an object at character {token.start + 1}")
        canonical = {name.lower(): name for name in self.objects}
        name = canonical.get(token.text.lower())
        if name is None:
            raise RefusedQuery(f"the bot may not read the object {token.text}")
        self.sobject = name
        self.allowed = {field.lower(): field for field in self.objects[name]}
        following = self.peek()
        if following is not None and not following.is_word("WHERE", "ORDER", "LIMIT", "OFFSET"):
            raise RefusedQuery(f"unexpected {following.text!r} after the object (aliases are not allowed)")

    def _field(self, token: Token) -> str:
        if token.kind != "word" or ":" in token.text:
            raise RefusedQuery(f"expected a field at character {token.start + 1}")
        if token.text.lower() not in self.allowed:
            raise RefusedQuery(f"the bot may not read the field {token.text} of {self.sobject}")
        return token.text

    def _condition(self) -> None:
        """condition := term ((AND | OR) term)*; term := NOT term | '(' condition ')' | comparison."""
        self._term()
        while self.at_word("AND", "OR"):
            self.pos += 1
            self._term()

    def _term(self) -> None:
        if self.at_word("NOT"):
            self.pos += 1
            self._term()
            return
        token = self.peek()
        if token is not None and token.text == "(":
            self.pos += 1
            self._condition()
            closing = self.take("')'")
            if closing.text != ")":
                raise RefusedQuery(f"expected ')' at character {closing.start + 1}")
            return
        self._comparison()

    def _comparison(self) -> None:
        self._field(self.take("a field"))
        operator = self.take("an operator")
        if operator.kind == "op" and operator.text in _COMPARISONS:
            self._value()
            return
        if operator.is_word("NOT"):
            operator = self.take("IN")
            if not operator.is_word("IN"):
                raise RefusedQuery(f"expected IN after NOT at character {operator.start + 1}")
        if not operator.is_word(*_WORD_OPERATORS):
            raise RefusedQuery(f"expected an operator at character {operator.start + 1}")
        if operator.is_word("LIKE"):
            self._value()
            return
        opening = self.take("'('")
        if opening.text != "(":
            raise RefusedQuery(f"{operator.text.upper()} takes a list of values in parentheses")
        while True:
            self._value()
            token = self.take("')'")
            if token.text == ")":
                return
            if token.text != ",":
                raise RefusedQuery(f"expected ',' or ')' at character {token.start + 1}")

    def _value(self) -> None:
        token = self.take("a value")
        if token.kind in ("string", "number", "date"):
            return
        if token.is_word("TRUE", "FALSE", "NULL"):
            return
        if token.kind == "word" and _DATE_LITERAL.match(token.text.split(":")[0]):
            return
        raise RefusedQuery(f"expected a value at character {token.start + 1}")

    def _order_by(self) -> None:
        while True:
            self._field(self.take("a field"))
            if self.at_word("ASC", "DESC"):
                self.pos += 1
            if self.at_word("NULLS"):
                self.pos += 1
                if not self.at_word("FIRST", "LAST"):
                    raise RefusedQuery("NULLS takes FIRST or LAST")
                self.pos += 1
            token = self.peek()
            if token is None or token.text != ",":
                return
            self.pos += 1

    def _limit(self) -> int:
        token = self.take("a LIMIT")
        if token.kind != "number" or not token.text.isdigit():
            raise RefusedQuery("LIMIT takes a whole number")
        limit = int(token.text)
        if not 1 <= limit <= self.max_rows:
            raise RefusedQuery(f"LIMIT must be between 1 and {self.max_rows}")
        return limit


def check_query(soql: str, objects: Mapping[str, Sequence[str]], max_rows: int) -> CheckedQuery:
    """The query, if the bot may run it; RefusedQuery saying why otherwise."""
    return _Checker(soql, objects, max_rows).check()


def checked_query(
    template: str, variables: Mapping[str, str], objects: Mapping[str, Sequence[str]], max_rows: int
) -> CheckedQuery:
    """The bot's query with its variables in place (escaped), checked against the allow-list."""
    return check_query(fill_template(template, variables), objects, max_rows)
