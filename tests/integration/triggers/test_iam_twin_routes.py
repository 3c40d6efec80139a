"""The /v1/iam/ twins Salesforce calls, in process: API Gateway's AWS_IAM authorizer has checked the
SigV4 signature and put the caller's identity in requestContext.authorizer.iam (payload 2.0); the
function then answers as its HMAC twin does, and refuses (403, API Gateway's own body) a request that
reached such a path without that identity: a route deployed without its authorizer stays closed."""

from __future__ import annotations

import json
from typing import Any

from conftest import Connector, Reply, TriggerClient
from loyalty_world import balance, seed_customer
from trigger_events import event_body

# The identity API Gateway's IAM authorizer adds for a role session (payload format 2.0).
IAM_IDENTITY = {
    "accessKey": "ASIAEXAMPLE0000000001",
    "accountId": "123456789012",
    "callerId": "AROAEXAMPLE000000001:salesforce",
    "cognitoIdentity": None,
    "principalOrgId": None,
    "userArn": "arn:aws:sts::123456789012:assumed-role/SalesforceInvokeRole/salesforce",
    "userId": "AROAEXAMPLE000000001:salesforce",
}


def iam_request(
    function: TriggerClient, method: str, path: str, body: Any = None, identity: dict[str, Any] | None = IAM_IDENTITY
) -> Reply:
    """The event API Gateway sends once its IAM authorizer let the request through: no X-Signature."""
    raw = b"" if body is None else json.dumps(body).encode()
    event = function.http_event(method, path, raw, sign_it=False)
    if identity is not None:
        event["requestContext"]["authorizer"] = {"iam": identity}
    return function.answer_of(event)


def test_an_iam_action_applies_as_its_hmac_twin_does(loyalty_connector: Connector) -> None:
    # given a customer with 1200 points
    seed_customer(loyalty_connector.loyalty_platform, points=1200)
    offers = loyalty_connector.trigger("offer_actions")
    # when the agent buys a reward through the IAM route, and another through the HMAC route
    by_iam = iam_request(offers, "POST", "/v1/iam/loyalty/actions", event_body("reward.purchase", quantity=1))
    body = event_body("reward.purchase", quantity=1)
    by_hmac = offers.post(body, path="/v1/loyalty/actions")
    # then both are applied, with answers of the same shape, and 2 x 500 points are spent
    assert by_iam.status == by_hmac.status == 200, (by_iam.body, by_hmac.body)
    assert set(by_iam.body) == set(by_hmac.body)
    assert balance(loyalty_connector.loyalty_platform) == 200


def test_an_iam_profile_read_answers_what_its_hmac_twin_answers(loyalty_connector: Connector) -> None:
    seed_customer(loyalty_connector.loyalty_platform, points=1200)
    offers = loyalty_connector.trigger("offer_actions")
    key = event_body("reward.purchase")["data"]["customer"]["external_id"]

    by_iam = iam_request(offers, "GET", f"/v1/iam/loyalty/customers/{key}")
    by_hmac = offers.get(f"/v1/loyalty/customers/{key}")

    assert by_iam.status == 200, by_iam.body
    assert by_iam == by_hmac


def test_an_iam_activity_read_answers_what_its_hmac_twin_answers(loyalty_connector: Connector) -> None:
    seed_customer(loyalty_connector.loyalty_platform, points=1200)
    offers = loyalty_connector.trigger("offer_actions")
    key = event_body("reward.purchase")["data"]["customer"]["external_id"]

    by_iam = iam_request(offers, "GET", f"/v1/iam/loyalty/customers/{key}/activity?page=1&page_size=5")
    by_hmac = offers.get(f"/v1/loyalty/customers/{key}/activity?page=1&page_size=5")

    assert by_iam.status == 200, by_iam.body
    assert by_iam == by_hmac


def test_an_iam_social_event_is_validated_as_its_hmac_twin_is(connector: Connector) -> None:
    # given a Salesforce event missing its conversation id
    social = connector.trigger("conversation_routing")
    body = event_body("conversation.assigned")
    del body["data"]["conversation_id"]
    # when it is sent to both routes
    by_iam = iam_request(social, "POST", "/v1/iam/social/salesforce-events", body)
    by_hmac = social.post(body, path="/v1/social/salesforce-events")
    # then both refuse it the same way, naming the field
    assert by_iam.status == 422, by_iam.body
    assert by_iam == by_hmac


def test_an_iam_path_reached_without_the_gateways_identity_is_forbidden_and_applies_nothing(
    loyalty_connector: Connector,
) -> None:
    seed_customer(loyalty_connector.loyalty_platform, points=1200)
    offers = loyalty_connector.trigger("offer_actions")

    reply = iam_request(offers, "POST", "/v1/iam/loyalty/actions", event_body("reward.purchase"), identity=None)

    assert (reply.status, reply.body) == (403, {"message": "Forbidden"})
    assert balance(loyalty_connector.loyalty_platform) == 1200


def test_an_x_signature_does_not_open_an_iam_path(loyalty_connector: Connector) -> None:
    # given a request correctly signed with the loyalty family's HMAC secret, but no IAM identity
    seed_customer(loyalty_connector.loyalty_platform, points=1200)
    offers = loyalty_connector.trigger("offer_actions")
    raw = json.dumps(event_body("reward.purchase")).encode()
    secret = loyalty_connector.secret_for("/v1/loyalty/actions")
    event = offers.http_event("POST", "/v1/iam/loyalty/actions", raw, secret=secret)
    # when it reaches the IAM path
    reply = offers.answer_of(event)
    # then it is forbidden: only the gateway's IAM authorizer opens these routes
    assert reply.status == 403
    assert balance(loyalty_connector.loyalty_platform) == 1200


def test_an_iam_identity_does_not_open_an_hmac_route(loyalty_connector: Connector) -> None:
    seed_customer(loyalty_connector.loyalty_platform, points=1200)
    offers = loyalty_connector.trigger("offer_actions")

    reply = iam_request(offers, "POST", "/v1/loyalty/actions", event_body("reward.purchase"))

    assert reply.status == 401
    assert balance(loyalty_connector.loyalty_platform) == 1200


def test_an_iam_path_with_no_twin_is_not_found(connector: Connector) -> None:
    registration = connector.trigger("registration")

    reply = iam_request(registration, "POST", "/v1/iam/commerce/customers", event_body("customer.registered"))

    assert reply.status == 404
    assert connector.salesforce.records("Contact") == []


def test_an_iam_body_is_still_checked_for_json(loyalty_connector: Connector) -> None:
    offers = loyalty_connector.trigger("offer_actions")
    event = offers.http_event("POST", "/v1/iam/loyalty/actions", b"{not json", sign_it=False)
    event["requestContext"]["authorizer"] = {"iam": IAM_IDENTITY}

    assert offers.answer_of(event).status == 400
