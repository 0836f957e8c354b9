"""The national portal's wire format, as a plugin: NATIONAL_SYNC_ADAPTER names the class.

motcua keeps each change as the national field set in its own words (`fields`, built by
national/fields.py); an adapter turns one change into the request its portal expects, tells whether
the portal acknowledged it, and reads its own format back (the bundled demo receiver validates with
it). Another country's central portal is one more adapter class, nothing else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class Malformed(ValueError):
    """A request that is not a change in this adapter's format (the demo receiver answers 400)."""


@dataclass(frozen=True)
class Change:
    code: str
    seq: int
    idempotency_id: str
    status: int
    at: datetime
    fields: dict[str, Any]


class Adapter(Protocol):
    def request(self, change: Change) -> tuple[bytes, dict[str, str]]:
        """The body and headers of the POST that reports `change`."""

    def acknowledged(self, status: int, body: bytes, change: Change) -> bool:
        """Whether the portal's answer means it has the change (a duplicate it dropped counts)."""

    def parse(self, body: bytes) -> Change:
        """The change a request of this format reports; Malformed if it is not one."""


def adapter() -> Adapter:
    return import_string(settings.NATIONAL_SYNC_ADAPTER)()


# The Vietnamese national public-service portal's names for the field set (DVCQG's dossier sync).
VN_NAMES = {
    "code": "MaHoSo", "procedure_code": "MaTTHC", "receiving_unit": "MaCoQuan", "channel": "KenhThucHien",
    "status": "TrangThaiHoSo", "submitted_at": "NgayNopHoSo", "received_at": "NgayTiepNhan",
    "due_at": "NgayHenTra", "finished_at": "NgayKetThucXuLy", "eid_authenticated": "XacThucDinhDanhDienTu",
    "paid_online": "DuocThanhToanTrucTuyen", "result_attached": "CoKetQuaDienTu",
    "digitized_components": "SoHoaThanhPhanHoSo", "reused_data": "TaiSuDungDuLieu",
}
_TIMES = ("submitted_at", "received_at", "due_at", "finished_at")
_FLAGS = ("eid_authenticated", "result_attached", "digitized_components", "reused_data")


class VnPortalAdapter:
    """JSON in DVCQG's field names; the portal answers {"error_code": 0} (or 0 with "duplicate")."""

    def request(self, change: Change) -> tuple[bytes, dict[str, str]]:
        doc = {VN_NAMES[k]: v for k, v in change.fields.items() if k in VN_NAMES}
        doc.update({"IdThayDoi": change.idempotency_id, "ThuTu": change.seq, "ThoiDiem": change.at.isoformat()})
        headers = {"content-type": "application/json", "idempotency-key": change.idempotency_id}
        if settings.NATIONAL_SYNC_TOKEN:
            headers["authorization"] = f"Bearer {settings.NATIONAL_SYNC_TOKEN}"
        return json.dumps(doc, ensure_ascii=False).encode(), headers

    def acknowledged(self, status: int, body: bytes, change: Change) -> bool:
        if not 200 <= status < 300:
            return False
        try:
            answer = json.loads(body)
        except ValueError:
            return False  # a 200 with garbage is no acknowledgement: sent again, the portal drops it by id
        return isinstance(answer, dict) and answer.get("error_code") == 0

    def parse(self, body: bytes) -> Change:
        try:
            doc = json.loads(body)
        except ValueError as exc:
            raise Malformed("not JSON") from exc
        if not isinstance(doc, dict):
            raise Malformed("not an object")
        names = {**{v: k for k, v in VN_NAMES.items()}, "IdThayDoi": "_id", "ThuTu": "_seq", "ThoiDiem": "_at"}
        unknown = sorted(set(doc) - set(names))
        if unknown:
            raise Malformed(f"unknown fields: {', '.join(unknown)}")
        missing = sorted(n for n in names if n not in doc)
        if missing:
            raise Malformed(f"missing fields: {', '.join(missing)}")
        f = {names[k]: v for k, v in doc.items()}
        _require(isinstance(f["code"], str) and 0 < len(f["code"]) <= 48 and "\x00" not in f["code"], "MaHoSo")
        _require(isinstance(f["_id"], str) and 0 < len(f["_id"]) <= 64, "IdThayDoi")
        _require(_int(f["_seq"]) and f["_seq"] >= 1, "ThuTu")
        _require(_int(f["status"]) and 1 <= f["status"] <= 10, "TrangThaiHoSo")
        _require(_int(f["channel"]) and f["channel"] in (1, 2, 3), "KenhThucHien")
        _require(_int(f["paid_online"]) and f["paid_online"] in (0, 1, 2), "DuocThanhToanTrucTuyen")
        for k in ("procedure_code", "receiving_unit"):
            _require(isinstance(f[k], str) and 0 < len(f[k]) <= 64, VN_NAMES[k])
        for k in _FLAGS:
            _require(isinstance(f[k], bool), VN_NAMES[k])
        for k in _TIMES:
            _require(f[k] is None or _time(f[k]) is not None, VN_NAMES[k])
        at = _time(f["_at"])
        _require(at is not None, "ThoiDiem")
        fields = {k: v for k, v in f.items() if not k.startswith("_")}
        return Change(f["code"], f["_seq"], f["_id"], f["status"], at, fields)


def _int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _time(v: object) -> datetime | None:
    if not isinstance(v, str):
        return None
    try:
        t = datetime.fromisoformat(v)
    except ValueError:
        return None
    return t if t.tzinfo is not None else None


def _require(ok: bool, name: str) -> None:
    if not ok:
        raise Malformed(f"invalid {name}")
