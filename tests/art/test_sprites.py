from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from itertools import combinations, pairwise

import pytest
from PIL import Image, ImageColor

from invider.art.sprites import (
    HEIGHT,
    PALETTE,
    SILHOUETTE,
    WIDTH,
    sprite_colour,
    sprite_grid,
    sprite_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
DECK = [f"invider-{n}" for n in range(1, 101)]
REALISTIC = [
    "emploi-store-launch",
    "emploi-store-mvp",
    "la-bonne-boite",
    "la-bonne-formation",
    "strategie-2030",
    "open-data",
    "api-partenaires",
    "mes-aides",
    "memo",
    "agilite",
    "data-1",
    "data-2",
    "data-11",
    "a",
    "b",
    "0",
    "-",
    "x-y-z",
]


def picture(key: str) -> str:
    return "\n".join("".join("#" if cell else "." for cell in row) for row in sprite_grid(key))


def test_the_art_of_a_key_never_changes() -> None:
    # Posters already on the walls must keep matching the web pages after an upgrade.
    assert picture("invider-1") == (
        "...#...#...\n"
        "#..#...#..#\n"
        "#.#######.#\n"
        "##..###..##\n"
        "###########\n"
        ".###.#.###.\n"
        "#.#.....#.#\n"
        ".##.....##."
    ), picture("invider-1")


def test_the_art_does_not_depend_on_the_process() -> None:
    # Python's hash() differs per process: web workers and the poster renderer must agree.
    code = (
        "from invider.art.sprites import sprite_grid, sprite_colour as c; "
        "print(sprite_grid('emploi-store-launch'), c('emploi-store-launch'))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert outputs == {
        f"{sprite_grid('emploi-store-launch')} {sprite_colour('emploi-store-launch')}\n"
    }


@pytest.mark.parametrize("key", DECK[:30] + REALISTIC)
def test_sprites_are_invader_shaped_and_symmetric(key: str) -> None:
    grid = sprite_grid(key)
    assert len(grid) == HEIGHT and {len(row) for row in grid} == {WIDTH}
    assert all(row == row[::-1] for row in grid)
    assert sum(map(sum, grid)) >= 26, "too sparse to read as an invader"
    assert any(grid[0] + grid[1]), "no antennae or head"
    assert any(grid[-1]), "no legs"
    assert max(sum(row) for row in grid) >= 7, "too narrow"


@pytest.mark.parametrize("key", DECK + REALISTIC)
def test_sprites_are_in_one_piece(key: str) -> None:
    grid = sprite_grid(key)
    cells = {(r, c) for r in range(HEIGHT) for c in range(WIDTH) if grid[r][c]}
    start = next(iter(cells))
    seen, todo = {start}, [start]
    while todo:
        r, c = todo.pop()
        for neighbour in ((r + dr, c + dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1)):
            if neighbour in cells and neighbour not in seen:
                seen.add(neighbour)
                todo.append(neighbour)
    assert seen == cells


@pytest.mark.parametrize("keys", [DECK, REALISTIC, [f"q{n}" for n in range(1, 101)]])
def test_no_two_sprites_of_a_deck_are_alike(keys: list[str]) -> None:
    grids = [sprite_grid(key) for key in keys]
    assert len(set(grids)) == len(keys)
    # Each sprite is its own mirror image, so no sprite mirrors another either.
    assert {tuple(row[::-1] for row in grid) for grid in grids} == set(grids)


def test_sprites_of_a_deck_differ_by_more_than_a_pixel_pair() -> None:
    def distance(a: tuple, b: tuple) -> int:
        return sum(x != y for ra, rb in zip(a, b, strict=True) for x, y in zip(ra, rb, strict=True))

    grids = [sprite_grid(key) for key in DECK]
    assert min(distance(a, b) for a, b in combinations(grids, 2)) >= 3


def test_a_deck_uses_the_whole_palette() -> None:
    assert {sprite_colour(key) for key in DECK} == set(PALETTE)
    assert all(re.fullmatch(r"#[0-9a-f]{6}", sprite_colour(key)) for key in REALISTIC)


def luminance(colour: str) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = ImageColor.getrgb(colour)[:3]
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("colour", [*PALETTE, SILHOUETTE])
def test_colours_stand_out_on_white_and_on_the_dark_screen(colour: str) -> None:
    assert contrast(colour, "#ffffff") >= 3
    assert contrast(colour, "#0b0f1a") >= 3


def test_palette_colours_print_as_distinct_greys() -> None:
    greys = sorted(Image.new("RGB", (1, 1), c).convert("L").getpixel((0, 0)) for c in PALETTE)
    assert min(b - a for a, b in pairwise(greys)) >= 8, greys


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_svg_is_crisp_inline_markup_of_the_sprite() -> None:
    root = parse(sprite_svg("invider-7"))
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == f"0 0 {WIDTH} {HEIGHT}"
    assert root.get("shape-rendering") == "crispEdges"
    assert root.get("aria-hidden") == "true" and root.get("role") is None
    [path] = list(root)
    assert path.tag == f"{SVG}path" and path.get("fill") == sprite_colour("invider-7")
    # Every run of the path is one row of pixels: together they redraw the grid.
    drawn = [[False] * WIDTH for _ in range(HEIGHT)]
    for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)v1H\d+z", path.get("d")):
        for col in range(int(x), int(x) + int(w)):
            drawn[int(y)][col] = True
    assert tuple(map(tuple, drawn)) == sprite_grid("invider-7")


def test_svg_has_no_script_nor_external_reference() -> None:
    svg = sprite_svg("invider-7", title="Invider 7")
    assert "<script" not in svg and "href" not in svg and "url(" not in svg
    assert all(not name.startswith("on") for el in parse(svg).iter() for name in el.attrib)


def test_svg_title_is_escaped_and_announced() -> None:
    hostile = '</title><script>alert("x")</script> & <b>'
    root = parse(sprite_svg("invider-7", title=hostile))
    assert root.get("role") == "img" and root.get("aria-hidden") is None
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == hostile
    assert root.find(f".//{SVG}script") is None


def test_silhouette_is_the_same_shape_in_grey() -> None:
    found = parse(sprite_svg("invider-7")).find(f"{SVG}path")
    hidden = parse(sprite_svg("invider-7", silhouette=True)).find(f"{SVG}path")
    assert hidden.get("d") == found.get("d")
    assert hidden.get("fill") == SILHOUETTE != found.get("fill")
