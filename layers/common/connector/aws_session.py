"""The container's one boto3 session: every AWS client the connector uses is made from it.

A boto3 session loads the SDK's data files (endpoint rules, partitions, retry and default
configuration, each service's model) on first use and keeps them; a second session loads them all
again. Powertools' parameter helpers (`get_parameter`, `get_secret`) each make a session of their
own on first use, so a first invocation used to build three: the connector-config read from SSM,
the secrets, and the DynamoDB client of `Services`. Built on first use (nothing at import time, as
the rest of the wiring) and kept for the container's life.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import boto3.session

# Service models trimmed to the operations the connector calls, first on botocore's data path
# (devstack/aws_models.py says why and how they are made). SSM's client, made at init to read the
# connector config: 40.3 -> 24.6 ms of CPU as deployed (medians of 15 fresh interpreters); the
# whole init (bench/cold_start.py's (b)), paired with and without them: -15.6 ms of CPU (median of
# 25 interleaved pairs; with the garbage collector off, -13.3 ms of 11: a collection the big model
# triggered during the settings then falls in the DynamoDB client's creation instead).
AWS_MODELS = Path(__file__).resolve().parent / "aws_models"

_session: boto3.session.Session | None = None
# Creating clients from one session is not thread-safe (botocore's session registers handlers and
# fills its loader's caches as it goes), and a batch may create its first clients from threads.
_lock = threading.RLock()


def aws_session() -> boto3.session.Session:
    global _session
    with _lock:
        if _session is None:
            _session = new_session()
        return _session


def new_session() -> boto3.session.Session:
    """A boto3 session whose loader finds the trimmed models first, then the runtime's own (and any
    AWS_DATA_PATH the environment sets, after ours)."""
    import boto3.session
    import botocore.session

    from connector.aws_loader import service_loader

    core = botocore.session.get_session()
    given = core.get_config_variable("data_path")
    data_path = os.pathsep.join([str(AWS_MODELS), *([given] if given else [])])
    core.set_config_variable("data_path", data_path)
    core.register_component("data_loader", service_loader(data_path))
    return boto3.session.Session(botocore_session=core)


def aws_client(service: str, session: Any = None) -> Any:
    """A new client of `service` from `session` (default: the container's)."""
    source: Any = session or aws_session()
    with _lock:
        return source.client(service)


def parameter_provider(kind: Literal["ssm", "secrets"]) -> Any:
    """Powertools' provider of `kind`, on the container's session.

    Registered where Powertools' own `get_parameter` / `get_secret` keep theirs
    (`parameters.constants.DEFAULT_PROVIDERS`), so that its cache works as documented:
    `parameters.clear_caches()` forgets it, values are kept for `max_age`."""
    from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS

    with _lock:
        if kind not in DEFAULT_PROVIDERS:
            if kind == "ssm":
                from aws_lambda_powertools.utilities.parameters import SSMProvider

                DEFAULT_PROVIDERS[kind] = SSMProvider(boto3_client=aws_client("ssm"))
            else:
                from aws_lambda_powertools.utilities.parameters import SecretsProvider

                DEFAULT_PROVIDERS[kind] = SecretsProvider(boto3_client=aws_client("secretsmanager"))
        return DEFAULT_PROVIDERS[kind]
