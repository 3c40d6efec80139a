"""Commerce storefront emulator shaped like Salesforce B2C Commerce OCAPI (Shop and Data APIs).

Auth (client credentials, as the Account Manager issues them):
    POST /dw/oauth2/access_token   form grant_type=client_credentials, HTTP Basic client id/secret
                                   (defaults local-commerce-client / local-commerce-secret)
    -> {"access_token", "expires_in": 1799, "token_type": "Bearer"}; errors in OAuth 2.0 shape.
Every API call needs `Authorization: Bearer <token>`, else 401
{"_v": "24.5", "fault": {"type": "InvalidAccessTokenException", "message": ...}}.

API (any `vNN_N` version; `_v` echoes it):
    GET  /s/{site_id}/dw/shop/v24_5/customers/{customer_no}   customer document (the customer id
         works too); 404 CustomerNotFoundException
    GET  /s/{site_id}/dw/shop/v24_5/orders/{order_no}         order document; 404 OrderNotFoundException
    POST /s/{site_id}/dw/shop/v24_5/order_search              search document -> order_search_result
         fields: order_no, status, customer_email, customer_no, customer_name, creation_date,
         last_modified, order_total
    POST /s/-/dw/data/v24_5/customer_lists/{list_id}/customer_search
         -> customer_search_result; fields: email, customer_no, customer_id, first_name, last_name,
         phone_home, phone_mobile; 404 CustomerListNotFoundException
    PATCH /s/-/dw/data/v24_5/customer_lists/{list_id}/customers/{customer_no}
         the fields given change (null clears one), all or nothing -> the customer document;
         400 UnknownPropertyException (a property the document has not), ReadOnlyPropertyException
         (customer_id, creation_date, last_modified, auth_type, addresses, ...),
         PropertyConstraintViolationException (a text field not a string, a birthday not a date,
         last_name or customer_no cleared), EnumConstraintViolationException (gender not 1 or 2),
         CustomerNumberAlreadyInUseException; 404 CustomerListNotFoundException,
         CustomerNotFoundException
    GET  /s/-/dw/data/v24_5/customer_lists/{list_id}/customers/{customer_no}/addresses
         -> customer_address_result {count, data: [customer_address], start, total}
    PATCH /s/-/dw/data/v24_5/customer_lists/{list_id}/customers/{customer_no}/addresses/{address_name}
         the address's fields given change -> the address document; the same 400 faults (address_id,
         creation_date, last_modified read-only); 404 CustomerAddressNotFoundException
    Queries: term_query (is, one_of, not_in), text_query (substring), match_all_query, bool_query,
    filtered_query with a range_filter (field, from, to, from_inclusive, to_inclusive);
    comparisons are case-insensitive; `start`/`count` page, `sorts` orders, `select` is ignored.
Errors: {"_v", "fault": {"type", "message"}}; unknown path 404 ResourcePathNotFoundException, bad
version 400 InvalidVersionException, bad JSON 400 BodyDecodingException.

Admin (see emulators._base), plus `POST /_admin/tokens/expire` to invalidate every token, and
`PUT /_admin/replication-lag {"seconds": 2.5, "reads": 1}` (GET reads it; `{}` turns it off, the
default): customers and orders seeded from then on answer 404 (CustomerNotFoundException,
OrderNotFoundException) and stay out of searches for `seconds` after seeding and for their first
`reads` reads by number, as a real instance's replicas lag behind a just-placed order or a
just-registered customer. Seed:
    {"customers": [{customer document..., "site_id": "RefArch", "customer_list_id": "RefArchGlobal"}],
     "orders": [{order document..., "site_id": "RefArch"}],
     "customer_lists": ["RefArchGlobal"]}
Missing fields get defaults: site RefArch, list RefArchGlobal, customer_id, creation_date,
last_modified, auth_type (registered with a customer_no, guest without), order statuses, totals.
`customer_list_id` on the customer document is this emulator's addition (OCAPI leaves it implicit).
"""

from .app import create_app

__all__ = ["create_app"]
