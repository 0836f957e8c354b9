"""Log formats: plain text for a console, JSON lines (LOG_FORMAT=json) for a log collector."""

from __future__ import annotations

import logging

from pythonjsonlogger.json import JsonFormatter


class RequestIdFilter(logging.Filter):
    """Puts the id of the request being served (if any) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        from motcua.ops.requests import request_id

        if not getattr(record, "request_id", None):
            record.request_id = request_id.get()
        return True


def json_formatter() -> JsonFormatter:
    return JsonFormatter(
        "{asctime}{levelname}{name}{message}{request_id}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        datefmt="%Y-%m-%dT%H:%M:%S%z",
        json_ensure_ascii=False,
    )
