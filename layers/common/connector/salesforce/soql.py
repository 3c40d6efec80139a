"""SOQL literal escaping. Every value that enters a query goes through here."""

from __future__ import annotations

# Salesforce's documented escape sequences for string literals in SOQL.
_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}


def _escape(value: str) -> str:
    return "".join(_ESCAPES.get(ch, ch) for ch in value)


def soql_quote(value: str) -> str:
    """A quoted SOQL string literal holding exactly `value`."""
    return f"'{_escape(value)}'"


def soql_like(value: str) -> str:
    """A quoted literal for LIKE that matches `value` literally (its % and _ escaped)."""
    return "'" + _escape(value).replace("%", "\\%").replace("_", "\\_") + "'"
