"""`python -m devstack run` end to end on a tiny throwaway template: the gateway invokes the function
through RIE, the poller feeds it SQS batches (a reported failure stays on the queue), health
answers, and stopping leaves no process behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

ROOT = Path(__file__).resolve().parents[3]

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting:
    Type: String
    Default: hello
  MaxReceiveCount:
    Type: Number
    Default: 3
  TokenSecretArn:
    Type: String
    AllowedPattern: ^arn:aws:secretsmanager:.+$
  SalesforceMyDomainUrl:
    Type: String
    Default: https://login.salesforce.com
Globals:
  Function:
    Runtime: python3.13
    Timeout: 5
    MemorySize: 256
    Environment:
      Variables:
        GREETING: !Ref Greeting
        TABLE: !Ref Table
        TOKEN_SECRET_ARN: !Ref TokenSecretArn
        SALESFORCE_MY_DOMAIN_URL: !Ref SalesforceMyDomainUrl
Resources:
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: echo/
      Handler: app.handler
      Environment:
        Variables:
          QUEUE_URL: !Ref WorkQueue
          QUEUE_ARN: !Sub "${WorkQueue.Arn}"
      Events:
        Hello:
          Type: HttpApi
          Properties:
            Path: /hello/{name}
            Method: POST
        Work:
          Type: SQS
          Properties:
            Queue: !GetAtt WorkQueue.Arn
            BatchSize: 10
            FunctionResponseTypes: [ReportBatchItemFailures]
  WorkQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt WorkDeadLetterQueue.Arn
        maxReceiveCount: !Ref MaxReceiveCount
  WorkDeadLetterQueue:
    Type: AWS::SQS::Queue
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: pk, AttributeType: S}
      KeySchema:
        - {AttributeName: pk, KeyType: HASH}
"""

HANDLER = """\
import json
import os

import boto3


def handler(event, context):
    if "Records" in event:
        failures = []
        for record in event["Records"]:
            with open(os.path.join(os.environ["OUT_DIR"], record["messageId"]), "w") as out:
                json.dump(record, out)
            if record["body"] == "fail":
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}
    if event.get("pathParameters", {}).get("name") == "boom":
        raise RuntimeError("boom")
    if event.get("pathParameters", {}).get("name") == "plain":
        return {"plain": True}
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["TOKEN_SECRET_ARN"])
    boto3.client("dynamodb").describe_table(TableName=os.environ["TABLE"])
    print("handled", event["routeKey"])
    return {
        "statusCode": 201,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(
            {
                "event": event,
                "greeting": os.environ["GREETING"],
                "secret": secret["SecretString"],
                "function_name": context.function_name,
                "memory": context.memory_limit_in_mb,
                "env": {k: os.environ.get(k) for k in (
                    "AWS_ENDPOINT_URL", "AWS_REGION", "QUEUE_URL", "QUEUE_ARN", "TABLE", "LAMBDA_TASK_ROOT",
                    "EXTRA", "AWS_LAMBDA_FUNCTION_TIMEOUT", "SALESFORCE_MY_DOMAIN_URL", "AWS_PROFILE"
                )},
            }
        ),
    }
"""


class Running:
    def __init__(self, proc: subprocess.Popen[bytes], health: dict[str, Any], lines: list[str]) -> None:
        self.proc = proc
        self.health = health
        self.lines = lines
        self.url = health["gateway"]


def processes_under(directory: Path) -> list[int]:
    """Pids whose working directory is `directory` (the function's CodeUri: RIE and its runtime)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if Path(os.readlink(entry / "cwd")) == directory:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "echo").mkdir()
    (tmp_path / "echo" / "app.py").write_text(HANDLER)
    (tmp_path / "out").mkdir()
    return tmp_path


@pytest.fixture
def running(project: Path) -> Iterator[Running]:
    if sys.platform != "linux":
        pytest.skip("the Lambda Runtime Interface Emulator is a Linux binary")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["SALESFORCE_MY_DOMAIN_URL"] = "http://salesforce.example.test"  # replaces the emulator
    env["AWS_PROFILE"] = "must-not-leak"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devstack",
            "run",
            "--template",
            str(project / "template.yaml"),
            "--port",
            "0",
            "--no-emulators",
            "--concurrency",
            "2",
            "--env",
            f"OUT_DIR={project / 'out'}",
            "--env",
            "EXTRA=1",
        ],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    lines: list[str] = []
    ready = threading.Event()
    health: dict[str, Any] = {}

    def read() -> None:
        assert proc.stdout is not None
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode(errors="replace").rstrip("\n")
            if line.startswith("READY ") and not health:
                health.update(json.loads(line[6:]))
                ready.set()
            lines.append(line)
        ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    ready.wait(60)
    try:
        if not health:
            pytest.fail("devstack not READY:\n" + "\n".join(lines[-60:]))
        yield Running(proc, health, lines)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        reader.join(5)


def test_stack_runs_a_function_behind_the_gateway_and_the_poller(project: Path, running: Running) -> None:
    code_dir = project / "echo"
    health = requests.get(f"{running.url}/_local/health", timeout=5)
    assert health.status_code == 200
    doc = health.json()
    assert doc["status"] == "ok"
    assert doc["moto"].startswith("http://127.0.0.1:")
    fn = doc["functions"]["EchoFunction"]
    assert fn["routes"] == ["POST /hello/{name}"]
    assert fn["queue_url"].endswith("/local-WorkQueue")
    assert fn["dlq_url"].endswith("/local-WorkDeadLetterQueue")
    assert doc["salesforce"] == "http://salesforce.example.test"
    assert {"commerce", "loyalty", "social"} <= set(doc)

    # HTTP through the gateway and RIE
    resp = requests.post(
        f"{running.url}/hello/world?x=1",
        data=b'{"a": 1}',
        headers={"Content-Type": "application/json", "X-Signature": "t=1,v1=00"},
        timeout=30,
    )
    assert resp.status_code == 201, resp.text
    answer = resp.json()
    event = answer["event"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /hello/{name}"
    assert event["pathParameters"] == {"name": "world"}
    assert event["queryStringParameters"] == {"x": "1"}
    assert event["headers"]["x-signature"] == "t=1,v1=00"
    assert event["body"] == '{"a": 1}'
    assert answer["greeting"] == "hello"
    assert answer["secret"] == "local-dev-secret"
    assert answer["function_name"] == "EchoFunction"
    assert answer["memory"] == "256"
    env = answer["env"]
    assert env["AWS_ENDPOINT_URL"] == doc["moto"]
    assert env["AWS_REGION"] == "us-east-1"
    assert env["QUEUE_URL"] == fn["queue_url"]
    assert env["QUEUE_ARN"] == "arn:aws:sqs:us-east-1:123456789012:local-WorkQueue"
    assert env["TABLE"] == "local-Table"
    assert env["LAMBDA_TASK_ROOT"] == str(code_dir)
    assert env["AWS_LAMBDA_FUNCTION_TIMEOUT"] == "5"
    assert env["EXTRA"] == "1"
    assert env["SALESFORCE_MY_DOMAIN_URL"] == "http://salesforce.example.test"
    assert env["AWS_PROFILE"] is None

    plain = requests.post(f"{running.url}/hello/plain", timeout=30)
    assert (plain.status_code, plain.json()) == (200, {"plain": True})
    boom = requests.post(f"{running.url}/hello/boom", timeout=30)
    assert (boom.status_code, boom.json()) == (500, {"message": "Internal Server Error"})
    missing = requests.get(f"{running.url}/hello/world", timeout=5)
    assert (missing.status_code, missing.json()) == (404, {"message": "Not Found"})
    direct = requests.post(f"{running.url}/_local/invoke/EchoFunction", json={"Records": []}, timeout=30)
    assert direct.json() == {"batchItemFailures": []}

    # SQS through the poller: the reported failure stays, the rest is deleted
    sqs = boto3.client(
        "sqs",
        endpoint_url=doc["moto"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    sqs.send_message_batch(
        QueueUrl=fn["queue_url"],
        Entries=[
            {"Id": "1", "MessageBody": "ok"},
            {"Id": "2", "MessageBody": "fail"},
            {
                "Id": "3",
                "MessageBody": "ok too",
                "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "x"}},
            },
        ],
    )
    deadline = time.monotonic() + 20
    while len(list((project / "out").iterdir())) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    records = [json.loads(p.read_text()) for p in (project / "out").iterdir()]
    assert sorted(r["body"] for r in records) == ["fail", "ok", "ok too"]
    assert {r["eventSource"] for r in records} == {"aws:sqs"}
    assert {r["eventSourceARN"] for r in records} == {"arn:aws:sqs:us-east-1:123456789012:local-WorkQueue"}
    [tagged] = [r for r in records if r["body"] == "ok too"]
    assert tagged["messageAttributes"]["kind"]["stringValue"] == "x"

    def queue_counts() -> tuple[int, int]:
        attrs = sqs.get_queue_attributes(
            QueueUrl=fn["queue_url"],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"])

    deadline = time.monotonic() + 10
    while queue_counts() != (0, 1) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert queue_counts() == (0, 1)  # the failed message, waiting out its visibility timeout
    redrive = sqs.get_queue_attributes(QueueUrl=fn["queue_url"], AttributeNames=["RedrivePolicy"])["Attributes"]
    assert json.loads(redrive["RedrivePolicy"])["maxReceiveCount"] == 3

    # logs: console prefixed with the function name, and the log file
    assert any(line.startswith("EchoFunction | REPORT RequestId:") for line in running.lines)
    assert any("handled POST /hello/{name}" in line for line in running.lines)
    log_file = project / ".devstack" / "logs" / "EchoFunction.log"
    assert "START RequestId:" in log_file.read_text()

    # shutdown: SIGTERM stops everything, RIE processes and runtimes included
    assert len(processes_under(code_dir)) >= 2
    started = time.monotonic()
    running.proc.send_signal(signal.SIGTERM)
    assert running.proc.wait(15) == 0
    assert time.monotonic() - started < 10
    deadline = time.monotonic() + 5
    while processes_under(code_dir) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_under(code_dir) == []
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{running.url}/_local/health", timeout=2)


def test_bad_template_parameter_fails_fast(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "devstack", "run", "--template", str(project / "template.yaml"), "--param", "Nope=1"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert b"Nope" in result.stderr


def test_missing_template_is_exit_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "devstack", "run", "--template", str(tmp_path / "none.yaml")],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
