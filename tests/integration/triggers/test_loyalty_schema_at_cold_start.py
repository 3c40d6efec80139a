"""offer_actions checks the loyalty configuration against the org once per container, before its
first request: a field mapping or an external-id field the parent object does not have refuses
every request (503, named in the log), before anything is applied on the loyalty platform."""

from __future__ import annotations

import pytest
from conftest import Connector
from loyalty_world import balance, seed_customer
from trigger_events import event_body

ACTIONS = "/v1/loyalty/actions"


def test_a_mapping_to_a_field_the_contact_lacks_refuses_actions_naming_it(
    loyalty_connector: Connector, caplog: pytest.LogCaptureFixture
) -> None:
    # given the phone mapped into Contact.Shoe_Size__c, which the org does not have
    seed_customer(loyalty_connector.loyalty_platform, points=1200)
    loyalty_connector.configure({"loyalty": {"field_mapping": {"Contact": {"phone": "Shoe_Size__c"}}}})
    # when an agent awards points
    reply = loyalty_connector.trigger("offer_actions").post(event_body("points.award"), path=ACTIONS)
    # then refused before the platform is touched, the log naming the setting and the field
    assert reply.status == 503, reply.body
    assert balance(loyalty_connector.loyalty_platform) == 1200
    assert "loyalty.field_mapping.Contact.phone: Contact has no field Shoe_Size__c" in caplog.text


def test_an_external_id_field_the_parent_object_lacks_refuses_actions_naming_it(
    loyalty_connector: Connector, caplog: pytest.LogCaptureFixture
) -> None:
    # given an external-id field the Contact does not have
    seed_customer(loyalty_connector.loyalty_platform)
    loyalty_connector.configure({"loyalty": {"external_id_field": "Loyalty_Key__c"}})
    # when the profile is read
    reply = loyalty_connector.trigger("offer_actions").get("/v1/loyalty/customers/ACC_EXT_1")
    # then refused, naming the setting
    assert reply.status == 503, reply.body
    assert "loyalty.external_id_field: Contact has no field Loyalty_Key__c" in caplog.text


def test_the_default_configuration_fits_the_org(loyalty_connector: Connector) -> None:
    # given the default loyalty configuration and a customer
    seed_customer(loyalty_connector.loyalty_platform)
    # when the profile is read
    reply = loyalty_connector.trigger("offer_actions").get("/v1/loyalty/customers/ACC_EXT_1")
    # then it is answered
    assert reply.status == 200, reply.body
