"""reconciler: re-queues work stuck past its deadline; answers GET /v1/sync/... for support and tooling."""

from connector.pipeline import Trigger
from connector.pipeline.operations import SyncStateView, reconcile, sync_status

trigger = Trigger("reconciler")
trigger.read("/v1/sync/<source>/<entity>/<key>", sync_status, SyncStateView)
trigger.on_schedule(reconcile)
handler = trigger.handler
