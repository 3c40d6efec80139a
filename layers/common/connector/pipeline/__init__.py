"""The shared pipeline: one Lambda entry per trigger for both HttpApi requests and SQS batches."""

from connector.pipeline.processing import EventHandler
from connector.pipeline.trigger import Trigger

__all__ = ["EventHandler", "Trigger"]
