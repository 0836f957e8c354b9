"""Rendering a dossier's result to PDF (WeasyPrint), signing it (signing.py) and storing it."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.template.loader import select_template
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from motcua.catalog import vocab
from motcua.catalog.decisions import recorded
from motcua.catalog.display import describe
from motcua.catalog.models import localized
from motcua.lib.errors import Conflict
from motcua.lib.pdf import html_to_pdf
from motcua.results import links
from motcua.results.language import document_language, paper_place_date
from motcua.results.models import Result, ResultDocument
from motcua.results.signing import sign_pdf
from motcua.vault.store import keep_result

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Part:
    """What one workflow step issued (a health-insurance card, a residence notice…): a document of
    its own, headed by the unit that did the step and signed with that unit's certificate."""

    step: str
    number: str
    document_type: str
    title: str
    unit: Any  # units.Unit (results sits below units and does not import it)
    officer: str
    done_by: Any
    done_at: datetime | None
    rows: list[tuple[str, str]]
    holder: tuple[str, str] | None = None  # (name, ID) when not the applicant

    @property
    def unit_name(self) -> str:
        return self.unit.name


def printed_schema(dossier) -> tuple[dict, dict]:
    """(schema, data) of what a result prints: the form's answers and the values officers recorded."""
    definition = dossier.procedure_version.definition
    form = definition["form"]
    schema = {**form, "properties": {**form.get("properties", {}), **recorded(definition)}}
    data = {**(dossier.data or {}), **((dossier.decisions or {}).get("values") or {})}
    return schema, data


def holder_of(dossier, spec: dict | None) -> tuple[str, str] | None:
    """(name, ID) of whoever holds a result that the applicant does not (a business, the person represented)."""
    if not spec:
        return None
    data = dossier.data or {}
    name = data.get(spec["name"])
    if not name:
        return None
    return str(name), str(data.get(spec.get("id", ""), "") or "")


def refusal(dossier) -> dict | None:
    """The refusal after processing an officer chose (decisions), or None."""
    return (dossier.decisions or {}).get("refusal") or None


def signed_name(user) -> str:
    """A person's name as they write it (family name first; a citizen's as the e-ID registered it), else the login.

    The one name printed on the papers (results, receipts, slips, letters): officers and applicants alike.
    """
    return user.get_full_name() or user.get_username()


def result_parts(dossier, number: str) -> list[Part]:
    """The parts the procedure names (`result.parts`) whose steps were done; a skipped step
    (an ID card nobody asked for) issues nothing."""
    definition = dossier.procedure_version.definition
    wanted = definition["result"].get("parts") or []
    if not wanted:
        return []
    tasks = {t.step: t for t in dossier.tasks.select_related("unit", "done_by").filter(status="done")}
    schema, data = printed_schema(dossier)
    parts = []
    for i, part in enumerate(wanted, start=1):
        task = tasks.get(part["step"])
        if task is None:
            continue
        parts.append(Part(
            step=task.step, number=f"{number}-{i}", document_type=part["document_type"],
            title=localized(part.get("title") or vocab.current().name("document_types", part["document_type"]), document_language())
            or part["document_type"],
            unit=task.unit, officer=signed_name(task.done_by) if task.done_by else "", done_by=task.done_by,
            done_at=timezone.localtime(task.done_at) if task.done_at else None,
            rows=describe(schema, data, part.get("fields") or []),
            holder=holder_of(dossier, part.get("holder")),
        ))
    return parts


def render_pdf(dossier, number: str, issued_at: datetime, signer, parts: list[Part] | None = None) -> bytes:
    """The result (or the refusal letter) alone; `parts` are only named on it, each is its own PDF (part_pdf)."""
    definition = dossier.procedure_version.definition
    result_def = definition["result"]
    refused = refusal(dossier)
    schema, data = printed_schema(dossier)
    if refused:
        # Refused after processing: the refusal letter with its reasons, not the result.
        letter = result_def["refusal"]
        template = select_template(["results/refusal.html"])
        title = letter["title"]
        summary_keys = letter.get("fields") or []
    else:
        template = select_template([f"results/{result_def.get('template', 'generic')}.html", "results/generic.html"])
        title = result_def["title"]
        summary_keys = result_def.get("summary_fields") or list(definition["form"].get("properties", {}))
    # A result is an official document in the country's language (the catalog's first), whatever the
    # reader's: options by their titles, dates as written there, yes/no in words (as the form showed them).
    language = document_language()
    with translation.override(language):
        html = template.render(
            {
                "dossier": dossier,
                "number": number,
                "title": localized(title, language),
                "procedure_name": localized(definition["name"], language),
                "unit": dossier.unit,
                "rows": describe(schema, data, summary_keys),
                "holder": holder_of(dossier, result_def.get("holder")),
                "refusal": refused,
                "issued_at": timezone.localtime(issued_at),
                "signed_at_place": paper_place_date(dossier.unit.name, issued_at),
                "signer": signed_name(signer),
                "applicant": getattr(dossier.applicant, "citizen", None),
                "parts": parts or [],
                # The unit whose certificate signs (results/pki.py), named in the visible text too.
                **links.printed(links.RESULT, number, signing_unit=dossier.unit.name),
            }
        )
    return html_to_pdf(html)


def part_pdf(dossier, part: Part, result_number: str) -> bytes:
    """One document another step issued (`result.parts`), as its own PDF headed and signed by that step's unit."""
    language = document_language()
    with translation.override(language):
        html = select_template(["results/part.html"]).render(
            {
                "dossier": dossier,
                "part": part,
                "result_number": result_number,
                "procedure_name": localized(dossier.procedure_version.definition["name"], language),
                "applicant": getattr(dossier.applicant, "citizen", None),
                "signed_at_place": paper_place_date(part.unit.name, part.done_at),
                **links.printed(links.RESULT, part.number, signing_unit=part.unit.name),
            }
        )
    return html_to_pdf(html)


def _signed(pdf: bytes, **how) -> bytes:
    from pyhanko.sign.general import SigningError  # with pyHanko, where a result is signed (signing.py)
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    try:
        return sign_pdf(pdf, **how)
    except (SigningError, TimestampRequestError) as exc:
        # A unit's certificate revoked or expired, a TSA that does not answer: the action is refused
        # (and rolled back) with words the signer can act on, not a server error.
        log.warning("result not signed: %s", exc)
        raise Conflict(
            _("Chứng thư số của đơn vị không dùng được để ký kết quả lúc này (đã bị thu hồi, hết hạn, hoặc không lấy "
              "được dấu thời gian); hãy báo quản trị hệ thống."),
            code="signing_unavailable",
        ) from exc


def issue_result(dossier, signer, at: datetime) -> Result:
    """Sign and store the dossier's result and each document another step issued with it.

    One PDF per document, each signed with the certificate of the unit that issued it and naming the
    officer who did (the approver for the result; the step's officer for a part): the death bundle's
    extract is the commune's, its residence deletion notice the police's. Each is kept in its holder's
    vault as a document of its own type.
    """
    refused = refusal(dossier)
    number = f"{'TC' if refused else 'KQ'}-{dossier.code}"
    parts = [] if refused else result_parts(dossier, number)
    with translation.override(document_language()):
        pdf = _signed(
            render_pdf(dossier, number, at, signer, parts),
            reason=_("%(unit)s ban hành kết quả hồ sơ %(code)s") % {"unit": dossier.unit.name, "code": dossier.code},
            location=dossier.unit.name,
            signer_name=signed_name(signer),
            unit=dossier.unit,
        )
    result = Result(dossier=dossier, number=number, sha256=hashlib.sha256(pdf).hexdigest(), issued_at=at, issued_by=signer)
    result.file.save(f"{dossier.code}.pdf", ContentFile(pdf), save=False)
    result.save()
    # Every issued result is kept in the applicant's vault, for reuse in later dossiers.
    definition = dossier.procedure_version.definition["result"]
    if refused:
        # The refusal letter goes to the applicant's store as a document of its own type.
        letter = definition["refusal"]
        keep_result(dossier, result, document_type=letter["document_type"],
                    title=localized(letter["title"], document_language()))
        return result
    documents = [_issue_part(dossier, result, part) for part in parts]
    keep_result(dossier, result, parts=documents, holder=holder_of(dossier, definition.get("holder")))
    return result


def _issue_part(dossier, result: Result, part: Part) -> tuple[ResultDocument, Part]:
    """A part's own PDF, signed by its unit (the officer who did the step named as signer), stored."""
    with translation.override(document_language()):
        pdf = _signed(
            part_pdf(dossier, part, result.number),
            reason=_("%(unit)s ban hành %(title)s, hồ sơ %(code)s") % {
                "unit": part.unit.name, "title": part.title, "code": dossier.code},
            location=part.unit.name,
            signer_name=part.officer or part.unit.name,
            unit=part.unit,
        )
    document = ResultDocument(
        result=result, number=part.number, step=part.step, document_type=part.document_type, title=part.title[:300],
        unit=part.unit, sha256=hashlib.sha256(pdf).hexdigest(), issued_at=part.done_at or result.issued_at,
        issued_by=part.done_by,
    )
    document.file.save(f"{part.number}.pdf", ContentFile(pdf), save=False)
    document.save()
    return document, part
