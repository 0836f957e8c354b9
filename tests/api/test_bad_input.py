"""Bad input gets a 4xx with a machine-readable code and a readable message, and writes nothing.

Never a 500 (the test client re-raises a server error, so one would fail the
test loudly), never a half-written dossier: the rows of dossiers, history,
audit, outbox and results are counted before and after every bad request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from motcua.audit.models import AuditEntry
from motcua.dossiers import actions
from motcua.dossiers.models import DailySequence, Dossier, DossierEvent
from motcua.identity.models import ApiToken, CitizenProfile, User
from motcua.lib.errors import NotFound
from motcua.lib.personal_id import InvalidPersonalId, birth_year, validate_personal_id
from motcua.notifications.models import OutboxEvent
from motcua.results.models import Result
from tests.conftest import BIRTH, BIRTH_COMPONENTS, ApiClient

# A letter only Vietnamese writes: the message is in Vietnamese, not an English fallback.
VIETNAMESE = re.compile(r"[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]", re.IGNORECASE)
ANBINH, HOATHUAN = "000.11.00.H99", "000.12.00.H99"
MODELS = (Dossier, DossierEvent, AuditEntry, OutboxEvent, Result, DailySequence)


def row_counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


@pytest.fixture
def submitted(as_user) -> str:
    """A dossier of `citizen` at An Bình, status 1 (newly submitted)."""
    citizen = as_user("citizen")
    r = citizen.post("/dossiers", {"procedure": "1.001193", "data": BIRTH, "components": citizen.references(BIRTH_COMPONENTS)})
    assert r.status_code == 201, r.content
    return r.json()["code"]


def _token(spec: str) -> str | None:
    """`user:NAME` a live token; `expired:NAME`, `revoked:NAME`, `inactive:NAME`; `raw:VALUE`; `none`."""
    kind, _, value = spec.partition(":")
    if kind == "none":
        return None
    if kind == "raw":
        return value
    user = User.objects.get(username=value)
    raw = ApiToken.issue(user)
    token = ApiToken.objects.filter(user=user).latest("id")
    if kind == "expired":
        token.expires_at = timezone.now() - timedelta(seconds=1)
        token.save()
    elif kind == "revoked":
        token.revoked_at = timezone.now()
        token.save()
    elif kind == "inactive":
        user.is_active = False
        user.save()
    return raw


NOBODY = object()


@dataclass
class Case:
    id: str
    auth: str
    method: str
    path: str
    status: int
    code: str
    body: object = NOBODY  # dict/list → JSON; str → sent as is
    headers: dict[str, str] = field(default_factory=dict)
    check: Callable[[dict], None] | None = None


def _form_errors(*expected: tuple[str, str]) -> Callable[[dict], None]:
    def check(body: dict) -> None:
        got = {(e["field"], e["code"]) for e in body["errors"]}
        assert set(expected) <= got, got
        assert all(VIETNAMESE.search(e["message"]) for e in body["errors"]), body["errors"]

    return check


def _allowed(expected: list[str]) -> Callable[[dict], None]:
    def check(body: dict) -> None:
        assert body["allowed"] == expected

    return check


def _field_errors(*fields: str) -> Callable[[dict], None]:
    def check(body: dict) -> None:
        assert {f for f in fields} <= {e["field"] for e in body["errors"]}, body["errors"]

    return check


SUBMIT = "/dossiers"
D = "/dossiers/{code}"

CASES = [
    # --- submission --------------------------------------------------------------
    Case("unknown procedure", "user:citizen", "POST", SUBMIT, 422, "unknown_procedure",
         {"procedure": "9.999999", "data": BIRTH}),
    Case("form: missing and wrong values", "user:citizen", "POST", SUBMIT, 422, "invalid_form",
         {"procedure": "1.001193", "data": {**{k: v for k, v in BIRTH.items() if k != "mother_name"},
                                            "child_sex": "khac", "child_birth_date": "20/11/2026"}},
         check=_form_errors(("mother_name", "required"), ("child_sex", "enum"), ("child_birth_date", "format"))),
    Case("form: wrong type and length", "user:citizen", "POST", SUBMIT, 422, "invalid_form",
         {"procedure": "1.001193", "data": {**BIRTH, "child_name": 7, "birth_place": "x"}},
         check=_form_errors(("child_name", "type"), ("birth_place", "minLength"))),
    Case("form: empty", "user:citizen", "POST", SUBMIT, 422, "invalid_form", {"procedure": "1.001193", "data": {}},
         check=_form_errors(("child_name", "required"), ("relationship", "required"))),
    Case("unknown component", "user:citizen", "POST", SUBMIT, 422, "unknown_component",
         {"procedure": "1.001193", "data": BIRTH, "components": [{"key": "passport", "source": "registry"}]}),
    Case("unknown unit", "user:citizen", "POST", SUBMIT, 422, "unknown_unit",
         {"procedure": "1.001193", "data": BIRTH, "unit": "000.99.99.H99"},
         check=lambda b: set(b["choices"]) == {ANBINH, HOATHUAN}),
    Case("unit of the wrong level", "user:citizen", "POST", SUBMIT, 422, "unknown_unit",
         {"procedure": "1.001193", "data": BIRTH, "unit": "000.00.30.H99"}),
    Case("officer submits", "user:onestop_anbinh", "POST", SUBMIT, 403, "not_a_citizen",
         {"procedure": "1.001193", "data": BIRTH}),
    # --- reading someone else's ----------------------------------------------------
    Case("citizen reads another's dossier", "user:citizen2", "GET", D, 404, "dossier_not_found"),
    Case("citizen reads another's result", "user:citizen2", "GET", D + "/result", 404, "dossier_not_found"),
    Case("officer of another unit reads", "user:onestop_hoathuan", "GET", D, 404, "dossier_not_found"),
    Case("officer lists another unit", "user:onestop_hoathuan", "GET", f"/dossiers?unit={ANBINH}", 403,
         "unit_forbidden"),
    Case("no result yet", "user:citizen", "GET", D + "/result", 404, "no_result"),
    # --- acting ----------------------------------------------------------------------
    Case("officer of another unit acts", "user:onestop_hoathuan", "POST", D + "/actions/receive", 404,
         "dossier_not_found"),
    Case("citizen acts on another's dossier", "user:citizen2", "POST", D + "/actions/withdraw", 404,
         "dossier_not_found"),
    Case("illegal transition", "user:onestop_anbinh", "POST", D + "/actions/return_result", 409,
         "illegal_transition", check=_allowed(["receive", "refuse", "request_supplement"])),
    Case("illegal transition for the applicant", "user:citizen", "POST", D + "/actions/start_processing", 409,
         "illegal_transition", check=_allowed(["withdraw"])),
    Case("wrong role: specialist receives", "user:specialist_anbinh", "POST", D + "/actions/receive", 403,
         "forbidden", check=_allowed([])),
    Case("wrong role: citizen receives own dossier", "user:citizen", "POST", D + "/actions/receive", 403,
         "forbidden", check=_allowed(["withdraw"])),
    Case("wrong role: officer withdraws", "user:onestop_anbinh", "POST", D + "/actions/withdraw", 403,
         "forbidden", check=_allowed(["receive", "refuse", "request_supplement"])),
    Case("unknown action", "user:onestop_anbinh", "POST", D + "/actions/explode", 404, "unknown_action",
         check=lambda b: "receive" in b["actions"] and "explode" not in b["actions"]),
    Case("refuse without reason", "user:onestop_anbinh", "POST", D + "/actions/refuse", 422, "reason_required"),
    Case("refuse with a blank reason", "user:onestop_anbinh", "POST", D + "/actions/refuse", 422,
         "reason_required", {"reason": "   \n "}),
    Case("supplement request without items", "user:onestop_anbinh", "POST", D + "/actions/request_supplement", 422,
         "supplement_items_required", {"reason": "Thiếu giấy tờ"},
         check=lambda b: "birth_certificate" in b["known"]),
    Case("supplement request for an unknown component", "user:onestop_anbinh", "POST",
         D + "/actions/request_supplement", 422, "supplement_items_required",
         {"reason": "Thiếu", "items": [{"key": "passport", "reason": "?"}]},
         check=lambda b: b["components"] == ["passport"]),
    Case("supplement items are not a list", "user:onestop_anbinh", "POST", D + "/actions/request_supplement", 422,
         "invalid_request", {"reason": "Thiếu", "items": "birth_certificate"}),
    Case("claim before receipt", "user:specialist_anbinh", "POST", D + "/actions/claim", 409, "illegal_transition",
         check=_allowed([])),
    Case("a supplement answer nobody asked for", "user:citizen", "POST", D + "/actions/submit_supplement", 409,
         "illegal_transition", {"components": [{"key": "birth_certificate", "source": "registry"}]},
         check=_allowed(["withdraw"])),
    Case("negative amount", "user:onestop_anbinh", "POST", D + "/actions/request_payment", 422, "invalid_request",
         {"amount": -5}),
    Case("new due date is not a date", "user:onestop_anbinh", "POST", D + "/actions/issue_apology", 422,
         "invalid_request", {"reason": "Trễ", "new_due_date": "ngày mai"}),
    Case("unknown dossier", "user:onestop_anbinh", "POST", "/dossiers/000.11.00.H99-260101-9999/actions/receive",
         404, "dossier_not_found"),
    # --- tokens ------------------------------------------------------------------------
    Case("missing token", "none", "GET", "/dossiers", 401, "unauthorized"),
    Case("missing token on submit", "none", "POST", SUBMIT, 401, "unauthorized",
         {"procedure": "1.001193", "data": BIRTH}),
    Case("not a bearer scheme", "none", "GET", "/dossiers", 401, "unauthorized",
         headers={"Authorization": "Basic Y2l0aXplbjpkZW1v"}),
    Case("malformed token", "raw:not a token at all", "GET", "/dossiers", 401, "invalid_token"),
    Case("oversized token", "raw:" + "x" * 5000, "GET", "/dossiers", 401, "invalid_token"),
    Case("unknown token", "raw:mc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "GET", "/dossiers", 401,
         "invalid_token"),
    Case("expired token", "expired:citizen", "GET", D, 401, "invalid_token"),
    Case("revoked token", "revoked:citizen", "POST", SUBMIT, 401, "invalid_token",
         {"procedure": "1.001193", "data": BIRTH}),
    Case("token of a deactivated user", "inactive:citizen3", "GET", "/dossiers", 401, "invalid_token"),
    # --- malformed requests ------------------------------------------------------------
    Case("malformed JSON", "user:citizen", "POST", SUBMIT, 400, "malformed_body", '{"procedure": "1.001193", '),
    Case("not JSON at all", "user:citizen", "POST", SUBMIT, 400, "malformed_body", "procedure=1.001193"),
    Case("NaN in the form data", "user:citizen", "POST", SUBMIT, 400, "malformed_body",
         '{"procedure": "1.001193", "data": {"child_name": "An", "weight": NaN}}'),
    Case("Infinity in the form data", "user:citizen", "POST", SUBMIT, 400, "malformed_body",
         '{"procedure": "1.001193", "data": {"child_name": "An", "weight": -Infinity}}'),
    Case("NUL in the form data", "user:citizen", "POST", SUBMIT, 400, "malformed_body",
         {"procedure": "1.001193", "data": {**BIRTH, "note": "a\u0000b"}}),
    Case("NUL in a key", "user:citizen", "POST", SUBMIT, 400, "malformed_body",
         {"procedure": "1.001193", "data": {**BIRTH, "n\u0000": "x"}}),
    Case("NUL in the procedure code", "user:citizen", "POST", SUBMIT, 400, "malformed_body",
         {"procedure": "1.001\u0000193", "data": BIRTH}),
    Case("NUL in a reason", "user:onestop_anbinh", "POST", D + "/actions/refuse", 400, "malformed_body",
         {"reason": "thiếu\u0000giấy tờ"}),
    Case("NUL in the path", "user:citizen", "GET", "/dossiers/abc%00", 400, "malformed_request"),
    Case("NUL in the query", "user:onestop_anbinh", "GET", "/dossiers?unit=%00", 400, "malformed_request"),
    Case("NUL in a procedure path", "none", "GET", "/procedures/1.001193%00", 400, "malformed_request"),
    # --- wrong types -------------------------------------------------------------------
    Case("body is a list", "user:citizen", "POST", SUBMIT, 422, "invalid_request", [1, 2]),
    Case("data is a list", "user:citizen", "POST", SUBMIT, 422, "invalid_request",
         {"procedure": "1.001193", "data": [BIRTH]}, check=_field_errors("body.data")),
    Case("procedure is a number", "user:citizen", "POST", SUBMIT, 422, "invalid_request",
         {"procedure": 1.001193, "data": BIRTH}, check=_field_errors("body.procedure")),
    Case("procedure missing", "user:citizen", "POST", SUBMIT, 422, "invalid_request", {"data": BIRTH},
         check=_field_errors("body.procedure")),
    Case("unit is a number", "user:citizen", "POST", SUBMIT, 422, "invalid_request",
         {"procedure": "1.001193", "data": BIRTH, "unit": 11}),
    Case("components are strings", "user:citizen", "POST", SUBMIT, 422, "invalid_request",
         {"procedure": "1.001193", "data": BIRTH, "components": ["birth_certificate"]}),
    Case("reason is a number", "user:onestop_anbinh", "POST", D + "/actions/refuse", 422, "invalid_request",
         {"reason": 42}),
    Case("action body is a string", "user:onestop_anbinh", "POST", D + "/actions/receive", 422, "invalid_request",
         '"receive"'),
    Case("status filter is not a number", "user:citizen", "GET", "/dossiers?status=moi", 422, "invalid_request"),
    Case("status filter out of range", "user:citizen", "GET", "/dossiers?status=11", 422, "invalid_request"),
    Case("limit out of range", "user:citizen", "GET", "/dossiers?limit=100000", 422, "invalid_request"),
    Case("unknown procedure page", "none", "GET", "/procedures/9.999999", 404, "unknown_procedure"),
    Case("unknown programme", "none", "GET", "/procedures?programme=project-99", 422, "invalid_request"),
    Case("programme too long", "none", "GET", "/procedures?programme=" + "p" * 33, 422, "invalid_request"),
    Case("NUL in the programme", "none", "GET", "/procedures?programme=project%0006", 400, "malformed_request"),
]


def _send(case: Case, code: str, extra_headers: dict[str, str] | None = None):
    client = ApiClient(None, _token(case.auth))
    headers = {**client.headers, **case.headers, **(extra_headers or {})}
    path = "/api/v1" + case.path.format(code=code)
    if case.method == "GET":
        return client.client.get(path, headers=headers)
    if case.body is NOBODY:  # an empty body, as `curl -X POST` sends
        return client.client.generic("POST", path, b"", headers=headers)
    return client.client.post(path, case.body, content_type="application/json", headers=headers)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gets_a_4xx_with_code_and_message_and_writes_nothing(case, submitted):
    before = row_counts()
    status_before = Dossier.objects.get(code=submitted).status

    r = _send(case, submitted)

    assert r.status_code == case.status, r.content
    body = r.json()
    assert body["code"] == case.code, body
    assert isinstance(body["message"], str) and VIETNAMESE.search(body["message"]), body["message"]
    if case.check:
        case.check(body)
    assert row_counts() == before
    assert Dossier.objects.get(code=submitted).status == status_before


@pytest.mark.parametrize(
    "case_id", ["unknown procedure", "illegal transition", "malformed JSON", "expired token", "wrong role: specialist receives"]
)
def test_bad_input_in_english_keeps_status_and_code(case_id, submitted):
    # English messages come with the locale catalogs (another engineer's work);
    # the status, the code and the negotiated language must not depend on them.
    case = next(c for c in CASES if c.id == case_id)
    before = row_counts()
    r = _send(case, submitted, {"Accept-Language": "en"})
    assert r.status_code == case.status
    assert r.json()["code"] == case.code
    assert isinstance(r.json()["message"], str) and r.json()["message"]
    assert r["Content-Language"] == "en"
    assert row_counts() == before


def test_another_citizen_cannot_read_a_finished_dossier_or_its_result(submitted, as_user):
    officer, specialist, approver = (User.objects.get(username=n) for n in
                                     ("onestop_anbinh", "specialist_anbinh", "approver_anbinh"))
    for actor, action in [(officer, "receive"), (specialist, "start_processing"), (specialist, "transfer"),
                          (approver, "approve"), (approver, "issue_result"), (officer, "return_result")]:
        actions.perform(submitted, action, actor)
    owner, other = as_user("citizen"), as_user("citizen2")
    assert owner.get(f"/dossiers/{submitted}/result").status_code == 200
    before = row_counts()
    for path in (f"/dossiers/{submitted}", f"/dossiers/{submitted}/result"):
        r = other.get(path)
        assert r.status_code == 404
        assert r.json()["code"] == "dossier_not_found"
    # Nor does it show in their list.
    assert other.get("/dossiers").json() == []
    assert row_counts() == before


def test_staff_of_another_unit_cannot_act_at_any_stage(submitted):
    outsider = User.objects.get(username="onestop_hoathuan")
    actions.perform(submitted, "receive", User.objects.get(username="onestop_anbinh"))
    for action in ("start_processing", "refuse", "withdraw"):
        with pytest.raises(NotFound):
            actions.perform(submitted, action, outsider)
    assert Dossier.objects.get(code=submitted).status == 2


# --- personal identification numbers --------------------------------------------------------

GOOD_IDS = [
    "001090012345",  # Hà Nội, man born 1990
    "079195054321",  # Hồ Chí Minh City, woman born 1995
    "031201067890",  # Hải Phòng, woman born 2001
    "096300000001",  # Cà Mau, man born 2000
    "048185999999",  # Đà Nẵng, woman born 1985
]
BAD_IDS = [
    ("", "format"),
    ("00109001234", "format"),  # 11 digits
    ("0010900123456", "format"),  # 13 digits
    ("00109001234a", "format"),
    (" 001090012345", "format"),
    ("001090012345\n", "format"),
    ("001-090-012345", "format"),
    ("001\u0660\u0669\u0660\u0660\u0661\u0662\u0663\u0664\u0665", "format"),  # Arabic-Indic digits
    ("001\u09e6\u09ef\u09e6\u09e6\u09e7\u09e8\u09e9\u09ea\u09eb", "format"),  # Bengali digits
    ("\uff10\uff10\uff11090012345", "format"),  # full-width digits
    ("000090012345", "province"),
    ("003090012345", "province"),  # no province 003 (Hà Giang is 002, Cao Bằng 004)
    ("099090012345", "province"),
    ("100090012345", "province"),
    ("963090012345", "province"),
]


@pytest.mark.parametrize("number", GOOD_IDS)
def test_good_personal_ids(number):
    assert validate_personal_id(number) == number


@pytest.mark.parametrize(("number", "reason"), BAD_IDS, ids=[repr(n) for n, _ in BAD_IDS])
def test_bad_personal_ids(number, reason):
    with pytest.raises(InvalidPersonalId) as err:
        validate_personal_id(number)
    assert err.value.code == reason


def test_non_string_personal_id_is_refused():
    with pytest.raises(InvalidPersonalId):
        validate_personal_id(1090012345)  # type: ignore[arg-type]


def test_birth_year_from_the_century_digit():
    assert birth_year("001090012345") == 1990
    assert birth_year("031201067890") == 2001
    assert birth_year("001325000000") == 2025


@pytest.mark.parametrize(("number", "reason"), [("00109001234", "12 chữ số"), ("003090012345", "mã tỉnh")])
def test_citizen_profile_refuses_a_bad_personal_id_in_vietnamese(db, number, reason):
    user = User.objects.create(username="someone")
    profile = CitizenProfile(user=user, personal_id=number, full_name="Người Thử")
    with pytest.raises(ValidationError) as err:
        profile.full_clean()
    assert reason in " ".join(err.value.message_dict["personal_id"])
    with pytest.raises(ValidationError) as err:
        profile.save()
    assert err.value.code == "invalid_personal_id"
    assert reason in err.value.messages[0]
    assert not CitizenProfile.objects.exists()


def test_citizen_profile_accepts_a_good_personal_id(db):
    user = User.objects.create(username="someone")
    CitizenProfile.objects.create(user=user, personal_id="001090012345", full_name="Người Thử")
    assert CitizenProfile.objects.get(user=user).personal_id == "001090012345"
