"""The agency tree and who works where, in which role."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    """The kinds the code names. Which kinds a country has, their names and which are levels are
    data (the catalog's `unit_kinds`, read into settings.UNIT_KINDS and UNIT_LEVELS): Bangladesh has divisions, districts,
    upazilas and unions; `department` and `one_stop` are in every catalog."""

    MINISTRY = "ministry", _("Bộ, ngành")
    PROVINCE = "province", _("Tỉnh, thành phố")
    DEPARTMENT = "department", _("Sở, ban, ngành")
    COMMUNE = "commune", _("Xã, phường, đặc khu")
    ONE_STOP = "one_stop", _("Bộ phận một cửa")


class Role(models.TextChoices):
    ONE_STOP_OFFICER = "one_stop_officer", _("Cán bộ một cửa")
    SPECIALIST = "specialist", _("Chuyên viên")
    APPROVER = "approver", _("Lãnh đạo phê duyệt")
    UNIT_ADMIN = "unit_admin", _("Quản trị đơn vị")
    MONITOR = "monitor", _("Theo dõi, giám sát")
    # The catalogue's authors (issue 24): they write and publish procedures for their subtree, and see no
    # dossier (units.scope.grants_of leaves them out of the grants that scope dossiers and petitions).
    CATALOG_EDITOR = "catalog_editor", _("Biên tập danh mục thủ tục")
    CATALOG_APPROVER = "catalog_approver", _("Phê duyệt danh mục thủ tục")


# Roles over the catalogue, not over dossiers (motcua/authoring).
CATALOG_ROLES = frozenset({Role.CATALOG_EDITOR, Role.CATALOG_APPROVER})



def level_kinds() -> frozenset[str]:
    """The kinds that are administrative levels (the catalog's `level: true`, read into settings);
    other units take the level of their nearest such ancestor."""
    return settings.UNIT_LEVELS


def known_unit_kind(value: str) -> None:
    if value not in settings.UNIT_KINDS:
        raise ValidationError(_("Loại đơn vị %(value)s không có; các loại có: %(known)s"),
                              params={"value": repr(value), "known": ", ".join(sorted(settings.UNIT_KINDS))})


def path_ids(path: str) -> list[int]:
    """The unit ids on a materialized path ("/1/4/9/" → [1, 4, 9]): the root first, the unit itself last.

    For paths read without their unit (`values_list("path")`); on a Unit, `unit.ancestor_ids`.
    """
    return [int(pk) for pk in path.strip("/").split("/") if pk]


class Unit(models.Model):
    # Electronic identification code of the agency (mã định danh điện tử), e.g. 000.00.17.H56.
    code = models.CharField(_("mã định danh"), max_length=32, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    name_en = models.CharField(max_length=255, blank=True)
    name_bn = models.CharField(max_length=255, blank=True)
    # A key of the catalog's unit_kinds (no `choices`: the kinds are data, not a migration).
    kind = models.CharField(_("loại"), max_length=16, validators=[known_unit_kind])
    # Sector of the agency (police, justice, social_insurance…; the catalog's `agencies`):
    # lets a procedure say "the police at commune level" without naming units.
    agency = models.CharField(_("ngành"), max_length=32, blank=True, db_index=True)
    # Administrative level the unit belongs to (ministry, province or commune), derived
    # from the tree: a department of a province is at province level.
    level = models.CharField(max_length=16, editable=False, default="", db_index=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # Materialized path of primary keys ("/1/4/9/") so a subtree is one indexed prefix query.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is None:
            super().save(*args, **kwargs)
            kwargs = {k: v for k, v in kwargs.items() if k not in ("force_insert",)}
        self.path = (self.parent.path if self.parent else "/") + f"{self.pk}/"
        self.level = self._derive_level()
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        """The unit's name in the reader's language (the active one): the same on every page.

        Bengali without its own name falls back to the English one, then the Vietnamese.
        """
        language = (get_language() or "vi")[:2]
        if language == "bn":
            return self.name_bn or self.name_en or self.name
        if language != "vi":
            return self.name_en or self.name
        return self.name

    def _derive_level(self) -> str:
        node: Unit | None = self
        levels = level_kinds()
        while node is not None:
            if node.kind in levels:
                return node.kind
            node = node.parent
        return ""

    @property
    def ancestor_ids(self) -> list[int]:
        """The ids on the unit's path: the root first, the unit itself last (no query)."""
        return path_ids(self.path)

    def subtree(self) -> models.QuerySet[Unit]:
        return Unit.objects.filter(path__startswith=self.path)

    @property
    def scope_root(self) -> Unit:
        """The unit whose subtree this unit's staff serve.

        A one-stop desk receives dossiers on behalf of its parent (the province's
        public administration service centre receives for every department), so
        its staff act on the parent's subtree.
        """
        if self.kind == UnitKind.ONE_STOP and self.parent is not None:
            return self.parent
        return self


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} — {self.role} @ {self.unit.code}"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        self._forget_grants()

    def delete(self, *args, **kwargs):
        self._forget_grants()
        return super().delete(*args, **kwargs)

    def _forget_grants(self) -> None:
        # units.scope.grants_of keeps a user's grants on the user object: the one in hand changed.
        user = self._state.fields_cache.get("user")
        if user is not None:
            user.__dict__.pop("_motcua_grants", None)


class CalendarDay(models.Model):
    """A day that the law or a local decision changes from the country's calendar.

    E.g. the Prime Minister's yearly decision to swap a bridge day for a Saturday,
    or a province's day off. With no unit it applies everywhere; with a unit, to
    that unit's subtree.
    """

    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="calendar_days")
    day = models.DateField()
    working = models.BooleanField(help_text="true: a working day (e.g. a swapped Saturday); false: a day off")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["unit", "day"], name="unique_calendar_day")]

    def __str__(self) -> str:
        return f"{self.day} {'working' if self.working else 'off'} {self.unit.code if self.unit else ''}".strip()


class Team(models.Model):
    """A team or council of a unit (the food-safety inspection group of the Health Department).

    `key` is a kind of the catalog's `teams`; a step naming it (`team:`) is done by the unit's team
    of that kind, and any member may act on it, whatever their role or unit (a council gathers
    people of several agencies). Membership is data: the admin, or the demo's teams.
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="teams")
    key = models.CharField(_("loại tổ"), max_length=32)
    name = models.CharField(_("tên"), max_length=255, blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="teams")

    class Meta:
        ordering = ["unit", "key"]
        constraints = [models.UniqueConstraint(fields=["unit", "key"], name="unique_team_kind_per_unit")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.unit.code}"
