"""Secrets Manager reads, cached per container through Powertools parameters (on the container's
boto3 session, `connector.aws`)."""

from __future__ import annotations

import json
from typing import Any

SECRET_MAX_AGE_SECONDS = 300


def get_secret_text(arn: str) -> str:
    from connector import aws

    return aws.get_secret(arn, max_age=SECRET_MAX_AGE_SECONDS)


def get_secret_json(arn: str) -> dict[str, Any]:
    document = json.loads(get_secret_text(arn))
    if not isinstance(document, dict):
        raise ValueError("secret is not a JSON object")
    return document
