"""Data API customer_search and Shop API order_search of the commerce emulator."""

import requests

SHOP = "/s/RefArch/dw/shop/v24_5"
CUSTOMER_SEARCH = "/s/-/dw/data/v24_5/customer_lists/RefArchGlobal/customer_search"


def _email_text_query(phrase: str) -> dict[str, object]:
    return {"query": {"text_query": {"fields": ["email"], "search_phrase": phrase}}}


def test_customer_search_by_email_text_query_finds_customer(seeded: str, auth: dict[str, str]) -> None:
    # given Jane in list RefArchGlobal
    # when the list is searched for her email
    response = requests.post(
        f"{seeded}{CUSTOMER_SEARCH}", json=_email_text_query("jane.doe@example.com"), headers=auth, timeout=5
    )
    # then one customer_search_hit carries her document
    assert response.status_code == 200
    body = response.json()
    assert (body["_type"], body["count"], body["total"]) == ("customer_search_result", 1, 1)
    [hit] = body["hits"]
    assert hit["_type"] == "customer_search_hit"
    assert hit["data"]["customer_no"] == "00001001"


def test_customer_search_matches_email_case_insensitively(seeded: str, auth: dict[str, str]) -> None:
    # given Jane's email stored in lower case
    # when a term query asks for it in mixed case
    query = {"query": {"term_query": {"fields": ["email"], "operator": "is", "values": ["Jane.Doe@Example.COM"]}}}
    body = requests.post(f"{seeded}{CUSTOMER_SEARCH}", json=query, headers=auth, timeout=5).json()
    # then she is found
    assert [hit["data"]["customer_no"] for hit in body["hits"]] == ["00001001"]


def test_customer_search_without_match_returns_no_hits(seeded: str, auth: dict[str, str]) -> None:
    # given nobody with that email
    # when the list is searched
    body = requests.post(
        f"{seeded}{CUSTOMER_SEARCH}", json=_email_text_query("nobody@example.com"), headers=auth, timeout=5
    ).json()
    # then the result is empty
    assert (body["count"], body["total"], body["hits"]) == (0, 0, [])


def test_customer_search_on_unknown_list_is_not_found(seeded: str, auth: dict[str, str]) -> None:
    # given no list NoSuchList
    # when it is searched
    response = requests.post(
        f"{seeded}/s/-/dw/data/v24_5/customer_lists/NoSuchList/customer_search",
        json=_email_text_query("jane.doe@example.com"),
        headers=auth,
        timeout=5,
    )
    # then the list is not found
    assert response.status_code == 404
    assert response.json()["fault"]["type"] == "CustomerListNotFoundException"


def test_customer_search_is_scoped_to_its_list(commerce: str, auth: dict[str, str]) -> None:
    # given the same email in two customer lists
    customers = [
        {"customer_no": "1", "email": "twin@example.com", "customer_list_id": "RefArchGlobal"},
        {"customer_no": "2", "email": "twin@example.com", "customer_list_id": "OutletList"},
    ]
    requests.post(f"{commerce}/_admin/seed", json={"customers": customers}, timeout=5).raise_for_status()
    # when one list is searched
    body = requests.post(
        f"{commerce}/s/-/dw/data/v24_5/customer_lists/OutletList/customer_search",
        json=_email_text_query("twin@example.com"),
        headers=auth,
        timeout=5,
    ).json()
    # then only that list's customer is a hit
    assert [hit["data"]["customer_no"] for hit in body["hits"]] == ["2"]


def test_customer_search_on_unsupported_field_is_a_bad_request(seeded: str, auth: dict[str, str]) -> None:
    # given a field the search does not index
    query = {"query": {"term_query": {"fields": ["password"], "operator": "is", "values": ["x"]}}}
    # when the list is searched
    response = requests.post(f"{seeded}{CUSTOMER_SEARCH}", json=query, headers=auth, timeout=5)
    # then the query is refused
    assert response.status_code == 400
    assert response.json()["fault"]["type"] == "InvalidSearchQueryException"


def test_customer_search_with_malformed_json_is_a_bad_request(seeded: str, auth: dict[str, str]) -> None:
    # given a body that is not JSON
    headers = auth | {"Content-Type": "application/json"}
    # when it is posted
    response = requests.post(f"{seeded}{CUSTOMER_SEARCH}", data="{not json", headers=headers, timeout=5)
    # then OCAPI cannot decode it
    assert response.status_code == 400
    assert response.json()["fault"]["type"] == "BodyDecodingException"


def test_customer_search_pages_with_start_and_count(commerce: str, auth: dict[str, str]) -> None:
    # given three customers in the list
    customers = [{"customer_no": str(n), "email": f"c{n}@example.com"} for n in range(3)]
    requests.post(f"{commerce}/_admin/seed", json={"customers": customers}, timeout=5).raise_for_status()
    # when the second page of two is asked for
    body = requests.post(
        f"{commerce}{CUSTOMER_SEARCH}",
        json={"query": {"match_all_query": {}}, "start": 2, "count": 2},
        headers=auth,
        timeout=5,
    ).json()
    # then one hit remains of three
    assert (body["start"], body["count"], body["total"]) == (2, 1, 3)


def test_order_search_by_customer_email_finds_orders(seeded: str, auth: dict[str, str]) -> None:
    # given a guest order placed with a mixed-case email
    query = {
        "query": {
            "term_query": {"fields": ["customer_email"], "operator": "is", "values": ["guest.buyer@example.com"]}
        },
        "select": "(**)",
    }
    # when orders are searched by that email in lower case
    response = requests.post(f"{seeded}{SHOP}/order_search", json=query, headers=auth, timeout=5)
    # then the guest order is a hit
    assert response.status_code == 200
    body = response.json()
    assert (body["_type"], body["total"]) == ("order_search_result", 1)
    assert body["hits"][0]["data"]["order_no"] == "00002002"


def test_order_search_sorts_by_creation_date(seeded: str, auth: dict[str, str]) -> None:
    # given two orders created a minute apart
    query = {
        "query": {"match_all_query": {}},
        "sorts": [{"field": "creation_date", "sort_order": "desc"}],
    }
    # when they are searched newest first
    body = requests.post(f"{seeded}{SHOP}/order_search", json=query, headers=auth, timeout=5).json()
    # then the later order comes first
    assert [hit["data"]["order_no"] for hit in body["hits"]] == ["00002002", "00002001"]


def test_order_search_on_unsortable_field_is_a_bad_request(seeded: str, auth: dict[str, str]) -> None:
    # given a sort on a field orders cannot be sorted by
    query = {"query": {"match_all_query": {}}, "sorts": [{"field": "colour", "sort_order": "asc"}]}
    # when orders are searched
    response = requests.post(f"{seeded}{SHOP}/order_search", json=query, headers=auth, timeout=5)
    # then the sort is refused
    assert response.status_code == 400
    assert response.json()["fault"]["type"] == "FieldNotSortableException"


def test_order_search_combines_terms_with_bool_query(seeded: str, auth: dict[str, str]) -> None:
    # given Jane's order is new
    query = {
        "query": {
            "bool_query": {
                "must": [
                    {"term_query": {"fields": ["customer_no"], "operator": "is", "values": ["00001001"]}},
                    {"term_query": {"fields": ["status"], "operator": "one_of", "values": ["new", "open"]}},
                ]
            }
        }
    }
    # when orders are searched by customer number and open statuses
    body = requests.post(f"{seeded}{SHOP}/order_search", json=query, headers=auth, timeout=5).json()
    # then her order is the only hit
    assert [hit["data"]["order_no"] for hit in body["hits"]] == ["00002001"]


def test_order_search_without_query_is_a_bad_request(seeded: str, auth: dict[str, str]) -> None:
    # given a search document without a query
    # when it is posted
    response = requests.post(f"{seeded}{SHOP}/order_search", json={"select": "(**)"}, headers=auth, timeout=5)
    # then it is refused
    assert response.status_code == 400


def test_order_search_requires_a_token(seeded: str) -> None:
    # given no token
    # when orders are searched
    response = requests.post(f"{seeded}{SHOP}/order_search", json={"query": {"match_all_query": {}}}, timeout=5)
    # then it is unauthorized
    assert response.status_code == 401


# -- a date range: OCAPI's RangeFilter in a filtered_query
# (https://sfcclearning.com/infocenter/OCAPI/current/data/Documents/RangeFilter.php) ------------------
def _dated_orders(commerce: str) -> None:
    orders = [
        {"order_no": f"R{day}", "creation_date": f"2026-03-0{day}T00:00:00.000Z", "product_items": []}
        for day in (1, 2, 3)
    ]
    requests.post(f"{commerce}/_admin/seed", json={"orders": orders}, timeout=5).raise_for_status()


def _created_between(commerce: str, auth: dict[str, str], **bounds: object) -> list[str]:
    range_filter = {"field": "creation_date", **bounds}
    query = {
        "query": {"filtered_query": {"query": {"match_all_query": {}}, "filter": {"range_filter": range_filter}}},
        "sorts": [{"field": "order_no", "sort_order": "asc"}],
    }
    response = requests.post(f"{commerce}{SHOP}/order_search", json=query, headers=auth, timeout=5)
    assert response.status_code == 200, response.text
    return [hit["data"]["order_no"] for hit in response.json()["hits"]]


def test_a_range_filter_includes_both_bounds_by_default(commerce: str, auth: dict[str, str]) -> None:
    _dated_orders(commerce)

    found = _created_between(commerce, auth, **{"from": "2026-03-01T00:00:00.000Z", "to": "2026-03-02T00:00:00.000Z"})

    assert found == ["R1", "R2"]


def test_a_range_filter_excludes_a_bound_marked_exclusive(commerce: str, auth: dict[str, str]) -> None:
    _dated_orders(commerce)

    found = _created_between(
        commerce, auth, **{"from": "2026-03-01T00:00:00.000Z", "to": "2026-03-03T00:00:00.000Z", "to_inclusive": False}
    )

    assert found == ["R1", "R2"]


def test_a_range_filter_open_at_both_ends_is_refused(commerce: str, auth: dict[str, str]) -> None:
    query = {"query": {"filtered_query": {"filter": {"range_filter": {"field": "creation_date"}}}}}

    response = requests.post(f"{commerce}{SHOP}/order_search", json=query, headers=auth, timeout=5)

    assert response.status_code == 400
    assert response.json()["fault"]["type"] == "InvalidSearchQueryException"
