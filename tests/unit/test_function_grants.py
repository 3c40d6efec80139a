"""Least privilege: each function's role grants the tables, queues, secrets, parameters and key that
the function uses, each by name, and nothing else.

The roles are read as deployed: template.yaml is translated by the SAM translator (the one `sam
build` and `sam validate` use), so a policy template's real resources are checked, not its name.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

from connector.pipeline.signature import source_family
from devstack.cfn import load_template

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"

RETRY_QUEUES = frozenset(
    {
        "RegistrationQueue",
        "OrderHeaderQueue",
        "ContactUsQueue",
        "ChatEndQueue",
        "ConversationRoutingQueue",
        "SalesforceChangesQueue",
        "OfferActionsQueue",
    }
)


@dataclass(frozen=True)
class Needs:
    """What a function reaches, by template name (a resource's logical id, or the parameter naming it).

    tables: SyncStateTable for sync state, identity map, claims and stores (every function);
    IdempotencyTable for the intake of events and commands (every function that takes them).
    queues: its retry queue (retries) and dead-letter queue (giving up at once); the reconciler
    re-queues on each trigger's retry queue (the URL is in the sync state, not its environment).
    polls: the queue of its SQS event source. secrets: the webhook secret of each source family its
    routes belong to, a native webhook token, the Salesforce credentials when it calls Salesforce,
    a platform's API credentials when it builds that client (connector.services.Services).
    """

    tables: frozenset[str]
    queues: frozenset[str]
    polls: frozenset[str]
    secrets: frozenset[str]
    # Every function reads the connector configuration (SSM) and may use the queues' key when given.
    parameters: frozenset[str] = frozenset({"ConnectorConfigParameterName"})
    keys: frozenset[str] = frozenset({"QueueKmsKeyArn"})


BOTH_TABLES = frozenset({"SyncStateTable", "IdempotencyTable"})

NEEDS: dict[str, Needs] = {
    "RegistrationFunction": Needs(
        tables=BOTH_TABLES,
        queues=frozenset({"RegistrationQueue", "RegistrationDeadLetterQueue"}),
        polls=frozenset({"RegistrationQueue"}),
        # The storefront's customer document (OCAPI) when an event lacks fields.
        secrets=frozenset({"SalesforceSecretArn", "CommerceWebhookSecretArn", "CommerceApiSecretArn"}),
    ),
    "OrderHeaderFunction": Needs(
        tables=BOTH_TABLES,
        queues=frozenset({"OrderHeaderQueue", "OrderHeaderDeadLetterQueue"}),
        polls=frozenset({"OrderHeaderQueue"}),
        # Order details on demand and missing order fields (OCAPI).
        secrets=frozenset({"SalesforceSecretArn", "CommerceWebhookSecretArn", "CommerceApiSecretArn"}),
    ),
    "ContactUsFunction": Needs(
        tables=BOTH_TABLES,
        queues=frozenset({"ContactUsQueue", "ContactUsDeadLetterQueue"}),
        polls=frozenset({"ContactUsQueue"}),
        secrets=frozenset({"SalesforceSecretArn", "CommerceWebhookSecretArn"}),
    ),
    "ChatEndFunction": Needs(
        tables=BOTH_TABLES,
        queues=frozenset({"ChatEndQueue", "ChatEndDeadLetterQueue"}),
        polls=frozenset({"ChatEndQueue"}),
        secrets=frozenset({"SalesforceSecretArn", "ChatWebhookSecretArn", "ChatNativeWebhookTokenSecretArn"}),
    ),
    "ConversationRoutingFunction": Needs(
        tables=BOTH_TABLES,
        queues=frozenset({"ConversationRoutingQueue", "ConversationRoutingDeadLetterQueue"}),
        polls=frozenset({"ConversationRoutingQueue"}),
        secrets=frozenset(
            {
                "SalesforceSecretArn",
                "ChatWebhookSecretArn",
                "SocialWebhookSecretArn",
                "SocialApiSecretArn",
                "SocialNativeWebhookTokenSecretArn",
            }
        ),
    ),
    "OfferActionsFunction": Needs(
        tables=BOTH_TABLES,
        queues=frozenset({"OfferActionsQueue", "OfferActionsDeadLetterQueue"}),
        polls=frozenset({"OfferActionsQueue"}),
        secrets=frozenset({"SalesforceSecretArn", "LoyaltyWebhookSecretArn", "LoyaltyApiSecretArn"}),
    ),
    # Backfill steps from its own queue: the storefront's pages (OCAPI) into Salesforce; sync state,
    # identity map and checkpoints, no intake (no idempotency record); a live event whose newer
    # data a job overwrote goes back to its trigger's queue (registration, order_header); the
    # commerce webhook secret keys a storefront document without its number (its email's hash).
    "BackfillFunction": Needs(
        tables=frozenset({"SyncStateTable"}),
        queues=frozenset({"BackfillQueue", "BackfillDeadLetterQueue", "RegistrationQueue", "OrderHeaderQueue"}),
        polls=frozenset({"BackfillQueue"}),
        secrets=frozenset({"SalesforceSecretArn", "CommerceApiSecretArn", "CommerceWebhookSecretArn"}),
    ),
    # Salesforce changes relayed through EventBridge to its queue (no route, so no webhook secret, and
    # the queue path only: no idempotency record): the storefront and the loyalty platform.
    "SalesforceChangesFunction": Needs(
        tables=frozenset({"SyncStateTable"}),
        queues=frozenset({"SalesforceChangesQueue", "SalesforceChangesDeadLetterQueue"}),
        polls=frozenset({"SalesforceChangesQueue"}),
        secrets=frozenset({"SalesforceSecretArn", "CommerceApiSecretArn", "LoyaltyApiSecretArn"}),
    ),
    # Reads sync state (GET /v1/sync/<family>/...: any family's secret) and re-queues: no
    # Salesforce call, no intake (so no idempotency record).
    "ReconcilerFunction": Needs(
        tables=frozenset({"SyncStateTable"}),
        queues=RETRY_QUEUES,
        polls=frozenset(),
        secrets=frozenset(
            {"CommerceWebhookSecretArn", "ChatWebhookSecretArn", "SocialWebhookSecretArn", "LoyaltyWebhookSecretArn"}
        ),
    ),
}

# CloudWatch Logs and X-Ray (Tracing: Active), and no other managed policy: SAM would add
# AWSLambdaSQSQueueExecutionRole (sqs:ReceiveMessage, DeleteMessage on "*") to a function with an SQS
# event, which is why those functions' roles are written in the template.
MANAGED_POLICIES = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}


def translate(template: dict[str, Any]) -> dict[str, Any]:
    """The CloudFormation that SAM deploys; code directories become S3 placeholders, as `sam
    validate` does, and no AWS call is made (no managed policy is named by its short name)."""
    template = copy.deepcopy(template)
    for resource in template["Resources"].values():
        for key in ("CodeUri", "ContentUri"):
            if key in resource.get("Properties", {}):
                resource["Properties"][key] = "s3://bucket/key"

    def no_lookup() -> dict[str, str]:
        raise AssertionError("a managed policy named by its short name needs an IAM call")

    session = boto3.session.Session(region_name="us-east-1")
    return Translator(None, Parser(), boto_session=session).translate(template, {}, get_managed_policy_map=no_lookup)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


@pytest.fixture(scope="module")
def deployed(template: dict[str, Any]) -> dict[str, Any]:
    return translate(template)


def _statements(role: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for policy in role["Properties"].get("Policies", []):
        if "Fn::If" in policy:
            # A grant that exists under a condition (the queues' key): checked as if it held.
            _condition, policy, otherwise = policy["Fn::If"]
            assert otherwise == {"Ref": "AWS::NoValue"}
        yield from policy["PolicyDocument"]["Statement"]


def _names(value: Any, bound: frozenset[str] = frozenset()) -> set[str]:
    """The template names (logical ids, parameters) a resource expression refers to."""
    if isinstance(value, str):
        found = set()
        for part in value.split("${")[1:]:
            name = part.split("}", 1)[0].split(".", 1)[0]
            if not name.startswith("AWS::") and name not in bound:
                found.add(name)
        return found
    if isinstance(value, list):
        return set().union(*(_names(v, bound) for v in value)) if value else set()
    if isinstance(value, dict):
        if "Ref" in value:
            return set() if str(value["Ref"]).startswith("AWS::") else {value["Ref"]}
        if "Fn::GetAtt" in value:
            return {value["Fn::GetAtt"][0]}
        if "Fn::Sub" in value:
            sub = value["Fn::Sub"]
            if isinstance(sub, list):
                text, variables = sub
                return _names(text, frozenset(variables)) | _names(list(variables.values()))
            return _names(sub)
    raise AssertionError(f"unexpected resource expression {value!r}")


def _literal(value: Any) -> str:
    """A resource's own text, its variables left out: where a wildcard would be."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return sub[0] if isinstance(sub, list) else sub
    return ""


def _kind(actions: list[str]) -> str:
    services = {action.split(":", 1)[0] for action in actions}
    assert len(services) == 1, f"one statement, one service: {actions}"
    if services == {"sqs"}:
        return "polls" if "sqs:ReceiveMessage" in actions else "queues"
    return {"dynamodb": "tables", "secretsmanager": "secrets", "ssm": "parameters", "kms": "keys"}.get(
        services.pop(), f"other: {actions}"
    )


def grants(deployed: dict[str, Any], function: str) -> dict[str, set[str]]:
    """What the function's role names, by kind, as `Needs` spells it."""
    found: dict[str, set[str]] = {}
    for statement in _statements(deployed["Resources"][f"{function}Role"]):
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        found.setdefault(_kind(actions), set()).update(*(_names(r) for r in resources))
    return found


def wildcards(deployed: dict[str, Any], function: str) -> list[str]:
    """Resources with a `*`, except a granted table's own indexes (the reconciler queries ByStatus)."""
    out = []
    for statement in _statements(deployed["Resources"][f"{function}Role"]):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for resource in resources:
            text = _literal(resource)
            table_indexes = _kind(actions) == "tables" and text.endswith("/index/*") and _names(resource)
            if "*" in text and not table_indexes:
                out.append(text)
    return out


def _resolve_partition(arn: Any) -> Any:
    """A managed policy's ARN as SAM writes it (`arn:aws:...`) whether or not the template used a Sub."""
    if isinstance(arn, dict) and "Fn::Sub" in arn:
        return str(arn["Fn::Sub"]).replace("${AWS::Partition}", "aws")
    return arn


def expected(needs: Needs) -> dict[str, set[str]]:
    kinds = {
        "tables": needs.tables,
        "queues": needs.queues,
        "polls": needs.polls,
        "secrets": needs.secrets,
        "parameters": needs.parameters,
        "keys": needs.keys,
    }
    return {kind: set(names) for kind, names in kinds.items() if names}


def test_the_table_covers_every_function_of_the_template(deployed: dict[str, Any]) -> None:
    functions = {lid for lid, r in deployed["Resources"].items() if r["Type"] == "AWS::Lambda::Function"}
    assert functions == set(NEEDS)


@pytest.mark.parametrize("function", sorted(NEEDS))
def test_a_function_is_granted_exactly_what_it_uses(deployed: dict[str, Any], function: str) -> None:
    # given the function's role as SAM deploys it; then it names what the function uses, no more
    assert grants(deployed, function) == expected(NEEDS[function])


@pytest.mark.parametrize("function", sorted(NEEDS))
def test_a_function_is_granted_no_wildcard_resource(deployed: dict[str, Any], function: str) -> None:
    assert wildcards(deployed, function) == []


@pytest.mark.parametrize("function", sorted(NEEDS))
def test_a_function_carries_only_the_logging_and_tracing_managed_policies(
    deployed: dict[str, Any], function: str
) -> None:
    managed = deployed["Resources"][f"{function}Role"]["Properties"]["ManagedPolicyArns"]
    assert {_resolve_partition(arn) for arn in managed} == MANAGED_POLICIES


# A function with no route that keys a family's entities by a keyed hash (`connector.envelope.sync_key`,
# the family's webhook secret): the backfill, a storefront document without its number.
KEYS_ENTITIES_OF = {"BackfillFunction": {"commerce"}}


@pytest.mark.parametrize("function", sorted(NEEDS))
def test_a_function_reads_the_webhook_secrets_of_its_routes_families_only(
    template: dict[str, Any], function: str
) -> None:
    # given the source families of the function's HttpApi routes (the family signs the request)
    events = template["Resources"][function]["Properties"].get("Events", {})
    paths = [e["Properties"]["Path"] for e in events.values() if e["Type"] == "HttpApi"]
    families = {source_family(path) for path in paths if "{source}" not in path}
    if any("{source}" in path for path in paths):
        families |= {"commerce", "chat", "social", "loyalty"}  # /v1/sync/<family>/...: any family
    families |= KEYS_ENTITIES_OF.get(function, set())
    # then the table's webhook secrets are those families' secrets
    webhook = {s for s in NEEDS[function].secrets if s.endswith("WebhookSecretArn") and "Native" not in s}
    assert webhook == {f"{family.capitalize()}WebhookSecretArn" for family in families if family}


def test_an_extra_grant_is_reported(template: dict[str, Any]) -> None:
    # given the reconciler granted the loyalty API's credentials (a SAM policy template), never used
    widened = copy.deepcopy(template)
    widened["Resources"]["ReconcilerFunction"]["Properties"]["Policies"].append(
        {"AWSSecretsManagerGetSecretValuePolicy": {"SecretArn": {"Ref": "LoyaltyApiSecretArn"}}}
    )
    # when its grants are read; then they differ from what it uses by that secret
    granted = grants(translate(widened), "ReconcilerFunction")
    assert granted["secrets"] - NEEDS["ReconcilerFunction"].secrets == {"LoyaltyApiSecretArn"}


def test_a_wildcard_resource_is_reported(template: dict[str, Any]) -> None:
    # given the contact_us function's role (written in the template) granted every secret of the account
    widened = copy.deepcopy(template)
    widened["Resources"]["ContactUsFunctionRole"]["Properties"]["Policies"].append(
        {
            "PolicyName": "EverySecret",
            "PolicyDocument": {
                "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]
            },
        }
    )
    assert wildcards(translate(widened), "ContactUsFunction") == ["*"]
