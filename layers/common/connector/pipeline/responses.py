"""The JSON answers of DESIGN §2, in one place."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "body": self.body}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        return cls(int(data["status"]), dict(data["body"]))

    def to_proxy(self) -> dict[str, Any]:
        """An HttpApi (payload 2.0) Lambda proxy result."""
        return {
            "statusCode": self.status,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps(self.body),
            "isBase64Encoded": False,
        }


def errors(status: int, loc: list[str | int], msg: str, kind: str = "") -> Answer:
    item: dict[str, Any] = {"loc": loc, "msg": msg}
    if kind:
        item["type"] = kind
    return Answer(status, {"errors": [item]})


def message(status: int, text: str) -> Answer:
    return Answer(status, {"message": text})
