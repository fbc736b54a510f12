"""Structured logging: JSON events in production, readable lines in a terminal, secrets masked everywhere.

Every record carries ``event`` (the name the operations guide greps for), ``timestamp``, ``level``,
``service`` and ``pid`` (several processes serve one service); request and task context (request_id, user_id,
task_id) is bound with contextvars.
When ``LOG_DIR`` is set, records also go to ``<LOG_DIR>/<service>.log``. Several processes append to one file,
so none of them rotates it: logrotate renames it, and each process reopens the path on its next record
(``WatchedFileHandler``): no line is lost, and no copytruncate is needed.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import structlog

SENSITIVE = re.compile(r"pass(word)?|secret|token|api_?key|apikey|authorization|cookie|^key$|_key$", re.I)
MASK = "***masked***"


def mask_secrets(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Replace the value of any field named like a secret, at any depth of dicts."""
    for name, value in list(event_dict.items()):
        if name != "event" and SENSITIVE.search(name):
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
        structlog.processors.JSONRenderer() if json_output else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stdout)]
    if log_dir:
        Path(log_dir).mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.WatchedFileHandler(Path(log_dir) / f"{service}.log")
        # Files are always JSON so the operations guide's greps work whatever the terminal.
        file_handler.setFormatter(
            structlog.stdlib.ProcessorFormatter(
                foreign_pre_chain=shared,
                processors=[
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    structlog.processors.JSONRenderer(),
                ],
            )
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

    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Not cached: a logger bound on first use would keep this pipeline for good, and structlog's
        # capture_logs (the tests) could no longer see its events; the lookup costs microseconds.
        cache_logger_on_first_use=False,
    )
