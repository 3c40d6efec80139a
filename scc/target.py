"""Which connector `scc` talks to: the local stack (its `GET /_local/health` document, as devstack
serves it) or a deployed stack (its CloudFormation outputs and parameters, read with boto3)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
import requests
from botocore.exceptions import BotoCoreError, ClientError

DEFAULT_LOCAL_URL = "http://127.0.0.1:3000"
# moto accepts any credentials; explicit ones keep the user's real profile out of local calls.
LOCAL_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
SYNC_STATE_TABLE = "SyncStateTable"
# Outputs of template.yaml the CLI reads: `<Trigger>QueueUrl` and `<Trigger>DeadLetterQueueUrl` per
# trigger (the CamelCase of its name), the state table's name and the API's URL.
DEAD_LETTER_OUTPUT = re.compile(r"^(?P<base>[A-Z][A-Za-z0-9]*)DeadLetterQueueUrl$")
SYNC_STATE_OUTPUT = "SyncStateTableName"
API_URL_OUTPUT = "ApiUrl"
WEBHOOK_SECRET_PARAMETER = "{Family}WebhookSecretArn"  # noqa: S105 - a parameter name, not a secret


class CliError(Exception):
    """A failure the operator can act on: printed as one line, exit status `code`; with `--json`,
    `{"error": {"code": reason, "message", "exit_status"}}`. `reason` is a stable word a script may
    test (`usage` for the command line, `not_found`, `unreachable`; else `failed`)."""

    def __init__(self, message: str, code: int = 1, *, reason: str | None = None, prog: str = "scc") -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason or ("usage" if code == 2 else "interrupted" if code == 130 else "failed")
        self.prog = prog  # who says it: `scc`, or the subcommand whose command line is wrong


@dataclass(frozen=True)
class TriggerQueues:
    queue_url: str
    dead_letter_queue_url: str


@dataclass
class Target:
    """A running connector: where its API, queues and sync-state table are, and clients for them."""

    name: str
    api_url: str
    region: str
    sync_state_table: str
    triggers: dict[str, TriggerQueues]
    make_client: Callable[[str], Any] = field(repr=False)
    read_webhook_secret: Callable[[str], str | None] = field(repr=False)
    local: bool = False
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.make_client(service)
        return self._clients[service]

    def trigger(self, name: str) -> TriggerQueues:
        if name not in self.triggers:
            known = ", ".join(sorted(self.triggers)) or "none"
            raise CliError(f"no trigger {name!r} with a dead-letter queue in {self.name} (known: {known})", code=2)
        return self.triggers[name]

    def webhook_secret(self, family: str) -> str:
        secret = self.read_webhook_secret(family)
        if not secret:
            raise CliError(f"no webhook secret for the {family!r} family in {self.name}", code=2)
        return secret


def trigger_name(camel: str) -> str:
    """`OrderHeader` -> `order_header`: the trigger's name as its folder and the docs spell it."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", camel).lower()


# ------------------------------------------------------------------------------------- local
def local_target(url: str = DEFAULT_LOCAL_URL) -> Target:
    """The local stack that answers `GET {url}/_local/health` (devstack: `make run`)."""
    http = requests.Session()
    http.trust_env = False  # a local address, never through a proxy
    try:
        resp = http.get(f"{url.rstrip('/')}/_local/health", timeout=5)
        resp.raise_for_status()
        health = resp.json()
    except (requests.RequestException, ValueError):
        hint = "start it with `make run`, or name a deployed --stack"
        raise CliError(f"no local stack answers at {url} ({hint})", reason="unreachable") from None
    triggers: dict[str, TriggerQueues] = {}
    for logical_id, info in (health.get("functions") or {}).items():
        if info.get("queue_url") and info.get("dlq_url"):
            triggers[trigger_name(logical_id.removesuffix("Function"))] = TriggerQueues(
                info["queue_url"], info["dlq_url"]
            )
    region = str(health.get("region") or "us-east-1")
    moto = str(health["moto"])
    secrets = dict(health.get("webhook_secrets") or {})

    def make_client(service: str) -> Any:
        return boto3.client(service, endpoint_url=moto, region_name=region, **LOCAL_CREDENTIALS)  # type: ignore[call-overload]

    return Target(
        name=f"the local stack at {url}",
        api_url=str(health["gateway"]),
        region=region,
        sync_state_table=str((health.get("tables") or {}).get(SYNC_STATE_TABLE, "")),
        triggers=triggers,
        make_client=make_client,
        read_webhook_secret=secrets.get,
        local=True,
    )


# ---------------------------------------------------------------------------------- deployed
def deployed_target(
    stack: str, *, profile: str | None = None, region: str | None = None, session: Any = None
) -> Target:
    """The stack `sam deploy` made, found by name with the operator's AWS profile and region."""
    try:
        session = session or boto3.Session(profile_name=profile, region_name=region)
        description = session.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    except ClientError as exc:
        message = exc.response.get("Error", {}).get("Message", "")
        if "does not exist" in message:
            raise CliError(f"no CloudFormation stack {stack!r} in {session.region_name}", reason="not_found") from None
        raise CliError(f"cannot read stack {stack!r}: {exc.response.get('Error', {}).get('Code')}") from None
    except BotoCoreError as exc:  # no credentials, no region, an unknown profile
        raise CliError(f"cannot read stack {stack!r}: {exc}") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in description.get("Outputs", [])}
    parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in description.get("Parameters", [])}
    missing = [key for key in (API_URL_OUTPUT, SYNC_STATE_OUTPUT) if key not in outputs]
    if missing:
        raise CliError(f"stack {stack!r} has no output {', '.join(missing)}: is it the connector's?")
    triggers: dict[str, TriggerQueues] = {}
    for key, value in outputs.items():
        found = DEAD_LETTER_OUTPUT.match(key)
        if found and f"{found['base']}QueueUrl" in outputs:
            triggers[trigger_name(found["base"])] = TriggerQueues(outputs[f"{found['base']}QueueUrl"], value)

    def read_webhook_secret(family: str) -> str | None:
        arn = parameters.get(WEBHOOK_SECRET_PARAMETER.format(Family=family.capitalize()))
        if not arn:
            return None
        try:
            return str(session.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            raise CliError(f"cannot read the {family} webhook secret: {code}") from None

    return Target(
        name=f"stack {stack}",
        api_url=outputs[API_URL_OUTPUT],
        region=str(session.region_name),
        sync_state_table=outputs[SYNC_STATE_OUTPUT],
        triggers=triggers,
        make_client=session.client,
        read_webhook_secret=read_webhook_secret,
    )
