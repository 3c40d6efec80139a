"""The base of the chat commands' answers: every field is always in the body, None included, so a
bot or a chat platform reads one fixed shape (the pipeline leaves unset fields out otherwise)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class CompleteAnswer(BaseModel):
    def model_post_init(self, context: Any, /) -> None:
        self.__pydantic_fields_set__.update(type(self).model_fields)
