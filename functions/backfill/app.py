"""backfill: the storefront's existing customers and orders into Salesforce, one queued step at a time."""

from connector.commerce.backfill.handler import BackfillFunction

handler = BackfillFunction()
