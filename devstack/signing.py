"""Signing inbound requests as the connector's senders do (DESIGN §2).

`X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<METHOD>.<path>.<raw body>")>`,
`<path>` with its query string if any, `<raw body>` empty for a GET.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Signature"
# One webhook secret per source family, as in AWS (DESIGN §2): the local stack stores these values
# in its `<Family>WebhookSecretArn` secrets and lists them in `GET /_local/health`, so a test can
# show that one family's secret never opens another family's routes.
FAMILY_SECRETS: dict[str, str] = {
    "commerce": "local-commerce-webhook-secret",
    "chat": "local-chat-webhook-secret",
    "social": "local-social-webhook-secret",
    "loyalty": "local-loyalty-webhook-secret",
}


def signature_base(timestamp: int, method: str, path: str, body: bytes = b"") -> bytes:
    return f"{timestamp}.{method.upper()}.{path}.".encode() + body


def sign(secret: str, method: str, path: str, body: bytes = b"", timestamp: int | None = None) -> str:
    """The X-Signature header value for this request."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    digest = hmac.new(secret.encode(), signature_base(ts, method, path, body), hashlib.sha256).hexdigest()
    return f"t={ts},v1={digest}"


def family_of(path: str) -> str | None:
    """The source family whose secret signs a route: /v1/<family>/..., or /v1/sync/<family>/..."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    if len(parts) >= 2 and parts[0] == "v1":
        family = parts[2] if parts[1] == "sync" and len(parts) > 2 else parts[1]
        if family in FAMILY_SECRETS:
            return family
    return None


def secret_for(path: str) -> str:
    """The local secret a request to this route is signed with (its family's; commerce's for a path
    of no family, which every route then refuses with a 401)."""
    return FAMILY_SECRETS[family_of(path) or "commerce"]


# event_type -> route, most specific first: exact types, then prefixes.
_EXACT = {
    "customer.enroll": "/v1/loyalty/actions",
    "customer.sync": "/v1/loyalty/actions",
    "customer.merge": "/v1/loyalty/actions",
    "customer.update": "/v1/loyalty/actions",
    "chat.requested": "/v1/chat/route",
    "chat.ended": "/v1/chat/events",
    "offline_message.received": "/v1/chat/events",
    "chat.action_selected": "/v1/chat/events",
    "conversation.routed": "/v1/social/conversations",
    "conversation.replied": "/v1/social/conversations",
    "user.matched": "/v1/social/conversations",
    "conversation.contact_linked": "/v1/social/salesforce-events",
    "conversation.assigned": "/v1/social/salesforce-events",
    "conversation.reply": "/v1/social/salesforce-events",
    "engagement.send": "/v1/social/salesforce-events",
}
_PREFIX = {
    "customer.": "/v1/commerce/customers",
    "order.": "/v1/commerce/orders",
    "contact_us.": "/v1/commerce/cases",
    "bot.": "/v1/chat/bot",
    "chat.": "/v1/chat/events",
    "offline_message.": "/v1/chat/events",
    "conversation.": "/v1/social/conversations",
    "user.": "/v1/social/conversations",
    "offer.": "/v1/loyalty/actions",
    "reward.": "/v1/loyalty/actions",
    "points.": "/v1/loyalty/actions",
    "note.": "/v1/loyalty/actions",
}


def route_for(event_type: str) -> str | None:
    """The inbound route a body with this `event_type` is posted to."""
    if event_type in _EXACT:
        return _EXACT[event_type]
    for prefix, path in _PREFIX.items():
        if event_type.startswith(prefix):
            return path
    return None
