"""`connector.settings` and `connector.config`: the template's environment plus the connector-config document."""

import json
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities import parameters
from pydantic import ValidationError

from connector.config import DEFAULT_CONTACT_MAPPING, CommerceConfig, ConnectorConfig
from connector.settings import Settings, load_connector_config

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"

TEMPLATE_ENV = {
    "SYNC_STATE_TABLE": "scc-SyncStateTable-1",
    "IDEMPOTENCY_TABLE": "scc-IdempotencyTable-1",
    "QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/scc-registration",
    "DEAD_LETTER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/scc-registration-dlq",
    "SYNC_MODE": "async",
    "MAX_RECEIVE_COUNT": "7",
    "RETRY_BASE_SECONDS": "45",
    "SALESFORCE_MY_DOMAIN_URL": "https://acme--uat.sandbox.my.salesforce.com",
    "SALESFORCE_AUTH_FLOW": "client_credentials",
    "SALESFORCE_JWT_AUDIENCE": "https://test.salesforce.com",
    "SALESFORCE_API_VERSION": "61.0",
    "SALESFORCE_SECRET_ARN": ARN + "salesforce",
    "COMMERCE_WEBHOOK_SECRET_ARN": ARN + "commerce",
    "CHAT_WEBHOOK_SECRET_ARN": ARN + "chat",
    "SOCIAL_WEBHOOK_SECRET_ARN": ARN + "social",
    "LOYALTY_WEBHOOK_SECRET_ARN": ARN + "loyalty",
    "COMMERCE_API_URL": "https://storefront.example.com",
    "COMMERCE_API_SECRET_ARN": ARN + "ocapi",
    "LOYALTY_API_URL": "https://loyalty.example.com",
    "LOYALTY_API_SECRET_ARN": ARN + "sessionm",
    "SOCIAL_API_URL": "https://inbox.example.com",
    "SOCIAL_API_SECRET_ARN": ARN + "alcmeon",
    "CONNECTOR_CONFIG_PARAMETER": "",
    "CONNECTOR_CONFIG_FILE": "",
}

CUSTOM_CONFIG = {
    "commerce": {
        "customer_parent": "person_account",
        "person_account_record_type_id": "012000000000001AAA",
        "customer_list_accounts": {"RefArchGlobal": "001000000000001AAA"},
        "contact_field_mapping": {"first_name": "FirstName", "last_name": "LastName", "email": "Email"},
        "guest_case_policy": "leave_unlinked",
    },
    "idempotency_ttl_seconds": 3600,
    "stuck_after_seconds": 600,
}


@pytest.fixture
def env() -> dict[str, str]:
    return dict(TEMPLATE_ENV)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "connector-config.json"
    path.write_text(json.dumps(CUSTOM_CONFIG))
    return path


@pytest.fixture
def fresh_parameters() -> Any:
    """Powertools caches parameters per container; every test starts a new 'cold start'."""
    parameters.clear_caches()
    yield
    parameters.clear_caches()


@pytest.fixture
def config_parameter(ssm: Any, fresh_parameters: None) -> Any:
    """Stores a config document in SSM (under moto) and gives back its name."""

    def put(document: Any, name: str = "/scc/connector-config") -> str:
        value = document if isinstance(document, str) else json.dumps(document)
        ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)
        return name

    return put


def error_locs(raised: pytest.ExceptionInfo[ValidationError]) -> list[tuple[Any, ...]]:
    return [tuple(e["loc"]) for e in raised.value.errors()]


# -- the environment ----------------------------------------------------------------------------------


def test_every_template_variable_is_read(env):
    settings = Settings.from_environment(env)

    assert settings.sync_state_table == "scc-SyncStateTable-1"
    assert settings.idempotency_table == "scc-IdempotencyTable-1"
    assert settings.queue_url == TEMPLATE_ENV["QUEUE_URL"]
    assert settings.dead_letter_queue_url == TEMPLATE_ENV["DEAD_LETTER_QUEUE_URL"]
    assert settings.sync_mode == "async"
    assert settings.max_receive_count == 7
    assert settings.retry_base_seconds == 45
    assert settings.salesforce_my_domain_url == "https://acme--uat.sandbox.my.salesforce.com"
    assert settings.salesforce_auth_flow == "client_credentials"
    assert settings.salesforce_jwt_audience == "https://test.salesforce.com"
    assert settings.salesforce_api_version == "61.0"
    assert settings.salesforce_secret_arn == ARN + "salesforce"
    assert (settings.commerce_api.url, settings.commerce_api.secret_arn) == (
        "https://storefront.example.com",
        ARN + "ocapi",
    )
    assert settings.loyalty_api.url == "https://loyalty.example.com"
    assert settings.social_api.secret_arn == ARN + "alcmeon"


class _ReadRecorder(dict[str, str]):
    """An environment that notes which variables were asked for."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.read.add(key)
        return super().__getitem__(key)


def test_the_template_passes_only_variables_the_code_reads():
    from devstack.cfn import load_template

    template = load_template(Path(__file__).resolve().parents[2] / "template.yaml")
    passed = set(template["Globals"]["Function"]["Environment"]["Variables"])
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            passed |= set(resource["Properties"].get("Environment", {}).get("Variables", {}))
    env = _ReadRecorder({name: TEMPLATE_ENV.get(name, "") for name in passed} | {"CONNECTOR_CONFIG_PARAMETER": ""})

    Settings.from_environment(env)

    # Powertools reads its own (service name, metrics namespace, log level).
    assert {name for name in passed if not name.startswith("POWERTOOLS_")} <= env.read


def test_each_source_family_has_its_own_webhook_secret(env):
    settings = Settings.from_environment(env)

    assert settings.webhook_secret_arns == {
        "commerce": ARN + "commerce",
        "chat": ARN + "chat",
        "social": ARN + "social",
        "loyalty": ARN + "loyalty",
    }


def test_unset_or_empty_webhook_secrets_are_left_out(env):
    del env["CHAT_WEBHOOK_SECRET_ARN"]
    env["SOCIAL_WEBHOOK_SECRET_ARN"] = ""

    settings = Settings.from_environment(env)

    assert set(settings.webhook_secret_arns) == {"commerce", "loyalty"}


def test_defaults_apply_to_a_bare_environment():
    settings = Settings.from_environment({"SYNC_STATE_TABLE": "t", "IDEMPOTENCY_TABLE": "i"})

    assert settings.sync_mode == "realtime"
    assert settings.max_receive_count == 5
    assert settings.retry_base_seconds == 30
    assert settings.salesforce_my_domain_url == ""
    assert settings.salesforce_auth_flow == "client_credentials"
    assert settings.salesforce_jwt_audience == "https://login.salesforce.com"
    assert settings.salesforce_api_version == "62.0"
    assert settings.webhook_secret_arns == {}
    assert settings.config == ConnectorConfig()


def test_settings_are_read_from_the_process_environment_by_default(monkeypatch, env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    assert Settings.from_environment() == Settings.from_environment(env)


def test_settings_are_immutable(env):
    settings = Settings.from_environment(env)

    with pytest.raises(ValidationError):
        settings.sync_mode = "realtime"


@pytest.mark.parametrize("mode", ["realtime", "async"])
def test_both_sync_modes_are_accepted(env, mode):
    env["SYNC_MODE"] = mode

    assert Settings.from_environment(env).sync_mode == mode


@pytest.mark.parametrize("mode", ["batch", "ASYNC", ""])
def test_unknown_sync_mode_is_rejected_naming_the_setting(env, mode):
    env["SYNC_MODE"] = mode

    with pytest.raises(ValidationError) as raised:
        Settings.from_environment(env)

    assert error_locs(raised) == [("sync_mode",)]


def test_max_receive_count_below_one_is_rejected(env):
    env["MAX_RECEIVE_COUNT"] = "0"

    with pytest.raises(ValidationError) as raised:
        Settings.from_environment(env)

    assert error_locs(raised) == [("max_receive_count",)]


def test_negative_retry_base_is_rejected(env):
    env["RETRY_BASE_SECONDS"] = "-1"

    with pytest.raises(ValidationError) as raised:
        Settings.from_environment(env)

    assert error_locs(raised) == [("retry_base_seconds",)]


# -- the Salesforce login host -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://login.salesforce.com",
        "https://test.salesforce.com",
        "https://LOGIN.Salesforce.com/",
        "https://test.salesforce.com/services/oauth2/token",
        "https://login.salesforce.com:443",
    ],
)
def test_client_credentials_on_a_generic_login_host_are_refused_naming_the_setting(env, url):
    # https://help.salesforce.com/s/articleView?id=000886201&type=1: the client credentials flow does not
    # support login.salesforce.com or test.salesforce.com; use the org's My Domain login URL.
    env["SALESFORCE_MY_DOMAIN_URL"] = url

    with pytest.raises(ValidationError) as raised:
        Settings.from_environment(env)

    assert error_locs(raised) == [("salesforce_my_domain_url",)]
    message = raised.value.errors()[0]["msg"]
    assert "SALESFORCE_MY_DOMAIN_URL" in message
    assert "https://<MyDomainName>.my.salesforce.com" in message
    assert "SALESFORCE_AUTH_FLOW=jwt_bearer" in message


def test_salesforce_login_url_the_design_names_is_read_as_the_my_domain_url(env):
    # DESIGN §3: any server implementing the API must work when SALESFORCE_LOGIN_URL points at it.
    del env["SALESFORCE_MY_DOMAIN_URL"]
    env["SALESFORCE_LOGIN_URL"] = "https://acme.my.salesforce.com/"

    assert Settings.from_environment(env).salesforce_my_domain_url == "https://acme.my.salesforce.com"


def test_salesforce_login_url_on_a_generic_host_is_refused_for_client_credentials_too(env):
    del env["SALESFORCE_MY_DOMAIN_URL"]
    env["SALESFORCE_LOGIN_URL"] = "https://login.salesforce.com"

    with pytest.raises(ValidationError) as raised:
        Settings.from_environment(env)

    assert "SALESFORCE_MY_DOMAIN_URL" in raised.value.errors()[0]["msg"]


def test_the_jwt_bearer_flow_may_post_to_the_generic_login_host(env):
    env["SALESFORCE_AUTH_FLOW"] = "jwt_bearer"
    env["SALESFORCE_MY_DOMAIN_URL"] = "https://test.salesforce.com"

    settings = Settings.from_environment(env)

    assert settings.salesforce_my_domain_url == "https://test.salesforce.com"


@pytest.mark.parametrize(
    "audience",
    [
        "https://login.salesforce.com",
        "https://test.salesforce.com/",
        "https://acme.my.site.com/customers",
        "https://acme.force.com/customers",
        "http://127.0.0.1:8123",
    ],
)
def test_a_jwt_audience_salesforce_accepts_is_kept(env, audience):
    env["SALESFORCE_AUTH_FLOW"] = "jwt_bearer"
    env["SALESFORCE_JWT_AUDIENCE"] = audience

    assert Settings.from_environment(env).salesforce_jwt_audience == audience.rstrip("/")


@pytest.mark.parametrize("audience", ["https://acme.my.salesforce.com", "https://example.com"])
def test_a_jwt_audience_that_is_no_login_host_is_refused_with_the_advice(env, audience):
    # the assertion's aud is the login host (or an Experience Cloud site), not the token URL
    env["SALESFORCE_AUTH_FLOW"] = "jwt_bearer"
    env["SALESFORCE_JWT_AUDIENCE"] = audience

    with pytest.raises(ValidationError) as raised:
        Settings.from_environment(env)

    assert error_locs(raised) == [("salesforce_jwt_audience",)]
    assert "https://test.salesforce.com (a sandbox)" in raised.value.errors()[0]["msg"]


def test_the_jwt_audience_is_not_checked_for_client_credentials(env):
    env["SALESFORCE_JWT_AUDIENCE"] = "https://example.com"

    assert Settings.from_environment(env).salesforce_auth_flow == "client_credentials"


def test_a_configured_secret_without_a_my_domain_url_is_refused_with_the_advice(env):
    env["SALESFORCE_MY_DOMAIN_URL"] = ""

    with pytest.raises(ValidationError) as raised:
        Settings.from_environment(env)

    assert error_locs(raised) == [("salesforce_my_domain_url",)]
    assert "SALESFORCE_MY_DOMAIN_URL is not set" in raised.value.errors()[0]["msg"]


def test_a_my_domain_url_is_kept_without_its_trailing_slash(env):
    env["SALESFORCE_MY_DOMAIN_URL"] = "https://acme.my.salesforce.com/"

    assert Settings.from_environment(env).salesforce_my_domain_url == "https://acme.my.salesforce.com"


@pytest.mark.parametrize("flow", ["password", "CLIENT_CREDENTIALS", ""])
def test_an_unknown_auth_flow_is_rejected_naming_the_setting(env, flow):
    env["SALESFORCE_AUTH_FLOW"] = flow

    with pytest.raises(ValidationError) as raised:
        Settings.from_environment(env)

    assert ("salesforce_auth_flow",) in error_locs(raised)


# -- the config document: defaults ------------------------------------------------------------------------


def test_default_config_maps_the_storefront_profile_and_matches_on_email():
    config = ConnectorConfig()

    assert config.commerce.contact_field_mapping == DEFAULT_CONTACT_MAPPING
    assert config.commerce.match_field == "email"
    assert config.commerce.customer_parent == "contact"


def test_no_file_and_no_parameter_gives_the_default_config():
    assert load_connector_config({}) == ConnectorConfig()


# -- the config document: from a file -------------------------------------------------------------------------


def test_config_is_read_from_a_local_file(env, config_file):
    env["CONNECTOR_CONFIG_FILE"] = str(config_file)

    config = Settings.from_environment(env).config

    assert config == ConnectorConfig.model_validate(CUSTOM_CONFIG)
    assert config.commerce.customer_parent == "person_account"
    assert config.commerce.customer_list_accounts == {"RefArchGlobal": "001000000000001AAA"}
    assert config.stuck_after_seconds == 600


def test_partial_config_file_keeps_the_other_defaults(env, tmp_path):
    path = tmp_path / "partial.json"
    path.write_text('{"stuck_after_seconds": 1200}')
    env["CONNECTOR_CONFIG_FILE"] = str(path)

    config = Settings.from_environment(env).config

    assert config.stuck_after_seconds == 1200
    assert config.commerce == CommerceConfig()


def test_file_with_malformed_json_is_rejected_with_a_pydantic_error(env, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"stuck_after_seconds": ')
    env["CONNECTOR_CONFIG_FILE"] = str(path)

    with pytest.raises(ValidationError) as raised:
        Settings.from_environment(env)

    assert raised.value.errors()[0]["type"] == "json_invalid"


# -- the config document: from SSM ----------------------------------------------------------------------------


def test_config_is_read_from_the_ssm_parameter(env, config_parameter):
    env["CONNECTOR_CONFIG_PARAMETER"] = config_parameter(CUSTOM_CONFIG)

    config = Settings.from_environment(env).config

    assert config == ConnectorConfig.model_validate(CUSTOM_CONFIG)


def test_invalid_config_in_ssm_is_rejected_with_a_pydantic_error(env, config_parameter):
    env["CONNECTOR_CONFIG_PARAMETER"] = config_parameter({"commerce": {"contact_field_mapping": {"x": "Name; DROP"}}})

    with pytest.raises(ValidationError) as raised:
        Settings.from_environment(env)

    assert error_locs(raised) == [("commerce", "contact_field_mapping")]


def test_local_file_wins_over_the_ssm_parameter(env, config_file, config_parameter):
    env["CONNECTOR_CONFIG_PARAMETER"] = config_parameter({"stuck_after_seconds": 3000})
    env["CONNECTOR_CONFIG_FILE"] = str(config_file)

    assert Settings.from_environment(env).config.stuck_after_seconds == 600


# -- the config document: what is rejected ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "loc"),
    [
        ({"unknown_key": 1}, ("unknown_key",)),
        ({"commerce": {"unknown_key": 1}}, ("commerce", "unknown_key")),
        ({"commerce": {"customer_parent": "lead"}}, ("commerce", "customer_parent")),
        ({"commerce": {"match_field": "phone"}}, ("commerce", "match_field")),
        ({"commerce": {"guest_case_policy": "drop"}}, ("commerce", "guest_case_policy")),
        (
            {"commerce": {"customer_list_accounts": {"RefArchGlobal": "not-an-id"}}},
            ("commerce", "customer_list_accounts", "RefArchGlobal"),
        ),
        ({"commerce": {"person_account_record_type_id": "012'--"}}, ("commerce", "person_account_record_type_id")),
        ({"idempotency_ttl_seconds": 10}, ("idempotency_ttl_seconds",)),
        ({"stuck_after_seconds": 0}, ("stuck_after_seconds",)),
    ],
)
def test_invalid_config_is_rejected_naming_the_offending_key(document, loc):
    with pytest.raises(ValidationError) as raised:
        ConnectorConfig.model_validate(document)

    assert error_locs(raised) == [loc]


@pytest.mark.parametrize("stuck_after, defer", [(300, 300), (120, 300), (600, 900)])
def test_a_sweep_deadline_not_past_the_deferral_is_refused_naming_both_settings(stuck_after, defer):
    # given a reconciler that would find deferred work stuck before its message comes back
    document = {"stuck_after_seconds": stuck_after, "salesforce": {"defer_seconds": defer}}

    with pytest.raises(ValidationError) as raised:
        ConnectorConfig.model_validate(document)

    # then the config is refused, and the message says which two settings disagree
    assert "stuck_after_seconds" in str(raised.value)
    assert "salesforce.defer_seconds" in str(raised.value)


def test_a_sweep_deadline_past_the_deferral_is_accepted():
    config = ConnectorConfig.model_validate({"stuck_after_seconds": 301, "salesforce": {"defer_seconds": 300}})

    assert (config.stuck_after_seconds, config.salesforce.defer_seconds) == (301, 300)


@pytest.mark.parametrize(
    "target",
    ["Name; DROP", "Email, (SELECT Id FROM User)", "First Name", "1stName", "Name__c/../Id", "", "A" * 81],
)
def test_mapping_target_that_is_not_an_api_name_is_rejected(target):
    with pytest.raises(ValidationError) as raised:
        ConnectorConfig.model_validate({"commerce": {"contact_field_mapping": {"first_name": target}}})

    assert error_locs(raised) == [("commerce", "contact_field_mapping")]
    assert "not a Salesforce API name" in str(raised.value)
    assert repr(target) in str(raised.value)


@pytest.mark.parametrize("target", ["FirstName", "Commerce_Customer_No__c", "ns__Field__c", "A" * 80])
def test_mapping_target_that_is_an_api_name_is_accepted(target):
    config = ConnectorConfig.model_validate({"commerce": {"contact_field_mapping": {"first_name": target}}})

    assert config.commerce.contact_field_mapping == {"first_name": target}


def test_config_is_immutable():
    config = ConnectorConfig()

    with pytest.raises(ValidationError):
        config.stuck_after_seconds = 60


def test_each_function_the_chat_platform_waits_on_holds_salesforce_to_its_deadline():
    # The chat platform waits 10 s for a chat end and for the chatbot's find/query/create answers
    # (conversation_routing): each of those functions gives one Salesforce call a short timeout, so a
    # slow org is answered (202 queued, 503 Retry-After) in time, never by the gateway's timeout.
    from devstack.cfn import load_template

    template = load_template(Path(__file__).resolve().parents[2] / "template.yaml")
    for function in ("ChatEndFunction", "ConversationRoutingFunction"):
        variables = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert float(variables.get("SALESFORCE_TIMEOUT_SECONDS", "25")) <= 5, function
