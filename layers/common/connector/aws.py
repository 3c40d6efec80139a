"""One boto3 session per container, shared by every AWS client the connector creates.

A botocore session loads, once, what any of its clients needs: its event handlers, the 1.2 MB
`endpoints.json`, the list of services in its data directory. The first client of a session costs
about 60 ms of CPU as deployed, each further client of the same session 5 to 15 ms. Before this
module a registration's cold start created three sessions: Powertools' parameters utility one for
the config document (SSM) and one for the secrets (Secrets Manager), the services one for DynamoDB
(bench/cold_start.py prints the figures).

Clients are created under a lock: a botocore session is not thread-safe, and the chat routing's
look-up may read a secret on a worker thread while the handler goes on.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import boto3
    from aws_lambda_powertools.utilities.parameters import BaseProvider

_lock = threading.RLock()
_session: boto3.session.Session | None = None


def session() -> boto3.session.Session:
    """The container's session (created on first use: a container may never need AWS)."""
    global _session
    with _lock:
        if _session is None:
            import boto3

            _session = boto3.session.Session()
        return _session


def client(service: str) -> Any:
    """A new client of `service` from the container's session."""
    with _lock:
        create: Any = session().client  # typed per literal service name by the stubs
        return create(service)


def get_parameter(name: str, max_age: int) -> str:
    """An SSM parameter's value through Powertools' parameters utility (cached `max_age` seconds)."""
    from aws_lambda_powertools.utilities import parameters

    _default_provider("ssm", lambda: parameters.SSMProvider(boto3_client=client("ssm")))
    return str(parameters.get_parameter(name, max_age=max_age))


def get_secret(arn: str, max_age: int) -> str:
    """A Secrets Manager secret's value through Powertools' parameters utility (cached `max_age` seconds)."""
    from aws_lambda_powertools.utilities import parameters

    _default_provider("secrets", lambda: parameters.SecretsProvider(boto3_client=client("secretsmanager")))
    return str(parameters.get_secret(arn, max_age=max_age))


def _default_provider(kind: str, provider: Any) -> None:
    # `get_parameter` and `get_secret` create their provider on first use, each with a session of its
    # own; one put in their registry first is used instead, and `parameters.clear_caches()` still
    # empties its cache (what a new container would see).
    from aws_lambda_powertools.utilities.parameters.base import DEFAULT_PROVIDERS

    with _lock:
        if kind not in DEFAULT_PROVIDERS:
            created: BaseProvider = provider()
            DEFAULT_PROVIDERS[kind] = created
