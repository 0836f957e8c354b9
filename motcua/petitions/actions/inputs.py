"""What each petition action takes: one pydantic model per kind of input, nothing undeclared."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from motcua.lib.errors import Invalid

MAX_TEXT = 10_000  # characters of a body, an answer, a reason (the size limit of issue 19)


class PetitionActionInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PetitionReasonInput(PetitionActionInput):
    reason: str = Field(min_length=1, max_length=MAX_TEXT)


class PetitionInformationInput(PetitionActionInput):
    body: str = Field(min_length=1, max_length=MAX_TEXT)


class PetitionAnswerInput(PetitionActionInput):
    answer: str = Field(min_length=1, max_length=MAX_TEXT)


class PetitionPublishInput(PetitionActionInput):
    """The public version the officer publishes; a text left out is the masked proposal (redact.py)."""

    subject: str | None = Field(None, min_length=1, max_length=200, description="public subject (default: proposed)")
    body: str | None = Field(None, min_length=1, max_length=MAX_TEXT, description="public body (default: proposed)")
    answer: str | None = Field(None, min_length=1, max_length=MAX_TEXT, description="public answer (default: proposed)")


class PetitionForwardInput(PetitionActionInput):
    unit: str = Field(min_length=1, max_length=32, description="the e-ID code of the competent unit")
    reason: str = Field("", max_length=MAX_TEXT)


def read(schema: type[PetitionActionInput], payload: PetitionActionInput | Mapping[str, Any] | None) -> PetitionActionInput:
    if isinstance(payload, schema):
        return payload
    data = dict(payload.model_dump() if isinstance(payload, BaseModel) else payload or {})
    for value in data.values():
        if isinstance(value, str) and "\x00" in value:
            raise Invalid(_("Nội dung có ký tự không hợp lệ."), code="invalid_character")
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        errors = [{"field": ".".join(str(p) for p in e["loc"]), "code": e["type"], "message": e["msg"]}
                  for e in exc.errors()]
        raise Invalid(_("Dữ liệu không hợp lệ."), code="invalid_input", errors=errors) from exc
