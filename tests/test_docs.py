"""The README and the guides in docs/: short, linked, and true to the code they describe."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo

from invider.decks import reading

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
TEST_COMMAND = "python -m pip install -e '.[test]' && python -m pytest"
SERVE_COMMAND = "python -m pip install . && invider serve"
#: The guides this branch writes, each linked from the README.
GUIDES = (
    "docs/deck-format.md",
    "docs/control-room.md",
    "docs/learning-and-privacy.md",
    "docs/operations.md",
)
#: Guides other branches write; the README links them before they land.
COMING = (
    "docs/sign-in.md",
    "docs/programme.md",
    "docs/after-the-day.md",
    "docs/hardening.md",
    "docs/performance.md",
    "CONTRIBUTING.md",
)
LINK_RE = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)|<img [^>]*src=\"([^\"]+)\"")
FENCE_RE = re.compile(r"^ *```.*?^ *```", re.MULTILINE | re.DOTALL)
CODE_SPAN_RE = re.compile(r"`([^`\n]+)`")
SETTING_RE = re.compile(r"INVIDER_([A-Z][A-Z0-9_]*[A-Z0-9])")
COMMAND_RE = re.compile(r"(?:^|\s)invider ([a-z][a-z-]*)((?: [^#&|`]*)?)")


def documents() -> list[Path]:
    """Return the README and every guide present in docs/."""
    return [README, *sorted((ROOT / "docs").glob("*.md"))]


def prose(path: Path) -> str:
    """Return a Markdown file's text without its fenced code blocks."""
    return FENCE_RE.sub("", path.read_text(encoding="utf-8"))


def slug(heading: str) -> str:
    """Return the anchor GitHub gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Return the anchors of a Markdown file's headings."""
    return {slug(m[1]) for m in re.finditer(r"^#{1,6} (.+)$", prose(path), re.MULTILINE)}


def links(path: Path) -> list[str]:
    """Return the targets of a Markdown file's links and images, code blocks left out."""
    return [a or b for a, b in LINK_RE.findall(prose(path))]


def test_readme_is_short():
    size = len(README.read_bytes())
    assert size < 12_000, f"README.md is {size} bytes: move details into docs/"


def test_readme_opens_with_the_two_commands():
    text = README.read_text(encoding="utf-8")
    first_block = FENCE_RE.search(text)
    assert first_block, "README.md has no code block"
    assert SERVE_COMMAND in first_block[0]
    assert TEST_COMMAND in first_block[0]
    assert first_block.start() < text.index("\n## "), "the commands come before any section"


def test_ci_finds_the_test_command_in_the_readme():
    """`.ci/run` runs the README's test command: its own grep must find it, whole."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    pattern = re.search(r'grep -m1 -o "([^"]+)" README\.md', script)
    assert pattern, ".ci/run no longer reads the test command from README.md"
    found = re.search(pattern[1], README.read_text(encoding="utf-8"))
    assert found and found[0] == TEST_COMMAND


def test_readme_shows_one_picture_and_links_every_guide():
    targets = links(README)
    pictures = [t for t in targets if t.endswith((".png", ".jpg", ".svg"))]
    assert len(pictures) == 1
    for guide in (*GUIDES, *COMING):
        assert guide in targets, f"README.md does not link {guide}"


@pytest.mark.parametrize("path", documents(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_links_lead_to_files_and_sections_that_exist(path):
    for target in links(path):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        name, _, fragment = target.partition("#")
        file = (path.parent / name).resolve() if name else path
        relative = file.relative_to(ROOT).as_posix()
        if relative in COMING and not file.exists():
            continue
        assert file.exists(), f"{path.name} links {target}, which does not exist"
        if fragment and file.suffix == ".md":
            assert fragment in anchors(file), f"{path.name} links {target}: no such section"


def test_every_guide_this_branch_writes_exists():
    for guide in GUIDES:
        assert (ROOT / guide).is_file(), guide


def code_lines(path: Path) -> list[str]:
    """Return a file's code: its inline code spans and the lines of its code blocks."""
    text = path.read_text(encoding="utf-8").replace("\\|", "/")  # a | escaped in a table
    blocks = [line for block in FENCE_RE.findall(text) for line in block.splitlines()]
    return CODE_SPAN_RE.findall(FENCE_RE.sub("", text)) + blocks


def documented_commands() -> list[tuple[str, str, list[str]]]:
    """Return (file, command line, options) for every ``invider`` command the docs show."""
    found = []
    for path in documents():
        for line in code_lines(path):
            for m in COMMAND_RE.finditer(line):
                words = m[2].split()
                found.append((path.name, m[1], words))
    return found


@pytest.fixture
def commands(app: Flask):
    """Return a function giving the click command ``invider NAME ...`` runs."""
    group = FlaskGroup(create_app=lambda: app, add_version_option=False)

    def find(name: str, words: list[str]) -> click.Command | None:
        command = group.get_command(context, name)
        while isinstance(command, click.Group) and words and not words[0].startswith("-"):
            command = command.get_command(context, words.pop(0))
        return command

    # Looking a command up pushes an app context; closing the click context pops it, so
    # later tests do not run inside this test's app.
    with click.Context(group, obj=ScriptInfo(create_app=lambda: app)) as context:
        yield find


def test_documented_commands_and_options_exist(commands):
    shown = documented_commands()
    assert {name for _, name, _ in shown} >= {"serve", "load", "posters", "export", "backup"}
    for file, name, words in shown:
        command = commands(name, list(words))
        assert command is not None, f"{file} shows `invider {name}`, which does not exist"
        options = {opt for param in command.params for opt in param.opts}
        for option in re.findall(r"--[a-z][a-z-]*", " ".join(words)):
            assert option in options, f"{file}: `invider {name}` has no {option}"


def test_documented_settings_are_read_by_the_code():
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "invider").rglob("*.py"))
    for path in documents():
        for name in set(SETTING_RE.findall(path.read_text(encoding="utf-8"))):
            assert re.search(rf"[\"']({name}|INVIDER_{name})[\"']", source), (
                f"{path.name} documents INVIDER_{name}, which the code never reads"
            )


def test_every_setting_is_documented(app: Flask):
    own = {
        key
        for key in app.config
        if key not in Flask.default_config and not key.startswith(("SQLALCHEMY_", "WTF_", "BABEL_"))
    }
    own.discard("OIDC_ENABLED")  # derived from the issuer, client id and secret: never set
    text = "\n".join(p.read_text(encoding="utf-8") for p in documents())
    missing = sorted(key for key in own if f"`INVIDER_{key}`" not in text)
    assert not missing, f"settings without a line in docs/: {missing}"


def test_every_deck_key_is_documented():
    text = "\n".join(p.read_text(encoding="utf-8") for p in documents())
    for key in (*reading.HUNT_FIELDS, *reading.INVIDER_FIELDS):
        assert re.search(rf"^\| `{key}` \|", text, re.MULTILINE), f"deck key {key} undocumented"


def toml_examples() -> list[tuple[str, str]]:
    """Return (file, text) for every TOML example that holds a whole deck."""
    found = []
    for path in documents():
        for block in re.findall(
            r"^( *)```toml\n(.*?)^ *```", path.read_text(encoding="utf-8"), re.M | re.S
        ):
            text = "\n".join(line.removeprefix(block[0]) for line in block[1].splitlines())
            if "[hunt]" in text and "[[invider]]" in text:
                found.append((path.name, text))
    return found


def test_deck_examples_load(tmp_path):
    examples = toml_examples()
    assert {name for name, _ in examples} >= {"README.md", "deck-format.md"}
    for number, (name, text) in enumerate(examples):
        path = tmp_path / f"{number}.toml"
        path.write_text(text, encoding="utf-8")
        deck = reading.read_deck(path)  # raises DeckError, naming the line, if the example is wrong
        assert deck.inviders, name


def test_an_exported_deck_points_to_its_format(runner, tmp_path):
    out = tmp_path / "deck.toml"

    result = runner.invoke(args=["export-deck", str(out)])

    assert result.exit_code == 0, result.output
    first = out.read_text(encoding="utf-8").splitlines()[0]
    pointer = re.search(r"docs/[\w-]+\.md", first)
    assert first.startswith("#") and pointer, first
    assert (ROOT / pointer[0]).is_file()
    assert "# The deck format" in (ROOT / pointer[0]).read_text(encoding="utf-8")
