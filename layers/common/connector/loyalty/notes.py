"""A note an agent adds to a customer's loyalty profile, with a configured reason (`loyalty.note_reasons`).

SessionM records every note as made by the integration user, not the agent (a limitation the
reference lists): the agent is written into the note's text in the fixed format of `agent_tag`,
and the answer names the agent.
"""

from __future__ import annotations

from connector.errors import MappingError
from connector.loyalty.audit import audit_state, record_action
from connector.loyalty.models import NoteAdd, NoteAnswer, agent_answer
from connector.loyalty.platform import customer_id_of
from connector.loyalty.points import agent_tag
from connector.services import Services


def add_note(command: NoteAdd, services: Services) -> NoteAnswer:
    data = command.data
    allowed = services.settings.config.loyalty.note_reasons
    if data.reason not in allowed:
        raise MappingError(["data", "reason"], f"must be one of the configured values: {', '.join(allowed)}")
    customer_id = customer_id_of(services, data.customer)
    note = services.loyalty.add_note(customer_id, data.reason, f"{data.text}\n{agent_tag(data.agent)}")
    record_action(services, command, customer_id, f"note {note['id']} ({data.reason})")
    return NoteAnswer(
        action=command.event_type,
        customer_id=customer_id,
        audit=audit_state(services),
        note=note,
        written_by=agent_answer(data.agent),
    )
