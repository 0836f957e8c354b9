"""The one actions layer: the only code that changes a dossier.

Each action checks the actor's right and the dossier's status, applies the
change, writes the history event and announces it (`lib/events.py`: the audit
entry, the outbox event and the KPI counters are its subscribers), all in the
same transaction as the change. Views and the API only parse input, call an
action and present the outcome or the error.

- `rules.py`: the table `RULES` (when, who, what it takes, what it does);
- `inputs.py`: what each action takes (one pydantic model per kind of input);
- `context.py`: `Ctx`, one actor looking at one dossier, and the dossier's clock;
- `transitions.py`: `perform` and `allowed_actions`;
- `filing.py`: `submit`; `counter.py`: `file_at_counter` and digitization; `history.py`: the history event and its announcement;
- `deadlines_job.py`: `mark_deadlines`, the periodic deadline check;
- the handlers, by group: `reception.py`, `supplements.py`, `payments.py`,
  `steps.py`, `apology.py`, `closing.py`; `components.py`: the dossier's documents.
"""

from motcua.dossiers.actions.context import CLOCK_RUNS, OPEN_STATUSES, STAFF, Ctx, deadline_state_at
from motcua.dossiers.actions.counter import file_at_counter
from motcua.dossiers.actions.deadlines_job import mark_deadlines
from motcua.dossiers.actions.filing import submit
from motcua.dossiers.actions.inputs import (
    ActionInput,
    ApologyInput,
    AssignInput,
    Payload,
    PaymentConfirmationInput,
    PaymentRequestInput,
    RatingAnswers,
    RatingInput,
    StepInput,
    SupplementAnswerInput,
    SupplementItem,
    SupplementRequestInput,
)
from motcua.dossiers.actions.rules import ACTIONS, DIGITIZATION, RULES, STEP_KIND, Rule
from motcua.dossiers.actions.transitions import allowed_actions, perform

__all__ = [
    "ACTIONS", "CLOCK_RUNS", "DIGITIZATION", "OPEN_STATUSES", "RULES", "STAFF", "STEP_KIND", "ActionInput", "ApologyInput",
    "AssignInput", "Ctx", "Payload", "PaymentConfirmationInput", "PaymentRequestInput", "RatingAnswers",
    "RatingInput", "Rule", "StepInput", "SupplementAnswerInput", "SupplementItem", "SupplementRequestInput",
    "allowed_actions", "deadline_state_at", "file_at_counter", "mark_deadlines", "perform", "submit",
]
