"""`chat.action_selected`: the values an agent typed are checked before they are kept."""

import json
from typing import Any

import pytest
from conftest import CONTRACT_EVENTS

from connector.chat.actions import select_action
from connector.chat.models import ChatActionSelected
from connector.errors import MappingError


class NoStore:
    """Services whose choice store must never be reached by a refused selection."""

    @property
    def chat_choices(self) -> Any:
        raise AssertionError("a refused selection was kept")


def selection(**data: Any) -> ChatActionSelected:
    body = json.loads((CONTRACT_EVENTS / "chat.action_selected.json").read_text())
    body["data"].update(data)
    return ChatActionSelected.model_validate(body)


@pytest.mark.parametrize(
    ("data", "loc"),
    [
        ({"action": "create_case", "fields": {"Lead": {"Company": "X"}}}, ["data", "fields", "Lead"]),
        ({"fields": {"Lead": {"Bad Name": "X"}}}, ["data", "fields", "Lead", "Bad Name"]),
        ({"fields": {"Task": {"WhoId": "003000000000001"}}}, ["data", "fields", "Task", "WhoId"]),
        ({"fields": {"Lead": {"Company": {"nested": 1}}}}, ["data", "fields", "Lead", "Company"]),
        ({"action": "attach_task_to_lead", "salesforce_id": "003000000000001AAA"}, ["data", "salesforce_id"]),
    ],
    ids=[
        "object the action does not write",
        "not an API name",
        "a link the connector sets",
        "not a plain value",
        "an Id of the wrong object",
    ],
)
def test_a_selection_the_option_cannot_apply_is_refused_naming_the_field(data: Any, loc: list[str]) -> None:
    # given a selection with a value the option cannot use
    # when it is selected
    # then a mapping error names it, and nothing is kept
    with pytest.raises(MappingError) as refused:
        select_action(selection(**data), NoStore())  # type: ignore[arg-type]
    assert refused.value.loc == loc
