"""Structured logging: JSON events in production, readable lines in a terminal, secrets masked everywhere.

Every record carries ``event`` (the name the operations guide greps for), ``timestamp``, ``level``,
``service`` and ``pid`` (several processes serve one service); request and task context (request_id, user_id,
task_id) is bound with contextvars.
When ``LOG_DIR`` is set, records also go to ``<LOG_DIR>/<service>.log``. Several processes append to one file,
so none of them rotates it: logrotate renames it, and each process reopens the path on its next record
(``WatchedFileHandler``): no line is lost, and no copytruncate is needed.

The line every request writes (:func:`log_request`) takes a short way through the same pipeline: the same
processors make the same event, rendered once per handler by the same renderers, without structlog's
per-call logger proxy, caller-frame lookup and the formatter's copy of the record (a third of the cost of a
cached API request's line was there).
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import re
import sys
from collections.abc import MutableMapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import structlog

REQUEST_LOGGER = "fairedge.request"
SENSITIVE = re.compile(r"pass(word)?|secret|token|api_?key|apikey|authorization|cookie|^key$|_key$", re.I)
MASK = "***masked***"


@lru_cache(maxsize=4096)
def _sensitive(name: str) -> bool:
    return SENSITIVE.search(name) is not None  # field names come from code: a small set, checked once each


_ENCODERS: dict[Any, json.JSONEncoder] = {}


def _json_dumps(obj: Any, **kw: Any) -> str:
    """``json.dumps(obj, default=…)`` (structlog's JSONRenderer call) with the encoder built once: the same
    text, separators included (the operations guide's ``awk '{print $NF}'`` reads the last field)."""
    default = kw.get("default")
    encoder = _ENCODERS.get(default)
    if encoder is None:
        encoder = _ENCODERS.setdefault(default, json.JSONEncoder(default=default))
    return encoder.encode(obj)


def mask_secrets(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Replace the value of any field named like a secret, at any depth of dicts."""
    for name, value in list(event_dict.items()):
        if name != "event" and _sensitive(name):
            event_dict[name] = MASK
        elif isinstance(value, dict):
            event_dict[name] = mask_secrets(_logger, _method, dict(value))
    return event_dict


def client_ip_last(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """The client IP as the last field of a record, so the operations guide's
    ``grep auth_failed api.log | awk '{print $NF}'`` counts failures by IP."""
    if "client_ip" in event_dict:
        event_dict["client_ip"] = event_dict.pop("client_ip")
    return event_dict


def _add_service(service: str) -> structlog.types.Processor:
    def processor(
        _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        event_dict.setdefault("service", service)
        event_dict["pid"] = os.getpid()  # read per record: gunicorn and Celery fork after configuring
        return event_dict

    return processor


class _Formatter(structlog.stdlib.ProcessorFormatter):
    """structlog's ProcessorFormatter; a record from :func:`log_request` carries its finished event and is
    only rendered."""

    def __init__(self, shared: list[structlog.types.Processor], renderer: structlog.types.Processor) -> None:
        super().__init__(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
        self._renderer = renderer

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "fairedge_event", False):
            event: dict[str, Any] = dict(record.msg)  # type: ignore[arg-type]
            return str(self._renderer(None, record.levelname.lower(), event))
        return super().format(record)


class _Pipeline:
    """What configure_logging set up, for log_request's short way."""

    def __init__(self, processors: list[structlog.types.Processor], shared: list[structlog.types.Processor]):
        # structlog's configured processors as set (capture_logs swaps them inside the same list)
        self.processors = tuple(processors)
        self.shared = shared


_pipeline: _Pipeline | None = None


def _configured_as(expected: tuple[Any, ...], current: list[Any]) -> bool:
    return len(current) == len(expected) and all(a is b for a, b in zip(current, expected, strict=True))


def log_request(**fields: Any) -> None:
    """The request's line: the event ``structlog.get_logger(REQUEST_LOGGER).info("request", **fields)``
    writes, the same fields in the same order, for less. Under another structlog configuration (the tests'
    ``capture_logs``) it is exactly that call."""
    pipeline = _pipeline
    if pipeline is None or not _configured_as(pipeline.processors, structlog.get_config()["processors"]):
        structlog.get_logger(REQUEST_LOGGER).info("request", **fields)
        return
    logger = logging.getLogger(REQUEST_LOGGER)
    if not logger.isEnabledFor(logging.INFO):
        return
    event: MutableMapping[str, Any] = {**fields, "event": "request"}  # structlog puts the event last
    for processor in pipeline.shared:
        event = processor(logger, "info", event)  # type: ignore[assignment]
    record = logger.makeRecord(REQUEST_LOGGER, logging.INFO, __file__, 0, event, (), None)
    record.fairedge_event = True
    logger.handle(record)


def configure_logging(
    *, service: str = "api", level: str = "INFO", fmt: str = "auto", log_dir: str | None = None
) -> None:
    """Route structlog and stdlib logging through one pipeline. Safe to call more than once."""
    json_output = fmt == "json" or (fmt == "auto" and not sys.stdout.isatty())
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_service(service),
        mask_secrets,
        client_ip_last,
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(serializer=_json_dumps)
        if json_output
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = _Formatter(shared, renderer)
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stdout)]
    if log_dir:
        Path(log_dir).mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.WatchedFileHandler(Path(log_dir) / f"{service}.log")
        # Files are always JSON so the operations guide's greps work whatever the terminal.
        file_handler.setFormatter(
            _Formatter(shared, structlog.processors.JSONRenderer(serializer=_json_dumps))
        )
        handlers.append(file_handler)
    for handler in handlers[:1]:
        handler.setFormatter(formatter)

    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    processors = [*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter]
    structlog.configure(
        processors=processors,
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Not cached: a logger bound on first use would keep this pipeline for good, and structlog's
        # capture_logs (the tests) could no longer see its events; the lookup costs microseconds.
        cache_logger_on_first_use=False,
    )
    global _pipeline
    _pipeline = _Pipeline(structlog.get_config()["processors"], shared)
