"""The data step of dossiers/0004: dossiers filed before the KPI fact columns get them from their components."""

from __future__ import annotations

import importlib

from django.apps import apps

from motcua.dossiers import actions
from motcua.dossiers.facts import UPLOAD, sources_mask
from motcua.dossiers.models import Dossier
from motcua.identity.models import User
from tests.conftest import BIRTH, BIRTH_COMPONENTS

step = importlib.import_module("motcua.dossiers.migrations.0004_h4_kpi_facts")


def test_old_dossiers_get_their_component_sources_in_chunks(demo, monkeypatch):
    citizen = User.objects.get(username="citizen")
    with_files = [actions.submit(citizen, "1.001193", dict(BIRTH), components=list(BIRTH_COMPONENTS)).code for _ in range(7)]
    without = actions.submit(citizen, "1.001193", dict(BIRTH), components=[]).code
    expected = {code: sources_mask(Dossier.objects.get(code=code).components) for code in [*with_files, without]}
    assert all(expected[c] & UPLOAD for c in with_files) and expected[without] == 0
    Dossier.objects.update(component_sources=0)  # as before the column existed

    writes: list[int] = []
    real_write = step._write
    monkeypatch.setattr(step, "_write", lambda model, chunk: (writes.append(sum(map(len, chunk.values()))), real_write(model, chunk)))
    step.fill_facts(apps, None)

    assert dict(Dossier.objects.values_list("code", "component_sources")) == expected
    assert sum(writes) == len(with_files)  # one write per mask and chunk, never one per dossier
