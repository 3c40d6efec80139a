"""`scc`: the operator's command for a running connector, local (`make run`) or deployed (a
CloudFormation stack): sync state, dead letters and their redrive, signed events.

An operator tool, never shipped in the Lambda layer nor imported by a function (an import-linter
contract says so)."""
