"""`scc`: sync status, dead letters and their redrive, backfills, signed events, against the local
stack (default) or a deployed one (`--stack NAME [--profile P] [--region R]`).

Errors are one line on stderr and a non-zero exit (2: the command line; 1: everything else);
`--json` prints one JSON document on stdout instead of text, an error included:
`{"error": {"code": "usage|not_found|unreachable|failed|...", "message": ..., "exit_status": n}}`
(and nothing on stderr), with the same exit status.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from scc.target import DEFAULT_LOCAL_URL, CliError, Target, deployed_target, local_target

if TYPE_CHECKING:
    from connector.commerce.backfill import RunProgress


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, not argparse's usage block: the operator sees what is wrong, `-h` shows the rest.
        # Raised rather than printed here, so that `main` prints it as it prints every error (as
        # JSON with `--json`).
        raise CliError(f"{message} (see {self.prog} -h)", code=2, prog=self.prog)


def _target_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The options choosing the connector; on each subcommand too (given after it), where they
    default to nothing so that the top-level value stands."""

    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    local_url = os.environ.get("SCC_URL") or os.environ.get("DEVSTACK_URL") or DEFAULT_LOCAL_URL
    group = parser.add_argument_group("connector (default: the local stack)")
    group.add_argument("--url", default=default(local_url), help=f"local stack gateway ({DEFAULT_LOCAL_URL})")
    group.add_argument("--stack", default=default(None), metavar="NAME", help="a deployed stack, by its name")
    group.add_argument("--profile", default=default(None), help="AWS profile for --stack")
    group.add_argument("--region", default=default(None), help="AWS region for --stack")
    parser.add_argument("--json", action="store_true", default=default(False), help="machine-readable output")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="scc", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    _target_options(parser, suppress=False)
    common = _Parser(add_help=False)
    _target_options(common, suppress=True)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    status = sub.add_parser("status", parents=[common], help="an entity's sync state and Salesforce ids")
    status.add_argument("source", help="source family: commerce, chat, social, loyalty")
    status.add_argument("entity", help="entity kind, e.g. customer, order")
    status.add_argument("key", help="the entity's key in its source, e.g. a customer number")
    status.add_argument(
        "--personal",
        action="store_true",
        help="the key is personal data (an opt-in's email): look it up by its keyed hash, as it is stored",
    )

    dlq = sub.add_parser("dlq", help="a trigger's dead-letter queue").add_subparsers(
        dest="dlq_command", required=True, parser_class=_Parser
    )
    dlq_list = dlq.add_parser("list", parents=[common], help="the dead letters, without their bodies")
    dlq_list.add_argument("trigger", help="e.g. registration, order_header")
    dlq_list.add_argument("--limit", type=_positive, default=None, help="at most N messages")
    dlq_redrive = dlq.add_parser("redrive", parents=[common], help="send the dead letters back through the queue")
    dlq_redrive.add_argument("trigger", help="e.g. registration, order_header")
    dlq_redrive.add_argument("--dry-run", action="store_true", help="count what would be redriven; send nothing")
    dlq_redrive.add_argument("--limit", type=_positive, default=None, help="at most N messages")
    dlq_redrive.add_argument(
        "--wait", type=float, default=60.0, metavar="SECONDS", help="follow the redriven events this long (60)"
    )

    backfill = sub.add_parser("backfill", help="bring the storefront's existing customers or orders in").add_subparsers(
        dest="backfill_command", required=True, parser_class=_Parser
    )
    follow = _Parser(add_help=False)
    follow.add_argument("--no-follow", action="store_true", help="start it and print its id, do not follow")
    follow.add_argument("--timeout", type=float, default=None, metavar="SECONDS", help="stop following after this")
    per_job = _Parser(add_help=False)
    per_job.add_argument("--records-per-job", type=_positive, default=None, help="records per Bulk API job (5000)")
    customers = backfill.add_parser(
        "customers", parents=[common, follow, per_job], help="the customers of one or more customer lists"
    )
    customers.add_argument("--site", required=True, help="storefront site id, e.g. RefArch")
    customers.add_argument(
        "--list", dest="lists", action="append", required=True, metavar="CUSTOMER_LIST", help="(repeatable)"
    )
    orders = backfill.add_parser(
        "orders", parents=[common, follow, per_job], help="a site's orders created in [--from, --to)"
    )
    orders.add_argument("--site", required=True, help="storefront site id, e.g. RefArch")
    orders.add_argument("--from", dest="created_from", required=True, type=_instant, help="date or ISO instant")
    orders.add_argument("--to", dest="created_to", required=True, type=_instant, help="date or ISO instant")
    backfill_status = backfill.add_parser("status", parents=[common, follow], help="follow a run again, by its id")
    backfill_status.add_argument("run_id", help="the id `scc backfill customers|orders` printed")

    send = sub.add_parser("send", parents=[common], help="a signed event body, or a signed GET")
    send.add_argument("event_file", nargs="?", help="JSON body file ('-' reads stdin)")
    send.add_argument("--get", default=None, metavar="PATH", help="send a signed GET of PATH instead")
    send.add_argument("--path", default=None, help="route (default: chosen from the body's event_type)")
    send.add_argument("--secret", default=None, help="signing secret (default: the route family's)")
    send.add_argument("--header", action="append", default=[], metavar="NAME:VALUE", help="extra header")
    send.add_argument("--unsigned", action="store_true", help="send without X-Signature")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _instant(text: str) -> datetime:
    from scc.backfill import parse_instant

    try:
        return parse_instant(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # Known before the command line is parsed: an error in the command line itself is JSON too.
    as_json = "--json" in argv
    try:
        return _run(build_parser().parse_args(argv))
    except CliError as exc:
        return _fail(as_json, exc.reason, str(exc), exc.code, exc.prog)
    except KeyboardInterrupt:
        return _fail(as_json, "interrupted", "interrupted", 130)
    except BrokenPipeError:
        # The reader went away (`scc dlq list x | head`): as Python's docs advise, point stdout at
        # devnull so the interpreter's final flush does not fail again, and exit quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:  # a bug or an unforeseen failure: still one line, never a traceback
        return _fail(as_json, "unexpected", f"unexpected {type(exc).__name__}: {exc}", 1)


def _fail(as_json: bool, reason: str, message: str, status: int, prog: str = "scc") -> int:
    """An error: one line on stderr, or with `--json` one JSON object on stdout (where the command's
    document would have been, so a script reads one stream); the exit status is the same."""
    if as_json:
        _print_json({"error": {"code": reason, "message": f"{prog}: {message}", "exit_status": status}})
    else:
        print(f"{prog}: {message}", file=sys.stderr)
    return status


def _run(args: argparse.Namespace) -> int:
    target = connect(args)
    if args.command == "status":
        return status(target, args)
    if args.command == "dlq":
        return dlq_list(target, args) if args.dlq_command == "list" else dlq_redrive(target, args)
    if args.command == "backfill":
        return backfill(target, args)
    return send(target, args)


def connect(args: argparse.Namespace) -> Target:
    if args.stack:
        return deployed_target(args.stack, profile=args.profile, region=args.region)
    if args.profile or args.region:
        raise CliError("--profile and --region go with --stack", code=2)
    return local_target(args.url)


def _print_json(document: Any) -> None:
    print(json.dumps(document, indent=2, ensure_ascii=False))


# ------------------------------------------------------------------------------------ status
def status(target: Target, args: argparse.Namespace) -> int:
    """Read from the sync-state table rather than `GET /v1/sync/...`: the operator holds AWS
    credentials for the stack, not a webhook sender's secret, and the table answers even when the
    API or the reconciler function is what is broken, which is when an operator looks. It is the
    same store and the same fields (`SyncState.public`) as the route answers."""
    from connector.envelope import EntityRef, sync_key
    from connector.state.sync_state import SyncStateStore
    from connector.value_types import SOURCE_FAMILIES

    if args.source not in SOURCE_FAMILIES:
        raise CliError(f"unknown source {args.source!r} (one of: {', '.join(SOURCE_FAMILIES)})", code=2)
    key = sync_key(target.webhook_secret(args.source), args.key) if args.personal else args.key
    ref = EntityRef(args.source, args.entity, key)
    try:
        state = SyncStateStore(target.sync_state_table, target.client("dynamodb")).get(ref)
    except Exception as exc:  # botocore's errors: one line naming the code, not the stack's internals
        raise CliError(f"cannot read the sync state in {target.name}: {type(exc).__name__}") from None
    shown = f"{args.source}/{args.entity}/{'<personal key>' if args.personal else key}"
    if state is None:
        raise CliError(f"no sync state for {shown} in {target.name}", reason="not_found")
    public = state.public()
    if args.json:
        _print_json(public)
        return 0
    print(f"{shown}: {public['status']}")
    print(f"  event        {public['event_id']} ({public['event_type']}), {public['attempts']} attempt(s)")
    print(f"  version      {public['source_version']}")
    print(f"  updated      {public['updated_at']} (first seen {public['created_at']})")
    if public["last_error"]:
        print(f"  last error   {public['last_error']}")
    for name, value in sorted(public["salesforce_ids"].items()):
        print(f"  {name:<12} {value}")
    return 0


# ------------------------------------------------------------------------------- dead letters
def dlq_list(target: Target, args: argparse.Namespace) -> int:
    from scc.dead_letters import list_dead_letters

    letters = list_dead_letters(target, args.trigger, args.limit)
    now = datetime.now(UTC)
    rows = [letter.public(now) for letter in letters]
    if args.json:
        _print_json({"trigger": args.trigger, "count": len(rows), "dead_letters": rows})
        return 0
    if rows:
        print(f"{'AGE':>8}  {'EVENT TYPE':<28} {'EVENT ID':<36} {'ENTITY':<40} ERROR")
        for row in rows:
            entity = row["entity"] or "-"
            print(
                f"{_age(row['age_seconds']):>8}  {row['event_type'] or '-':<28} {row['event_id'] or '-':<36} "
                f"{entity:<40} {row['error_code']}"
            )
    print(f"{len(rows)} dead letter(s) in the {args.trigger} dead-letter queue of {target.name}")
    return 0


def dlq_redrive(target: Target, args: argparse.Namespace) -> int:
    from scc.dead_letters import RedriveReport, redrive
    from scc.progress import ProgressLine

    line = ProgressLine(enabled=False if args.json else None)

    def progress(phase: str, done: int, total: int | None, report: RedriveReport) -> None:
        if phase == "redrive":
            verb = "would redrive" if report.dry_run else "redriven"
            figures = f"{verb} {report.redriven}, skipped {report.skipped}, not sent {report.still_failing}"
            line.show(f"{args.trigger}: redrive", done, total, figures)
        else:
            figures = f"synced {report.synced}, still failing {report.still_failing}"
            line.show(f"{args.trigger}: settling", done, total, figures)

    try:
        report = redrive(
            target, args.trigger, dry_run=args.dry_run, limit=args.limit, wait_seconds=args.wait, progress=progress
        )
    finally:
        line.close()
    if args.json:
        _print_json({"trigger": args.trigger, **report.as_dict()})
    elif report.dry_run:
        print(
            f"dry run: would redrive {report.redriven}, skipped {report.skipped}; nothing sent, "
            f"the {args.trigger} dead-letter queue is as it was"
        )
    else:
        print(
            f"redriven {report.redriven}, skipped {report.skipped}, still failing {report.still_failing} "
            f"(synced {report.synced}, pending {report.pending})"
        )
        if report.left_in_dead_letter_queue:
            print(
                f"  {report.left_in_dead_letter_queue} redriven but still in the dead-letter queue "
                "(SQS would not delete them): a later redrive sends a duplicate, dropped by its event id"
            )
    for reason, count in sorted(report.skipped_reasons.items()):
        if not args.json:
            print(f"  skipped {count}: {reason}")
    return 1 if report.still_failing else 0


def _age(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    if seconds < 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d{seconds % 86400 // 3600:02d}h"


# ---------------------------------------------------------------------------------- backfill
def backfill(target: Target, args: argparse.Namespace) -> int:
    from scc import backfill as runs
    from scc.progress import ProgressLine

    if args.backfill_command == "customers":
        run = runs.start_customers(target, args.site, args.lists, args.records_per_job)
    elif args.backfill_command == "orders":
        run = runs.start_orders(target, args.site, args.created_from, args.created_to, args.records_per_job)
    else:
        run = runs.progress(target, args.run_id)
    if not args.json and args.backfill_command != "status":
        print(f"backfill {run.run_id} started: {run.kind} of {run.site_id} ({', '.join(run.parts)})")
    if not args.no_follow:
        line = ProgressLine(enabled=False if args.json else None)

        def show(current: RunProgress) -> None:
            label = f"{current.run_id}: chunks"
            line.show(label, current.chunks_done, current.chunks_started or None, runs.figures(current))

        try:
            run = runs.follow(target, run.run_id, show, timeout=args.timeout)
        finally:
            line.close()
    if args.json:
        _print_json(run.model_dump())
    else:
        print(f"{run.run_id} {run.state}: {runs.figures(run)}")
        if run.state != "COMPLETE":
            print(f"  follow it with: scc backfill status {run.run_id}")
        elif run.records_failed:
            print(f"  {run.records_failed} record(s) FAILED: their sync state holds Salesforce's error")
    return 1 if run.records_failed else 0


# -------------------------------------------------------------------------------------- send
def send(target: Target, args: argparse.Namespace) -> int:
    from scc.sending import family_for, route_from_body, send_request

    headers: dict[str, str] = {}
    for item in args.header:
        name, sep, value = item.partition(":")
        if not sep:
            raise CliError(f"--header expects NAME:VALUE, got {item!r}", code=2)
        headers[name.strip()] = value.strip()
    if args.get:
        method, path, body = "GET", args.get, b""
    else:
        if not args.event_file:
            raise CliError("send: give an event file, or --get PATH", code=2)
        body = _read_body(args.event_file)
        method = "POST"
        path = args.path or route_from_body(body)
        if path is None:
            raise CliError("send: cannot tell the route from the body's event_type: pass --path", code=2)
    secret = None if args.unsigned else (args.secret or target.webhook_secret(family_for(path)))
    sent = send_request(
        target.api_url, method=method, path=path, body=body, secret=secret, headers=headers, trust_env=not target.local
    )
    if args.json:
        _print_json({"method": method, "path": path, "status": sent.status, "body": sent.body})
    else:
        print(f"{sent.status} {sent.reason}  {method} {path}")
        print(json.dumps(sent.body, indent=2, ensure_ascii=False) if not isinstance(sent.body, str) else sent.body)
    return 0 if sent.ok else 1


def _read_body(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except OSError as exc:
        raise CliError(f"send: cannot read {name}: {exc.strerror}", code=2) from None
