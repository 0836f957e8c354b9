"""Who sits on which team (units.Team): read once per user object, then asked for many steps."""

from __future__ import annotations

from motcua.units.models import Team


def teams_of(user) -> frozenset[tuple[int, str]]:
    """The (unit id, team kind) of every team the user is a member of."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_motcua_teams", None)
    if cached is None and getattr(user, "on_teams", None) is False:
        # Read with the user by the login backend and the API's token (identity): on no team, no query.
        cached = frozenset()
    if cached is None:
        cached = frozenset(Team.objects.filter(members=user).values_list("unit_id", "key"))
        try:
            user._motcua_teams = cached
        except AttributeError:  # an object that takes no attributes: read again next time
            pass
    return cached


def is_member(user, unit_id: int, key: str) -> bool:
    return (unit_id, key) in teams_of(user)
