"""The installation's public PKI endpoints: the CA certificate, the demo CRL and the demo RFC 3161
time-stamping authority (POST application/timestamp-query → application/timestamp-reply)."""

from __future__ import annotations

import logging

from asn1crypto import core, tsp
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from motcua.lib.ratelimit import rate_limited
from motcua.results import pki, signing

log = logging.getLogger(__name__)

QUERY_TYPE, REPLY_TYPE = "application/timestamp-query", "application/timestamp-reply"
MAX_QUERY = 16 * 1024  # a TimeStampReq is a few hundred bytes
DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64, "sha3_256": 32, "sha3_512": 64}


@require_safe
def ca_certificate(request: HttpRequest) -> HttpResponse:
    if not pki.ca_cert_file().exists():
        raise Http404
    response = HttpResponse(pki.ca_cert_file().read_bytes(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="motcua-ca.pem"'
    return response


@require_safe
def crl(request: HttpRequest) -> HttpResponse:
    data = pki.demo_crl()
    if data is None:
        raise Http404
    return HttpResponse(data, content_type="application/pkix-crl")


class _Refusal(core.Sequence):
    # RFC 3161 §2.4.2: a TimeStampResp without its (OPTIONAL) token; asn1crypto's class requires the token.
    _fields = [("status", tsp.PKIStatusInfo)]


def _rejection(fail: str, text: str, status: int = 400) -> HttpResponse:
    reply = _Refusal({
        "status": tsp.PKIStatusInfo({
            "status": tsp.PKIStatus("rejection"),
            "status_string": [text],
            "fail_info": tsp.PKIFailureInfo({fail}),
        })
    })
    return HttpResponse(reply.dump(), content_type=REPLY_TYPE, status=status)


@csrf_exempt
@require_POST
@rate_limited("tsa")
def timestamp(request: HttpRequest) -> HttpResponse:
    """RFC 3161 §3.4: one TimeStampReq in the body, one TimeStampResp back (the demo TSA of pki.py)."""
    stamper = signing.demo_timestamper()
    if stamper is None:
        raise Http404
    if request.content_type != QUERY_TYPE:
        return HttpResponse(f"expected {QUERY_TYPE}", status=415, content_type="text/plain")
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > MAX_QUERY:
        return _rejection("bad_data_format", "request too large", status=413)
    body = request.body
    try:
        req = tsp.TimeStampReq.load(body, strict=True)
        imprint = req["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        digest = imprint["hashed_message"].native
        _ = req.native  # parse everything now: a malformed field is a bad request, not an error later
    except Exception:
        return _rejection("bad_data_format", "not a DER TimeStampReq")
    if req["version"].native != "v1":
        return _rejection("bad_data_format", "version must be 1")
    if DIGEST_SIZES.get(algorithm) != len(digest):
        return _rejection("bad_alg", "unsupported hash algorithm or wrong digest length")
    reply = stamper.request_tsa_response(req)
    return HttpResponse(reply.dump(), content_type=REPLY_TYPE)
