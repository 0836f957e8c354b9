"""HTML to PDF with WeasyPrint, imported on first use.

WeasyPrint (with Pango through cffi and fontTools) takes ~0.65 s to import. Imported at module
level by the rooms that draw documents, it was paid by every process that loads the URLs —
each management command, each web and task worker at start — although most never draw a page.
"""

from __future__ import annotations


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()
