"""Skip a test that needs a missing tool or service, except on CI, where it must fail."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess

import pytest

# The Redis server tests may use; point it elsewhere (or at a closed port) to test without.
REDIS = os.environ.get("INVIDER_TEST_REDIS", "redis://127.0.0.1:6379/0")
# The Chromium the browser tests drive: a name looked up on PATH, or a path.
CHROMIUM = os.environ.get("INVIDER_TEST_CHROMIUM", "chromium")


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
def redis_reachable(url: str = REDIS) -> bool:
    """Tell whether a Redis server answers at ``url``."""
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@functools.cache
def chromium_runs(name: str = CHROMIUM) -> str | None:
    """Return the path of a Chromium that starts and prints its version, or None."""
    path = shutil.which(name)
    if path is None:
        return None
    try:
        subprocess.run(
            [path, "--headless=new", "--no-sandbox", "--version"],
            capture_output=True,
            timeout=60,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return path


def need_postgres() -> None:
    from databases import POSTGRES

    require(
        postgres_reachable(),
        f"needs PostgreSQL at {POSTGRES} (apt-get install postgresql; a database `test`, "
        "user postgres, trust), or INVIDER_TEST_POSTGRES=postgresql://...",
    )


def need_redis() -> None:
    require(
        redis_reachable(),
        f"needs Redis at {REDIS} (apt-get install redis-server), or INVIDER_TEST_REDIS=redis://...",
    )


def need_chromium() -> str:
    """Return the path of a working Chromium; skip (fail on CI) without one."""
    path = chromium_runs()
    require(
        path,
        f"needs a Chromium that runs: `{CHROMIUM}` on PATH (apt-get install chromium), "
        "or INVIDER_TEST_CHROMIUM=/path/to/chromium",
    )
    return path


def need_root() -> None:
    require(os.geteuid() == 0, "needs root (it mounts a small disk): run as root, as CI does")


def need_oidc_provider() -> None:
    from oidc_provider import provider_installed

    require(
        provider_installed(),
        "needs Node.js and the test OpenID provider: `npm ci` in tests/oidc (as .ci/run does)",
    )
