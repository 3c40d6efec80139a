"""The trimmed service models the layer ships (`connector/aws_models`, see devstack/aws_models.py):
the runtime's model cut to the operations the connector calls, found first on botocore's data path,
so that a client made from the connector's session sends exactly what a stock client sends."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3.session
import botocore
import pytest
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.exceptions import SetParameterError
from botocore.awsrequest import AWSResponse
from botocore.config import Config

import connector.aws_session
from connector.aws_session import AWS_MODELS, new_session, parameter_provider
from devstack import aws_models

PARAMETER = "/service-cloud-connector/config"
# What Powertools' SSMProvider calls: get (GetParameter), get_multiple (the GetParametersByPath
# paginator), get_parameters_by_name (GetParameters).
PARAMETER_READS: dict[str, Callable[[Any], Any]] = {
    "get_parameter": lambda client: client.get_parameter(Name=PARAMETER, WithDecryption=True),
    "get_parameters": lambda client: client.get_parameters(Names=[PARAMETER, "/other"], WithDecryption=False),
    "get_parameters_by_path": lambda client: client.get_parameters_by_path(
        Path="/service-cloud-connector", Recursive=True, MaxResults=10
    ),
}
# One region of every partition the runtime's botocore knows, whatever their number.
PARTITIONS = json.loads((Path(botocore.__file__).parent / "data" / "partitions.json").read_text())["partitions"]
REGIONS = [next(r for r in partition["regions"] if "global" not in r) for partition in PARTITIONS]
VARIANTS = {
    "default": Config(),
    "fips": Config(use_fips_endpoint=True),
    "dualstack": Config(use_dualstack_endpoint=True),
}


class _Body:
    def stream(self, **_: Any) -> Iterator[bytes]:
        yield b"{}"


@pytest.fixture(scope="module", autouse=True)
def _credentials_and_no_endpoint_override() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SSM", "AWS_DATA_PATH", "AWS_PROFILE"):
            env.delenv(name, raising=False)
        env.setenv("AWS_CONFIG_FILE", "/dev/null")
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        yield


@pytest.fixture(scope="module")
def sessions() -> tuple[boto3.session.Session, boto3.session.Session]:
    """The connector's session and a stock one, each made once: a session decodes botocore's
    endpoints and lists its data directory on its first client, which 75 cases need not repeat."""
    return new_session(), boto3.session.Session()


def _sent(session: boto3.session.Session, region: str, config: Config, call: Callable[[Any], Any]) -> Any:
    """What the client puts on the wire for `call` (answered `{}` in place of SSM), or the error
    that stopped it (an endpoint variant a partition does not offer)."""
    sent: list[Any] = []

    def answer(request: Any, **_: Any) -> AWSResponse:
        sent.append(request)
        return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.1"}, _Body())

    try:
        client = session.client("ssm", region_name=region, config=config)
        client.meta.events.register("before-send", answer)
        call(client)
    except botocore.exceptions.BotoCoreError as error:
        return type(error).__name__
    request = sent[0]
    return (request.method, request.url, request.body, request.headers["X-Amz-Target"], request.headers["Content-Type"])


def test_the_shipped_models_are_the_installed_botocore_models_trimmed():
    # given the models `python -m devstack.aws_models` writes from the installed botocore
    expected = aws_models.expected()

    # then the layer ships exactly those (run it again after a botocore upgrade that fails this)
    assert {path: path.read_text() for path in expected} == expected


def test_the_connector_session_finds_the_trimmed_ssm_model_first():
    # when a client of SSM is made from the connector's session
    client = new_session().client("ssm", region_name="eu-west-1")

    # then it knows the parameter reads only, and pages GetParametersByPath as Powertools does
    assert sorted(client.meta.service_model.operation_names) == [
        "GetParameter",
        "GetParameters",
        "GetParametersByPath",
    ]
    assert client.can_paginate("get_parameters_by_path")


def test_an_environment_data_path_still_applies_after_the_trimmed_models(monkeypatch, tmp_path):
    # given a data path set by whoever deploys the function
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))

    # when the connector's session is made
    loader = new_session()._session.get_component("data_loader")

    # then the trimmed models come first, that path next, botocore's own after
    paths = loader.search_paths
    builtin = str(Path(botocore.__file__).parent / "data")
    assert paths.index(str(AWS_MODELS)) < paths.index(str(tmp_path)) < paths.index(builtin)


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("read", sorted(PARAMETER_READS))
def test_a_parameter_read_sends_what_the_full_model_sends_in_every_partition(sessions, region, variant, read):
    # given the connector's session and a stock one (botocore's full model)
    connector_session, stock_session = sessions
    call = PARAMETER_READS[read]

    # when each sends the same read in the same region and endpoint variant
    trimmed = _sent(connector_session, region, VARIANTS[variant], call)
    stock = _sent(stock_session, region, VARIANTS[variant], call)

    # then the method, endpoint, body and operation are the same (or both refuse the variant)
    assert trimmed == stock


@pytest.mark.xfail(
    strict=True,
    raises=SetParameterError,
    reason="design choice: the shipped SSM model keeps the connector's reads only (no PutParameter), and "
    "the connector's provider is Powertools' default one once registered, so Powertools' own "
    "set_parameter in the same process finds no put_parameter on its client",
)
def test_powertools_set_parameter_writes_through_the_provider_the_connector_registered(aws, monkeypatch):
    # given the connector's SSM provider registered as Powertools' default (as the settings do at init)
    monkeypatch.setattr(connector.aws_session, "_session", None)
    parameters.clear_caches()
    parameter_provider("ssm")
    try:
        # when other code of the function writes a parameter with Powertools' own helper
        parameters.set_parameter(name="/other/flag", value="on")
        # then it is written, as through Powertools' own provider
        assert parameters.get_parameter("/other/flag", force_fetch=True) == "on"
    finally:
        parameters.clear_caches()
