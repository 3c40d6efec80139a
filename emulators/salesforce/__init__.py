"""A strict Salesforce REST API emulator for local runs and tests.

`create_app()` returns a Flask app holding a fresh in-memory org whose schema is the standard
objects plus the connector's SFDX metadata (`salesforce/`). See `app` for the HTTP surface and
`admin` for the /_admin/ test hooks.
"""

from .app import create_app

__all__ = ["create_app"]
