"""Users, citizen profiles and API bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.lib.compiled import Compiled
from motcua.lib.personal_id import InvalidPersonalId, validate_personal_id
from motcua.lib.text import fold


class User(AbstractUser):
    """A person who signs in: citizen, officer or both."""

    # The language the person last chose on the site (empty: never chose); mail
    # and other messages sent outside a request are written in it.
    language = models.CharField(_("ngôn ngữ"), max_length=8, blank=True, default="")
    # The name as the person writes it ("Cao Thị Yến": family, middle, given). Django's
    # first_name/last_name are not used: rebuilt, they print "Yến Cao Thị" on a signed result.
    full_name = models.CharField(_("họ và tên"), max_length=255, blank=True, default="")

    def get_full_name(self) -> str:
        """The name as written; for a citizen without one, the name the e-ID registered."""
        if self.full_name:
            return self.full_name
        citizen = getattr(self, "citizen", None) if self.pk else None
        return citizen.full_name if citizen is not None else ""

    def get_short_name(self) -> str:
        # The given name is the last word of a Vietnamese name.
        return self.get_full_name().rpartition(" ")[2]


# The reason in the user's language: the helper's own text is English, for logs.
_PID_REASONS = {
    "format": _("phải gồm đúng 12 chữ số"),
    "province": _("ba chữ số đầu không phải mã tỉnh, thành phố"),
    "country": _("không đúng dạng số định danh của quốc gia"),
}


def _validate_pid(value: str) -> None:
    try:
        validate_personal_id(value)
    except InvalidPersonalId as exc:
        raise ValidationError(
            _("Số định danh cá nhân không hợp lệ: %(reason)s"),
            code="invalid_personal_id",
            params={"reason": _PID_REASONS.get(exc.code, _PID_REASONS["format"])},
        ) from exc


class CitizenProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="citizen")
    personal_id = models.CharField(_("số định danh cá nhân"), max_length=12, unique=True, validators=[_validate_pid])
    full_name = models.CharField(_("họ và tên"), max_length=255)
    birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)
    # e-ID assurance level (1: basic account, 2: identity verified in person).
    assurance_level = models.PositiveSmallIntegerField(default=2)
    home_unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="residents"
    )
    # The name folded (lib/text.fold: no case, no diacritics): officers search dossiers by the
    # applicant's name typed without marks ("nguyen van an"), from its start, through an index.
    search_name = models.CharField(max_length=255, blank=True, default="", editable=False)

    class Meta:
        indexes = [
            # varchar_pattern_ops: PostgreSQL uses the index for LIKE 'prefix%' whatever the collation
            # (other databases ignore the operator class).
            models.Index(fields=["search_name"], name="citizen_search_name", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.personal_id})"

    def save(self, *args, **kwargs) -> None:
        _validate_pid(self.personal_id)
        self.search_name = fold(self.full_name)[:255]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "full_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)


@cache
def _serves_units() -> Exists:
    """Whether the token's user holds any membership: built once (each query resolves its own copy)."""
    return Exists(apps.get_model("units", "Membership").objects.filter(user=OuterRef("user_id")))


@cache
def _on_teams() -> Exists:
    """Whether the token's user sits on a team or council (units.teams.teams_of asks only then)."""
    return Exists(apps.get_model("units", "Team").members.through.objects.filter(user=OuterRef("user_id")))


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def live(self):
        return self.filter(expires_at__gt=timezone.now(), revoked_at__isnull=True)


def _token_lookup(digest: str, now):
    return (
        ApiToken.objects.filter(expires_at__gt=now, revoked_at__isnull=True, digest=digest)
        .select_related("user__citizen__home_unit").annotate(serves_units=_serves_units(), on_teams=_on_teams())
        .order_by("pk")[:1]
    )


# Every API request runs it: compiled once per process (lib/compiled.py).
_TOKEN_LOOKUP = Compiled(_token_lookup)


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the raw value is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    @classmethod
    def issue(cls, user: User, label: str = "") -> str:
        raw = "mc_" + secrets.token_urlsafe(32)
        cls.objects.create(
            user=user,
            digest=_digest(raw),
            label=label,
            expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
        )
        return raw

    @classmethod
    def user_for(cls, raw: str) -> User | None:
        if not raw or len(raw) > 200:
            return None
        # The citizen profile and home unit come along: submitting needs both (two queries fewer); and
        # whether the user serves any unit (as identity.backends does for sessions): a citizen's grants
        # are then known to be none, without the membership query (units.scope.grants_of).
        token = _TOKEN_LOOKUP.first(_digest(raw), timezone.now())
        if token is None or not token.user.is_active:
            return None
        user = token.user
        user.serves_units, user.on_teams = token.serves_units, token.on_teams
        if not token.serves_units:
            user._motcua_grants = ()  # what units.scope.grants_of would read: no membership
        return user
