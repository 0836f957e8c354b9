"""Procedures and their immutable versions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class ServiceMode(models.TextChoices):
    FULL = "full", _("Toàn trình")
    PARTIAL = "partial", _("Một phần")


class Procedure(models.Model):
    """A procedure's identity and the facts of its current version that lists and search need."""

    code = models.CharField(_("mã thủ tục"), max_length=32, unique=True)
    names = models.JSONField(default=dict)  # {"vi": …, "en": …, "bn": …}
    field = models.JSONField(default=dict)  # lĩnh vực: {"code": …, "vi": …, "en": …}
    field_code = models.CharField(max_length=64, db_index=True, default="")
    levels = models.JSONField(default=list)  # ["commune"], ["province", "commune"] …
    # ",commune,province," so "implemented at level X" is one indexed LIKE, on every database.
    levels_key = models.CharField(max_length=64, db_index=True, default="")
    agency = models.CharField(max_length=32, blank=True, default="")
    # ",province/health,commune/,": the (level, agency) of every unit that receives and decides it (its
    # `receivers`, else its levels with its agency; "" is the level's own administration), so "the
    # procedures this unit implements" is one LIKE whether or not a condition chooses the receiver.
    implementers_key = models.CharField(max_length=255, db_index=True, blank=True, default="")
    # ",commune,": the levels whose desks may take it in and hand it over (`hand_over`).
    hand_over_key = models.CharField(max_length=64, blank=True, default="")
    unit_codes_key = models.TextField(blank=True, default="")  # ",code,code," or empty: every unit
    # ",project-06," (the catalog's programmes the current version names): one indexed LIKE, as levels_key.
    programmes_key = models.CharField(max_length=255, db_index=True, blank=True, default="")
    service_mode = models.CharField(max_length=8, choices=ServiceMode.choices)
    processing_days = models.PositiveIntegerField(_("thời hạn (ngày làm việc)"))
    fee = models.PositiveIntegerField(_("lệ phí (đồng)"), default=0)  # the standard amount
    # Code, names and field in every language, folded (no case, no diacritics), for search.
    search_text = models.TextField(default="")
    current = models.ForeignKey(
        "ProcedureVersion", null=True, on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return localized(self.names)

    @property
    def field_name(self) -> str:
        return localized({k: v for k, v in self.field.items() if k != "code"})

    @property
    def programmes(self) -> list[str]:
        return programmes_of(self.programmes_key)

    @property
    def level(self) -> str:
        """The first implementing level (lists show one)."""
        return self.levels[0] if self.levels else ""


class ProcedureVersion(models.Model):
    """One loaded definition. Never edited: a changed file makes a new version."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    digest = models.CharField(max_length=64)
    source = models.CharField(max_length=255, blank=True)
    # The YAML text as loaded: `catalog export` writes it back byte for byte.
    source_text = models.TextField(blank=True, default="")
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["procedure", "number"], name="unique_procedure_version")]
        ordering = ["procedure", "number"]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number}"

    @property
    def form_schema(self) -> dict:
        return self.definition["form"]

    @property
    def processing_days(self) -> int:
        return int(self.definition["processing_days"])

    @property
    def components(self) -> list[dict]:
        return self.definition.get("components", [])


def implementers_key(definition: dict) -> str:
    """The column's form of who implements a definition: `receivers` when it has them, else levels × agency."""
    pairs = [(r["level"], r.get("agency", "")) for r in definition.get("receivers") or []] or [
        (level, definition.get("agency", "")) for level in definition["levels"]]
    return "," + ",".join(dict.fromkeys(f"{level}/{agency}" for level, agency in pairs)) + ","


def hand_over_key(definition: dict) -> str:
    levels = (definition.get("hand_over") or {}).get("levels") or []
    return ("," + ",".join(levels) + ",") if levels else ""


def programmes_key(programmes: list[str]) -> str:
    """The column's form of a definition's `programmes` (",project-06," or empty)."""
    return ("," + ",".join(programmes) + ",") if programmes else ""


def programmes_of(key: str) -> list[str]:
    return [p for p in key.split(",") if p]


def localized(texts: dict | str | None, language: str | None = None) -> str:
    """Pick the text in the active language, falling back to the site's default, to Vietnamese, then any."""
    if not texts:
        return ""
    if isinstance(texts, str):
        return texts
    language = (language or get_language() or settings.LANGUAGE_CODE)[:2]
    return texts.get(language) or texts.get(settings.LANGUAGE_CODE) or texts.get("vi") or next(iter(texts.values()), "")


class ProcedureOffer(models.Model):
    """A unit administrator's word on whether a unit receives a procedure it would by the catalog's rule.

    The catalog says which units implement a procedure (levels, agency, unit codes:
    catalog/search.py); a unit may stop receiving one (no staff for it, handed to another
    unit) and take it up again. No row: the catalog's rule holds. Written by the
    unit-administration pages (backoffice/unit_admin.py), every change audited there.
    """

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="offers")
    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="procedure_offers")
    offered = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["procedure", "unit"], name="unique_procedure_offer")]

    def __str__(self) -> str:
        return f"{self.procedure_id}@{self.unit_id}: {'offered' if self.offered else 'not offered'}"


class CatalogVersion(models.Model):
    """The vocabulary in force (the catalog files of CATALOG_DIRS) as imported: never edited.

    The running processes read the files themselves (catalog/vocab.py); each import that finds
    them changed records them here, so `export` gives back the vocabulary with the procedures
    and what was in force when stays known.
    """

    number = models.PositiveIntegerField(unique=True)
    digest = models.CharField(max_length=64)  # of the merged vocabulary: layout and comments aside
    vocabulary = models.JSONField()  # the merged sections
    files = models.JSONField()  # [{"name": "1/agencies.yaml", "source": path, "text": as loaded}]
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"catalog v{self.number}"
