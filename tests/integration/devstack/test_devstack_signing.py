"""`python -m devstack send` signs as DESIGN §2 says, agrees with the connector's verifier, and
knows the route of every contract event type."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest

from devstack.aws import is_secret_parameter, secret_value, webhook_secret_family
from devstack.cfn import load_template
from devstack.cli import main, route_from_body
from devstack.signing import FAMILY_SECRETS, route_for, secret_for, sign

ROOT = Path(__file__).resolve().parents[3]
EVENT_DIRS = [ROOT / "events", ROOT.parent / "shared" / "contracts" / "events"]


def test_signature_matches_the_documented_formula() -> None:
    body = b'{"event_id":"e1"}'
    expected = hmac.new(
        b"local-dev-secret", b"1700000000.POST./v1/commerce/customers." + body, hashlib.sha256
    ).hexdigest()
    assert sign("local-dev-secret", "post", "/v1/commerce/customers", body, 1700000000) == f"t=1700000000,v1={expected}"


def test_get_signature_signs_the_query_and_an_empty_body() -> None:
    digest = hmac.new(b"s", b"5.GET./v1/loyalty/customers/k/activity?page=2.", hashlib.sha256).hexdigest()
    assert sign("s", "GET", "/v1/loyalty/customers/k/activity?page=2", b"", 5) == f"t=5,v1={digest}"


def test_the_connector_verifier_accepts_devstack_signatures() -> None:
    webhook_auth = pytest.importorskip("connector.pipeline.signature")
    body = b'{"event_type": "order.created"}'
    header = sign("local-dev-secret", "POST", "/v1/commerce/orders", body)
    assert webhook_auth.verify(header, "local-dev-secret", "POST", "/v1/commerce/orders", body)
    assert not webhook_auth.verify(header, "other-secret", "POST", "/v1/commerce/orders", body)
    assert webhook_auth.sign("k", "GET", "/v1/sync/a/b/c", b"", 7) == sign("k", "GET", "/v1/sync/a/b/c", b"", 7)


@pytest.mark.parametrize(
    ("event_type", "path"),
    [
        ("customer.registered", "/v1/commerce/customers"),
        ("customer.opted_in", "/v1/commerce/customers"),
        ("customer.enroll", "/v1/loyalty/actions"),
        ("customer.merge", "/v1/loyalty/actions"),
        ("order.updated", "/v1/commerce/orders"),
        ("contact_us.submitted", "/v1/commerce/cases"),
        ("chat.ended", "/v1/chat/events"),
        ("offline_message.received", "/v1/chat/events"),
        ("chat.action_selected", "/v1/chat/events"),
        ("chat.requested", "/v1/chat/route"),
        ("bot.query", "/v1/chat/bot"),
        ("conversation.routed", "/v1/social/conversations"),
        ("user.matched", "/v1/social/conversations"),
        ("conversation.contact_linked", "/v1/social/salesforce-events"),
        ("conversation.assigned", "/v1/social/salesforce-events"),
        ("conversation.reply", "/v1/social/salesforce-events"),
        ("engagement.send", "/v1/social/salesforce-events"),
        ("customer.update", "/v1/loyalty/actions"),
        ("customer.updated", "/v1/commerce/customers"),
        ("offer.redeem", "/v1/loyalty/actions"),
        ("reward.purchase", "/v1/loyalty/actions"),
        ("points.award", "/v1/loyalty/actions"),
        ("note.add", "/v1/loyalty/actions"),
    ],
)
def test_route_of_each_event_type(event_type: str, path: str) -> None:
    assert route_for(event_type) == path


def test_every_example_event_has_a_route_in_the_template() -> None:
    template = load_template(ROOT / "template.yaml")
    posts = {
        event["Properties"]["Path"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Serverless::Function"
        for event in resource["Properties"].get("Events", {}).values()
        if event["Type"] == "HttpApi" and event["Properties"]["Method"] == "POST"
    }
    files = [f for d in EVENT_DIRS if d.is_dir() for f in sorted(d.glob("*.json"))]
    if not files:
        pytest.skip("no example events")
    for file in files:
        route = route_from_body(file.read_bytes())
        assert route in posts, f"{file.name} -> {route}"


def test_send_posts_a_signed_body(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from werkzeug.wrappers import Request, Response

    from devstack.gateway import serve

    seen: list[tuple[str, str, bytes, str]] = []

    @Request.application
    def app(request: Request) -> Response:
        seen.append((request.method, request.full_path.rstrip("?"), request.get_data(), request.headers["X-Signature"]))
        return Response(json.dumps({"status": "synced"}), 200, content_type="application/json")

    server, thread = serve(app, "127.0.0.1", 0, "test-send")
    body = tmp_path / "order.json"
    body.write_bytes(b'{"event_type": "order.created", "event_id": "e1"}\n')
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        assert main(["send", str(body), "--url", url]) == 0
        assert main(["send", "--get", "/v1/sync/commerce/order/1?x=1", "--url", url, "--secret", "s"]) == 0
    finally:
        server.shutdown()
        thread.join(5)

    (m1, p1, b1, s1), (m2, p2, b2, s2) = seen
    assert (m1, p1, b1) == ("POST", "/v1/commerce/orders", body.read_bytes())
    ts = int(s1.split(",")[0].removeprefix("t="))
    assert abs(ts - time.time()) < 60
    assert s1 == sign(FAMILY_SECRETS["commerce"], "POST", "/v1/commerce/orders", b1, ts)
    assert (m2, p2, b2) == ("GET", "/v1/sync/commerce/order/1?x=1", b"")
    assert s2 == sign("s", "GET", "/v1/sync/commerce/order/1?x=1", b"", int(s2.split(",")[0][2:]))
    out = capsys.readouterr().out
    assert "200 OK" in out and '"synced"' in out


def test_each_familys_webhook_secret_has_a_local_value_of_its_own() -> None:
    # Given the template's secret parameters
    parameters = load_template("template.yaml")["Parameters"]

    # When the local stack makes the webhook secrets
    secrets = {
        webhook_secret_family(name): secret_value(name)
        for name, spec in parameters.items()
        if is_secret_parameter(name, spec) and webhook_secret_family(name)
    }

    # Then each of the four families has one, and no two are the same
    assert secrets == FAMILY_SECRETS
    assert set(secrets) == {"commerce", "chat", "social", "loyalty"}
    assert len(set(secrets.values())) == 4


@pytest.mark.parametrize(
    ("path", "family"),
    [
        ("/v1/commerce/orders/00002001", "commerce"),
        ("/v1/chat/route", "chat"),
        ("/v1/social/users/u1/activity?x=1", "social"),
        ("/v1/loyalty/actions", "loyalty"),
        ("/v1/sync/chat/session/s1", "chat"),
    ],
)
def test_a_route_is_signed_with_its_familys_secret(path: str, family: str) -> None:
    assert secret_for(path) == FAMILY_SECRETS[family]
