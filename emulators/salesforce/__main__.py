"""`python -m emulators.salesforce --host 127.0.0.1 --port 8081`"""

from __future__ import annotations

import argparse

from werkzeug.serving import make_server

from . import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m emulators.salesforce", description="Serve the Salesforce REST API emulator."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    args = parser.parse_args(argv)
    server = make_server(args.host, args.port, create_app(), threaded=True)
    # Printed once listening, with the real port, so a parent process can wait for it.
    print(f"READY http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
