"""What template.yaml promises about the routes Salesforce calls (/v1/iam/...): API Gateway checks their
AWS Signature V4 (an AWS_IAM authorizer), each is served by the function of its HMAC twin, and the role
Salesforce assumes may invoke those routes and nothing else, trusted one way only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devstack.cfn import Resolver, load_template
from devstack.template import FUNCTION, resources_of_type

TEMPLATE = load_template(Path(__file__).resolve().parents[2] / "template.yaml")
IAM_PREFIX = "/v1/iam"
# The route contract shared with the Salesforce source (its Apex client calls exactly these).
SALESFORCE_ROUTES = {
    ("POST", "/v1/iam/loyalty/actions"),
    ("GET", "/v1/iam/loyalty/customers/{key}"),
    ("GET", "/v1/iam/loyalty/customers/{key}/activity"),
    ("POST", "/v1/iam/social/salesforce-events"),
}
CA_BUNDLE = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"


def resolver(**parameters: Any) -> Resolver:
    defaults = {name: spec.get("Default") for name, spec in TEMPLATE["Parameters"].items() if "Default" in spec}
    return Resolver(TEMPLATE, {**defaults, **parameters}, {}, {})


def http_routes() -> dict[tuple[str, str], tuple[str, dict[str, Any]]]:
    """(METHOD, path) -> (function, the route's properties), from every function's HttpApi events."""
    routes = {}
    for logical_id, resource in resources_of_type(TEMPLATE, FUNCTION).items():
        for event in (resource["Properties"].get("Events") or {}).values():
            if event["Type"] == "HttpApi":
                props = event["Properties"]
                routes[(props["Method"].upper(), props["Path"])] = (logical_id, props)
    return routes


def invoke_statements(**parameters: Any) -> list[dict[str, Any]]:
    role = resolver(**parameters).resolve(TEMPLATE["Resources"]["SalesforceInvokeRole"]["Properties"])
    return [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]


def test_the_iam_routes_are_exactly_the_ones_salesforce_calls() -> None:
    iam = {route for route in http_routes() if route[1].startswith(IAM_PREFIX)}
    assert iam == SALESFORCE_ROUTES


@pytest.mark.parametrize(("method", "path"), sorted(SALESFORCE_ROUTES))
def test_an_iam_route_is_authorized_by_aws_iam(method: str, path: str) -> None:
    _, props = http_routes()[(method, path)]
    assert props["Auth"] == {"Authorizer": "AWS_IAM"}
    assert TEMPLATE["Resources"]["ConnectorApi"]["Properties"]["Auth"]["EnableIamAuthorizer"] is True


@pytest.mark.parametrize(("method", "path"), sorted(SALESFORCE_ROUTES))
def test_an_iam_route_is_served_by_the_function_of_its_hmac_twin(method: str, path: str) -> None:
    routes = http_routes()
    twin = (method, "/v1" + path.removeprefix(IAM_PREFIX))
    assert twin in routes
    assert routes[(method, path)][0] == routes[twin][0]


def test_no_other_route_is_put_behind_iam_by_default() -> None:
    # The HMAC routes stay for the platforms, which cannot sign SigV4: no DefaultAuthorizer.
    assert "DefaultAuthorizer" not in TEMPLATE["Resources"]["ConnectorApi"]["Properties"]["Auth"]
    others = [props for route, (_, props) in http_routes().items() if not route[1].startswith(IAM_PREFIX)]
    assert all("Auth" not in props for props in others)


def test_the_roles_policy_invokes_the_salesforce_routes_only() -> None:
    # Given the role's policy, the template's intrinsics evaluated
    statements = invoke_statements()

    # When its actions and resources are collected
    actions = {s["Action"] for s in statements}
    resources = {r for s in statements for r in s["Resource"]}

    # Then it may invoke each Salesforce route (method and path, with {key} as a wildcard) and nothing else
    prefix = "arn:aws:execute-api:us-east-1:123456789012:ConnectorApi/$default/"
    expected = {prefix + method + path.replace("{key}", "*") for method, path in SALESFORCE_ROUTES}
    assert actions == {"execute-api:Invoke"}
    assert all(s["Effect"] == "Allow" for s in statements)
    assert resources == expected


def test_without_a_ca_bundle_the_role_trusts_the_stacks_user_only() -> None:
    r = resolver()
    trust = r.resolve(TEMPLATE["Resources"]["SalesforceInvokeRole"]["Properties"]["AssumeRolePolicyDocument"])
    assert trust["Statement"] == [
        {"Effect": "Allow", "Principal": {"AWS": r.get_att("SalesforceCallerUser", "Arn")}, "Action": "sts:AssumeRole"}
    ]
    assert r.resource_enabled("SalesforceCallerUser") and r.resource_enabled("SalesforceCallerUserPolicy")
    assert not r.resource_enabled("SalesforceTrustAnchor")
    assert not r.resource_enabled("SalesforceRolesAnywhereProfile")


def test_the_stacks_user_may_only_assume_the_role() -> None:
    r = resolver()
    policy = r.resolve(TEMPLATE["Resources"]["SalesforceCallerUserPolicy"]["Properties"])
    assert policy["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": r.get_att("SalesforceInvokeRole", "Arn")}
    ]
    assert "Policies" not in (TEMPLATE["Resources"]["SalesforceCallerUser"].get("Properties") or {})


def test_with_a_ca_bundle_the_role_trusts_its_roles_anywhere_anchor_only() -> None:
    r = resolver(SalesforceTrustAnchorCertificates=CA_BUNDLE)
    trust = r.resolve(TEMPLATE["Resources"]["SalesforceInvokeRole"]["Properties"]["AssumeRolePolicyDocument"])
    [statement] = trust["Statement"]
    assert statement["Principal"] == {"Service": "rolesanywhere.amazonaws.com"}
    assert statement["Condition"] == {
        "ArnEquals": {"aws:SourceArn": r.get_att("SalesforceTrustAnchor", "TrustAnchorArn")}
    }
    anchor = r.resolve(TEMPLATE["Resources"]["SalesforceTrustAnchor"]["Properties"])
    assert anchor["Source"] == {"SourceType": "CERTIFICATE_BUNDLE", "SourceData": {"X509CertificateData": CA_BUNDLE}}
    profile = r.resolve(TEMPLATE["Resources"]["SalesforceRolesAnywhereProfile"]["Properties"])
    assert profile["RoleArns"] == [r.get_att("SalesforceInvokeRole", "Arn")]
    assert not r.resource_enabled("SalesforceCallerUser")
    assert not r.resource_enabled("SalesforceCallerUserPolicy")


def test_with_a_common_name_only_that_certificate_of_the_ca_may_assume_the_role() -> None:
    r = resolver(SalesforceTrustAnchorCertificates=CA_BUNDLE, SalesforceCertificateCommonName="scc-salesforce")
    trust = r.resolve(TEMPLATE["Resources"]["SalesforceInvokeRole"]["Properties"]["AssumeRolePolicyDocument"])
    [statement] = trust["Statement"]
    assert statement["Condition"] == {
        "ArnEquals": {"aws:SourceArn": r.get_att("SalesforceTrustAnchor", "TrustAnchorArn")},
        "StringEquals": {"aws:PrincipalTag/x509Subject/CN": "scc-salesforce"},
    }


def test_the_outputs_name_the_role_and_the_routes_base_url() -> None:
    outputs = resolver().resolve(
        {k: TEMPLATE["Outputs"][k]["Value"] for k in ("SalesforceInvokeRoleArn", "SalesforceRoutesUrl")}
    )
    # No path and no trailing slash: `callout:<Named Credential>/v1/iam/...` names each route whole.
    assert outputs["SalesforceRoutesUrl"] == "https://ConnectorApi.execute-api.us-east-1.amazonaws.com"
    assert outputs["SalesforceInvokeRoleArn"].endswith(":SalesforceInvokeRole")
