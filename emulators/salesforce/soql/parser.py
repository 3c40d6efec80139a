"""Recursive-descent SOQL parser.

    query      := SELECT selection FROM name [WHERE condition] [ORDER BY order (, order)*]
                  [LIMIT int] [OFFSET int]
    selection  := COUNT ( ) | path (, path)*
    path       := name (. name)*
    condition  := unary (AND unary)* | unary (OR unary)*     -- mixing needs parentheses
    unary      := NOT unary | ( condition ) | predicate
    predicate  := path op value | path [NOT] IN ( value (, value)* ) | path LIKE string
    value      := string | number | date | datetime | TRUE | FALSE | NULL | date function
    order      := path [ASC | DESC] [NULLS FIRST | NULLS LAST]

Keywords are case-insensitive. Like Salesforce, mixing AND and OR at one level without
parentheses is a syntax error rather than a precedence rule.
"""

from __future__ import annotations

from typing import cast

from ..values import parse_date, parse_datetime
from .lexer import Kind, Token, error_at, tokenize
from .nodes import BoolOp, Comparison, Condition, FieldPath, InList, Like, Not, OrderItem, Query, Value

# Date literals without a number, and the ones that take `:n`.
DATE_FUNCTIONS = frozenset(
    {
        "TODAY",
        "YESTERDAY",
        "TOMORROW",
        "LAST_WEEK",
        "THIS_WEEK",
        "NEXT_WEEK",
        "LAST_MONTH",
        "THIS_MONTH",
        "NEXT_MONTH",
        "LAST_90_DAYS",
        "NEXT_90_DAYS",
        "THIS_YEAR",
        "LAST_YEAR",
        "NEXT_YEAR",
    }
)
DATE_N_FUNCTIONS = frozenset(
    {"LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO", "LAST_N_WEEKS", "NEXT_N_WEEKS", "LAST_N_MONTHS", "NEXT_N_MONTHS"}
)
_CLAUSE_WORDS = frozenset(
    {
        "SELECT",
        "FROM",
        "WHERE",
        "ORDER",
        "BY",
        "LIMIT",
        "OFFSET",
        "AND",
        "OR",
        "NOT",
        "IN",
        "LIKE",
        "ASC",
        "DESC",
        "NULLS",
        "FIRST",
        "LAST",
        "GROUP",
        "HAVING",
        "WITH",
        "FOR",
        "USING",
        "TYPEOF",
    }
)
MAX_OFFSET = 2000


def parse(text: str) -> Query:
    return _Parser(text).query()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    # -- token helpers -----------------------------------------------------------------------

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.current
        if token.kind is not Kind.EOF:
            self.index += 1
        return token

    def unexpected(self, token: Token | None = None) -> Exception:
        token = token or self.current
        shown = "<EOF>" if token.kind is Kind.EOF else token.text
        return error_at(self.text, token.position, f"unexpected token: '{shown}'")

    def expect_word(self, word: str) -> Token:
        if not self.current.is_word(word):
            raise self.unexpected()
        return self.advance()

    def expect(self, kind: Kind) -> Token:
        if self.current.kind is not kind:
            raise self.unexpected()
        return self.advance()

    def accept_word(self, *words: str) -> Token | None:
        return self.advance() if self.current.is_word(*words) else None

    # -- grammar -----------------------------------------------------------------------------

    def query(self) -> Query:
        self.expect_word("SELECT")
        fields, count_only = self.selection()
        self.expect_word("FROM")
        sobject = self.name(keywords_allowed=True)
        where = self.condition() if self.accept_word("WHERE") else None
        order_by: tuple[OrderItem, ...] = ()
        if self.accept_word("ORDER"):
            self.expect_word("BY")
            items = [self.order_item()]
            while self.current.kind is Kind.COMMA:
                self.advance()
                items.append(self.order_item())
            order_by = tuple(items)
        limit = self.integer() if self.accept_word("LIMIT") else None
        offset_token = self.current
        offset = self.integer() if self.accept_word("OFFSET") else None
        if offset is not None and offset > MAX_OFFSET:
            raise error_at(
                self.text,
                offset_token.position,
                f"Maximum SOQL offset allowed is {MAX_OFFSET}",
                code="NUMBER_OUTSIDE_VALID_RANGE",
            )
        if self.current.kind is not Kind.EOF:
            raise self.unexpected()
        return Query(self.text, fields, count_only, sobject.text, sobject.position, where, order_by, limit, offset)

    def selection(self) -> tuple[tuple[FieldPath, ...], bool]:
        if self.current.is_word("COUNT") and self.tokens[self.index + 1].kind is Kind.LPAREN:
            self.advance()
            self.advance()
            self.expect(Kind.RPAREN)
            if self.current.kind is Kind.COMMA:
                raise self.unexpected()
            return (), True
        paths = [self.path()]
        while self.current.kind is Kind.COMMA:
            self.advance()
            paths.append(self.path())
        return tuple(paths), False

    def name(self, *, keywords_allowed: bool = False) -> Token:
        """An identifier. Keywords are names too where nothing else can stand (the object after
        FROM, a part after a dot): `FROM Order` is valid SOQL."""
        token = self.current
        if token.kind is not Kind.IDENT or (not keywords_allowed and token.text.upper() in _CLAUSE_WORDS):
            raise self.unexpected()
        return self.advance()

    def path(self) -> FieldPath:
        first = self.name()
        parts = [first.text]
        while self.current.kind is Kind.DOT:
            self.advance()
            parts.append(self.name(keywords_allowed=True).text)
        return FieldPath(tuple(parts), first.position)

    def integer(self) -> int:
        token = self.current
        if token.kind is not Kind.NUMBER or not token.text.isdigit():
            raise self.unexpected()
        self.advance()
        return int(token.text)

    def condition(self) -> Condition:
        operands = [self.unary()]
        joiner: str | None = None
        while self.current.is_word("AND", "OR"):
            word = self.current.text.upper()
            if joiner is not None and word != joiner:
                raise self.unexpected()
            joiner = word
            self.advance()
            operands.append(self.unary())
        if joiner is None:
            return operands[0]
        return BoolOp("AND" if joiner == "AND" else "OR", tuple(operands))

    def unary(self) -> Condition:
        if self.accept_word("NOT"):
            return Not(self.unary())
        if self.current.kind is Kind.LPAREN:
            self.advance()
            inner = self.condition()
            self.expect(Kind.RPAREN)
            return inner
        return self.predicate()

    def predicate(self) -> Condition:
        field = self.path()
        token = self.current
        if token.kind is Kind.OP:
            self.advance()
            return Comparison(field, token.text, self.value())
        if token.is_word("LIKE"):
            self.advance()
            value = self.value()
            if value.kind != "string":
                raise self.unexpected(self.tokens[self.index - 1])
            return Like(field, value)
        negated = bool(self.accept_word("NOT"))
        if self.current.is_word("IN"):
            self.advance()
            self.expect(Kind.LPAREN)
            values = [self.value()]
            while self.current.kind is Kind.COMMA:
                self.advance()
                values.append(self.value())
            self.expect(Kind.RPAREN)
            return InList(field, tuple(values), negated)
        raise self.unexpected()

    def value(self) -> Value:
        token = self.advance()
        if token.kind is Kind.STRING:
            return Value("string", token.value, token.position, token.pattern)
        if token.kind is Kind.NUMBER:
            number = float(token.text)
            return Value(
                "number", int(number) if number.is_integer() and "." not in token.text else number, token.position
            )
        if token.kind is Kind.DATE:
            parsed_date = parse_date(token.text)
            if parsed_date is None:
                raise self.unexpected(token)
            return Value("date", parsed_date, token.position)
        if token.kind is Kind.DATETIME:
            parsed = parse_datetime(token.text)
            if parsed is None:
                raise self.unexpected(token)
            return Value("datetime", parsed, token.position)
        if token.kind is Kind.DATE_N:
            name, n = cast(tuple[str, int], token.value)
            if name not in DATE_N_FUNCTIONS:
                raise self.unexpected(token)
            return Value("date_function", (name, n), token.position)
        if token.kind is Kind.IDENT:
            word = token.text.upper()
            if word in {"TRUE", "FALSE"}:
                return Value("boolean", word == "TRUE", token.position)
            if word == "NULL":
                return Value("null", None, token.position)
            if word in DATE_FUNCTIONS:
                return Value("date_function", (word, 0), token.position)
        raise self.unexpected(token)

    def order_item(self) -> OrderItem:
        field = self.path()
        descending = False
        direction = self.accept_word("ASC", "DESC")
        if direction is not None:
            descending = direction.text.upper() == "DESC"
        nulls_first = not descending
        if self.accept_word("NULLS"):
            which = self.accept_word("FIRST", "LAST")
            if which is None:
                raise self.unexpected()
            nulls_first = which.text.upper() == "FIRST"
        return OrderItem(field, descending, nulls_first)
