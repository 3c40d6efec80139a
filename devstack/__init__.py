"""The local stack behind `make run`: template.yaml run on a laptop with no Docker and no AWS account.

`python -m devstack run` starts moto (the template's tables, queues, secrets and config
parameter), the platform emulators, each function under the Lambda Runtime Interface Emulator,
an API Gateway HttpApi-like gateway, SQS pollers and schedules. `python -m devstack send` signs
and posts an event body.
"""
