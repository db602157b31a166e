"""Optional drivers: SQLite runs without psycopg and redis; a URL needing one says what to get."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

# Slow (a console-script process per test): left out of `pytest -m "not slow"`, run by CI.
pytestmark = pytest.mark.slow

# Run before anything else in the console script's Python: each named module then fails
# to import, as on a machine where it was never installed.
SHIM = "import sys\nfor name in {names!r}:\n    sys.modules[name] = None\n"


def without(modules: list[str], *args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """Run the ``invider`` console script in ``cwd`` as if ``modules`` were not installed."""
    shim = cwd / "shim"
    shim.mkdir(exist_ok=True)
    (shim / "sitecustomize.py").write_text(SHIM.format(names=modules), encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("INVIDER_", "FLASK_"))}
    path = os.pathsep.join(filter(None, [str(shim), os.environ.get("PYTHONPATH")]))
    return subprocess.run(
        [shutil.which("invider"), *args],
        cwd=cwd,
        env={**clean, "PYTHONPATH": path, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_shim_really_hides_a_module(tmp_path):
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(SHIM.format(names=["psycopg"]), encoding="utf-8")
    done = subprocess.run(
        [shutil.which("python"), "-c", "import psycopg"],
        env={**os.environ, "PYTHONPATH": str(shim)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "ModuleNotFoundError" in done.stderr


def test_sqlite_needs_neither_psycopg_nor_redis(tmp_path, deck_file):
    done = without(["psycopg", "redis"], "load", str(deck_file), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "loaded 3 inviders (3 added, 0 changed, 0 removed, 0 unchanged)" in done.stdout
    assert (tmp_path / "instance" / "invider.db").exists()
    done = without(["psycopg", "redis"], "export", "--out", "results.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "results.csv").read_text(encoding="utf-8-sig").startswith("rank,name,")


@pytest.mark.parametrize(
    ("module", "setting", "url", "message"),
    [
        (
            "psycopg",
            "INVIDER_DATABASE_URL",
            "postgresql://postgres@127.0.0.1:5432/test",
            "Error: INVIDER_DATABASE_URL asks for PostgreSQL, but its driver (psycopg) "
            "is not installed: pip install 'invider[postgres]'",
        ),
        (
            "redis",
            "INVIDER_REDIS_URL",
            "redis://127.0.0.1:6379/0",
            "Error: INVIDER_REDIS_URL asks for Redis, but its driver (redis) "
            "is not installed: pip install 'invider[redis]'",
        ),
    ],
)
@pytest.mark.parametrize(
    "command", [["serve", "--host", "127.0.0.1"], ["export"], ["db", "current"]]
)
def test_a_url_whose_driver_is_missing_says_what_to_install(
    tmp_path, deck_file, module, setting, url, message, command
):
    (tmp_path / "questions").mkdir()
    shutil.copy(deck_file, tmp_path / "questions" / "deck.toml")
    done = without([module], *command, cwd=tmp_path, **{setting: url})
    assert done.returncode == 2
    assert done.stderr.splitlines() == [message]
    assert "Traceback" not in done.stdout + done.stderr
    assert not (tmp_path / "instance").exists()  # nothing written, not even the secret key


def test_help_lists_the_commands_even_when_a_driver_is_missing(tmp_path):
    """``invider --help`` creates no app, so a missing driver is only named by a command."""
    done = without(["psycopg"], "--help", cwd=tmp_path, INVIDER_DATABASE_URL="postgresql://x/y")
    assert done.returncode == 0, done.stderr
    assert "serve" in done.stdout and "posters" in done.stdout
    assert not (tmp_path / "instance").exists()
