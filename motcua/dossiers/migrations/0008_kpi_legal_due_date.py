"""KPI-766.md §5 (decided 2026-12-04): the legal due date on every dossier, and the source facts of 4.2–4.5.

- `legal_due_at` was the first promise, never moved. It becomes the legal due date: the
  first promise moved by each supplement round's pause (as `due_at` was), never by an
  apology letter. A dossier without an apology letter has `legal_due_at = due_at`
  (exact); one with letters replays its rounds (`SupplementRequest.paused_days`, in
  order) on its unit's working-day calendar, as the supplement action does.
- `component_sources` is recomputed from the components (registry components read for
  this dossier, population-registry data, scanned paper) and the submit event's
  `registry_fields` (fields prefilled from the population registry).

Run `motcua kpi rebuild` after migrating: the counters then follow the new rules.
"""

from django.conf import settings
from django.db import migrations, models
from django.db.models import F

BATCH = 2000


def _calendars(apps):
    from motcua.dossiers.deadlines import _calendar_of

    CalendarDay = apps.get_model("units", "CalendarDay")
    overrides = [
        (day, working, unit_id, path or "")
        for day, working, unit_id, path in CalendarDay.objects.values_list("day", "working", "unit_id", "unit__path")
    ]
    found = {}

    def of(path):
        if path not in found:
            found[path] = _calendar_of(overrides, path)
        return found[path]

    return of


def legal_due_dates(apps, schema_editor):
    from motcua.dossiers.deadlines import shift

    Dossier = apps.get_model("dossiers", "Dossier")
    SupplementRequest = apps.get_model("dossiers", "SupplementRequest")
    Dossier.objects.filter(apology_count=0, due_at__isnull=False).exclude(legal_due_at=F("due_at")).update(
        legal_due_at=F("due_at")
    )
    calendar = _calendars(apps)
    apologised = Dossier.objects.filter(apology_count__gt=0, legal_due_at__isnull=False).select_related("unit")
    for d in apologised.iterator(chunk_size=BATCH):
        legal = d.legal_due_at
        rounds = SupplementRequest.objects.filter(dossier_id=d.pk, paused_days__gt=0).order_by("number")
        for days in rounds.values_list("paused_days", flat=True):
            legal = shift(legal, days, calendar(d.unit.path))
        if legal != d.legal_due_at:
            Dossier.objects.filter(pk=d.pk).update(legal_due_at=legal)


def source_facts(apps, schema_editor):
    from motcua.dossiers.facts import sources_mask

    Dossier = apps.get_model("dossiers", "Dossier")
    DossierEvent = apps.get_model("dossiers", "DossierEvent")
    rows = Dossier.objects.only("pk", "components", "component_sources").order_by("pk")
    batch = []
    for d in rows.iterator(chunk_size=BATCH):
        batch.append(d)
        if len(batch) >= BATCH:
            _recompute(Dossier, DossierEvent, batch, sources_mask)
            batch = []
    _recompute(Dossier, DossierEvent, batch, sources_mask)


def _recompute(Dossier, DossierEvent, batch, sources_mask):
    # One query for the batch's submit events: the registries their fields were prefilled from.
    events = DossierEvent.objects.filter(dossier_id__in=[d.pk for d in batch], action="submit")
    prefilled = {}
    for dossier_id, data in events.values_list("dossier_id", "data"):
        fields = (data or {}).get("registry_fields") if isinstance(data, dict) else None
        prefilled[dossier_id] = list(fields.values()) if isinstance(fields, dict) else []
    changed = []
    for d in batch:
        mask = sources_mask(d.components, prefilled.get(d.pk, ()))
        if mask != d.component_sources:
            d.component_sources = mask
            changed.append(d)
    Dossier.objects.bulk_update(changed, ["component_sources"])


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0002_search_trigram_index'),
        ('dossiers', '0007_kpi_facts_index'),
        ('units', '0002_calendarday'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(legal_due_dates, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(source_facts, migrations.RunPython.noop, elidable=True),
        migrations.RemoveIndex(
            model_name='dossier',
            name='dossier_kpi_facts',
        ),
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(condition=models.Q(('received_at__isnull', False)), fields=['unit', 'procedure'], include=('received_at', 'status', 'channel', 'procedure_version', 'fee', 'paid_online', 'component_sources', 'vneid_auth', 'disliked', 'apology_count', 'finished_at', 'updated_at', 'legal_due_at'), name='dossier_kpi_facts'),
        ),
    ]
