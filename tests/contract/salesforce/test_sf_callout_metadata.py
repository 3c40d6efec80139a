"""The SFDX source that lets Salesforce call the connector (issue 14): the credentials sign AWS SigV4
for API Gateway with no secret in the repository, the agents' permission set opens what the loyalty
profile component needs, and every Apex class and the component are deployable as declared.

Real behaviour these follow: the Metadata API's ExternalCredential (AwsSv4, AuthProtocolVariant
AwsSv4_STS, AwsStsPrincipal, AuthParameter AwsService/AwsRegion), NamedCredential (SecuredEndpoint, the
URL a `Url` parameter) and PermissionSet (externalCredentialPrincipalAccesses named
`<external credential>-<principal>`); sfdx-project.json `replacements` (replaceWithEnv)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[3] / "salesforce"
DEFAULT = PROJECT / "force-app" / "main" / "default"
NS = {"md": "http://soap.sforce.com/2006/04/metadata"}
EXTERNAL_CREDENTIAL = DEFAULT / "externalCredentials" / "Service_Cloud_Connector_AWS.externalCredential-meta.xml"
NAMED_CREDENTIAL = DEFAULT / "namedCredentials" / "Service_Cloud_Connector_API.namedCredential-meta.xml"
AGENT_PERMISSIONS = DEFAULT / "permissionsets" / "Service_Cloud_Connector_Agent.permissionset-meta.xml"
COMPONENT_META = DEFAULT / "lwc" / "loyaltyProfile" / "loyaltyProfile.js-meta.xml"


def _root(path: Path) -> ET.Element:
    return ET.parse(path).getroot()  # noqa: S314 - the repo's own metadata


def _parameters(root: ET.Element, tag: str) -> dict[str, ET.Element]:
    return {p.findtext("md:parameterName", namespaces=NS) or "": p for p in root.findall(f"md:{tag}", NS)}


def _project() -> dict[str, object]:
    return dict(json.loads((PROJECT / "sfdx-project.json").read_text()))


def test_the_external_credential_signs_sigv4_for_api_gateway_with_sts() -> None:
    # given the external credential
    root = _root(EXTERNAL_CREDENTIAL)
    params = _parameters(root, "externalCredentialParameters")
    # then AWS Signature Version 4, service execute-api, temporary credentials from STS, one named principal
    assert root.findtext("md:authenticationProtocol", namespaces=NS) == "AwsSv4"
    assert params["AwsService"].findtext("md:parameterValue", namespaces=NS) == "execute-api"
    assert params["AwsSv4"].findtext("md:parameterType", namespaces=NS) == "AuthProtocolVariant"
    assert params["AwsSv4"].findtext("md:parameterValue", namespaces=NS) == "AwsSv4_STS"
    assert params["AwsStsPrincipal"].findtext("md:parameterType", namespaces=NS) == "AwsStsPrincipal"
    principals = [n for n, p in params.items() if p.findtext("md:parameterType", namespaces=NS) == "NamedPrincipal"]
    assert principals == ["Connector_Caller"]


def test_no_credential_file_holds_a_key_or_a_secret() -> None:
    # given every parameter value of both credentials
    values = [
        (p.findtext("md:parameterName", namespaces=NS), p.findtext("md:parameterValue", namespaces=NS))
        for path, tag in (
            (EXTERNAL_CREDENTIAL, "externalCredentialParameters"),
            (NAMED_CREDENTIAL, "namedCredentialParameters"),
        )
        for p in _root(path).findall(f"md:{tag}", NS)
    ]
    # then none is an AWS access key id, a secret, or a role: the principal's values are entered in Setup
    for name, value in values:
        assert not re.search(r"(?i)secret|accesskey|password|token", name or ""), name
        assert not re.search(r"AKIA[0-9A-Z]{16}|arn:aws", value or ""), name


def test_endpoint_and_region_are_replaced_from_the_environment_at_deploy() -> None:
    # given the project's replacements
    replacements = _project()["replacements"]
    assert isinstance(replacements, list)
    by_env = {r["replaceWithEnv"]: r for r in replacements}
    # then the named credential's URL and the external credential's region come from SCC_API_ENDPOINT and
    # SCC_AWS_REGION, and each placeholder is in its file (an unset variable fails the deploy)
    assert set(by_env) == {"SCC_API_ENDPOINT", "SCC_AWS_REGION", "SCC_EVENT_RELAY_DESTINATION"}
    url = _parameters(_root(NAMED_CREDENTIAL), "namedCredentialParameters")["Url"]
    region = _parameters(_root(EXTERNAL_CREDENTIAL), "externalCredentialParameters")["AwsRegion"]
    assert url.findtext("md:parameterValue", namespaces=NS) == by_env["SCC_API_ENDPOINT"]["stringToReplace"]
    assert region.findtext("md:parameterValue", namespaces=NS) == by_env["SCC_AWS_REGION"]["stringToReplace"]
    for replacement in replacements:
        assert not replacement.get("allowUnsetEnvVariable"), replacement
        assert replacement["stringToReplace"] in (PROJECT / replacement["filename"]).read_text()


def test_the_named_credential_is_signed_by_the_external_credential() -> None:
    # given the named credential
    root = _root(NAMED_CREDENTIAL)
    auth = _parameters(root, "namedCredentialParameters")["ExternalCredential"]
    # then a secured endpoint whose Authorization header Salesforce generates, with no merge fields
    assert root.findtext("md:namedCredentialType", namespaces=NS) == "SecuredEndpoint"
    assert auth.findtext("md:externalCredential", namespaces=NS) == EXTERNAL_CREDENTIAL.name.split(".")[0]
    assert root.findtext("md:generateAuthorizationHeader", namespaces=NS) == "true"
    assert root.findtext("md:allowMergeFieldsInBody", namespaces=NS) == "false"


def test_the_apex_client_calls_the_named_credential_on_the_iam_routes() -> None:
    # given the Apex client, whose named credential's URL is the stack's SalesforceRoutesUrl (the API's root)
    source = (DEFAULT / "classes" / "ConnectorClient.cls").read_text()
    paths = dict(re.findall(r"String (\w+_PATH) = '([^']+)'", source))
    # then callout:<named credential>, and the whole paths of the Salesforce-called routes of the contract
    assert "NAMED_CREDENTIAL = 'Service_Cloud_Connector_API'" in source
    assert "'callout:' + NAMED_CREDENTIAL + path" in source
    assert paths == {
        "ACTIONS_PATH": "/v1/iam/loyalty/actions",
        "CUSTOMERS_PATH": "/v1/iam/loyalty/customers/",
        "SOCIAL_EVENTS_PATH": "/v1/iam/social/salesforce-events",
    }
    assert "/activity?page=" in source
    assert "setHeader('X-Signature'" not in source


def test_the_agents_permission_set_opens_the_principal_and_the_components_apex() -> None:
    # given the agents' permission set
    root = _root(AGENT_PERMISSIONS)
    principals = {
        a.findtext("md:externalCredentialPrincipal", namespaces=NS)
        for a in root.findall("md:externalCredentialPrincipalAccesses", NS)
        if a.findtext("md:enabled", namespaces=NS) == "true"
    }
    classes = {a.findtext("md:apexClass", namespaces=NS) for a in root.findall("md:classAccesses", NS)}
    # then the external credential's principal, and every Apex class the component calls into
    assert principals == {"Service_Cloud_Connector_AWS-Connector_Caller"}
    assert classes == {"ConnectorClient", "LoyaltyProfileController"}
    imported = set(re.findall(r"@salesforce/apex/(\w+)\.", (COMPONENT_META.parent / "loyaltyProfile.js").read_text()))
    assert imported <= classes
    # and read access to User External Credentials, where the callout's credential is stored: every user
    # making an authenticated callout needs it (Salesforce Help, "Enable User External Credentials"),
    # and an agent's custom profile may not grant it
    stored = {
        o.findtext("md:object", namespaces=NS): o.findtext("md:allowRead", namespaces=NS)
        for o in root.findall("md:objectPermissions", NS)
    }
    assert stored.get("UserExternalCredential") == "true"


def test_every_apex_class_has_its_meta_file_at_the_projects_api_version() -> None:
    # given the Apex classes
    classes = sorted((DEFAULT / "classes").glob("*.cls"))
    assert classes
    for cls in classes:
        meta = cls.with_name(cls.name + "-meta.xml")
        # then each has an active meta file at sourceApiVersion
        root = _root(meta)
        assert root.findtext("md:apiVersion", namespaces=NS) == _project()["sourceApiVersion"], meta
        assert root.findtext("md:status", namespaces=NS) == "Active", meta


def test_every_class_has_its_test_class() -> None:
    # given the classes that are not tests
    names = {p.stem for p in (DEFAULT / "classes").glob("*.cls")}
    tests = {n for n in names if "@IsTest" in (DEFAULT / "classes" / f"{n}.cls").read_text()[:600]}
    # then the client and the controller each have theirs (an org's deploy to production runs them)
    for name in ("ConnectorClient", "LoyaltyProfileController"):
        assert f"{name}Test" in tests


def test_the_component_is_for_contact_and_account_record_pages() -> None:
    # given the component's meta file
    root = _root(COMPONENT_META)
    config = root.find("md:targetConfigs/md:targetConfig", NS)
    assert config is not None
    # then exposed on record pages of Contact and Account, at the project's API version
    assert root.findtext("md:isExposed", namespaces=NS) == "true"
    assert [t.text for t in root.findall("md:targets/md:target", NS)] == ["lightning__RecordPage"]
    assert config.get("targets") == "lightning__RecordPage"
    assert sorted(o.text or "" for o in config.findall("md:objects/md:object", NS)) == ["Account", "Contact"]
    assert root.findtext("md:apiVersion", namespaces=NS) == _project()["sourceApiVersion"]


def test_every_permission_sets_description_fits_the_field() -> None:
    # PermissionSet.Description is a string(255): a longer one fails the deploy.
    for path in sorted((DEFAULT / "permissionsets").glob("*.permissionset-meta.xml")):
        description = _root(path).findtext("md:description", default="", namespaces=NS)
        assert len(description) <= 255, (path.name, len(description))
