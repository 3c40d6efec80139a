"""A trigger function's Lambda entry: HttpApi requests, SQS batches and schedules, one `handler`.

`functions/<trigger>/app.py` declares its routes and event handlers on a `Trigger`; everything else
(signature, validation, idempotency, sync state, queueing, retries) happens here.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any, Union

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from pydantic import Field, TypeAdapter, ValidationError

from connector.envelope import Envelope
from connector.errors import ConnectorError, TransientError
from connector.pipeline import intake
from connector.pipeline.processing import EventHandler, Processor, QueuedMessage
from connector.pipeline.responses import Answer, errors, message
from connector.services import Services, build_services
from connector.settings import get_settings

logger = Logger()

ReadRoute = Callable[..., Answer]


def _json_response(answer: Answer) -> Response[Any]:
    return Response(status_code=answer.status, content_type="application/json", body=answer.body)


def _clean_loc(loc: tuple[Any, ...] | list[Any], event_types: set[str]) -> list[Any]:
    """Pydantic's loc relative to the body: drop 'body' and the union's tag ('customer.registered')."""
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[1:]
    if parts and parts[0] in event_types:
        parts = parts[1:]
    return parts


class Trigger:
    def __init__(self, name: str) -> None:
        self.name = name
        self.handlers: dict[str, EventHandler] = {}
        self.app = APIGatewayHttpResolver(enable_validation=True)
        self.app.exception_handler(RequestValidationError)(self._validation_error)
        self.app.not_found()(lambda _exc: _json_response(message(404, "Not Found")))
        self._services: Services | None = None
        self._processor: Processor | None = None
        self._accept_once: Callable[..., dict[str, Any]] | None = None
        self._schedule: Callable[[Services], dict[str, Any]] | None = None
        self._queue_adapter: TypeAdapter[Any] | None = None

    # -- declaration (app.py) ------------------------------------------------------------------
    def events(self, path: str, *handlers: EventHandler) -> None:
        """A POST route accepting these event types, told apart by `event_type`."""
        for handler in handlers:
            self.handlers[handler.event_type] = handler
        models = tuple(h.model for h in handlers)
        body_type: Any = (
            models[0] if len(models) == 1 else Annotated[Union[models], Field(discriminator="event_type")]  # noqa: UP007
        )

        def accept(event: Annotated[body_type, Body()]) -> Response[Any]:
            return _json_response(self._accept(event))

        # This module uses postponed annotations: give Powertools the real (local) body type.
        accept.__annotations__ = {"event": Annotated[body_type, Body()], "return": Response[dict[str, Any]]}
        accept.__name__ = f"accept_{path.strip('/').replace('/', '_')}"
        self.app.post(path)(accept)

    def read(self, path: str, route: ReadRoute) -> None:
        """A signed GET route; `route(services, **path_params)` returns the Answer."""

        def serve(**params: str) -> Response[Any]:
            try:
                return _json_response(route(self.services, **params))
            except TransientError:
                logger.warning("read route: an upstream is unavailable")
                return _json_response(message(503, "an upstream system is unavailable, retry later"))
            except ConnectorError as exc:
                logger.warning("read route: an upstream refused", extra={"error": str(exc)[:200]})
                return _json_response(message(502, "an upstream system refused the request"))

        serve.__name__ = route.__name__
        # Powertools reads the route's parameters from its signature: name each path parameter.
        serve.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=str) for n in _path_params(path)],
            return_annotation=Response[dict[str, Any]],
        )
        self.app.get(path)(serve)

    def on_schedule(self, job: Callable[[Services], dict[str, Any]]) -> None:
        self._schedule = job

    # -- runtime -------------------------------------------------------------------------------
    @property
    def services(self) -> Services:
        if self._services is None:
            self._services = build_services(get_settings())
        return self._services

    def use_services(self, services: Services) -> None:
        """Wire in prebuilt services (tests, benchmarks); normally built on first use."""
        self._services = services
        self._processor = None
        self._accept_once = None

    @property
    def processor(self) -> Processor:
        if self._processor is None:
            self._processor = Processor(self.services, self.handlers)
        return self._processor

    def handler(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """The Lambda entry point named in template.yaml (`app.handler`)."""
        if "Records" in event:
            return dict(self._consume(event, context))
        if "requestContext" in event:
            return self._http(event, context)
        if event.get("detail-type") == "Scheduled Event" and self._schedule is not None:
            return self._schedule(self.services)
        logger.error("unrecognised event shape", extra={"keys": sorted(event)[:10]})
        raise ValueError("unrecognised event")

    def _http(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        try:
            stop = intake.check_request(event, self.services.webhook_secret)
        except Exception:
            logger.exception("could not read the webhook secret")
            return message(503, "temporarily unavailable, retry later").to_proxy()
        if stop is not None:
            return stop.to_proxy()
        if context is not None:
            self._idempotency_config().register_lambda_context(context)
        return dict(self.app.resolve(event, context))

    def _accept(self, event: Envelope) -> Answer:
        logger.append_keys(event_id=event.event_id, event_type=event.event_type)
        try:
            stored = self._accept_idempotently(event=event.model_dump(mode="json"), model=event)
        except IdempotencyValidationError:
            return errors(422, ["event_id"], "this event_id was already used with a different payload", "reused")
        except IdempotencyAlreadyInProgressError:
            return errors(409, ["event_id"], "an earlier delivery of this event is still in progress", "in_progress")
        except Exception:
            logger.exception("intake failed")
            return message(503, "temporarily unavailable, retry later")
        return Answer.from_dict(stored)

    def _idempotency_config(self) -> IdempotencyConfig:
        if not hasattr(self, "_idem_config"):
            self._idem_config = IdempotencyConfig(
                event_key_jmespath="[source, event_id]",
                payload_validation_jmespath="[event_type, data]",
                expires_after_seconds=self.services.settings.config.idempotency_ttl_seconds,
            )
        return self._idem_config

    def _accept_idempotently(self, *, event: dict[str, Any], model: Envelope) -> dict[str, Any]:
        if self._accept_once is None:
            persistence = DynamoDBPersistenceLayer(
                table_name=self.services.settings.idempotency_table, boto3_client=self.services.dynamodb
            )
            processor = self.processor

            def accept(event: dict[str, Any], model: Envelope) -> dict[str, Any]:
                return processor.accept(model).as_dict()

            self._accept_once = idempotent_function(
                data_keyword_argument="event",
                persistence_store=persistence,
                config=self._idempotency_config(),
                key_prefix=f"{self.name}.accept",
            )(accept)
        return self._accept_once(event=event, model=model)

    def _validation_error(self, exc: RequestValidationError) -> Response[Any]:
        types = set(self.handlers)
        details = []
        for err in exc.errors():
            loc = _clean_loc(err.get("loc", ()), types)
            if err.get("type") in ("union_tag_invalid", "union_tag_not_found"):
                loc = [*loc, "event_type"]  # the discriminator is the field at fault
            details.append({"loc": loc, "msg": err.get("msg", ""), "type": err.get("type", "")})
        return _json_response(Answer(422, {"errors": details}))

    # -- SQS -----------------------------------------------------------------------------------
    def _consume(self, event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
        records = [SQSRecord(r) for r in event["Records"]]
        messages: list[QueuedMessage] = []
        verdicts: dict[str, Exception | None] = {}
        for record in records:
            try:
                parsed = self._queue_model().validate_json(record.body)
            except ValidationError as exc:
                # Nothing can ever process it: park it where an operator will see it.
                self.services.queue.dead_letter(
                    record.body, event_type="unknown", event_id="", error=f"ValidationError: {exc.error_count()} errors"
                )
                verdicts[record.message_id] = None
                continue
            messages.append(
                QueuedMessage(
                    record.message_id,
                    record.receipt_handle,
                    int(record.attributes.approximate_receive_count),
                    parsed,
                )
            )
        verdicts.update(self.processor.process_batch(messages))

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

    def _queue_model(self) -> TypeAdapter[Any]:
        if self._queue_adapter is None:
            models = tuple(h.model for h in self.handlers.values())
            body: Any = (
                models[0] if len(models) == 1 else Annotated[Union[models], Field(discriminator="event_type")]  # noqa: UP007
            )
            self._queue_adapter = TypeAdapter(body)
        return self._queue_adapter


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("<") and part.endswith(">")]
