"""Skip a test that needs a missing tool or service, except on CI, where it must fail."""

from __future__ import annotations

import os

import pytest


def require(condition: object, reason: str) -> None:
    """Skip with ``reason`` (say how to enable the test) unless ``condition`` holds.

    With the environment variable CI=true a missing requirement fails the test
    instead: CI must run every test.
    """
    if condition:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"required on CI: {reason}")
    pytest.skip(reason)
