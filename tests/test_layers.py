"""The rooms are layered as pyproject.toml declares: no import crosses a layer upwards."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_import_crosses_a_layer():
    lint = shutil.which("lint-imports")
    assert lint, "import-linter is in the test extras: python -m pip install -e '.[test]'"
    done = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_every_room_says_in_one_line_what_it_holds():
    rooms = [p for p in (ROOT / "invider").iterdir() if (p / "__init__.py").exists()]
    assert len(rooms) >= 10
    for room in rooms:
        if room.name == "migrations":
            continue
        first = (room / "__init__.py").read_text().splitlines()[0]
        assert first.startswith('"""'), f"{room.name} has no docstring"
        assert first.rstrip('"').endswith("."), f"{room.name}: not a one-line summary: {first!r}"
