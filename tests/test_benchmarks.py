"""The benchmark's references run under the gunicorn settings ``invider serve`` ships."""

from __future__ import annotations

import sys
from pathlib import Path

from invider import serving

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import references  # noqa: E402


def test_the_references_use_the_products_worker_and_logging_settings():
    copied: dict = {}
    exec(references.GUNICORN_SETTINGS, copied)
    for name in ("worker_class", "worker_connections", "keepalive", "access_log_format"):
        assert copied[name] == getattr(serving, name), name
    assert copied["logconfig_dict"]["formatters"] == serving.logconfig_dict["formatters"]
