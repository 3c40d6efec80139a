"""Backfill of the storefront's existing customers and orders into Salesforce (Bulk API 2.0).

For the operator CLI: `BackfillRuns(dynamodb, table, sqs, backfill_queue_url)` with
`start_customers(site_id, customer_list_ids)`, `start_orders(site_id, created_from, created_to)` and
`progress(run_id)`, each answering a `RunProgress`. The backfill function (`functions/backfill`)
does the work from its queue.
"""

from connector.commerce.backfill.runs import BackfillRuns, BackfillStep, RunProgress

__all__ = ["BackfillRuns", "BackfillStep", "RunProgress"]
