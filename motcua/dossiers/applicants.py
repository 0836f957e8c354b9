"""Who a counter or postal dossier is for: the applicant the one-stop officer names (issue 17).

A Vietnamese citizen is named by their personal ID number: checked
(`lib/personal_id.py`), then looked up in the population registry, which gives
the name as registered. A citizen already known (an account from an e-ID login
or an earlier counter visit) is that User; otherwise a User and CitizenProfile
are made under the same username an e-ID login would make (`eid-<number>`), so
the person's first login finds their counter dossiers. A foreigner is named by
passport number and full name, a company by tax code and name (the enterprise
registry's name wins when it knows the code); both become a User without a
citizen profile, found again by the same identity.

Nothing is saved here: `Applicant.save` runs inside the filing's transaction,
so a refused filing leaves no User behind.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from motcua.identity.models import CitizenProfile, User
from motcua.lib.errors import Invalid
from motcua.lib.personal_id import InvalidPersonalId, validate_personal_id
from motcua.vault import registries

PASSPORT = re.compile(r"^[A-Z0-9]{6,20}$")
TAX_CODE = re.compile(r"^[0-9]{10}(-[0-9]{3})?$")
KINDS = ("citizen", "foreigner", "company")


@dataclass
class Applicant:
    user: User
    identity: dict  # what the officer named, kept in the submit event: {"kind", …}
    profile: CitizenProfile | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return self.user.full_name or (self.profile.full_name if self.profile else "")

    def save(self) -> None:
        """Inside the filing's transaction: the new User (and profile), if the applicant was not known."""
        if self.user.pk is None:
            self.user.save()
            if self.profile is not None:
                self.profile.user = self.user
                self.profile.save()


def _name(value: object) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if "\x00" in text or len(text) > 255:
        return ""
    return " ".join(text.split())


def _refuse(message: str, code: str, **extra) -> Invalid:
    return Invalid(message, code=code, field="applicant", **extra)


def _citizen(personal_id: object, typed_name: str) -> Applicant:
    try:
        number = validate_personal_id(personal_id)  # type: ignore[arg-type]
    except InvalidPersonalId as exc:
        reason = {
            "province": _("ba chữ số đầu không phải mã tỉnh, thành phố"),
            "country": _("không đúng dạng số định danh của quốc gia"),
        }.get(exc.code, _("phải gồm đúng 12 chữ số"))
        raise _refuse(_("Số định danh cá nhân không hợp lệ: %(reason)s") % {"reason": reason}, "invalid_personal_id") from None
    known = CitizenProfile.objects.select_related("user").filter(personal_id=number).first()
    if known is not None:
        return Applicant(known.user, {"kind": "citizen", "personal_id": number}, known)
    record, notes = None, []
    adapter = registries.get("population")
    if adapter is not None:
        try:
            record = adapter.lookup(number)
        except registries.RegistryUnavailable:
            notes.append("population_unavailable")
    full_name = _name(record.get("full_name")) if record is not None else ""
    if not full_name:
        if not typed_name:
            raise _refuse(
                _("Không tìm thấy số định danh %(number)s trong cơ sở dữ liệu quốc gia về dân cư; hãy nhập họ và tên như trên giấy tờ.")
                % {"number": number}, "person_not_found",
            )
        full_name = typed_name
    birth = None
    if record is not None and isinstance(record.get("birth_date"), str):
        try:
            birth = date.fromisoformat(str(record.get("birth_date")))
        except ValueError:
            birth = None
    user = User(username=f"eid-{number}", full_name=full_name)
    user.set_unusable_password()  # signs in through the e-ID only, like an account an e-ID login makes
    # Assurance level 1: no e-ID login has verified an account yet (the officer saw the papers, which the
    # dossier's history says); the person's first e-ID login sets the level its provider proves.
    profile = CitizenProfile(user=user, personal_id=number, full_name=full_name, birth_date=birth, assurance_level=1)
    identity = {"kind": "citizen", "personal_id": number, "registry": record is not None}
    return Applicant(user, identity, profile, notes)


def _typed(username: str, full_name: str, identity: dict) -> Applicant:
    known = User.objects.filter(username=username).first()
    if known is not None:
        return Applicant(known, identity)
    user = User(username=username, full_name=full_name)
    user.set_unusable_password()
    return Applicant(user, identity)


def resolve(spec: Mapping) -> Applicant:
    """The applicant a counter filing names; Invalid (422) with a message in the officer's language."""
    typed_name = _name(spec.get("full_name"))
    if spec.get("personal_id") is not None:
        return _citizen(spec.get("personal_id"), typed_name)
    if spec.get("passport") is not None:
        number = str(spec.get("passport")).strip().upper()
        if not PASSPORT.fullmatch(number):
            raise _refuse(_("Số hộ chiếu không hợp lệ: 6 đến 20 chữ cái hoặc chữ số."), "invalid_passport")
        if not typed_name:
            raise _refuse(_("Hãy nhập họ và tên người nước ngoài như trên hộ chiếu."), "full_name_required")
        nationality = _name(spec.get("nationality"))[:64]
        identity = {"kind": "foreigner", "passport": number, "full_name": typed_name, "nationality": nationality}
        return _typed(f"passport-{number}", typed_name, identity)
    if spec.get("tax_code") is not None:
        code = str(spec.get("tax_code")).strip()
        if not TAX_CODE.fullmatch(code):
            raise _refuse(_("Mã số thuế không hợp lệ: 10 chữ số (hoặc 10 chữ số, gạch ngang, 3 chữ số)."), "invalid_tax_code")
        name = typed_name
        adapter = registries.get("enterprise")
        if adapter is not None:
            try:
                record = adapter.lookup(code)
            except registries.RegistryUnavailable:
                record = None
            if record is not None and _name(record.get("name")):
                name = _name(record.get("name"))
        if not name:
            raise _refuse(_("Hãy nhập tên tổ chức như trong giấy đăng ký."), "full_name_required")
        return _typed(f"org-{code}", name, {"kind": "company", "tax_code": code, "full_name": name})
    raise _refuse(
        _("Hãy cho biết người nộp: số định danh cá nhân, hoặc số hộ chiếu và họ tên, hoặc mã số thuế và tên tổ chức."),
        "applicant_required",
    )
