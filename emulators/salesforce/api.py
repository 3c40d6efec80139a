"""Transport-neutral request/response types for the REST resources.

The same handlers serve real HTTP calls and composite subrequests, so they never touch Flask:
they get an `ApiRequest` (path relative to `/services/data/vNN.N`) and return an `ApiResponse`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import json_parser_error

if TYPE_CHECKING:
    from .org import Org

_NO_BODY = object()


@dataclass
class ApiRequest:
    method: str
    path: str
    version: str
    args: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    raw_body: bytes = b""
    # Set instead of raw_body when the body is already parsed (composite subrequests).
    parsed_body: Any = _NO_BODY

    def header(self, name: str) -> str | None:
        """A request header, by case-insensitive name (composite subrequests keep the client's case)."""
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), None)

    def json(self) -> Any:
        if self.parsed_body is not _NO_BODY:
            return self.parsed_body
        if not self.raw_body.strip():
            raise json_parser_error("No content to map due to end-of-input")
        try:
            return json.loads(self.raw_body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise json_parser_error(f"Unexpected character in the request body: {exc}") from exc


@dataclass
class ApiResponse:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    # Bytes answered as they are instead of a JSON body (sObject Blob Get).
    raw: bytes | None = None


@dataclass
class Call:
    """One resource invocation: the org, the request, the path arguments, and a way to run
    further requests through the same routes (for composite)."""

    org: Org
    request: ApiRequest
    args: dict[str, str]
    dispatch: Callable[[ApiRequest], ApiResponse]

    @property
    def version(self) -> str:
        return self.request.version


def json_ok(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> ApiResponse:
    return ApiResponse(status, body, headers or {})


def no_content() -> ApiResponse:
    return ApiResponse(204)
