"""The connector's botocore loader: the stock loader's answers, without listing every service at
the first client (connector/aws_loader.py says why)."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import boto3.session
import botocore.session
import pytest
from boto3.exceptions import ResourceNotExistsError
from botocore.config import Config
from botocore.exceptions import UnknownServiceError
from botocore.loaders import JSONFileLoader, Loader, create_loader

from connector.aws_loader import DictJSONFileLoader, KnownServices, ServiceLoader, service_loader
from connector.aws_session import AWS_MODELS, new_session

DATA_PATH = str(AWS_MODELS)
TYPES = ("service-2", "endpoint-rule-set-1", "paginators-1", "waiters-2")


@pytest.mark.parametrize("type_name", TYPES)
def test_every_service_the_stock_loader_lists_is_known_without_reading_the_listing(type_name: str) -> None:
    # given the stock loader's listing of a model type, over the same search paths
    listed = create_loader(DATA_PATH).list_available_services(type_name)
    known = KnownServices(service_loader(DATA_PATH), type_name)
    # when each of its services is asked for
    answers = {name: name in known for name in listed}
    # then every one is known, and the whole listing was never made
    assert all(answers.values()), [name for name, known in answers.items() if not known]
    assert known._listed is None


def test_names_the_stock_listing_lacks_are_not_known() -> None:
    # given names that are files of the data directory, paths, or nothing at all
    listed = create_loader(DATA_PATH).list_available_services("service-2")
    names = ["endpoints", "partitions", "sdk-default-configuration", "_retry", ".", "..", "", "nothing-like-it"]
    names += ["dynamodb/2012-08-10", f"..{os.sep}data{os.sep}dynamodb", "ssm/../dynamodb"]
    # when each is asked for
    known = KnownServices(service_loader(DATA_PATH), "service-2")
    # then none is known, as none is in the stock listing
    assert [name for name in names if name in known] == []
    assert [name for name in names if name in listed] == []
    assert None not in known and 3 not in known


@pytest.mark.parametrize("type_name", TYPES)
def test_the_listing_read_whole_is_the_stock_one(type_name: str) -> None:
    listed = create_loader(DATA_PATH).list_available_services(type_name)
    known = KnownServices(service_loader(DATA_PATH), type_name)
    assert list(known) == listed
    assert len(known) == len(listed) and known[0] == listed[0] and known == listed
    assert ", ".join(known) == ", ".join(listed)


def test_a_client_of_an_unknown_service_fails_as_with_the_stock_loader() -> None:
    stock = boto3.session.Session(region_name="eu-west-1")
    ours = new_session()
    with pytest.raises(UnknownServiceError) as stock_refusal:
        stock.client("dynamo-db", region_name="eu-west-1")
    with pytest.raises(UnknownServiceError) as our_refusal:
        ours.client("dynamo-db", region_name="eu-west-1")
    assert str(our_refusal.value) == str(stock_refusal.value)


def test_a_session_lists_the_services_and_resources_the_stock_one_does() -> None:
    core = botocore.session.get_session()
    core.set_config_variable("data_path", DATA_PATH)
    stock = boto3.session.Session(botocore_session=core)
    ours = new_session()
    assert ours.get_available_services() == stock.get_available_services()
    assert ours.get_available_resources() == stock.get_available_resources()


def test_the_search_paths_are_the_stock_loaders() -> None:
    for setting in (None, DATA_PATH, os.pathsep.join([DATA_PATH, "~/models", "$HOME/more"])):
        assert service_loader(setting).search_paths == create_loader(setting).search_paths
    assert isinstance(service_loader(None), Loader)


def test_the_first_client_reads_only_its_services_directories() -> None:
    # given botocore's data directory, whose listing is every service
    root = Path(Loader.BUILTIN_DATA_PATH)
    # when a session makes its first client
    with mock.patch("os.listdir", wraps=os.listdir) as listdir:
        new_session().client("dynamodb", region_name="eu-west-1")
    read = {Path(call.args[0]) for call in listdir.call_args_list}
    # then no other service's directory was read (the data directory's own entries are, once: the
    # name's spelling), DynamoDB's was
    assert sorted(path.name for path in read if path.parent == root) == ["dynamodb"]
    assert len(listdir.call_args_list) < 20, len(listdir.call_args_list)


def test_the_stock_loader_lists_the_data_directory_at_the_first_client() -> None:
    # the premise of the test above: the stock session does list it
    root = Path(Loader.BUILTIN_DATA_PATH)
    with mock.patch("os.listdir", wraps=os.listdir) as listdir:
        boto3.session.Session().client("dynamodb", region_name="eu-west-1")
    read = {Path(call.args[0]) for call in listdir.call_args_list}
    assert len([path for path in read if path.parent == root]) > 400


def test_a_loaders_model_is_the_one_the_stock_loader_gives() -> None:
    for service in ("dynamodb", "ssm", "sqs", "secretsmanager"):
        assert ServiceLoader(extra_search_paths=[DATA_PATH]).load_service_model(service, "service-2") == create_loader(
            DATA_PATH
        ).load_service_model(service, "service-2")


DATA_FILES = (
    "endpoints",
    "partitions",
    "sdk-default-configuration",
    "_retry",
    "dynamodb/2012-08-10/service-2",
    "dynamodb/2012-08-10/endpoint-rule-set-1",
    "sqs/2012-11-05/service-2",
    "secretsmanager/2017-10-17/endpoint-rule-set-1",
    "ssm/2014-11-06/service-2",
)


@pytest.mark.parametrize("name", DATA_FILES)
def test_a_data_file_reads_as_the_stock_loader_reads_it_in_the_same_order(name: str) -> None:
    # given a data file botocore reads at a first client (the trimmed SSM model first on the path)
    stock = create_loader(DATA_PATH).load_data(name)
    # when the connector's loader reads it
    ours = service_loader(DATA_PATH).load_data(name)
    # then the same document, key order included (json.dumps keeps a mapping's order)
    assert json.dumps(ours) == json.dumps(stock)
    assert type(ours) is dict


ENDPOINT_CASES = [
    (service, region, fips, dualstack)
    for service in ("dynamodb", "sqs", "secretsmanager", "ssm")
    for region in ("us-east-1", "eu-west-3", "cn-north-1", "us-gov-west-1", "us-iso-east-1", "ap-southeast-5")
    for fips, dualstack in ((False, False), (True, False), (False, True), (True, True))
]


@pytest.fixture(scope="module", autouse=True)
def _no_endpoint_settings_from_the_environment() -> Iterator[None]:
    # An endpoint URL, a FIPS or dual-stack switch or a profile from the environment would apply to
    # both clients alike: every case would then compare one URL with itself, and pass whatever the
    # loader read.
    with pytest.MonkeyPatch.context() as env:
        for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_SSM"):
            env.delenv(name, raising=False)
        for name in ("AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT"):
            env.delenv(name, raising=False)
        for name in ("AWS_DATA_PATH", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
            env.delenv(name, raising=False)
        env.setenv("AWS_CONFIG_FILE", os.devnull)
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        yield


@pytest.fixture(scope="module")
def sessions() -> tuple[boto3.session.Session, boto3.session.Session]:
    return boto3.session.Session(), new_session()


class Sent(Exception):
    """Raised at `before-send`: the request was made, its URL kept, nothing sent."""


CALLS = {
    "dynamodb": ("list_tables", {}),
    "sqs": ("list_queues", {}),
    "secretsmanager": ("list_secrets", {}),
    "ssm": ("get_parameter", {"Name": "connector-config"}),
}


def sent_url(session: boto3.session.Session, service: str, region: str, config: Config) -> str:
    try:
        client = session.client(
            service, region_name=region, config=config, aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x"
        )
    except Exception as refusal:  # a variant a partition lacks: the same refusal expected
        return f"{type(refusal).__name__}: {refusal}"

    def keep(request: Any, **_: Any) -> None:
        raise Sent(request.url)

    client.meta.events.register("before-send", keep)
    operation, params = CALLS[service]
    try:
        getattr(client, operation)(**params)
    except Sent as sent:
        return str(sent)
    except Exception as refusal:
        return f"{type(refusal).__name__}: {refusal}"
    raise AssertionError("the request was never sent")


@pytest.mark.parametrize(("service", "region", "fips", "dualstack"), ENDPOINT_CASES)
def test_a_request_goes_to_the_endpoint_a_stock_clients_goes_to(
    sessions: tuple[boto3.session.Session, boto3.session.Session],
    service: str,
    region: str,
    fips: bool,
    dualstack: bool,
) -> None:
    # given a stock session and the connector's, the same region and endpoint variants
    config = Config(use_fips_endpoint=fips, use_dualstack_endpoint=dualstack, retries={"max_attempts": 1})
    # when each makes a client and sends the same request
    stock, ours = (sent_url(session, service, region, config) for session in sessions)
    # then both send it to the same URL (endpoint rules resolved per request), or refuse alike
    assert ours == stock
    assert ours.startswith("https://") or "Error" in ours


@pytest.mark.parametrize("listing", ["get_available_services", "get_available_resources"])
def test_a_sessions_available_services_are_a_plain_list_as_a_stock_sessions_are(listing: str) -> None:
    # given a stock session and the connector's
    stock, ours = boto3.session.Session(), new_session()
    # when each is asked what it offers (boto3's public API, typed `list[str]`)
    stock_answer, our_answer = getattr(stock, listing)(), getattr(ours, listing)()
    # then both answer a list: one that slices, copies and serializes (json.dumps refuses a UserList)
    assert type(our_answer) is type(stock_answer) is list
    assert json.dumps(our_answer) == json.dumps(stock_answer)


def test_a_data_file_read_is_logged_as_the_stock_loader_logs_it(caplog: pytest.LogCaptureFixture) -> None:
    # given botocore's debug logging (how one sees which copy of a model a client loaded)
    with caplog.at_level(logging.DEBUG, logger="botocore.loaders"):
        # when the stock loader and the connector's each read the same data file
        create_loader(DATA_PATH).load_data("_retry")
        stock = [(r.name, r.getMessage()) for r in caplog.records]
        caplog.clear()
        service_loader(DATA_PATH).load_data("_retry")
        ours = [(r.name, r.getMessage()) for r in caplog.records]
    # then the same lines are logged
    assert ours == stock != []


def test_another_threads_listing_is_the_stock_list_while_a_model_loads() -> None:
    # given a loader part way through loading a model, asking whether the service is known
    loader = service_loader(DATA_PATH)
    listings: list[object] = []
    knows = loader.knows

    def knows_while_another_thread_lists(service_name: object, type_name: str) -> bool:
        # when another thread asks the same loader for its listing at that moment
        other = threading.Thread(target=lambda: listings.append(loader.list_available_services("service-2")))
        other.start()
        other.join()
        return knows(service_name, type_name)

    with mock.patch.object(loader, "knows", knows_while_another_thread_lists):
        loader.load_service_model("dynamodb", "service-2")
    # then that thread gets botocore's list, the lazy answer being for the model's check alone
    assert [type(listing) for listing in listings] == [list]


@pytest.mark.parametrize("service", ["dynamo-db", "ssm"])
def test_a_resource_a_service_lacks_fails_as_with_the_stock_session(service: str) -> None:
    # given a stock session and the connector's; no such service, or one with a client only (SSM)
    stock, ours = boto3.session.Session(), new_session()
    # when each is asked for its resource (boto3 asks its loader for `resources-1`)
    with pytest.raises(ResourceNotExistsError) as stock_refusal:
        stock.resource(service, region_name="eu-west-1")
    with pytest.raises(ResourceNotExistsError) as our_refusal:
        ours.resource(service, region_name="eu-west-1")
    # then the same refusal, naming the resources there are and whether a client exists
    assert str(our_refusal.value) == str(stock_refusal.value)


@pytest.mark.parametrize(
    ("service", "type_name"), [("eks", "service-2"), ("rds", "service-2"), ("autoscaling", "paginators-1")]
)
def test_a_model_with_sdk_extras_merged_reads_as_the_stock_loaders_in_the_same_order(
    service: str, type_name: str
) -> None:
    # given a model botocore merges an `sdk-extras` file into (deep_merge adds the extras' keys)
    stock_loader = create_loader(DATA_PATH)
    version = stock_loader.determine_latest_version(service, type_name)
    assert Path(Loader.BUILTIN_DATA_PATH, service, version, f"{type_name}.sdk-extras.json").is_file()
    # when the stock loader and the connector's each load it
    stock = stock_loader.load_service_model(service, type_name)
    ours = service_loader(DATA_PATH).load_service_model(service, type_name)
    # then the same document, key order included
    assert json.dumps(ours) == json.dumps(stock)


def test_a_service_named_in_another_case_is_not_known_as_the_listing_does_not_hold_it() -> None:
    # given the listing's spelling of a service, and the same name in other cases (a case-insensitive
    # file system would find its directory under any of them)
    listed = create_loader(DATA_PATH).list_available_services("service-2")
    known = ServiceLoader(extra_search_paths=[DATA_PATH], file_loader=DictJSONFileLoader())
    # when each is asked for while a model loads
    answers = {name: name in KnownServices(known, "service-2") for name in ("dynamodb", "DynamoDB", "DYNAMODB")}
    # then only the listing's own spelling is known
    assert (
        answers
        == {name: name in listed for name in answers}
        == {"dynamodb": True, "DynamoDB": False, "DYNAMODB": False}
    )


def test_a_botocore_calling_the_file_reader_otherwise_gets_its_own_reading() -> None:
    # given a later botocore passing the file reader an argument this one does not know
    reader = DictJSONFileLoader()
    path = str(Path(Loader.BUILTIN_DATA_PATH) / "_retry.json")
    with mock.patch.object(JSONFileLoader, "_load_file", return_value={"read": "by botocore"}) as stock:
        # when it reads a file so
        answer = reader._load_file(path, open, "an-argument-of-tomorrow")
    # then botocore's own reading answers, not a TypeError
    assert answer == {"read": "by botocore"}
    stock.assert_called_once_with(path, open, "an-argument-of-tomorrow")
