"""The components of a dossier (its required documents): which are required, which are unknown."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.utils.translation import gettext as _

from motcua.dossiers.models import Dossier
from motcua.lib.conditions import evaluate
from motcua.lib.errors import Invalid


def unknown_components(version_components: list[dict], given: Iterable[object]) -> list[object]:
    """The entries of `given` that name no component of the version: their keys, or the entries
    themselves when they are not a `{"key": …}` object."""
    known = {c["key"] for c in version_components}
    return [g.get("key") if isinstance(g, Mapping) else g for g in given if not isinstance(g, Mapping) or g.get("key") not in known]


def check_components(version_components: list[dict], supplied: list | None) -> list:
    """`supplied` (none: an empty list) if every entry names a component of the version; else Invalid."""
    supplied = supplied or []
    bad = unknown_components(version_components, supplied)
    if bad:
        raise Invalid(_("Thành phần hồ sơ không có trong thủ tục."), code="unknown_component", components=bad)
    return supplied


def counter_source(component: Mapping) -> str:
    """"receipt" or "result" when the applicant may bring the original paper to the counter, else ""."""
    for source in component.get("sources", []) or []:
        if isinstance(source, Mapping) and "counter" in source:
            return str(source["counter"])
    return ""


def required_components(dossier: Dossier, data: dict | None = None) -> list[str]:
    """The components the dossier must hold: required, their condition holding, and not a paper
    the applicant brings to the counter (the officer compares the original there; nothing is filed)."""
    context = {"channel": dossier.channel}
    return [
        c["key"]
        for c in dossier.procedure_version.components
        if c.get("required", True) and not counter_source(c)
        and evaluate(c.get("when"), data if data is not None else dossier.data, context)
    ]


def merge_components(current: list, supplied: list) -> list:
    by_key = {c["key"]: c for c in current if isinstance(c, dict) and "key" in c}
    by_key.update({c["key"]: c for c in supplied})
    return list(by_key.values())
