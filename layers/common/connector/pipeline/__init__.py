"""The shared pipeline: one Lambda entry per trigger for HttpApi requests, SQS batches and schedules."""

from connector.pipeline.handlers import CommandHandler, EventHandler
from connector.pipeline.trigger import Trigger

__all__ = ["CommandHandler", "EventHandler", "Trigger"]
