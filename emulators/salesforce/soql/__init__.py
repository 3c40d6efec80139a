"""A small SOQL implementation: lexer, recursive-descent parser and an executor over the store.

Covers the subset the connector and its tests use (see `parser` for the grammar); anything
outside it is a MALFORMED_QUERY naming the unexpected token, as Salesforce answers.
"""

from .executor import QueryResult, execute
from .parser import parse

__all__ = ["QueryResult", "execute", "parse"]
