"""Build hook: compile the translation catalogs (.po -> .mo) whenever the package is built.

``pip install .`` and ``pip install -e .`` both run ``build_py``, so installed copies and
editable checkouts get compiled catalogs; ``.mo`` files are never kept in git.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

TRANSLATIONS = Path(__file__).resolve().parent / "invider" / "translations"


def compile_catalogs(directory: Path = TRANSLATIONS) -> list[Path]:
    """Compile every ``messages.po`` under ``directory`` next to itself; return the .mo paths."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parent.parent.name)
        mo = po.with_suffix(".mo")
        # Fuzzy entries are guesses, not translations: leave them out like pybabel does.
        with mo.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        written.append(mo)
    return written


class BuildWithCatalogs(build_py):
    """``build_py`` that compiles the catalogs first, so they ship as package data."""

    def run(self) -> None:
        compile_catalogs()
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogs})
