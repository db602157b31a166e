"""Skip a test that needs a missing tool or service, except on CI, where it must fail."""

from __future__ import annotations

import functools
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


@functools.cache
def postgres_reachable() -> bool:
    """Tell whether the test PostgreSQL answers (INVIDER_TEST_POSTGRES)."""
    import psycopg
    from databases import POSTGRES

    try:
        psycopg.connect(POSTGRES, connect_timeout=2).close()
    except psycopg.Error:
        return False
    return True


@functools.cache
def redis_reachable(url: str = "redis://127.0.0.1:6379/0") -> bool:
    """Tell whether a Redis server answers at ``url``."""
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def need_postgres() -> None:
    require(
        postgres_reachable(),
        "needs PostgreSQL at 127.0.0.1:5432 with a database "
        "`test` (user postgres, trust), or INVIDER_TEST_POSTGRES=postgresql://...",
    )


def need_redis() -> None:
    require(redis_reachable(), "needs Redis on 127.0.0.1:6379 (apt-get install redis-server)")


def need_chromium(path: str = "/usr/bin/chromium") -> None:
    require(
        os.path.exists(path),
        "needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)",
    )


def need_root() -> None:
    require(os.geteuid() == 0, "needs root (it mounts a small disk): run as root, as CI does")


def need_oidc_provider() -> None:
    from oidc_provider import provider_installed

    require(
        provider_installed(),
        "needs Node.js and the test OpenID provider: `npm ci` in tests/oidc (as .ci/run does)",
    )
