"""A local AWS account: moto server, and the template's tables, queues, secrets and parameters in it."""

from __future__ import annotations

import copy
import functools
import json
import logging
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3
import boto3.session

from devstack.cfn import ACCOUNT_ID, REGION, Resolver, load_template, to_text
from devstack.serving import LocalServer
from devstack.signing import FAMILY_SECRETS

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeNameType
    from mypy_boto3_ssm import SSMClient
    from mypy_boto3_ssm.literals import ParameterTierType

log = logging.getLogger("devstack")

# The services the local account serves clients for.
LocalService = Literal["dynamodb", "events", "secretsmanager", "sqs", "ssm"]

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

# Local values of the secrets the template's *SecretArn parameters name: a family's webhook
# secret (`<Family>WebhookSecretArn`) its own value (devstack.signing.FAMILY_SECRETS); any other
# secret parameter this default.
WEBHOOK_SECRET = "local-dev-secret"  # noqa: S105 - the documented local default
WEBHOOK_SECRET_PARAMETER = re.compile(r"^([A-Z][a-z]+)WebhookSecretArn$")
# The token a platform's own webhook URLs carry (`<Family>NativeWebhookTokenSecretArn`): its own
# value, so that the family's HMAC secret never opens a native route.
NATIVE_TOKEN_PARAMETER = re.compile(r"^([A-Z][a-z]+)NativeWebhookTokenSecretArn$")
SECRET_VALUES: dict[str, Any] = {
    "ChatNativeWebhookTokenSecretArn": "local-chat-native-token",
    "SocialNativeWebhookTokenSecretArn": "local-social-native-token",
    "SalesforceSecretArn": {"client_id": "local-client", "client_secret": "local-secret"},
    "CommerceApiSecretArn": {"client_id": "local-commerce-client", "client_secret": "local-commerce-secret"},
    "LoyaltyApiSecretArn": {"api_key": "local-loyalty-key", "api_secret": "local-loyalty-secret"},
    "SocialApiSecretArn": {"app_id": "local-social-app", "api_key": "local-social-key"},
}

# CloudFormation AWS::SQS::Queue properties that are SQS queue attributes.
_QUEUE_ATTRIBUTES: tuple[QueueAttributeNameType, ...] = (
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "DelaySeconds",
    "FifoQueue",
    "FifoThroughputLimit",
    "KmsDataKeyReusePeriodSeconds",
    "KmsMasterKeyId",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "SqsManagedSseEnabled",
    "VisibilityTimeout",
)


@dataclass
class QueueInfo:
    logical_id: str
    name: str
    url: str
    arn: str


def isolate_from_real_aws() -> None:
    """Keep this process's AWS clients off the user's real AWS configuration: no profile, no
    config or credentials file (a missing or SSO profile would otherwise break local clients)."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        os.environ.pop(name, None)
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull


def is_secret_parameter(name: str, spec: Mapping[str, Any]) -> bool:
    pattern = str(spec.get("AllowedPattern", ""))
    return name.endswith("SecretArn") or "secretsmanager" in pattern


def secret_value(parameter: str) -> str:
    family = webhook_secret_family(parameter)
    if family is not None and family in FAMILY_SECRETS:
        return FAMILY_SECRETS[family]
    value = SECRET_VALUES.get(parameter, WEBHOOK_SECRET)
    return value if isinstance(value, str) else json.dumps(value)


def webhook_secret_family(parameter: str) -> str | None:
    """The source family whose HMAC webhook secret a template parameter names (`commerce`), or None."""
    found = WEBHOOK_SECRET_PARAMETER.match(parameter)
    return found.group(1).lower() if found else None


def native_token_family(parameter: str) -> str | None:
    """The source family whose native webhook token a template parameter names (`chat`), or None."""
    found = NATIVE_TOKEN_PARAMETER.match(parameter)
    return found.group(1).lower() if found else None


def physical_name(stack_name: str, logical_id: str, limit: int) -> str:
    """CloudFormation-like generated name (without the random suffix, so it stays predictable)."""
    return f"{stack_name}-{logical_id}"[:limit]


class OneDynamoDBRequestAtATime:
    """WSGI middleware: moto's DynamoDB requests one at a time. Real DynamoDB applies each request
    atomically; moto's backend is not thread-safe, and its TransactWriteItems copies the tables it
    touches and restores that copy when a condition fails, undoing whatever another request thread
    wrote meanwhile (seen as sync-state items left with their key only). Serialized, every request
    is atomic with respect to the others, as in DynamoDB."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if not str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith("DynamoDB_"):
            return self._app(environ, start_response)
        with self._lock:
            return list(self._app(environ, start_response))  # the whole answer made under the lock


def _transactions_without_table_copies() -> None:
    """moto's TransactWriteItems deep-copies every table it touches before writing (its rollback):
    ~300 ms a call once a table holds 2,000 items, which made the local stack's soak crawl. With
    DynamoDB requests serialized (OneDynamoDBRequestAtATime), a transaction whose conditions all
    hold can be written without that copy: they are checked first, then the writes are made; one
    whose condition fails is cancelled here, with moto's reasons, without writing or copying
    anything; one whose write is refused on the way (an item over 400 KB) is left to moto's own code
    once the items it touched hold again what they held before it.

    Why a refusal is not left to moto: its copy then REPLACES the tables (`self.tables[name] =
    copy`), so each refused transaction (claims and duplicate deliveries refuse often) leaves a whole
    copy of the tables as cyclic garbage that only a full collection frees: the 10,000-event soak's
    local stack grew by about 12 MB/s, to 19 GB, and was killed by the kernel (out of memory)."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import ConditionalCheckFailed, TransactionCanceledException
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend.transact_write_items, "checked_first", False):
        return
    copying = DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        ops = [next(iter(item.items())) for item in transact_items]
        keys = []
        for op_type, op in ops:
            table = self.get_table(op["TableName"])
            if op_type == "Put":
                key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = op["Item"][table.range_key_attr]
            else:
                key = op["Key"]
            keys.append(key)
            if len(transact_items) > 100 or len(transact_items[len(keys) - 1]) > 1:
                return copying(self, transact_items)  # moto's own answer for a malformed request
        if len({(op["TableName"], str(sorted(key.items()))) for (_, op), key in zip(ops, keys, strict=True)}) < len(
            ops
        ):
            return copying(self, transact_items)  # two actions on one item: moto's own refusal
        # Each action's condition against its item as it is (one action per item, so no action's
        # write could change another's item): any that fails cancels the whole transaction, with one
        # reason per action in order, as moto (and DynamoDB's CancellationReasons) gives them.
        reasons: list[Any] = []
        for (_, op), key in zip(ops, keys, strict=True):
            condition = op.get("ConditionExpression")
            current = self.get_item(op["TableName"], key)
            if condition is not None and not get_filter_expression(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            ).expr(current):
                wanted = current is not None and op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
                old = current.to_json()["Attributes"] if wanted else None
                reasons.append(("ConditionalCheckFailed", str(ConditionalCheckFailed(item=old).message), old))
            else:
                reasons.append((None, None, None))
        if any(code is not None for code, _, _ in reasons):
            raise TransactionCanceledException(reasons)
        # What the touched items held (copies of those items only): a write refused on the way (an
        # item over 400 KB, an update expression the item does not fit) puts them all back, so
        # that nothing of the transaction stands, as in DynamoDB.
        before = [copy.deepcopy(self.get_item(op["TableName"], key)) for (_, op), key in zip(ops, keys, strict=True)]
        try:
            for (op_type, op), key in zip(ops, keys, strict=True):
                names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                if op_type == "Put":
                    self.put_item(op["TableName"], op["Item"])
                elif op_type == "Delete":
                    self.delete_item(op["TableName"], key)
                elif op_type == "Update":
                    self.update_item(
                        op["TableName"],
                        key,
                        update_expression=op["UpdateExpression"],
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
        except Exception:
            for (_, op), key, item in zip(ops, keys, before, strict=True):
                if item is None:
                    self.delete_item(op["TableName"], key)
                else:
                    self.put_item(op["TableName"], item.to_json()["Attributes"])
            return copying(self, transact_items)  # moto's own refusal, written against the items as they were
        return None

    transact_write_items.checked_first = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


class LocalAws:
    """moto server on a free local port, and helpers to fill it from the template."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, region: str = REGION) -> None:
        # moto server's WSGI app (what `moto.server.ThreadedMotoServer` serves on werkzeug), its
        # DynamoDB requests one at a time (OneDynamoDBRequestAtATime), on a server that keeps
        # connections open as AWS endpoints do (devstack.serving).
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        from devstack.aws_expressions import linear_update_expression_checks
        from devstack.aws_journal import LocalWrites, journal_item_writes

        _transactions_without_table_copies()
        linear_update_expression_checks()
        journal_item_writes()
        self.region = region
        self._clients: dict[tuple[str, int], Any] = {}
        self._clients_lock = threading.Lock()
        app = LocalWrites(
            OneDynamoDBRequestAtATime(DomainDispatcherApplication(create_backend_app)), ACCOUNT_ID, region
        )
        self._server = LocalServer(app, host, port, "moto")
        self.url = self._server.url

    @overload
    def client(self, service: Literal["dynamodb"]) -> DynamoDBClient: ...
    @overload
    def client(self, service: Literal["events"]) -> EventBridgeClient: ...
    @overload
    def client(self, service: Literal["secretsmanager"]) -> SecretsManagerClient: ...
    @overload
    def client(self, service: Literal["sqs"]) -> SQSClient: ...
    @overload
    def client(self, service: Literal["ssm"]) -> SSMClient: ...
    def client(
        self, service: LocalService
    ) -> DynamoDBClient | EventBridgeClient | SecretsManagerClient | SQSClient | SSMClient:
        # One client per service and thread, made once: creating a boto3 session and client costs
        # ~0.25 s (a profile of a boot showed 41 of them, 11 s of its 15), and a session is not
        # safe to share across threads (a client is, but each poller thread keeps its own pool).
        key = (service, threading.get_ident())
        with self._clients_lock:
            made = self._clients.get(key)
            if made is None:
                session = boto3.session.Session(
                    aws_access_key_id=CREDENTIALS["aws_access_key_id"],
                    aws_secret_access_key=CREDENTIALS["aws_secret_access_key"],
                    region_name=self.region,
                )
                made = self._clients[key] = session.client(service, endpoint_url=self.url)
        return made

    def stop(self) -> None:
        self._server.shutdown()

    # ------------------------------------------------------------------ secrets and parameters
    def create_secret(self, name: str, value: str) -> str:
        return str(self.client("secretsmanager").create_secret(Name=name, SecretString=value)["ARN"])

    def put_parameter(self, name: str, value: str) -> None:
        tier: ParameterTierType = "Advanced" if len(value.encode()) > 4096 else "Standard"
        self.client("ssm").put_parameter(Name=name, Value=value, Type="String", Tier=tier, Overwrite=True)

    # ------------------------------------------------------------------ tables
    def create_table(self, name: str, props: Mapping[str, Any]) -> str:
        """Create a DynamoDB table from resolved AWS::DynamoDB::Table properties; returns its ARN."""
        return create_table(self.client("dynamodb"), name, props)

    # ------------------------------------------------------------------ queues
    def create_queue(self, name: str, props: Mapping[str, Any]) -> QueueInfo:
        """Create a queue without its redrive policy (set it later with `set_redrive`)."""
        sqs = self.client("sqs")
        attributes = {k: to_text(props[k]) for k in _QUEUE_ATTRIBUTES if k in props}
        url = str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])
        arn = str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])
        return QueueInfo(logical_id="", name=name, url=url, arn=arn)

    def set_redrive(self, url: str, props: Mapping[str, Any]) -> None:
        sqs = self.client("sqs")
        attributes: dict[QueueAttributeNameType, str] = {}
        redrive_keys: tuple[QueueAttributeNameType, ...] = ("RedrivePolicy", "RedriveAllowPolicy")
        for key in redrive_keys:
            value = props.get(key)
            if value:
                if isinstance(value, str):
                    value = json.loads(value)
                if key == "RedrivePolicy" and "maxReceiveCount" in value:
                    value = {**value, "maxReceiveCount": int(value["maxReceiveCount"])}
                attributes[key] = json.dumps(value)
        if attributes:
            sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)


def _truthy(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"


def queue_name(stack_name: str, logical_id: str, props: Mapping[str, Any], resolver: Resolver) -> str:
    explicit = props.get("QueueName")
    if explicit is not None:
        return str(resolver.resolve(explicit))
    fifo = _truthy(resolver.resolve(props.get("FifoQueue", False)))
    name = physical_name(stack_name, logical_id, 75 if fifo else 80)
    return name + ".fifo" if fifo else name


def table_name(stack_name: str, logical_id: str, props: Mapping[str, Any], resolver: Resolver) -> str:
    explicit = props.get("TableName")
    if explicit is not None:
        return str(resolver.resolve(explicit))
    return physical_name(stack_name, logical_id, 255)


__all__ = [
    "ACCOUNT_ID",
    "LocalAws",
    "QueueInfo",
    "create_table",
    "is_secret_parameter",
    "native_token_family",
    "queue_name",
    "secret_value",
    "table_name",
    "template_table",
    "webhook_secret_family",
]


def create_table(ddb: Any, name: str, props: Mapping[str, Any]) -> str:
    """Create a DynamoDB table from resolved AWS::DynamoDB::Table properties with any DynamoDB client
    (moto server here, in-process moto in tests); returns its ARN."""
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    if request["BillingMode"] == "PROVISIONED":
        request["ProvisionedThroughput"] = props.get(
            "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if props.get(key):
            request[key] = [
                {k: v for k, v in index.items() if k in ("IndexName", "KeySchema", "Projection")}
                | (
                    {"ProvisionedThroughput": index["ProvisionedThroughput"]}
                    if "ProvisionedThroughput" in index
                    else {}
                )
                for index in props[key]
            ]
    stream = props.get("StreamSpecification")
    if stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    arn = str(ddb.create_table(**request)["TableDescription"]["TableArn"])
    ttl = props.get("TimeToLiveSpecification")
    if ttl and _truthy(ttl.get("Enabled", False)):
        ddb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
        )
    return arn


def template_table(template_path: Any, logical_id: str) -> dict[str, Any]:
    """The properties of a table as template.yaml declares it (tests create the same tables)."""
    return copy.deepcopy(_template_resources(str(template_path))[logical_id]["Properties"])


@functools.cache
def _template_resources(template_path: str) -> dict[str, Any]:
    return dict(load_template(template_path)["Resources"])
