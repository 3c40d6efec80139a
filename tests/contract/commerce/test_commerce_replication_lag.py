"""PUT /_admin/replication-lag: a just-created customer or order that the Shop API does not show yet,
as a real instance's replicas lag behind the storefront (off by default)."""

import time

import requests
from conftest import JANE, ORDER

SHOP = "/s/RefArch/dw/shop/v24_5"


def _lag(commerce: str, **lag: float) -> requests.Response:
    return requests.put(f"{commerce}/_admin/replication-lag", json=lag, timeout=5)


def _seed(commerce: str) -> None:
    body = {"customers": [JANE], "orders": [ORDER]}
    requests.post(f"{commerce}/_admin/seed", json=body, timeout=5).raise_for_status()


def test_there_is_no_lag_by_default(commerce: str, auth: dict[str, str]) -> None:
    _seed(commerce)

    assert requests.get(f"{commerce}/_admin/replication-lag", timeout=5).json() == {"seconds": 0.0, "reads": 0}
    assert requests.get(f"{commerce}{SHOP}/customers/00001001", headers=auth, timeout=5).status_code == 200


def test_a_customer_seeded_under_a_read_lag_is_404_for_its_first_reads(commerce: str, auth: dict[str, str]) -> None:
    # given a lag of two reads, then Jane registers
    _lag(commerce, reads=2).raise_for_status()
    _seed(commerce)
    # when her number is read three times
    responses = [requests.get(f"{commerce}{SHOP}/customers/00001001", headers=auth, timeout=5) for _ in range(3)]
    # then the first two are OCAPI's 404 and the third finds her
    assert [r.status_code for r in responses] == [404, 404, 200]
    assert responses[0].json()["fault"]["type"] == "CustomerNotFoundException"


def test_an_order_seeded_under_a_time_lag_is_404_until_it_passes(commerce: str, auth: dict[str, str]) -> None:
    _lag(commerce, seconds=0.5).raise_for_status()
    _seed(commerce)

    early = requests.get(f"{commerce}{SHOP}/orders/00002001", headers=auth, timeout=5)
    time.sleep(0.6)
    later = requests.get(f"{commerce}{SHOP}/orders/00002001", headers=auth, timeout=5)

    assert (early.status_code, early.json()["fault"]["type"]) == (404, "OrderNotFoundException")
    assert later.status_code == 200


def test_documents_seeded_before_the_lag_was_set_are_visible(commerce: str, auth: dict[str, str]) -> None:
    _seed(commerce)
    _lag(commerce, reads=5).raise_for_status()

    assert requests.get(f"{commerce}{SHOP}/customers/00001001", headers=auth, timeout=5).status_code == 200


def test_a_reset_turns_the_lag_off(commerce: str) -> None:
    _lag(commerce, seconds=10).raise_for_status()

    requests.post(f"{commerce}/_admin/reset", timeout=5).raise_for_status()

    assert requests.get(f"{commerce}/_admin/replication-lag", timeout=5).json() == {"seconds": 0.0, "reads": 0}


def test_a_bad_lag_is_a_400_naming_the_key(commerce: str) -> None:
    response = _lag(commerce, reads=-1)

    assert response.status_code == 400
    assert "'reads'" in response.json()["fault"]["message"]
