"""`chat.action_selected`: the values an agent typed are checked before they are kept."""

import json
from typing import Any

import pytest
from conftest import CONTRACT_EVENTS

from connector.chat.actions import select_action
from connector.chat.end_events import ChatActionSelected
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


@pytest.mark.parametrize(
    "name", ["whoid", "CHAT_ID__C", "chat_id__c", "ID", "accountId"], ids=lambda name: f"{name} in another case"
)
def test_a_field_the_connector_sets_is_refused_whatever_its_case(name: str) -> None:
    # given a selection setting a link the connector sets, spelled in another case (Salesforce reads
    # API names case-insensitively: `whoid` is WhoId)
    data = {"action": "attach_task_to_contact", "fields": {"Task": {name: "003000000000001"}}}
    # when it is selected
    # then it is refused as the exact spelling is, and nothing is kept
    with pytest.raises(MappingError) as refused:
        select_action(selection(**data), NoStore())  # type: ignore[arg-type]
    assert refused.value.loc == ["data", "fields", "Task", name]


class KeepingStore:
    def __init__(self) -> None:
        self.kept: list[Any] = []

    @property
    def chat_choices(self) -> Any:
        return self

    def choose(self, chat_id: str, choice: Any) -> None:
        self.kept.append(choice)


def test_a_custom_field_with_a_long_api_name_is_taken() -> None:
    # given a custom field whose API name is 40 characters plus the "__c" suffix (43, as Salesforce allows)
    name = "A" * 40 + "__c"
    data = {"action": "create_case", "fields": {"Case": {name: "x"}}}
    store = KeepingStore()
    # when it is selected
    select_action(selection(**data), store)  # type: ignore[arg-type]
    # then the choice is kept with it
    assert store.kept[0].fields == {"Case": {name: "x"}}
