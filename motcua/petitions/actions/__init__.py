"""The petitions' actions layer: the only code that changes a petition (filing and handling).

- `filing.py`: `file_petition` (a citizen online) and `register_petition` (an officer, with the origin);
- `handling.py`: `RULES`, `perform`, `allowed_actions` (refuse, request_information,
  provide_information, answer, publish, forward, like, dislike, complain_again);
- `inputs.py`: what each action takes; `history.py`: the history event and its announcement
  (`PetitionChanged`: audit, outbox and KPI counters subscribe); `notify.py`: the filer's mail.
"""

from motcua.petitions.actions.filing import Filing, file_petition, register_petition
from motcua.petitions.actions.handling import ACTIONS, HANDLERS, RULES, allowed_actions, perform

__all__ = ["ACTIONS", "HANDLERS", "RULES", "Filing", "allowed_actions", "file_petition", "perform", "register_petition"]
