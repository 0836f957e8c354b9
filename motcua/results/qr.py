"""QR codes printed on the documents motcua issues (segno), for WeasyPrint pages.

`verify_qr(url)` is all another room needs for its own documents (a payment's e-receipt):
put `<img src="{{ qr }}">` in the page it draws.
"""

from __future__ import annotations

import segno


def verify_qr(url: str) -> str:
    """A `data:` URI of an SVG QR code of `url` (error correction M: survives a stain or a fold)."""
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=4, dark="#000", light="#fff")
