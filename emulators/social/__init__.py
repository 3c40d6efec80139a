"""Social inbox emulator shaped after the Alcméon for Salesforce overview.

The inbox holds conversations (id, channel, status open|closed, team, user {id, handle, name},
salesforce_contact_id, messages) and social users. The connector reads them and notifies the
inbox of what happened in Salesforce (a Contact linked, a conversation assigned back to the
inbox, a conversation closed, an agent's reply, an engagement message). The overview names these
notifications but no API paths, so the paths below mirror its objects. Every call is recorded
(GET /_admin/requests) so tests can assert what the connector sent.

Auth: `Authorization: Bearer <API key>` (default local-social-key); otherwise 401.
Errors: {"error": {"code": "conversation_not_found", "message": "..."}}: 400 invalid_request,
401 unauthorized, 404 conversation_not_found / user_not_found / not_found, 409
conversation_closed / consent_required.

    GET  /api/v1/conversations?user_id=&status=&channel=&salesforce_contact_id=
                                          -> {"conversations": [...], "total"}
    GET  /api/v1/conversations/{id}       -> {"conversation": {...}}
    GET  /api/v1/users/{user_id}          -> {"user": {id, handle, name, channel,
                                              salesforce_contact_id, salesforce_object}}
    POST /api/v1/conversations/{id}/contact   {"salesforce_contact_id": 003... (required),
                                              "salesforce_object": "Contact"|"PersonAccount"}
         matches the user: all of the user's conversations get the id
         -> {"conversation", "user", "linked_conversations": [ids]}
    POST /api/v1/conversations/{id}/assign    {"team" (required), "salesforce_user_email"?,
                                              "salesforce_case_id"?}; 409 when closed
    POST /api/v1/conversations/{id}/close     {"reason"?}; closing twice is harmless
    POST /api/v1/conversations/{id}/messages  {"text", "agent": {"email", "name"?, "id"?}} -> 201;
                                              409 when closed; an `Idempotency-Key` header already
                                              seen answers the first message, sending nothing new
    POST /api/v1/engagements                  {"recipient", "channel": whatsapp|kakaotalk,
                                              "consent": true, "text", "salesforce_case_id"?} -> 201;
                                              `Idempotency-Key` honoured as for messages
    GET  /api/v1/engagements                  -> {"engagements": [...], "total"}

The actions feed and the notification webhook, in the documented shapes of the inbox's
synchronize API (github.com/alcmeon/openapi, synchronize.yaml: `Action`, GET /actions, POST /notify):
    GET  /actions?min_action_id=N[&max_action_id=M]   HTTP Basic (app id local-social-app, API key)
         -> [Action, ...]: at most 10, ids > N, ascending
    POST /_admin/actions   {"type": task-create|assign-to|answer|user-match, "conversation_id",
                            "text"?, "team"?, "agent": {"email", ...}?, "salesforce_contact_id"?}
         changes the inbox (a message received, a team routing, an agent's answer, a user matched),
         appends the action and, when a webhook is registered, POSTs {"id", "action"} to it (1 s
         timeout, never redelivered) -> 201 {"action", "notification_sent"}
    POST /_admin/webhook   {"url": str|null, "drop": bool}: `drop` loses every notification (fault)
The conversation in an action's task carries the emulator's team, status and salesforce_contact_id
(the documented Conversation has `custom_fields` only); `user-match` is the emulator's own type.

Seed (POST /_admin/seed):
    {"conversations": [{"id", "channel", "status": "open", "team", "user": {"id", "handle", "name"},
                        "salesforce_contact_id"?, "messages": [{"time", "direction", "text"}]}],
     "users": [{"id", "handle", "name", "channel", "salesforce_contact_id"?}]}
"""

from .app import create_app

__all__ = ["create_app"]
