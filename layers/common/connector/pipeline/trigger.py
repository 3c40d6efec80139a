"""A trigger function's Lambda entry: HttpApi requests, SQS batches and schedules, one `handler`.

`functions/<trigger>/app.py` declares its routes on a `Trigger`, one call per route:
`events` (sync events), `commands` (the caller waits for a typed answer), `read` (signed GETs),
`native` (a platform's own webhook bodies, translated to the canonical events of this trigger);
everything else (signature, validation, idempotency, sync state, queueing, retries, logs,
metrics, traces) happens here, the same way for every trigger.
"""

from __future__ import annotations

import inspect
import json
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Optional, Union

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from connector import observability as obs
from connector.envelope import REUSED_EVENT_ID, Command, Envelope, UnstatedRule
from connector.errors import ConnectorError, MappingError, NotFoundError, PermanentError, TransientError
from connector.observability import logger, metrics
from connector.pipeline import intake
from connector.pipeline.failures import error_text
from connector.pipeline.handlers import CommandHandler, EventHandler, Handler
from connector.pipeline.idempotency import Intake, JoinedWritesClient
from connector.pipeline.processing import NotRemembered, Processor, QueuedMessage
from connector.pipeline.responses import (
    INTAKE_ANSWERS,
    Answer,
    ErrorAnswer,
    IgnoredAnswer,
    MessageAnswer,
    QueuedAnswer,
    SyncedAnswer,
    documented,
    errors,
    message,
    unavailable,
)
from connector.pipeline.signature import source_family
from connector.services import Services, build_services
from connector.settings import get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
    from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    # Imported where a relayed record is read: building its models costs ~12 ms at import (-X
    # importtime), which every function's cold start paid, the triggers without a relay included.
    from connector.relay.events import Translate as RelayTranslate

ReadRoute = Callable[..., BaseModel]
# Checks the configuration against the systems it names; raises PermanentError when it does not fit.
ColdStartCheck = Callable[[Services], None]
# A container refused by its cold-start check looks again this often (an admin may have fixed the org).
RECHECK_REFUSAL_SECONDS = 300.0
# A relayed record standing for more canonical events than this (a merged change event names every
# record one DML gave the same change: https://developer.salesforce.com/docs/platform/change-data-capture/guide/cdc-subscribe-merged-events.html)
# has them queued as the trigger's own messages rather than run at once: a batch's sync-state writes
# come at its end, so a batch that outruns the function's timeout records nothing and would run
# every record again on each delivery, until the DLQ. Ten is the event source's batch size: as much
# work as one batch of the trigger's own messages.
MAX_INLINE_PARTS = 10
# A platform's own webhook body -> the canonical event it stands for. Raises pydantic's
# ValidationError (or MappingError) whose locations name the platform's fields.
Translate = Callable[[Any], Envelope]
# A platform's notification that only says "something happened" (unsigned, so its content is never
# trusted): `ring(services, body, accept)` reads the truth from the platform with the connector's own
# credentials and hands the canonical bodies it finds to `accept` (the trigger's `accept_canonical`).
Ring = Callable[[Services, Any, Callable[..., Answer]], BaseModel]
# A route declared on the trigger, registered on Powertools' resolver when the resolver is built.
Declaration = Callable[["APIGatewayHttpResolver"], None]

TOKEN_PARAMETER = "token"  # noqa: S105 - a path parameter's name
# What the rest of the invocation (the resolver, its debug output, any log) sees in place of a URL token.
REDACTED_TOKEN = "redacted"  # noqa: S105 - a placeholder


@dataclass(frozen=True)
class _NativeRoute:
    """A native route's path as a pattern over the request path, and whose token opens it."""

    pattern: re.Pattern[str]
    family: str
    segment: int  # the token's position in the path split on "/"


def _json_response(answer: Answer) -> Response[Any]:
    from aws_lambda_powertools.event_handler import Response

    return Response(
        status_code=answer.status,
        content_type="application/json",
        body=answer.json_body(),
        headers=dict(answer.headers) or None,
    )


def _clean_loc(loc: tuple[Any, ...] | list[Any], event_types: set[str]) -> list[Any]:
    """Pydantic's loc relative to the body: drop 'body' and the union's tag ('customer.registered')."""
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[1:]
    if parts and parts[0] in event_types:
        parts = parts[1:]
    return parts


def _body_type(models: tuple[type[Envelope], ...]) -> Any:
    """One model, or the union of several told apart by `event_type`."""
    if len(models) == 1:
        return models[0]
    return Annotated[Union[models], Field(discriminator="event_type")]  # noqa: UP007


class Trigger:
    def __init__(self, name: str, services: Callable[[], Services] | None = None) -> None:
        self.name = name
        self.handlers: dict[str, Handler] = {}
        self._app: APIGatewayHttpResolver | None = None
        self._declarations: list[Declaration] = []
        self._build_services = services or (lambda: build_services(get_settings()))
        self._services: Services | None = None
        self._processor: Processor | None = None
        self._once: Callable[..., dict[str, Any]] | None = None
        self._joined_client: JoinedWritesClient | None = None
        self._intake: Intake | None = None
        self._idempotency: IdempotencyConfig | None = None
        self._schedule: Callable[[Services], BaseModel] | None = None
        self._queue_adapter: TypeAdapter[Any] | None = None
        self._cold_start_checks: list[ColdStartCheck] = []
        self._checked = False
        self._refusal: PermanentError | None = None
        self._refused_at = 0.0
        self._native_routes: list[_NativeRoute] = []
        # What turns a Salesforce event relayed through EventBridge into this trigger's events (`relay`).
        self._relay_translate: RelayTranslate | None = None
        self._internal: set[str] = set()
        self._iam_twins: list[re.Pattern[str]] = []
        # The OpenAPI paths of the routes with a /v1/iam/ twin (connector.pipeline.openapi publishes them
        # for Salesforce External Services).
        self.iam_twin_paths: list[str] = []
        # event_type -> the source family of the route that takes it: the duplicate check is keyed on
        # (source, event_id), so no path may run an event under another family's name.
        self._families: dict[str, str] = {}
        # OpenAPI path -> path parameter -> the type of the values the route accepts
        # (`read(..., parameters=)`); their JSON schemas are `parameter_schemas`.
        self._parameter_types: dict[str, Mapping[str, Any]] = {}
        # OpenAPI path -> the type of the body of a route that takes a platform's own (native) body,
        # published by connector.pipeline.openapi (an envelope route's body is Powertools').
        self.request_bodies: dict[str, Any] = {}
        # OpenAPI path -> the type an envelope route validates its body with (the document's schema).
        self.body_types: dict[str, Any] = {}
        # OpenAPI path -> the rules beyond its schema that the route applies (a 422 of a known loc and
        # type), listed under its 422 by connector.pipeline.openapi.
        self.unstated_rules: dict[str, tuple[UnstatedRule, ...]] = {}
        self.handler = self._observed(self._handle)

    @property
    def parameter_schemas(self) -> dict[str, dict[str, dict[str, Any]]]:
        """OpenAPI path -> path parameter -> the JSON schema of the values the route accepts, added to
        the document by connector.pipeline.openapi. Made when the document is, not at a cold start:
        the function checks the values with the types themselves."""
        return {
            path: {name: TypeAdapter(kind).json_schema() for name, kind in types.items()}
            for path, types in self._parameter_types.items()
        }

    # -- declaration (app.py) ------------------------------------------------------------------
    def events(self, path: str, *handlers: EventHandler) -> None:
        """A POST route of sync events, told apart by `event_type`."""
        self._post(
            path,
            handlers,
            documented(
                (200, Union[SyncedAnswer, IgnoredAnswer], "synced now (or stale, unchanged), or ignored"),  # noqa: UP007
                (202, QueuedAnswer, "accepted; queued for retry or async processing"),
                (409, ErrorAnswer, "an invalid state change, or this event is still in progress"),
                *INTAKE_ANSWERS,
            ),
        )

    def commands(self, path: str, *handlers: CommandHandler, description: str | None = None) -> None:
        """A POST route of commands: the caller waits for the command's typed answer. `description`
        says in the OpenAPI document what the route's answers mean."""
        responses: Any = tuple(h.response for h in handlers)
        answer_model: Any = responses[0] if len(responses) == 1 else Union[responses]  # noqa: UP007
        answers = [
            (200, answer_model, "the command's result"),
            (409, ErrorAnswer, "an invalid state change, or this command is still in progress"),
            (404, ErrorAnswer, "what the command names does not exist"),
            (502, MessageAnswer, "the target platform refused the command"),
            *INTAKE_ANSWERS,
        ]
        if any(h.deferrable for h in handlers):
            answers.append((202, QueuedAnswer, "accepted; completed from the queue"))
        self._post(path, handlers, documented(*answers), description)

    def read(
        self,
        path: str,
        route: ReadRoute,
        response: type[BaseModel],
        query: Sequence[str] = (),
        parameters: Mapping[str, Any] | None = None,
        unstated: Sequence[UnstatedRule] = (),
    ) -> None:
        """A signed GET route; `route(services, **path_params, **query_params)` returns `response`.
        `query` names the query-string parameters the route takes (None when the request has none).
        `parameters` gives a path parameter's type (e.g. ExternalKey) when the route refuses other
        values (a 422): the document states it, so that no client sends what the schema allows and
        the route refuses; the route still checks the value itself. `unstated` names the 422s a
        value the schema allows can still get (one that depends on the configuration)."""
        documented_path = re.sub(r"<(\w+)>", r"{\1}", path)
        if parameters:
            self._parameter_types[documented_path] = dict(parameters)
        if unstated:
            self.unstated_rules[documented_path] = tuple(unstated)

        def serve(**params: str | None) -> Response[Any]:
            return _json_response(self._serve_read(route, params))

        serve.__name__ = route.__name__
        answers = documented(
            (200, response, "found"),
            (404, ErrorAnswer, "not found"),
            (422, ErrorAnswer, "a malformed path parameter"),
            (401, MessageAnswer, "missing, stale or invalid X-Signature"),
            (502, MessageAnswer, "an upstream system refused the request"),
            (503, MessageAnswer, "an upstream system is unavailable (Retry-After)"),
        )

        def declare(app: APIGatewayHttpResolver) -> None:
            from aws_lambda_powertools.event_handler import Response

            # Powertools reads the route's parameters from its signature: name each path parameter, and
            # each query parameter (optional strings: the route checks their values, a 422 naming them).
            serve.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
                [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=str) for n in _path_params(path)]
                + [
                    inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=Optional[str], default=None)  # noqa: UP045
                    for n in query
                ],
                return_annotation=Response[dict[str, Any]],
            )
            app.get(path, responses=answers)(serve)

        self._declarations.append(declare)

    def native(self, path: str, translate: Translate, body: Any = None, unstated: Sequence[UnstatedRule] = ()) -> None:
        """A POST route for a platform's own webhook bodies (not our envelope), for a platform that
        cannot sign its requests: the `<token>` segment of its URL, compared with the family's
        webhook token, stands for X-Signature (same 401), and never reaches a log.

        `translate(body)` maps the body to a canonical event, which then runs exactly as if it had
        been posted to the envelope route: the handler declared (by `events`) for its event_type on
        this trigger, the same idempotency on [source, event_id], sync state and queue. A body that
        does not translate is a 422 naming the platform's field. `body` is the type `translate`
        validates the body with, for the OpenAPI document, and `unstated` its rules beyond it."""
        family = self._native_path(path)
        self._publish_body(path, body)
        if unstated:
            self.unstated_rules[re.sub(r"<(\w+)>", r"{\1}", path)] = tuple(unstated)

        def accept_native(**_token: str) -> Response[Any]:
            return _json_response(self._translate(translate, family))

        answers = documented(
            (200, Union[SyncedAnswer, IgnoredAnswer], "synced now (or stale, unchanged), or ignored"),  # noqa: UP007
            (202, QueuedAnswer, "accepted; queued for retry or async processing"),
            (409, ErrorAnswer, "an earlier delivery of this event is still in progress"),
            (401, MessageAnswer, "missing or wrong token in the URL"),
            (413, MessageAnswer, "body over 256 KiB"),
            (400, MessageAnswer, "malformed JSON"),
            (422, ErrorAnswer, "the body does not match the platform's format (loc names its field)"),
            (503, MessageAnswer, "our own AWS dependencies are unavailable (Retry-After)"),
        )
        self._token_route(path, accept_native, answers)

    def _publish_body(self, path: str, body: Any) -> None:
        if body is not None:
            self.request_bodies[re.sub(r"<(\w+)>", r"{\1}", path)] = body

    def _native_path(self, path: str) -> str:
        """Register a token-authenticated path (`/v1/<family>/.../<token>`); its source family."""
        segments = path.split("/")
        family = source_family(path)
        if f"<{TOKEN_PARAMETER}>" not in segments or family is None or len(_path_params(path)) != 1:
            raise ValueError(f"a native route is /v1/<family>/.../<{TOKEN_PARAMETER}>, not {path!r}")
        pattern = "/".join(
            f"(?P<{TOKEN_PARAMETER}>[^/]+)" if part == f"<{TOKEN_PARAMETER}>" else re.escape(part) for part in segments
        )
        self._native_routes.append(
            _NativeRoute(re.compile(f"^{pattern}$"), family, segments.index(f"<{TOKEN_PARAMETER}>"))
        )
        return family

    def _token_route(self, path: str, serve: Callable[..., Response[Any]], answers: dict[int, Any]) -> None:
        serve.__name__ = f"accept_{path.strip('/').replace('/', '_').replace('<', '').replace('>', '')}"

        def declare(app: APIGatewayHttpResolver) -> None:
            from aws_lambda_powertools.event_handler import Response

            serve.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
                [inspect.Parameter(TOKEN_PARAMETER, inspect.Parameter.KEYWORD_ONLY, annotation=str)],
                return_annotation=Response[dict[str, Any]],
            )
            app.post(path, responses=answers)(serve)

        self._declarations.append(declare)

    def doorbell(self, path: str, ring: Ring, response: type[BaseModel], body: Any = None) -> None:
        """A POST route for a platform's notification webhook that is a doorbell, not a delivery: the
        URL token opens it as for `native`, then `ring` answers 200 with its `response`; a body that names
        nothing is a 422 (loc from its MappingError), the platform unreachable a 503. `body` is the
        notification's type, for the OpenAPI document."""
        family = self._native_path(path)
        self._publish_body(path, body)

        def ring_doorbell(**_token: str) -> Response[Any]:
            return _json_response(self._ring(ring, family))

        self._token_route(
            path,
            ring_doorbell,
            documented(
                (200, response, "the notification is recorded: what it names is read from the platform"),
                (401, MessageAnswer, "missing or wrong token in the URL"),
                (413, MessageAnswer, "body over 256 KiB"),
                (400, MessageAnswer, "malformed JSON"),
                (422, ErrorAnswer, "the notification names nothing (loc names its field)"),
                (503, MessageAnswer, "the platform or our own AWS dependencies are unavailable (Retry-After)"),
            ),
        )

    def accept_canonical(self, body: dict[str, Any], *, defer: bool = False) -> Answer:
        """A canonical event body built by the connector itself (a platform feed): validated by the
        model its event_type is declared with on this trigger, then the same intake as the envelope
        route (idempotency on [source, event_id], sync state, queue). `defer` queues it."""
        event_type = body.get("event_type", "")
        if not isinstance(self.handlers.get(event_type), EventHandler) or event_type in self._internal:
            return errors(422, ["event_type"], "this trigger does not handle this sync event type")
        try:
            event = self._queue_model().validate_python(body)
        except ValidationError as exc:
            details = [
                {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
                for err in exc.errors(include_url=False, include_input=False)
            ]
            return Answer(422, ErrorAnswer.model_validate({"errors": details}))
        if not self._of_its_family(event):
            return errors(
                422, ["source"], f"{event.event_type!r} events have source {self._families[event.event_type]!r}"
            )
        return self._accept(event, defer=defer)

    def _of_its_family(self, event: Envelope) -> bool:
        """Whether the event names the source family of the route its event_type is declared on."""
        family = self._families.get(event.event_type)
        return family is None or event.source == family

    def iam_twins(self, *paths: str) -> None:
        """The routes declared here (`/v1/<family>/...`, `<param>` segments as declared) that also answer
        at `/v1/iam/<family>/...` for Salesforce's Named Credential: AWS Signature V4 checked by the
        gateway instead of X-Signature, then the same route (template.yaml names the twins)."""
        for path in paths:
            pattern = "/".join("[^/]+" if p.startswith("<") else re.escape(p) for p in path.split("/"))
            self._iam_twins.append(re.compile(f"^{pattern}$"))
            self.iam_twin_paths.append(re.sub(r"<(\w+)>", r"{\1}", path))

    def internal(self, *handlers: EventHandler) -> None:
        """Sync event types the connector queues for itself (an audit of an action): decoded from
        this trigger's queue only; no HTTP route, native body or feed can deliver one."""
        for handler in handlers:
            self.handlers.update(dict.fromkeys(handler.event_types, handler))
            self._internal.update(handler.event_types)
            handler.model.model_rebuild()
        self._queue_adapter = None

    def relay(self, translate: RelayTranslate, *handlers: EventHandler) -> None:
        """Salesforce events that Event Relay puts on an EventBridge bus and a rule hands to this
        trigger's queue (connector.relay.events.RelayedEvent), told apart from the trigger's own
        queued messages by their shape (EventBridge's `detail-type` and `detail`). `translate` turns
        each into this trigger's canonical events, which then run as any queued event does (sync state
        per entity, never an older version over a newer, the same event again settled with no call);
        `handlers` are the event types only the relay delivers (no route: decoded from the queue, like
        `internal`), or none when the route's handlers take them. A relayed event that does not
        translate goes to the DLQ with its reason at once: no retry can make it readable."""
        self.internal(*handlers)
        self._relay_translate = translate

    def on_schedule(self, job: Callable[[Services], BaseModel]) -> None:
        self._schedule = job

    def on_cold_start(self, check: ColdStartCheck) -> None:
        """A check of the configuration against the systems it names, run once per container before
        its first request or queue batch. A PermanentError refuses every request (503 with
        Retry-After, the error named in the log) and leaves batches on the queue until it passes; a
        transient failure (Salesforce down) lets the work through and is tried again next time."""
        self._cold_start_checks.append(check)

    def _post(
        self, path: str, handlers: tuple[Handler, ...], responses: dict[int, Any], description: str | None = None
    ) -> None:
        for handler in handlers:
            self.handlers.update(dict.fromkeys(handler.event_types, handler))
            # Event models are deferred (Envelope's defer_build): a trigger builds those it declares.
            handler.model.model_rebuild()
        body_type: Any = _body_type(tuple(h.model for h in handlers))
        self.unstated_rules[path] = tuple(dict.fromkeys(rule for h in handlers for rule in h.model.unstated_rules))
        self.body_types[path] = body_type
        family = source_family(path)
        if family is not None:
            self._families.update(dict.fromkeys((t for h in handlers for t in h.event_types), family))

        def accept(event: Any) -> Response[Any]:
            if family is not None and event.source != family:
                return _json_response(errors(422, ["source"], f"this route accepts source {family!r} only"))
            return _json_response(self._accept(event))

        accept.__name__ = f"accept_{path.strip('/').replace('/', '_')}"

        def declare(app: APIGatewayHttpResolver) -> None:
            from aws_lambda_powertools.event_handler import Response
            from aws_lambda_powertools.event_handler.openapi.params import Body

            # This module uses postponed annotations: give Powertools the real (local) body type.
            accept.__annotations__ = {"event": Annotated[body_type, Body()], "return": Response[dict[str, Any]]}
            app.post(path, responses=responses, description=description)(accept)

        self._declarations.append(declare)

    # -- runtime -------------------------------------------------------------------------------
    @property
    def app(self) -> APIGatewayHttpResolver:
        """Powertools' resolver with every route declared so far, built on first use (the first
        HTTP request, or the OpenAPI document). Importing Powertools' event_handler package costs
        about 30 ms of CPU as deployed (its __init__ loads the AppSync, Bedrock and VPC Lattice
        resolvers, asyncio, and every event source's data class), which a container started for its
        queue's batches never needs; bench/cold_start.py prints what the init costs."""
        if self._app is None:
            from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
            from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

            app = APIGatewayHttpResolver(enable_validation=True)
            app.exception_handler(RequestValidationError)(self._validation_error)
            app.not_found()(lambda _exc: _json_response(message(404, "Not Found")))
            self._app = app
        while self._declarations:
            self._declarations.pop(0)(self._app)
        return self._app

    @property
    def services(self) -> Services:
        if self._services is None:
            self._services = self._build_services()
        return self._services

    def use_services(self, services: Services) -> None:
        """Wire in prebuilt services (tests, benchmarks); normally built on first use."""
        self._services = services
        self._processor = None
        self._once = None
        self._joined_client = None
        self._idempotency = None
        self._checked = False
        self._refusal = None

    @property
    def processor(self) -> Processor:
        if self._processor is None:
            self._processor = Processor(self.services, self.handlers)
        return self._processor

    def _observed(self, handle: Callable[[dict[str, Any], Any], dict[str, Any]]) -> Any:
        """The Lambda entry: the Lambda context in every log line, metrics flushed as EMF, and the
        API calls this invocation spent counted."""

        def calls_so_far() -> tuple[int, int]:
            # Never builds the services here: a failure to build them is answered inside `handle`.
            built = self._services
            return (built.salesforce_calls(), built.platform_calls()) if built is not None else (0, 0)

        def remember_api_usage() -> None:
            # What Salesforce said about the org's daily usage, for the other containers; never
            # allowed to spoil the answer.
            if self._services is not None:
                try:
                    self._services.remember_api_usage()
                except Exception as exc:
                    logger.warning("could not store the API usage", extra={"error": type(exc).__name__})

        def counted(event: dict[str, Any], context: Any) -> dict[str, Any]:
            salesforce_before, platform_before = calls_so_far()
            try:
                return handle(event, context)
            finally:
                salesforce_after, platform_after = calls_so_far()
                obs.count(obs.SALESFORCE_API_CALLS, salesforce_after - salesforce_before)
                obs.count(obs.PLATFORM_API_CALLS, platform_after - platform_before)
                remember_api_usage()

        flushed = metrics.log_metrics(counted)
        # Never the incoming event in the log (POWERTOOLS_LOGGER_LOG_EVENT notwithstanding): it holds
        # personal data, and a native route's URL token.
        with_context = logger.inject_lambda_context(clear_state=True, log_event=False)(flushed)

        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            # A caller without a Lambda context (a script, a test) still gets metrics, not context keys.
            return dict(with_context(event, context) if context is not None else flushed(event, context))

        return handler

    def _handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        if "Records" in event:
            return dict(self._consume(event, context))
        if "requestContext" in event:
            return self._http(event, context)
        if event.get("detail-type") == "Scheduled Event" and self._schedule is not None:
            if context is not None:
                # A job that queues events (the social feed's poll) and dies mid-intake leaves its
                # in-progress record to expire with this invocation, not with the idempotency TTL.
                self._idempotency_config().register_lambda_context(context)
            return self._schedule(self.services).model_dump(mode="json")
        logger.error("unrecognised event shape", extra={"keys": sorted(event)[:10]})
        raise ValueError("unrecognised event")

    def _http(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        native = self._native_route(event)
        try:
            if native is not None:
                route, token = native
                stop = intake.check_token_request(event, token, self.services.webhook_token(route.family))
            elif intake.is_iam_path(event):
                stop = intake.check_iam_request(event)
            else:
                stop = intake.check_request(event, self.services.webhook_secret)
        except Exception:
            logger.exception("could not load the configuration or the webhook secret")
            return unavailable().to_proxy()
        if stop is not None:
            return stop.to_proxy()
        # The caller waits from here on, the cold-start check's Salesforce calls included.
        with self.services.caller_waiting():
            # Before routing: whatever the route, a container whose configuration does not fit refuses.
            if self._cold_start_refusal() is not None:
                refused = "the connector's configuration does not fit the Salesforce org, retry later"
                return unavailable(refused).to_proxy()
            if native is not None:
                event = _without_token(event, native[0].segment)
            elif intake.is_iam_path(event):
                event = self._as_iam_twin(event)
            if context is not None:
                self._idempotency_config().register_lambda_context(context)
            return dict(self.app.resolve(event, context))

    def _as_iam_twin(self, event: dict[str, Any]) -> dict[str, Any]:
        """An IAM route's request as its HMAC twin's (the path without /iam), which then runs exactly as
        if it had been sent there: same models, answers, idempotency and family. A path with no twin
        declared is left as it is (the resolver answers 404)."""
        path = intake.signed_path(event).split("?", 1)[0]
        twin = "/v1/" + path.removeprefix(intake.IAM_PREFIX)
        if not any(pattern.match(twin) for pattern in self._iam_twins):
            return event
        context = dict(event.get("requestContext") or {})
        route_key = str(event.get("routeKey", "")).replace(" /v1/iam/", " /v1/", 1)
        if isinstance(context.get("http"), dict):
            context["http"] = {**context["http"], "path": twin}
        context["routeKey"] = route_key
        return {**event, "rawPath": twin, "routeKey": route_key, "requestContext": context}

    def _cold_start_refusal(self) -> PermanentError | None:
        """Run the cold-start checks until they pass once; the error while they refuse."""
        if self._checked or not self._cold_start_checks:
            return None
        if self._refusal is not None and time.monotonic() - self._refused_at < RECHECK_REFUSAL_SECONDS:
            logger.error(f"refused: the configuration does not fit: {self._refusal}")
            return self._refusal
        try:
            for check in self._cold_start_checks:
                check(self.services)
        except PermanentError as exc:
            self._refusal, self._refused_at = exc, time.monotonic()
            # The error names configuration paths and API names, never a value.
            logger.error(f"cold-start check failed, refusing requests: {exc}", extra={"error": type(exc).__name__})
            return exc
        except Exception as exc:
            # Salesforce down or busy (or an unforeseen failure): events go on as usual, and the
            # check runs again on the next invocation.
            logger.warning(
                "cold-start check could not run; trying again next time", extra={"error": type(exc).__name__}
            )
            return None
        self._checked, self._refusal = True, None
        return None

    def _native_route(self, event: dict[str, Any]) -> tuple[_NativeRoute, str] | None:
        """The native route a request is for, and the token its path carries."""
        path = intake.signed_path(event).split("?", 1)[0]
        for route in self._native_routes:
            found = route.pattern.match(path)
            if found:
                return route, found.group(TOKEN_PARAMETER)
        return None

    def _translate(self, translate: Translate, family: str) -> Answer:
        """A native body -> its canonical event -> the same intake as the envelope route."""
        try:
            event = translate(self.app.current_event.json_body)
        except ValidationError as exc:
            details = [
                {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
                for err in exc.errors(include_url=False, include_input=False)
            ]
            return Answer(422, ErrorAnswer.model_validate({"errors": details}))
        except MappingError as exc:
            return errors(422, exc.loc, exc.msg)
        except Exception as exc:
            # The body's values never reach the log: the error's type only.
            logger.error("a native body could not be translated", extra={"error": type(exc).__name__})
            return errors(422, [], "the body could not be mapped to a canonical event")
        if event.source != family:
            return errors(422, ["source"], f"this route accepts source {family!r} only")
        if event.event_type not in self.handlers or event.event_type in self._internal:
            return errors(422, ["event"], f"this route does not handle {event.event_type!r} events here")
        return self._accept(event)

    def _serve_read(self, route: ReadRoute, params: dict[str, str | None]) -> Answer:
        try:
            return Answer(200, route(self.services, **params))
        except (NotFoundError, MappingError) as exc:
            if isinstance(exc, NotFoundError):
                return errors(404, exc.loc, exc.msg, "not_found")
            return errors(422, exc.loc, exc.msg, "mapping_error")
        except TransientError:
            logger.warning("read route: an upstream is unavailable")
            return unavailable("an upstream system is unavailable, retry later")
        except ConnectorError as exc:
            logger.warning("read route: an upstream refused", extra={"error": type(exc).__name__})
            return message(502, "an upstream system refused the request")

    def _ring(self, ring: Ring, family: str) -> Answer:
        try:
            model = ring(self.services, self.app.current_event.json_body, self.accept_canonical)
        except MappingError as exc:
            return errors(422, exc.loc, exc.msg)
        except TransientError:
            logger.warning(f"doorbell: the {family} platform is unavailable")
            return unavailable(f"the {family} platform is unavailable, retry later")
        except Exception as exc:
            logger.error("doorbell failed", extra={"error": type(exc).__name__})
            return unavailable()
        return Answer(200, model)

    def _accept(self, event: Envelope, *, defer: bool = False) -> Answer:
        logger.set_correlation_id(event.event_id)
        logger.append_keys(event_type=event.event_type)
        obs.count(obs.EVENTS_RECEIVED)
        try:
            with self._event_writes(event, defer):
                stored = self._once_per_event(event=event.model_dump(mode="json"), model=event, defer=defer)
        except NotRemembered as forgotten:
            return forgotten.answer
        except IdempotencyValidationError:
            return errors(422, list(REUSED_EVENT_ID.loc), REUSED_EVENT_ID.rule, REUSED_EVENT_ID.type)
        except IdempotencyAlreadyInProgressError:
            return errors(409, ["event_id"], "an earlier delivery of this event is still in progress", "in_progress")
        except Exception:
            logger.exception("intake failed")
            return unavailable()
        answer = Answer.from_dict(stored)
        # One line per event, with its correlation id: what support searches for first.
        logger.info("answered", extra={"status": answer.status, "outcome": answer.json_body().get("status")})
        return answer

    def _idempotency_config(self) -> IdempotencyConfig:
        if self._idempotency is None:
            self._idempotency = IdempotencyConfig(
                event_key_jmespath="[source, event_id]",
                payload_validation_jmespath="[event_type, data]",
                expires_after_seconds=self.services.settings.config.idempotency_ttl_seconds,
            )
        return self._idempotency

    @contextmanager
    def _event_writes(self, event: Envelope, defer: bool) -> Iterator[None]:
        """The event's DynamoDB writes collected and joined to its idempotency record's two writes
        (connector.pipeline.idempotency): a sync event's intake with the first, the rest with the last."""
        writes = self.services.writes
        client = self._idempotency_client()
        intake = None if isinstance(event, Command) else self.processor.intake(event, defer=defer)
        writes.begin()
        client.intake = self._intake = intake
        try:
            yield
        finally:
            client.intake, self._intake = None, None
            left = writes.end()
            if left:  # not taken by a completed record (an answer not remembered): made now
                writes.commit(left)

    def _idempotency_client(self) -> JoinedWritesClient:
        if self._joined_client is None:
            self._joined_client = JoinedWritesClient(self.services.dynamodb, self.services.writes)
        return self._joined_client

    def _once_per_event(self, *, event: dict[str, Any], model: Envelope, defer: bool = False) -> dict[str, Any]:
        """The first delivery of an event_id runs; later ones get its stored answer."""
        if self._once is None:
            persistence = DynamoDBPersistenceLayer(
                table_name=self.services.settings.idempotency_table,
                boto3_client=self._idempotency_client(),  # type: ignore[arg-type]  # a DynamoDB client's calls
            )
            processor = self.processor

            def run(event: dict[str, Any], model: Envelope, defer: bool = False) -> dict[str, Any]:
                if isinstance(model, Command):
                    return processor.execute(model).as_dict()
                return processor.accept(model, defer=defer, intake=self._intake).as_dict()

            self._once = idempotent_function(
                data_keyword_argument="event",
                persistence_store=persistence,
                config=self._idempotency_config(),
                key_prefix=f"{self.name}.accept",
            )(run)
        return self._once(event=event, model=model, defer=defer)

    def _validation_error(self, exc: RequestValidationError) -> Response[Any]:
        types = set(self.handlers)
        details = []
        for err in exc.errors():
            loc = _clean_loc(err.get("loc", ()), types)
            if err.get("type") in ("union_tag_invalid", "union_tag_not_found"):
                loc = [*loc, "event_type"]  # the discriminator is the field at fault
            details.append({"loc": loc, "msg": err.get("msg", ""), "type": err.get("type", "")})
        return _json_response(Answer(422, ErrorAnswer.model_validate({"errors": details})))

    # -- SQS -----------------------------------------------------------------------------------
    def _consume(self, event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
        # Imported with the first batch: Powertools' batch package builds the parser models of every
        # event source it knows (SQS, Kinesis, DynamoDB streams, Kafka) as it loads, 76 ms of CPU
        # measured in the deployed layout, which a container answering webhooks never needs
        # (bench/cold_start.py prints what the app's import costs).
        from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
        from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

        if self._cold_start_refusal() is not None:
            # Nothing in the batch can succeed: every message stays on the queue for a later try.
            return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]}
        messages: list[QueuedMessage] = []
        verdicts: dict[str, Exception | None] = {}
        # A relayed record's message id -> the ids of the canonical events it became in this batch.
        relayed: dict[str, list[str]] = {}
        for record in (SQSRecord(r) for r in event["Records"]):
            relayed_event = self._relayed_body(record.body)
            if relayed_event is not None:
                parts = self._translate_relayed(record, relayed_event, messages)
                if isinstance(parts, Exception):
                    verdicts[record.message_id] = parts
                else:
                    relayed[record.message_id] = parts
                continue
            try:
                parsed = self._queue_model().validate_json(record.body)
            except ValidationError as exc:
                # Nothing can ever process it: park it where an operator will see it.
                self.services.queue.dead_letter(
                    record.body, event_type="unknown", event_id="", error=f"ValidationError: {exc.error_count()} errors"
                )
                obs.count(obs.EVENTS_DEAD)
                verdicts[record.message_id] = None
                continue
            if not self._of_its_family(parsed):
                # Only the connector writes to its queue, so this is a bug or a replay gone wrong:
                # run, it would escape the duplicate check of the event_id's own family.
                self.services.queue.dead_letter(
                    record.body,
                    event_type=parsed.event_type,
                    event_id=parsed.event_id,
                    error="SourceMismatch: the source is not its event type's family",
                )
                obs.count(obs.EVENTS_DEAD)
                verdicts[record.message_id] = None
                continue
            messages.append(
                QueuedMessage(
                    record.message_id, record.receipt_handle, int(record.attributes.approximate_receive_count), parsed
                )
            )
        verdicts.update(self.processor.process_batch(messages))
        for message_id, parts in relayed.items():
            # The record stays on the queue while any of its events still fails: SQS delivers it again
            # (those already synced are then settled with no call), and after maxReceiveCount its DLQ.
            verdicts[message_id] = next((f for p in parts if (f := verdicts.pop(p, None)) is not None), None)

        def settle(record: SQSRecord) -> None:
            failure = verdicts.get(record.message_id)
            if failure is not None:
                raise failure

        return process_partial_response(
            event=event,
            record_handler=settle,
            processor=BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False),
            context=context,
        )

    def _relayed_body(self, body: str) -> dict[str, Any] | None:
        """The record's body when it is an EventBridge event and this trigger takes relayed events."""
        if self._relay_translate is None or '"detail-type"' not in body:
            return None
        try:
            parsed = json.loads(body)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) and "detail-type" in parsed and "detail" in parsed else None

    def _translate_relayed(
        self, record: SQSRecord, body: dict[str, Any], messages: list[QueuedMessage]
    ) -> list[str] | Exception:
        """The canonical events of one relayed record, appended to the batch's messages (each under
        `<message id>#<n>`, sharing the record's receipt handle); their ids. One that cannot be read is
        dead-lettered here with its reason (its error's type, fields and codes: never a value); an
        unforeseen failure of `translate` is returned, and the record retried like a transient one."""
        assert self._relay_translate is not None
        detail_type = str(body.get("detail-type", ""))[:128] or "unknown"
        detail = body.get("detail")
        event_id = str(detail.get("id", ""))[:64] if isinstance(detail, dict) else ""
        try:
            from connector.relay.events import RelayedEvent

            events = list(self._relay_translate(RelayedEvent.model_validate(body)))
            for canonical in events:
                if canonical.event_type not in self.handlers or not isinstance(
                    self.handlers[canonical.event_type], EventHandler
                ):
                    raise MappingError(["detail-type"], f"this trigger handles no {canonical.event_type!r} events")
                if not self._of_its_family(canonical):
                    raise MappingError(["source"], f"{canonical.event_type!r} events have another source")
        except (ValidationError, MappingError) as exc:
            if isinstance(exc, ValidationError):
                where = sorted({".".join(str(part) for part in err["loc"]) for err in exc.errors()})[:5]
                reason = f"ValidationError: {exc.error_count()} errors at {where}"
            else:
                reason = error_text(exc)
            logger.warning("a relayed event could not be translated, dead-lettered", extra={"error": reason})
            self.services.queue.dead_letter(record.body, event_type=detail_type, event_id=event_id, error=reason)
            obs.count(obs.EVENTS_DEAD)
            return []
        except Exception as exc:
            logger.error("translating a relayed event failed", extra={"error": type(exc).__name__})
            return exc
        if len(events) > MAX_INLINE_PARTS:
            return self._fan_out(events)
        receives = int(record.attributes.approximate_receive_count)
        parts = []
        for n, canonical in enumerate(events):
            parts.append(f"{record.message_id}#{n}")
            messages.append(QueuedMessage(parts[-1], record.receipt_handle, receives, canonical))
        return parts

    def _fan_out(self, events: Sequence[Envelope]) -> list[str] | Exception:
        """A relayed record's many canonical events, each queued as this trigger's own message; none
        left to run in this invocation. A failed send leaves the record for another delivery, which
        sends them all again: the copies settle with no call (the same event_id and version)."""
        try:
            for canonical in events:
                self.services.queue.send(
                    canonical.compact_json(), event_type=canonical.event_type, event_id=canonical.event_id
                )
        except Exception as exc:
            logger.error("queueing a relayed event's records failed", extra={"error": type(exc).__name__})
            return exc
        logger.info("a relayed event's records were queued one message each", extra={"records": len(events)})
        return []

    def _queue_model(self) -> TypeAdapter[Any]:
        if self._queue_adapter is None:
            models = tuple(dict.fromkeys(h.model for h in self.handlers.values()))
            self._queue_adapter = TypeAdapter(_body_type(models))
        return self._queue_adapter


def _without_token(event: dict[str, Any], segment: int) -> dict[str, Any]:
    """The request as the rest of the invocation sees it: its URL token replaced (rawPath,
    requestContext.http.path, pathParameters), so that no resolver output or log can print it."""

    def redact(path: Any) -> Any:
        if not isinstance(path, str):
            return path
        parts = path.split("/")
        if segment < len(parts):
            parts[segment] = REDACTED_TOKEN
        return "/".join(parts)

    context = dict(event.get("requestContext") or {})
    if isinstance(context.get("http"), dict):
        context["http"] = {**context["http"], "path": redact(context["http"].get("path"))}
    parameters = dict(event.get("pathParameters") or {})
    if TOKEN_PARAMETER in parameters:
        parameters[TOKEN_PARAMETER] = REDACTED_TOKEN
    return {**event, "rawPath": redact(event.get("rawPath")), "requestContext": context, "pathParameters": parameters}


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("<") and part.endswith(">")]
