"""Secrets Manager reads, cached per container through Powertools parameters (on the container's session)."""

from __future__ import annotations

import json
from typing import Any

from connector.aws_session import parameter_provider

SECRET_MAX_AGE_SECONDS = 300


def get_secret_text(arn: str) -> str:
    return str(parameter_provider("secrets").get(arn, max_age=SECRET_MAX_AGE_SECONDS))


def get_secret_json(arn: str) -> dict[str, Any]:
    document = json.loads(get_secret_text(arn))
    if not isinstance(document, dict):
        raise ValueError("secret is not a JSON object")
    return document
