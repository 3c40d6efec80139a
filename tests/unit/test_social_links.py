"""The social user -> Salesforce record store (in-process moto): a newer match wins, an older never."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from connector.state.social_links import SocialLinkStore, UserLink

TABLE = "sync-state"


@pytest.fixture
def store() -> Iterator[SocialLinkStore]:
    with mock_aws():
        client: Any = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield SocialLinkStore(TABLE, client)


def test_an_unmatched_user_has_no_link(store: SocialLinkStore) -> None:
    assert store.get("u-1") is None


def test_a_match_is_kept(store: SocialLinkStore) -> None:
    link = UserLink("u-1", "Contact", "003000000000001AAA", "2026-11-23T10:00:00.000000Z")
    assert store.link(link)
    assert store.get("u-1") == link


def test_a_newer_match_replaces_an_older_one(store: SocialLinkStore) -> None:
    store.link(UserLink("u-1", "Contact", "003000000000001AAA", "2026-11-23T10:00:00.000000Z"))
    newer = UserLink("u-1", "Account", "001000000000001AAA", "2026-11-23T11:00:00.000000Z")
    assert store.link(newer)
    assert store.get("u-1") == newer


def test_an_older_match_never_replaces_a_newer_one(store: SocialLinkStore) -> None:
    newer = UserLink("u-1", "Contact", "003000000000002AAA", "2026-11-23T11:00:00.000000Z")
    store.link(newer)
    assert not store.link(UserLink("u-1", "Contact", "003000000000001AAA", "2026-11-23T10:00:00.000000Z"))
    assert store.get("u-1") == newer
