"""Issue 11: the OpenAPI document is what the functions validate. Its schemas are generated from the
very types the routes validate with; these tests compare the two where a rule is written twice
(a pattern beside a validator), and draw schema-valid bodies from the document to show the models
accept them: a schema-valid body is refused only by a rule the document lists under its route's 422
(`x-unstated-rules`: the clock, another field, the configuration, an earlier delivery)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from pydantic import TypeAdapter, ValidationError

from connector.errors import MappingError
from connector.pipeline.openapi import document
from connector.pipeline.signature import source_family
from connector.value_types import (
    NO_CONTROL_CHARACTERS,
    WITHIN_YEARS,
    CalendarDate,
    Email,
    PersonName,
    no_control_characters,
)

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
BODIES_PER_ROUTE = 10


def _accepts(adapter: TypeAdapter[Any], value: Any) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


def test_the_year_pattern_of_the_document_admits_exactly_the_years_a_date_is_accepted_in() -> None:
    # Given the calendar-date type the models validate with, and the pattern the document states
    dates = TypeAdapter(CalendarDate)

    # When every year from 1 to 9999 is tried both ways
    disagreements = [
        year
        for year in range(1, 10_000)
        if bool(re.match(WITHIN_YEARS, f"{year:04d}-06-15")) != _accepts(dates, f"{year:04d}-06-15")
    ]

    # Then they agree on every one
    assert disagreements == []


def test_the_name_pattern_of_the_document_refuses_exactly_the_control_characters_the_models_refuse() -> None:
    # Given the name type's schema (what the document says) and the shared control-character check
    names = TypeAdapter(PersonName)
    pattern = re.compile(names.json_schema()["pattern"])

    def refused_by_the_check(character: str) -> bool:
        try:
            no_control_characters(character)
        except ValueError:
            return True
        return False

    # When every character up to U+2FFF (Latin-1's C1 controls, the line and paragraph separators,
    # the spaces) is tried in a name
    disagreements = [
        hex(code)
        for code in range(0x3000)
        if (pattern.search(f"A{chr(code)}B") is None) != refused_by_the_check(chr(code))
        or _accepts(names, f"A{chr(code)}B") != (pattern.search(f"A{chr(code)}B") is not None)
    ]

    # Then the document, the model and the check agree on each
    assert names.json_schema()["pattern"] == NO_CONTROL_CHARACTERS
    assert disagreements == []


@pytest.mark.parametrize("address", ["a\x00b@example.com", "ab@exa\x7fmple.com", "ab@example.c\x85om"])
def test_an_email_with_a_control_character_is_refused_by_the_documented_pattern_itself(address: str) -> None:
    # Given the email type's schema / When an address with a control character is matched against it
    pattern = TypeAdapter(Email).json_schema()["pattern"]

    # Then the document refuses it, as the model does
    assert re.search(pattern, address) is None
    assert not _accepts(TypeAdapter(Email), address)


def _triggers() -> list[Any]:
    triggers = []
    for app_file in sorted(FUNCTIONS.glob("*/app.py")):
        spec = importlib.util.spec_from_file_location(f"rules_{app_file.parent.name}", app_file)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if hasattr(module, "trigger"):  # the backfill is fed by its queue only: no route
            triggers.append(module.trigger)
    return triggers


def _envelope_routes() -> list[tuple[str, Any, tuple[Any, ...]]]:
    return [
        (path, body_type, trigger.unstated_rules.get(path, ()))
        for trigger in _triggers()
        for path, body_type in trigger.body_types.items()
    ]


@pytest.fixture(scope="module")
def schema(request: pytest.FixtureRequest) -> Any:
    import schemathesis

    mp = pytest.MonkeyPatch()
    mp.setenv("SYNC_STATE_TABLE", "SyncState")
    mp.setenv("IDEMPOTENCY_TABLE", "Idempotency")
    request.addfinalizer(mp.undo)
    return schemathesis.openapi.from_dict(document(FUNCTIONS))


def _covered_by(errors: list[dict[str, Any]], rules: tuple[Any, ...]) -> bool:
    """Whether every error is one of the route's documented rules (its loc starts with the rule's)."""
    return all(
        any(tuple(error["loc"][: len(rule.loc)]) == rule.loc and error["type"] == rule.type for rule in rules)
        for error in errors
    )


def _errors_of(exc: ValidationError, event_types: set[str]) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = list(error["loc"])
        if loc and loc[0] in event_types:
            loc = loc[1:]  # the union's tag, as the pipeline drops it
        errors.append({"loc": loc, "type": error["type"], "msg": error["msg"]})
    return errors


@pytest.mark.parametrize(
    ("path", "body_type", "rules"), _envelope_routes(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_a_body_valid_by_the_document_is_accepted_by_the_routes_models_but_for_its_stated_rules(
    schema: Any, path: str, body_type: Any, rules: tuple[Any, ...]
) -> None:
    from schemathesis import GenerationMode

    # Given the route's operation in the document, and the type the route validates its body with
    operation = schema.find_operation_by_path("POST", path)
    assert operation is not None
    adapter: TypeAdapter[Any] = TypeAdapter(body_type)
    event_types = set(adapter.json_schema().get("discriminator", {}).get("mapping", {}))
    refusals: list[str] = []

    # When schema-valid bodies drawn from the document are validated by the route's type
    @settings(
        max_examples=BODIES_PER_ROUTE,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    def validate(case: Any) -> None:
        try:
            event = adapter.validate_python(case.body)
        except ValidationError as exc:
            errors = _errors_of(exc, event_types)
            if not _covered_by(errors, rules):
                refusals.append(repr(errors)[:400])
            return
        assert event.source == source_family(path)

    validate()

    # Then none was refused by a rule the document does not state
    assert refusals == []


def test_a_native_body_valid_by_the_document_translates_but_for_its_stated_rules(schema: Any) -> None:
    from schemathesis import GenerationMode

    from connector.chat.native import to_canonical

    # Given the chat platform's native route in the document
    operation = schema.find_operation_by_path("POST", "/v1/chat/native/{token}")
    assert operation is not None
    rules = operation.definition.raw["responses"]["422"].get("x-unstated-rules", [])
    refusals: list[str] = []

    # When schema-valid native bodies drawn from it are translated as the route translates them
    @settings(
        max_examples=BODIES_PER_ROUTE,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    def translate(case: Any) -> None:
        try:
            to_canonical(case.body)
        except ValidationError as exc:
            errors = _errors_of(exc, set())
            if not all(
                any(e["loc"][: len(r["loc"])] == r["loc"] and e["type"] == r["type"] for r in rules) for e in errors
            ):
                refusals.append(repr(errors)[:400])
        except MappingError as exc:
            refusals.append(f"{exc.loc} {exc.msg}")

    translate()

    # Then each one translated, or was refused by a rule the document states
    assert refusals == []
