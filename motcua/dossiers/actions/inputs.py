"""What each action takes: one pydantic model per kind of input, named on its rule (rules.py).

The API validates a request's body against the model of the action named in its
URL (and documents it in the OpenAPI); the officer's forms and in-process callers
hand `perform` their values, which it validates against the same model once the
actor's right and the dossier's state are checked. A field the action does not
declare is refused (`extra="forbid"`). The models check what a value must be to
be a value at all (type, length, range); whether it fits the dossier (a known
component, a working day after the current date) is the action's own check.

Every action takes a `reason`, kept in the history (and the audit entry, and the
outbox event); refuse, request_supplement, stop and issue_apology require one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from motcua.lib.errors import Invalid

# The largest amount a dossier can hold (Dossier.payment_due: a PositiveIntegerField).
MAX_AMOUNT = 2_147_483_647
# How the actions refuse these fields, in words and as a code: the same when the model
# refuses the value (the officer's form shows it beside the field).
AMOUNT_REFUSED = gettext_lazy("Số tiền phải là số nguyên dương (đồng).")
NEW_DUE_DATE_REFUSED = gettext_lazy("Ngày hẹn mới phải là một ngày làm việc sau ngày hẹn hiện tại và sau hôm nay.")
ITEMS_REFUSED = gettext_lazy("Cần nêu từng thành phần hồ sơ phải bổ sung và lý do.")
REFUSALS = {
    "amount": ("invalid_amount", AMOUNT_REFUSED),
    "new_due_date": ("invalid_new_due_date", NEW_DUE_DATE_REFUSED),
    "items": ("supplement_items_required", ITEMS_REFUSED),
}


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store a NUL character in text: refused here, not at INSERT time (a 500).
    # (The API's JSON parser refuses it before; the officer's forms and in-process callers meet it here.)
    if "\x00" in value:
        raise ValueError("NUL character")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]


class ActionInput(BaseModel):
    """The input of an action that takes nothing but a reason."""

    # A plain pydantic model, not a ninja Schema: a Schema reads attributes off any
    # value, so a JSON string or list as the body validated as "no reason" and the
    # action ran; this one accepts only a JSON object.
    model_config = ConfigDict(extra="forbid")

    reason: Text = Field(
        "", max_length=2000,
        description="kept in the dossier's history; required by refuse, request_supplement, stop and issue_apology",
    )


class StepInput(ActionInput):
    """claim, start_processing, transfer, approve: on which open step."""

    task: Text | None = Field(None, max_length=64, description="the step's id; without it, the first step that fits")


class StepDoneInput(StepInput):
    """transfer, approve: the step finished, with the officer's decision and recorded values when it asks for them."""

    choice: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$",
                               description="the id of one of the step's `choices` (required when it has some)")
    values: dict[Annotated[str, Field(max_length=64)], Annotated[Text, Field(max_length=500)] | int | float | bool | None] | None = Field(
        None, max_length=50, description="the values the step records (its `record`), by key")


class AssignInput(StepInput):
    assignee: Text | None = Field(None, max_length=150, description="the username given the step")


class SupplementItem(BaseModel):
    key: Text = Field(max_length=64, description="a component of the procedure")
    reason: Text = Field("", max_length=500)


class SupplementRequestInput(ActionInput):
    items: list[SupplementItem] | None = Field(None, description="what to supply and why (at least one)")


class SupplementAnswerInput(ActionInput):
    """The applicant's answer; `components` as the actions layer stores them (the API resolves references first)."""

    components: list[dict[str, Any]] | None = Field(None, description="the components supplied")
    data: dict[str, Any] | None = Field(None, description="corrected form fields")


class PaymentRequestInput(ActionInput):
    amount: int | None = Field(None, gt=0, le=MAX_AMOUNT, description="đồng; without it, the dossier's fee")


class ObligationRequestInput(ActionInput):
    # Optional here, required by the action: a body without it is refused there (422 unknown_obligation),
    # after the actor's right is checked, so an outsider learns nothing of the dossier (404).
    obligation: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$",
                                   description="the id of one of the procedure's `obligations` (its clock stops)")


class ObligationFulfilInput(ActionInput):
    reference: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[\w./-]+$",
                                  description="what shows it done (the tax payment's receipt number)")


class PaymentConfirmationInput(ActionInput):
    receipt_number: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[\w./-]+$",
                                       description="the counter's receipt number (cash or card)")


class ApologyInput(ActionInput):
    new_due_date: date | None = Field(None, description="the new return date, a working day after the current one")


class RatingAnswers(BaseModel):
    answers: dict[str, str] = Field(
        description="one level per criterion: overall, time, ease, staff, result → very_satisfied | satisfied | dissatisfied"
    )
    # At most 1000 characters once trimmed: the rating's own check (dossiers/rating.py) says so per field.
    comment: Text = Field("", description="optional, at most 1000 characters")


class RatingInput(ActionInput):
    rating: RatingAnswers | None = Field(None, description="the answers (same as POST /dossiers/{code}/rating)")


@dataclass
class Payload:
    """In-process callers' values for any action (the citizen pages, the demo, tests).

    `perform` takes from it the fields the action's model declares, ignores the
    others, and validates them like any input.
    """

    reason: str = ""
    task: str | None = None  # a step id
    choice: str | None = None  # transfer, approve: the decision at a step with `choices`
    values: dict | None = None  # transfer, approve: the values a step with `record` records
    assignee: str | None = None  # a username
    items: list[dict] | None = None  # supplement request: [{"key": component, "reason": …}]
    components: list[dict] | None = None  # supplement answer: [{"key": component, …}]
    data: dict | None = None  # supplement answer: corrected form data
    amount: int | None = None  # payment request, đồng
    new_due_date: date | None = None  # apology letter
    receipt_number: str | None = None  # confirm_payment: the counter's receipt
    rating: dict | None = None  # rate: {"answers": {criterion: level}, "comment": "…"}
    key: str | None = None  # digitize, keep_on_paper: a component
    scan: dict | None = None  # digitize, digitize_result: the stored file of the scan


def read(schema: type[ActionInput], given: ActionInput | Payload | Mapping[str, Any] | None) -> ActionInput:
    """The action's input as its model, or Invalid (422) naming what is wrong.

    A model of the action is taken as it is (the API validated it); a `Payload` gives the
    fields the model declares; a mapping (the officer's form) must hold no other field.
    """
    if isinstance(given, schema):
        return given
    if given is None:
        values: Mapping[str, Any] = {}
    elif isinstance(given, Payload):
        values = {name: getattr(given, name) for name in schema.model_fields}
    elif isinstance(given, BaseModel):
        values = given.model_dump(exclude_unset=True)
    else:
        values = given
    try:
        return schema.model_validate(values)
    except ValidationError as err:
        raise _refusal(err) from None


def _refusal(err: ValidationError) -> Invalid:
    found = err.errors()
    errors = [{"field": ".".join(str(p) for p in e["loc"]), "code": e["type"], "message": e["msg"]} for e in found]
    first = found[0] if found else None
    field = str(first["loc"][0]) if first and first["loc"] else ""
    if field in REFUSALS and first and first["type"] != "extra_forbidden":
        code, message = REFUSALS[field]
        return Invalid(str(message), code=code, errors=errors)
    return Invalid(_("Yêu cầu không đúng định dạng."), code="invalid_request", errors=errors)
