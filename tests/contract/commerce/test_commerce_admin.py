"""Admin API of the commerce emulator: seed, reset, counters, faults, request log."""

import time

import requests

SHOP = "/s/RefArch/dw/shop/v24_5"


def test_reset_empties_the_store(seeded: str, auth: dict[str, str]) -> None:
    # given Jane seeded
    # when the emulator is reset
    requests.post(f"{seeded}/_admin/reset", timeout=5).raise_for_status()
    # then she is gone (and so is the token: a reset forgets everything)
    assert requests.get(f"{seeded}{SHOP}/customers/00001001", headers=auth, timeout=5).status_code == 401


def test_seed_reports_what_it_added(commerce: str) -> None:
    # given one customer and one order
    body = {"customers": [{"customer_no": "1", "email": "a@example.com"}], "orders": [{"order_no": "9"}]}
    # when they are seeded
    response = requests.post(f"{commerce}/_admin/seed", json=body, timeout=5)
    # then the counts come back
    assert response.status_code == 200
    assert response.json() == {"customers": 1, "orders": 1, "customer_lists": 0}


def test_seed_refuses_customer_without_any_key(commerce: str) -> None:
    # given a customer with neither number, id nor email
    # when it is seeded
    response = requests.post(f"{commerce}/_admin/seed", json={"customers": [{"first_name": "X"}]}, timeout=5)
    # then the seed is a bad request
    assert response.status_code == 400


def test_counters_count_calls_by_route(seeded: str, auth: dict[str, str]) -> None:
    # given counters reset after the token call
    requests.post(f"{seeded}/_admin/counters/reset", timeout=5).raise_for_status()
    # when a customer is read twice and an order once
    for path in ("/customers/00001001", "/customers/00001001", "/orders/00002001"):
        requests.get(f"{seeded}{SHOP}{path}", headers=auth, timeout=5)
    # then the counters group them by route template without the API base path
    counters = requests.get(f"{seeded}/_admin/counters", timeout=5).json()
    assert counters == {"total": 3, "by_path": {"GET /customers/{customer_no}": 2, "GET /orders/{order_no}": 1}}


def test_counters_do_not_count_admin_calls(commerce: str) -> None:
    # given a fresh emulator
    # when only admin calls are made
    requests.get(f"{commerce}/_admin/requests", timeout=5)
    # then nothing is counted
    assert requests.get(f"{commerce}/_admin/counters", timeout=5).json()["total"] == 0


def test_counted_fault_fails_the_next_calls_then_clears(seeded: str, auth: dict[str, str]) -> None:
    # given two injected 503s
    requests.post(f"{seeded}/_admin/faults", json={"status": 503, "count": 2}, timeout=5).raise_for_status()
    url = f"{seeded}{SHOP}/customers/00001001"
    # when the customer is read three times
    statuses = [requests.get(url, headers=auth, timeout=5).status_code for _ in range(3)]
    # then two calls fail in OCAPI's shape and the third succeeds
    assert statuses == [503, 503, 200]


def test_fault_body_uses_the_ocapi_fault_shape(seeded: str, auth: dict[str, str]) -> None:
    # given an injected 503
    requests.post(f"{seeded}/_admin/faults", json={"status": 503, "count": 1}, timeout=5).raise_for_status()
    # when a customer is read
    response = requests.get(f"{seeded}{SHOP}/customers/00001001", headers=auth, timeout=5)
    # then the body is an OCAPI fault
    assert response.json()["fault"]["type"] == "ServiceUnavailableException"


def test_fault_with_match_only_hits_matching_calls(seeded: str, auth: dict[str, str]) -> None:
    # given a fault limited to order reads
    requests.post(f"{seeded}/_admin/faults", json={"status": 500, "match": "GET /orders/"}, timeout=5)
    # when a customer and an order are read
    customer = requests.get(f"{seeded}{SHOP}/customers/00001001", headers=auth, timeout=5)
    order = requests.get(f"{seeded}{SHOP}/orders/00002001", headers=auth, timeout=5)
    # then only the order fails
    assert (customer.status_code, order.status_code) == (200, 500)


def test_fault_ratio_one_fails_every_call(seeded: str, auth: dict[str, str]) -> None:
    # given a failure ratio of 1
    requests.post(f"{seeded}/_admin/faults", json={"ratio": 1.0}, timeout=5).raise_for_status()
    # when a customer is read
    response = requests.get(f"{seeded}{SHOP}/customers/00001001", headers=auth, timeout=5)
    # then it fails with the default transient status
    assert response.status_code == 503


def test_fault_latency_delays_the_answer(seeded: str, auth: dict[str, str]) -> None:
    # given 200 ms of injected latency and no failure
    requests.post(f"{seeded}/_admin/faults", json={"latency_ms": 200, "count": 1}, timeout=5).raise_for_status()
    # when a customer is read
    started = time.monotonic()
    response = requests.get(f"{seeded}{SHOP}/customers/00001001", headers=auth, timeout=5)
    # then it succeeds, late
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.2


def test_deleting_faults_restores_service(seeded: str, auth: dict[str, str]) -> None:
    # given a standing 503 fault
    requests.post(f"{seeded}/_admin/faults", json={"status": 503}, timeout=5).raise_for_status()
    # when faults are deleted
    requests.delete(f"{seeded}/_admin/faults", timeout=5).raise_for_status()
    # then calls succeed again
    assert requests.get(f"{seeded}{SHOP}/customers/00001001", headers=auth, timeout=5).status_code == 200


def test_invalid_fault_is_a_bad_request(commerce: str) -> None:
    # given a fault with a status outside 4xx/5xx
    # when it is posted
    response = requests.post(f"{commerce}/_admin/faults", json={"status": 200}, timeout=5)
    # then it is refused
    assert response.status_code == 400


def test_request_log_records_method_path_and_json_body(seeded: str, auth: dict[str, str]) -> None:
    # given a search sent with a JSON body
    query = {"query": {"match_all_query": {}}}
    requests.post(f"{seeded}{SHOP}/order_search", json=query, headers=auth, timeout=5)
    # when the request log is read
    log = requests.get(f"{seeded}/_admin/requests", params={"match": "order_search"}, timeout=5).json()
    # then the call is there with its body
    [entry] = log
    assert (entry["method"], entry["path"], entry["json"]) == ("POST", f"{SHOP}/order_search", query)
    assert entry["key"] == "POST /order_search"
