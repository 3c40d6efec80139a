"""The whole local stack, built from template.yaml: moto with the template's resources, the
emulators, one RIE pool per function, the HttpApi gateway, SQS pollers and schedules."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import requests

from devstack.aws import (
    LocalAws,
    QueueInfo,
    is_secret_parameter,
    isolate_from_real_aws,
    native_token_family,
    queue_name,
    secret_value,
    table_name,
    webhook_secret_family,
)
from devstack.buses import BusInfo, create_buses
from devstack.cfn import (
    ACCOUNT_ID,
    REGION,
    Resolver,
    TemplateError,
    coerce_parameter,
    load_template,
    parameter_defaults,
)
from devstack.emulators import PLATFORMS, RunningEmulator, start_platforms
from devstack.gateway import Gateway, serve
from devstack.routes import RouteTable
from devstack.runtime import FunctionPool, InvokeResult, LineSink, function_environment, rie_binary
from devstack.seeds import seed_emulators
from devstack.sigv4 import AUTHORIZER, SigV4Verifier
from devstack.sources import Scheduler, SqsPoller
from devstack.template import (
    QUEUE,
    TABLE,
    FunctionSpec,
    load_functions,
    resources_of_type,
    schedule_interval,
    unsupported_events,
)

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

log = logging.getLogger("devstack")

# Local values that differ from the template's defaults (a --param still wins).
LOCAL_PARAMETERS = {"RetryBaseSeconds": "1"}
CONFIG_PARAMETER = "ConnectorConfigParameterName"


@dataclass
class StackOptions:
    template: Path = Path("template.yaml")
    host: str = "127.0.0.1"
    port: int = 3000
    params: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    concurrency: int = 4
    config: Path | None = None
    schedule_seconds: float | None = None
    emulators: bool = True
    seed: bool = True  # post local/seed/<platform>.json to the emulators devstack starts
    seed_dir: Path | None = None  # default: <template dir>/local/seed
    stack_name: str = "local"
    state_dir: Path | None = None  # default: <template dir>/.devstack
    console: TextIO | None = field(default_factory=lambda: sys.stderr)
    ready_timeout: float = 60.0


class Stack:
    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.template_path = options.template.resolve()
        self.base_dir = self.template_path.parent
        self.state_dir = options.state_dir or self.base_dir / ".devstack"
        self.stop_event = threading.Event()
        self.aws: LocalAws | None = None
        self.platforms: dict[str, RunningEmulator] = {}
        self.pools: dict[str, FunctionPool] = {}
        self.sinks: list[LineSink] = []
        self.functions: list[FunctionSpec] = []
        self.queues: dict[str, QueueInfo] = {}
        self.tables: dict[str, str] = {}
        self.secrets: dict[str, str] = {}
        self.dead_letter_queues: dict[str, str] = {}  # queue URL -> its redrive target's URL
        self.buses: dict[str, BusInfo] = {}
        self.parameters: dict[str, Any] = {}
        self.pollers: list[SqsPoller] = []
        self.scheduler = Scheduler(self.stop_event)
        # This stack's own SigV4 keys (no two stacks accept each other's).
        self.sigv4 = SigV4Verifier.generate(REGION, ACCOUNT_ID)
        self.gateway_server: Any = None
        self.url = ""
        self._stopped = False
        self._log_file: logging.FileHandler | None = None

    # ------------------------------------------------------------------ startup
    def start(self) -> dict[str, Any]:
        """Bring everything up; returns the health document once every part answers."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> dict[str, Any]:
        deadline = time.monotonic() + self.options.ready_timeout
        template = load_template(self.template_path)
        declared = template.get("Parameters") or {}
        unknown = sorted(set(self.options.params) - set(declared))
        if unknown:
            raise TemplateError(f"--param names no template parameter: {', '.join(unknown)}")
        for item in unsupported_events(template):
            log.warning("event source %s is not emulated locally", item)

        # 1. AWS: moto, then secrets and the connector-config parameter.
        isolate_from_real_aws()
        self.aws = LocalAws(self.options.host)
        params: dict[str, Any] = parameter_defaults(template)
        params.update({k: v for k, v in LOCAL_PARAMETERS.items() if k in declared})
        for name, spec in declared.items():
            if isinstance(spec, dict) and is_secret_parameter(name, spec) and name not in self.options.params:
                arn = self.aws.create_secret(f"{self.options.stack_name}/{name}", secret_value(name))
                self.secrets[name] = arn
                params[name] = arn

        # 2. Platforms: environment URLs or emulators.
        explicit = {p.name for p in PLATFORMS if p.parameter in self.options.params}
        self.platforms = start_platforms(self.options.emulators, explicit, host=self.options.host)
        if self.options.seed:
            started = {name: e.url for name, e in self.platforms.items() if e.server is not None}
            seed_emulators(started, self.options.seed_dir or self.base_dir / "local" / "seed")
        for platform in PLATFORMS:
            running = self.platforms.get(platform.name)
            if running is not None and platform.parameter in declared:
                params[platform.parameter] = running.url

        for name, value in self.options.params.items():
            params[name] = coerce_parameter(declared[name] or {}, value)
        self.parameters = params
        if CONFIG_PARAMETER in declared and params.get(CONFIG_PARAMETER):
            self.aws.put_parameter(str(params[CONFIG_PARAMETER]), self._config_document())

        # 3. Tables and queues, named like CloudFormation would (stack-LogicalId).
        naming = Resolver(template, params, stack_name=self.options.stack_name)
        refs: dict[str, Any] = {}
        attributes: dict[tuple[str, str], Any] = {}
        for logical_id, resource in resources_of_type(template, TABLE).items():
            if not naming.resource_enabled(logical_id):
                continue
            props = resource.get("Properties") or {}
            name = table_name(self.options.stack_name, logical_id, props, naming)
            refs[logical_id] = name
            attributes[(logical_id, "Arn")] = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}"
            self.tables[logical_id] = name
        queue_props: dict[str, dict[str, Any]] = {}
        for logical_id, resource in resources_of_type(template, QUEUE).items():
            if not naming.resource_enabled(logical_id):
                continue
            props = resource.get("Properties") or {}
            name = queue_name(self.options.stack_name, logical_id, props, naming)
            resolved = {
                k: naming.resolve(v) for k, v in props.items() if k not in ("RedrivePolicy", "RedriveAllowPolicy")
            }
            info = self.aws.create_queue(name, resolved)
            info.logical_id = logical_id
            self.queues[logical_id] = info
            refs[logical_id] = info.url
            attributes[(logical_id, "Arn")] = info.arn
            attributes[(logical_id, "QueueName")] = info.name
            attributes[(logical_id, "QueueUrl")] = info.url
            queue_props[logical_id] = props
        resolver = Resolver(template, params, refs, attributes, stack_name=self.options.stack_name)
        for logical_id, props in queue_props.items():
            redrive: dict[str, Any] = {
                k: resolver.resolve(props[k]) for k in ("RedrivePolicy", "RedriveAllowPolicy") if k in props
            }
            self.aws.set_redrive(self.queues[logical_id].url, redrive)
            target = redrive.get("RedrivePolicy")
            if isinstance(target, str):
                target = json.loads(target)
            for other in self.queues.values():
                if isinstance(target, dict) and other.arn == target.get("deadLetterTargetArn"):
                    self.dead_letter_queues[self.queues[logical_id].url] = other.url
        for logical_id, name in self.tables.items():
            props = resolver.resolve((template["Resources"][logical_id].get("Properties")) or {})
            self.aws.create_table(name, props)
        # EventBridge: the buses Event Relay feeds, their rules delivering to the queues, the archives.
        self.buses = create_buses(
            self.aws.client("events"), self.aws.client("sqs"), template, resolver, self.options.stack_name
        )

        # 4. Functions: one RIE pool each.
        self.functions = load_functions(template, resolver, self.base_dir)
        rie = rie_binary()
        logs = self.state_dir / "logs"
        self._log_to_file(logs / "devstack.log")
        for spec in self.functions:
            env = function_environment(spec, self.aws.url, self.options.env)
            sink = LineSink(spec.logical_id, logs / f"{spec.logical_id}.log", self.options.console)
            self.sinks.append(sink)
            pool = FunctionPool(spec, env, self.options.concurrency, sink, rie=rie, host=self.options.host)
            self.pools[spec.logical_id] = pool
            pool.start()

        # 5. Gateway.
        routes = RouteTable(route for spec in self.functions for route in spec.routes)
        gateway = Gateway(
            routes, self.invoke, self.health, self.pools, replace_config=self.replace_config, sigv4=self.sigv4
        )
        self.gateway_server, _ = serve(gateway, self.options.host, self.options.port, "gateway")
        self.url = f"http://{self.options.host}:{self.gateway_server.server_port}"

        for pool in self.pools.values():
            pool.wait_ready(deadline)

        # 6. Event sources.
        by_arn = {q.arn: q for q in self.queues.values()}
        for spec in self.functions:
            for source in spec.sqs:
                if not source.enabled:
                    continue
                queue = by_arn.get(source.queue_arn)
                if queue is None:
                    log.warning(
                        "%s.%s: queue %s is not local; not polled", spec.logical_id, source.event, source.queue_arn
                    )
                    continue
                workers = min(source.maximum_concurrency or self.options.concurrency, self.options.concurrency)
                poller = SqsPoller(
                    spec.logical_id,
                    source,
                    queue.url,
                    self._sqs,
                    self._invoker(spec.logical_id),
                    self.stop_event,
                    workers=workers,
                )
                self.pollers.append(poller)
            for schedule in spec.schedules:
                if not schedule.enabled:
                    continue
                interval = self.options.schedule_seconds
                if interval is None:
                    interval = schedule_interval(schedule.expression)
                if interval is None or interval <= 0:
                    if interval is None:
                        log.warning(
                            "%s.%s: %s is not run locally (use --schedule-seconds)",
                            spec.logical_id,
                            schedule.event,
                            schedule.expression,
                        )
                    continue
                rule = f"{self.options.stack_name}-{spec.logical_id}{schedule.event}"[:64]
                self.scheduler.add(spec.logical_id, schedule, interval, self._invoker(spec.logical_id), rule)
        for poller in self.pollers:
            poller.start()
        self.scheduler.start()

        self._wait_answering(deadline)
        return self.health()

    def _config_document(self) -> str:
        path = self.options.config or self.base_dir / "local" / "connector-config.json"
        if path.exists():
            return path.read_text()
        if self.options.config is not None:
            raise FileNotFoundError(f"--config {path}: no such file")
        return "{}"

    def _sqs(self) -> SQSClient:
        assert self.aws is not None
        return self.aws.client("sqs")

    def _wait_answering(self, deadline: float) -> None:
        urls = [f"{self.url}/_local/health"]
        if self.aws is not None:
            urls.append(f"{self.aws.url}/moto-api/")
        urls += [e.url + "/" for e in self.platforms.values() if e.server is not None]
        session = requests.Session()
        session.trust_env = False
        for url in urls:
            while True:
                try:
                    session.get(url, timeout=1.0)
                    break
                except requests.RequestException:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{url} does not answer") from None
                    time.sleep(0.05)

    # ------------------------------------------------------------------ running
    def invoke(self, function: str, event: Any) -> InvokeResult:
        return self.pools[function].invoke(event)

    def _invoker(self, function: str) -> Any:
        pool = self.pools[function]
        return pool.invoke

    def replace_config(self, document: str, functions: list[str] | None = None) -> dict[str, Any]:
        """Put a new connector-config document in the SSM parameter and cold-start every function
        (or those named: the others keep the document they loaded), as a deployment that changes the
        parameter does; answers the previous document."""
        assert self.aws is not None
        name = self.parameters.get(CONFIG_PARAMETER)
        if not name:
            raise TemplateError(f"the template declares no {CONFIG_PARAMETER}")
        unknown = sorted(set(functions or ()) - set(self.pools))
        if unknown:
            raise KeyError(f"no function {', '.join(unknown)}")
        previous = self.aws.client("ssm").get_parameter(Name=str(name))["Parameter"]["Value"]
        self.aws.put_parameter(str(name), document)
        recycled = sorted(functions or self.pools)
        for logical_id in recycled:
            self.pools[logical_id].recycle()
        return {"previous": json.loads(previous), "cold_started": recycled}

    def health(self) -> dict[str, Any]:
        queues_by_arn = {q.arn: q for q in self.queues.values()}
        functions: dict[str, Any] = {}
        for spec in self.functions:
            queue_url = spec.environment.get("QUEUE_URL")
            if not queue_url and spec.sqs:
                queue = queues_by_arn.get(spec.sqs[0].queue_arn)
                queue_url = queue.url if queue else None
            functions[spec.logical_id] = {
                "routes": [r.route_key for r in spec.routes],
                "queue_url": queue_url or None,
                "dlq_url": spec.environment.get("DEAD_LETTER_QUEUE_URL") or self._dlq_of(queue_url) or None,
                "schedules": [s.expression for s in spec.schedules],
                "log": str(self.state_dir / "logs" / f"{spec.logical_id}.log"),
            }
        doc: dict[str, Any] = {
            "status": "ok",
            "gateway": self.url,
            "moto": self.aws.url if self.aws else None,
        }
        for platform in PLATFORMS:
            running = self.platforms.get(platform.name)
            doc[platform.name] = running.url if running else self.parameters.get(platform.parameter) or None
        doc["functions"] = functions
        # The token each family's native webhook URL carries locally (`/v1/chat/native/<token>`);
        # a token whose secret --param replaced is not known here.
        doc["native_webhook_tokens"] = {
            family: secret_value(name) for name in self.secrets if (family := native_token_family(name)) is not None
        }
        # Each family's webhook (HMAC) secret, for signing helpers and tests (DESIGN §2); a secret
        # that --param replaced is not known here.
        doc["webhook_secrets"] = {
            family: secret_value(name) for name in self.secrets if (family := webhook_secret_family(name)) is not None
        }
        # The keys the gateway accepts on the AWS_IAM routes (SigV4, service execute-api), made for
        # this stack: a long-term key and temporary credentials with their session token.
        doc["sigv4"] = {
            **self.sigv4.document(),
            "routes": [r.route_key for spec in self.functions for r in spec.routes if r.authorizer == AUTHORIZER],
        }
        doc["tables"] = dict(self.tables)
        # The EventBridge buses (`python -m devstack put-event` puts a Salesforce event on one), each
        # with its rules' event patterns and its archive.
        doc["buses"] = {logical_id: bus.document() for logical_id, bus in self.buses.items()}
        doc["region"] = REGION
        return doc

    def _dlq_of(self, queue_url: str | None) -> str | None:
        return self.dead_letter_queues.get(queue_url or "")

    def serve_forever(self) -> None:
        """Block until `stop_event` is set, restarting RIE processes that died. Run it on the thread
        that called `start` (RIE processes are tied to it)."""
        while not self.stop_event.wait(0.5):
            for pool in self.pools.values():
                with contextlib.suppress(Exception):
                    pool.check()

    # ------------------------------------------------------------------ shutdown
    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.stop_event.set()
        if self.gateway_server is not None:
            with contextlib.suppress(Exception):
                self.gateway_server.shutdown()
        for sink in self.sinks:
            sink.console = None  # RIE's shutdown chatter goes to the log files only
        for pool in self.pools.values():
            with contextlib.suppress(Exception):
                pool.stop()
        deadline = time.monotonic() + 3.0
        for poller in self.pollers:
            poller.join(max(0.0, deadline - time.monotonic()))
        self.scheduler.join(max(0.0, deadline - time.monotonic()))
        for running in self.platforms.values():
            with contextlib.suppress(Exception):
                running.stop()
        if self.aws is not None:
            with contextlib.suppress(Exception):
                self.aws.stop()
        for sink in self.sinks:
            sink.close()
        if self._log_file is not None:
            logging.getLogger().removeHandler(self._log_file)
            self._log_file.close()

    def _log_to_file(self, path: Path) -> None:
        """What the stack itself logs (the gateway's access lines, pollers, emulators' errors) also
        goes to `logs/devstack.log` beside the functions' logs, so that every log of a run can be read
        (and searched for personal data) after it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = logging.FileHandler(path, encoding="utf-8")
        self._log_file.setFormatter(logging.Formatter("%(asctime)s %(name)s | %(message)s"))
        logging.getLogger().addHandler(self._log_file)

    def pids(self) -> list[int]:
        return [pid for pool in self.pools.values() for pid in pool.pids]


def health_of(url: str) -> Mapping[str, Any]:
    resp = requests.get(f"{url.rstrip('/')}/_local/health", timeout=5)
    resp.raise_for_status()
    return dict(resp.json())
