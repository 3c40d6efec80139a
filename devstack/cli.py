"""`python -m devstack run|send|put-event|lambda-event`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from pathlib import Path
from types import FrameType

import requests

from devstack.signing import HEADER, secret_for, sign
from scc.sending import route_from_body

DEFAULT_URL = "http://127.0.0.1:3000"


def _pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return key, value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the whole stack in the foreground (Ctrl-C stops it)")
    run.add_argument("--template", type=Path, default=Path("template.yaml"), help="SAM template (template.yaml)")
    run.add_argument("--host", default="127.0.0.1", help="interface every part listens on (127.0.0.1)")
    run.add_argument("--port", type=int, default=3000, help="gateway port (3000; 0 picks a free one)")
    run.add_argument(
        "--param", type=_pair, action="append", default=[], metavar="NAME=VALUE", help="template parameter override"
    )
    run.add_argument(
        "--env", type=_pair, action="append", default=[], metavar="KEY=VALUE", help="extra function environment"
    )
    run.add_argument("--concurrency", type=int, default=4, help="RIE processes per function (4)")
    run.add_argument(
        "--config", type=Path, default=None, help="connector config document (local/connector-config.json)"
    )
    run.add_argument(
        "--schedule-seconds",
        type=float,
        default=None,
        help="run Schedule events every N seconds instead of their rate (0 disables them)",
    )
    run.add_argument("--no-emulators", action="store_true", help="start no platform emulator")
    run.add_argument(
        "--no-seed", action="store_true", help="start the emulators empty (default: seeded from local/seed/*.json)"
    )
    run.add_argument("--stack-name", default="local", help="prefix of table and queue names (local)")
    run.add_argument("--state-dir", type=Path, default=None, help="logs directory parent (<template dir>/.devstack)")
    run.add_argument("--quiet", action="store_true", help="function output to the log files only")
    run.add_argument("--log-level", default="INFO", help="devstack's own log level (INFO)")

    send = sub.add_parser("send", help="sign and send an event body (or a signed GET)")
    send.add_argument("event_file", nargs="?", help="JSON body file ('-' reads stdin)")
    send.add_argument("--url", default=os.environ.get("DEVSTACK_URL", DEFAULT_URL), help=f"gateway ({DEFAULT_URL})")
    send.add_argument("--secret", default=None, help="signing secret (default: the route family's local secret)")
    send.add_argument("--path", default=None, help="route (default: chosen from the body's event_type)")
    send.add_argument("--get", default=None, metavar="PATH", help="send a signed GET of PATH instead")
    send.add_argument(
        "--header", action="append", default=[], metavar="NAME:VALUE", help="extra request header (repeatable)"
    )
    send.add_argument("--unsigned", action="store_true", help="send without X-Signature")
    put = sub.add_parser(
        "put-event", help="put a Salesforce event on a local event bus, as Event Relay does (moto's rules deliver it)"
    )
    put.add_argument("event_file", help="the EventBridge event as Event Relay delivers it, or its detail ('-': stdin)")
    put.add_argument(
        "--bus",
        default=None,
        help="changes|events, or a bus's name (default: the bus one of whose rules matches the event)",
    )
    put.add_argument("--detail-type", default=None, help="for a detail without a ChangeEventHeader (a platform event)")
    put.add_argument("--url", default=os.environ.get("DEVSTACK_URL", DEFAULT_URL), help=f"gateway ({DEFAULT_URL})")
    seed = sub.add_parser(
        "seed-backfill", help="seed the running stack's storefront with customers and orders to backfill"
    )
    seed.add_argument("--url", default=os.environ.get("DEVSTACK_URL", DEFAULT_URL), help=f"gateway ({DEFAULT_URL})")
    seed.add_argument("--customers", type=int, default=10_000, help="registered customers, in 2 lists (10,000)")
    seed.add_argument("--orders", type=int, default=5_000, help="orders of site RefArch, 2026-01 to 2026-06 (5,000)")
    event = sub.add_parser(
        "lambda-event", help="print a freshly signed HttpApi event for a body file (for `sam local invoke -e`)"
    )
    event.add_argument("event_file", help="JSON body file ('-' reads stdin)")
    event.add_argument("--secret", default=None, help="signing secret (default: the route family's local secret)")
    event.add_argument("--path", default=None, help="route (default: chosen from the body's event_type)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "run":
        return run(args)
    if args.command == "lambda-event":
        return lambda_event(args)
    if args.command == "seed-backfill":
        return seed_backfill(args)
    if args.command == "put-event":
        return put_event(args)
    return send(args)


def seed_backfill(args: argparse.Namespace) -> int:
    """Customers in the two lists of devstack.seeds.BACKFILL_LISTS and their orders, into the
    storefront emulator of the stack answering at --url."""
    from devstack.seeds import BACKFILL_LISTS, SeedError, backfill_documents
    from devstack.seeds import seed_backfill as post

    try:
        health = requests.get(args.url.rstrip("/") + "/_local/health", timeout=10).json()
        commerce = health.get("commerce")
        if not commerce:
            print("seed-backfill: the stack runs no storefront emulator", file=sys.stderr)
            return 1
        post(str(commerce), backfill_documents(args.customers, args.orders))
    except (requests.RequestException, ValueError, SeedError) as exc:
        print(f"seed-backfill: {exc}", file=sys.stderr)
        return 1
    print(f"seeded {args.customers} customers in {', '.join(BACKFILL_LISTS)} and {args.orders} orders of RefArch")
    return 0


def put_event(args: argparse.Namespace) -> int:
    """One Salesforce-shaped event on the local bus its rules take it from (PutEvents to moto)."""
    import boto3

    from devstack.aws import CREDENTIALS
    from devstack.buses import put_relayed_event

    try:
        raw = sys.stdin.read() if args.event_file == "-" else Path(args.event_file).read_text()
        body = json.loads(raw)
        health = requests.get(args.url.rstrip("/") + "/_local/health", timeout=10).json()
        session = boto3.session.Session(
            aws_access_key_id=CREDENTIALS["aws_access_key_id"],
            aws_secret_access_key=CREDENTIALS["aws_secret_access_key"],
            region_name=health.get("region", "us-east-1"),
        )
        events = session.client("events", endpoint_url=health["moto"])
        put = put_relayed_event(events, health.get("buses") or {}, body, args.bus, args.detail_type)
    except (OSError, ValueError, KeyError, RuntimeError, requests.RequestException) as exc:
        print(f"put-event: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"put {put['detail_type']} on {put['bus']} (EventBridge id {put['event_id']})")
    return 0


def lambda_event(args: argparse.Namespace) -> int:
    """The API Gateway event for one body, signed now (signatures live 300 s, so files can't keep one)."""
    from devstack.events import http_api_event

    body = sys.stdin.buffer.read() if args.event_file == "-" else Path(args.event_file).read_bytes()
    path = args.path or route_from_body(body)
    if path is None:
        print("lambda-event: cannot tell the route from the body's event_type: pass --path", file=sys.stderr)
        return 2
    headers = [
        ("content-type", "application/json"),
        (HEADER.lower(), sign(args.secret or secret_for(path), "POST", path, body)),
    ]
    event = http_api_event(
        method="POST", raw_path=path, raw_query="", headers=headers, body=body, route_key=f"POST {path}"
    )
    print(json.dumps(event, indent=2))
    return 0


# ---------------------------------------------------------------------------------------- run
def run(args: argparse.Namespace) -> int:
    from devstack.stack import Stack, StackOptions

    logging.basicConfig(stream=sys.stderr, level=args.log_level.upper(), format="devstack | %(message)s")
    for noisy in ("werkzeug", "botocore", "boto3", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    log = logging.getLogger("devstack")

    options = StackOptions(
        template=args.template,
        host=args.host,
        port=args.port,
        params=dict(args.param),
        env=dict(args.env),
        concurrency=max(1, args.concurrency),
        config=args.config,
        schedule_seconds=args.schedule_seconds,
        emulators=not args.no_emulators,
        seed=not args.no_seed,
        stack_name=args.stack_name,
        state_dir=args.state_dir,
        console=None if args.quiet else sys.stderr,
    )
    if not options.template.exists():
        log.error("%s not found (run from the project root or pass --template)", options.template)
        return 2
    stack = Stack(options)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stack.stop_event.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, on_signal)
    try:
        health = stack.start()
    except Exception as exc:
        log.error("startup failed: %s: %s", type(exc).__name__, exc)
        return 1
    if stack.stop_event.is_set():  # interrupted during startup
        stack.stop()
        return 0
    log.info("gateway %s   moto %s", health["gateway"], health["moto"])
    for name in ("salesforce", "commerce", "loyalty", "social"):
        if health.get(name):
            log.info("%-10s %s", name, health[name])
    for function, info in health["functions"].items():
        log.info("%s: %s", function, ", ".join(info["routes"]) or "(no routes)")
    print("READY " + json.dumps(health, separators=(",", ":")), flush=True)
    try:
        stack.serve_forever()
    finally:
        log.info("stopping")
        stack.stop()
    return 0


# ---------------------------------------------------------------------------------------- send
def send(args: argparse.Namespace) -> int:
    """`scc send` with the local stack's own secrets and no health look-up (kept for the docs and
    scripts that call `python -m devstack send`; `scc send` is the operator's command)."""
    from scc.sending import send_request
    from scc.target import CliError

    headers: dict[str, str] = {}
    for item in args.header:
        name, sep, value = item.partition(":")
        if not sep:
            print(f"--header expects NAME:VALUE, got {item!r}", file=sys.stderr)
            return 2
        headers[name.strip()] = value.strip()
    if args.get:
        method, path, body = "GET", args.get, b""
    else:
        if not args.event_file:
            print("send: give an event file, or --get PATH", file=sys.stderr)
            return 2
        body = sys.stdin.buffer.read() if args.event_file == "-" else Path(args.event_file).read_bytes()
        method = "POST"
        path = args.path or route_from_body(body)
        if path is None:
            print("send: cannot tell the route from the body's event_type: pass --path", file=sys.stderr)
            return 2
    secret = None if args.unsigned else (args.secret or secret_for(path))
    try:
        sent = send_request(args.url, method=method, path=path, body=body, secret=secret, headers=headers)
    except CliError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"{sent.status} {sent.reason}  {method} {path}")
    print(sent.body if isinstance(sent.body, str) else json.dumps(sent.body, indent=2, ensure_ascii=False))
    return 0 if sent.ok else 1
