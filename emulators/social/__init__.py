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

Seed (POST /_admin/seed):
    {"conversations": [{"id", "channel", "status": "open", "team", "user": {"id", "handle", "name"},
                        "salesforce_contact_id"?, "messages": [{"time", "direction", "text"}]}],
     "users": [{"id", "handle", "name", "channel", "salesforce_contact_id"?}]}
"""

from .app import create_app

__all__ = ["create_app"]
