"""Log files shared by several processes: reopened after logrotate renames them; every line names its pid."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from fairedge.observability.logging import configure_logging


@pytest.fixture
def log_dir(tmp_path: Path) -> Iterator[Path]:
    configure_logging(service="api", fmt="json", log_dir=str(tmp_path))
    try:
        yield tmp_path
    finally:
        configure_logging(service="cli")  # no file handler left pointing into a deleted directory


def _events(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_file_is_reopened_after_logrotate_renames_it(log_dir: Path) -> None:
    log = structlog.get_logger("test")
    log.info("before_rotation", password="hunter2")
    (log_dir / "api.log").rename(log_dir / "api.log.1")
    log.info("after_rotation")

    (before,) = _events(log_dir / "api.log.1")
    (after,) = _events(log_dir / "api.log")
    assert before["event"] == "before_rotation" and before["password"] == "***masked***"
    assert after["event"] == "after_rotation"
    assert after["service"] == "api" and after["pid"] == os.getpid()
