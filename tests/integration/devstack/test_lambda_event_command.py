"""`python -m devstack lambda-event` prints an HttpApi event `sam local invoke -e` can use, signed now."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from connector.pipeline.signature import verify
from devstack.signing import FAMILY_SECRETS

ROOT = Path(__file__).resolve().parents[3]


def test_lambda_event_is_a_signed_http_api_event_of_the_body() -> None:
    body_file = ROOT / "events" / "customer.registered.json"

    out = subprocess.run(
        [sys.executable, "-m", "devstack", "lambda-event", str(body_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    event = json.loads(out)
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /v1/commerce/customers"
    assert event["body"].encode() == body_file.read_bytes()
    signature = event["headers"]["x-signature"]
    assert verify(signature, FAMILY_SECRETS["commerce"], "POST", event["rawPath"], body_file.read_bytes())
