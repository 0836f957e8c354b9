"""Procedure catalog endpoints."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router, Schema

from motcua.catalog.models import Procedure, localized
from motcua.dossiers.errors import NotFound

router = Router(tags=["procedures"])


class ProcedureOut(Schema):
    code: str
    name: str
    names: dict[str, str]
    field: str
    level: str
    service_mode: str
    processing_days: int
    fee: int
    version: int


class ComponentOut(Schema):
    key: str
    name: str
    required: bool


class ProcedureDetail(ProcedureOut):
    form: dict
    components: list[ComponentOut]
    result: str
    legal_basis: list[str]


def _summary(p: Procedure) -> dict:
    return {
        "code": p.code, "name": p.name, "names": p.names, "field": p.field_name, "level": p.level,
        "service_mode": p.service_mode, "processing_days": p.processing_days, "fee": p.fee,
        "version": p.current.number,
    }


@router.get("", response=list[ProcedureOut], auth=None, summary="List procedures")
def list_procedures(request):
    procedures = Procedure.objects.filter(active=True, current__isnull=False).select_related("current")
    return [_summary(p) for p in procedures]


@router.get("/{code}", response=ProcedureDetail, auth=None, summary="One procedure, with its form's JSON Schema")
def get_procedure(request, code: str):
    p = Procedure.objects.select_related("current").filter(code=code, active=True, current__isnull=False).first()
    if p is None:
        raise NotFound(_("Không có thủ tục mã %(code)s.") % {"code": code}, code="unknown_procedure")
    d = p.current.definition
    return {
        **_summary(p),
        "form": d["form"],
        "components": [
            {"key": c["key"], "name": localized(c["name"]), "required": c.get("required", True)}
            for c in d.get("components", [])
        ],
        "result": localized(d["result"]["title"]),
        "legal_basis": d.get("legal_basis", []),
    }
