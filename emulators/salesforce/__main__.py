"""`python -m emulators.salesforce --host 127.0.0.1 --port 8081`"""

from __future__ import annotations

from emulators._base import main as serve
from emulators.salesforce import create_app


def main(argv: list[str] | None = None) -> None:
    serve(create_app, prog="emulators.salesforce", argv=argv, default_port=8081)


if __name__ == "__main__":
    main()
