"""reconciler: re-queues work stuck past its deadline; answers GET /v1/sync/... for support and tooling."""

from connector.operations import reconcile, sync_status
from connector.pipeline import Trigger

trigger = Trigger("reconciler")
trigger.read("/v1/sync/<source>/<entity>/<key>", sync_status)
trigger.on_schedule(reconcile)
handler = trigger.handler
