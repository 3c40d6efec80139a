"""A strict Salesforce REST API emulator for local runs and tests.

`create_app()` returns a Flask app holding a fresh in-memory org whose schema is the standard
objects (`standard_objects`) plus the connector's SFDX metadata (`salesforce/` at the repo root,
or `SALESFORCE_EMULATOR_SCHEMA_DIR`). `python -m emulators.salesforce --host H --port P` serves
it and prints `READY http://H:P` once listening.

Salesforce surface (paths, status codes and error bodies as in the real API):

    POST /services/oauth2/token                 client_credentials (form or Basic) | jwt-bearer
    GET  /services/data/                        versions; any vNN.N below is served
    /services/data/vNN.N/ sobjects[/{type}[/describe | /{id} | /{extIdField}/{value}]],
                          query, queryAll, query/{locator}-{n}, composite,
                          composite/sobjects[/{type}[/{extIdField}]], limits

Admin API (not Salesforce; no auth, never counted or faulted):

    POST   /_admin/reset               empty org; schema, seeded user/record types, tokens kept;
                                       every setting back to a new org's default
    GET    /_admin/settings            {"duplicate_rule": "alert", "state_country_picklists": false,
                                        "person_accounts": false} (a new org's defaults)
    POST   /_admin/settings            change any of them; person accounts, off by default as in a
                                       real org, are enabled with {"person_accounts": true} and, as
                                       in a real org, cannot be disabled again (400; reset instead)
    POST   /_admin/seed                {"Contact": [{...}], ...} -> {"Contact": [ids], ...}
    GET    /_admin/records/{type}      every record (?deleted=true adds the recycle bin)
    GET    /_admin/counters            {"total", "by_operation", "by_path", "token_requests"}
    POST   /_admin/counters/reset
    GET    /_admin/requests            data calls received (?match=substring); DELETE clears
    GET    /_admin/faults              active faults; POST adds one (or a list); DELETE clears
                                       ({"scope": "subrequest" | "record", ...} fails one part of a
                                       composite or collection call: see `faults`)
    POST   /_admin/expire-sessions     every issued token becomes invalid
    GET    /_admin/health
"""

from .app import create_app

__all__ = ["create_app"]
