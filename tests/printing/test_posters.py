"""Posters, stickers, start poster and placement sheet: vector PDFs that phones can scan."""

from __future__ import annotations

import csv
import hashlib
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pytest
import zxingcpp
from conftest import csrf_token
from PIL import Image, ImageChops, ImageFilter
from requirements import require

from invider.art.sprites import sprite_colour, sprite_grid
from invider.printing.posters import (
    PosterDeck,
    PosterError,
    PosterItem,
    Printables,
    check_public_url,
    drawing_process,
    format_code,
    poster_url,
    render_poster_png,
    render_printables,
)
from invider.store.models import Hunt, db

# Slow (PDFs rendered and read back): left out of `pytest -m "not slow"`, run by CI.
pytestmark = pytest.mark.slow

BASE = "http://192.168.1.20:8000"
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def make_code(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(ALPHABET[byte % len(ALPHABET)] for byte in digest[:13])


def busiest_keys(count: int) -> list[str]:
    """Keys whose sprites have the most pixels: the hardest neighbours for a QR reader."""
    candidates = [f"busy-{n}" for n in range(400)]
    return sorted(candidates, key=lambda k: sum(map(sum, sprite_grid(k))))[-count:]


def make_deck(
    size: int,
    title: str = "La chasse aux Inviders",
    language: str = "fr",
    keys: list[str] | None = None,
) -> PosterDeck:
    keys = keys or [f"invider-{n}" for n in range(1, size + 1)]
    items = tuple(
        PosterItem(
            number=n,
            key=key,
            code=make_code(key),
            location=f"Salle {n}",
            topic="Emploi Store" if n % 2 else None,
        )
        for n, key in enumerate(keys, 1)
    )
    return PosterDeck(title, language, items)


@pytest.fixture(scope="module")
def deck12() -> PosterDeck:
    keys = busiest_keys(4) + ["emploi-store-launch", "la-bonne-boite"]
    return make_deck(12, keys=keys + [f"invider-{n}" for n in range(7, 13)])


@pytest.fixture(scope="module")
def printed12(deck12: PosterDeck, tmp_path_factory: pytest.TempPathFactory) -> Printables:
    return render_printables(deck12, tmp_path_factory.mktemp("deck12"), BASE + "/")


def pages(pdf_path: Path, dpi: int = 150) -> list[Image.Image]:
    pdf = pdfium.PdfDocument(pdf_path)
    try:
        return [page.render(scale=dpi / 72).to_pil() for page in pdf]
    finally:
        pdf.close()


def load(source: Path | bytes) -> Image.Image:
    with Image.open(BytesIO(source) if isinstance(source, bytes) else source) as image:
        image.load()
    return image


def decoded(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image.convert("L"))]


def phone_capture(page: Image.Image) -> Image.Image:
    """A blurry, tilted, slightly skewed, JPEG-compressed photo of a whole poster."""
    small = page.convert("L").resize(
        (400, round(400 * page.height / page.width)), Image.Resampling.LANCZOS
    )
    tilted = small.filter(ImageFilter.GaussianBlur(1)).rotate(
        15, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255
    )
    # A mild keystone, as when the phone is held below the poster.
    # The output is larger because the keystone also shrinks the far side.
    size = (round(tilted.width * 1.3), round(tilted.height * 1.3))
    skewed = tilted.transform(
        size,
        Image.Transform.PERSPECTIVE,
        (1, 0.04, 0, 0.02, 1, 0, 0.0003, 0.0002),
        Image.Resampling.BICUBIC,
        fillcolor=255,
    )
    buffer = BytesIO()
    skewed.save(buffer, "JPEG", quality=70)
    return Image.open(BytesIO(buffer.getvalue()))


def test_each_poster_page_opens_its_own_invider_in_deck_order(
    deck12: PosterDeck, printed12: Printables
) -> None:
    found = [decoded(page) for page in pages(printed12.posters_pdf)]
    assert found == [[f"{BASE}/i/{item.code}"] for item in deck12.items]
    assert printed12.poster_pages == 12


def test_every_sticker_on_a_sheet_decodes(deck12: PosterDeck, printed12: Printables) -> None:
    sheets = pages(printed12.stickers_pdf)
    assert len(sheets) == printed12.sticker_pages == 2
    urls = [poster_url(BASE, item.code) for item in deck12.items]
    assert [sorted(decoded(sheet)) for sheet in sheets] == [sorted(urls[:6]), sorted(urls[6:])]


def test_qr_codes_are_at_least_12_cm_on_posters_and_4_cm_on_stickers(
    printed12: Printables,
) -> None:
    def widths_cm(pdf: Path) -> list[float]:
        results = zxingcpp.read_barcodes(pages(pdf)[0])
        return [(r.position.top_right.x - r.position.top_left.x) / 150 * 2.54 for r in results]

    assert min(widths_cm(printed12.posters_pdf)) >= 12
    assert min(widths_cm(printed12.stickers_pdf)) >= 4


def test_posters_survive_a_phone_photo(deck12: PosterDeck, printed12: Printables) -> None:
    photos = [phone_capture(page) for page in pages(printed12.posters_pdf)]
    assert [decoded(photo) for photo in photos] == [
        [poster_url(BASE, item.code)] for item in deck12.items
    ]


def test_start_here_poster_opens_the_home_page(printed12: Printables) -> None:
    [page] = pages(printed12.start_here_pdf)
    assert decoded(page) == [f"{BASE}/"]
    assert decoded(load(printed12.start_here_png)) == [f"{BASE}/"]


ECHO_OPENS = datetime(2026, 3, 21, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.mark.parametrize(
    ("language", "when"),
    [("fr", "21 mars 2026 à 9 h 00"), ("en", "21 March 2026, 9:00 AM")],
)
def test_the_start_poster_says_when_the_echo_opens_with_its_qr_code(
    tmp_path: Path, language: str, when: str
) -> None:
    require(shutil.which("pdftotext"), "install poppler-utils (pdftotext) to read the text")
    deck = replace(make_deck(3, language=language), echo_opens=ECHO_OPENS)
    printed = render_printables(deck, tmp_path, BASE)
    text = subprocess.run(
        ["pdftotext", printed.start_here_pdf, "-"], capture_output=True, text=True, check=True
    ).stdout
    assert when in " ".join(text.split())
    [page] = pages(printed.start_here_pdf)
    assert sorted(decoded(page)) == [f"{BASE}/", f"{BASE}/echo"]
    assert sorted(decoded(load(printed.start_here_png))) == [f"{BASE}/", f"{BASE}/echo"]
    # The home page's code still reads in a phone photo of the whole poster.
    assert f"{BASE}/" in decoded(phone_capture(pages(printed.start_here_pdf, dpi=100)[0]))


def test_without_an_echo_date_the_start_poster_has_no_echo(printed12: Printables) -> None:
    require(shutil.which("pdftotext"), "install poppler-utils (pdftotext) to read the text")
    text = subprocess.run(
        ["pdftotext", printed12.start_here_pdf, "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "écho" not in text


@pytest.mark.parametrize("title", ["Hunt", "La très longue chasse aux Inviders " * 8])
def test_nothing_is_printed_within_10_mm_of_the_edge(tmp_path: Path, title: str) -> None:
    deck = replace(make_deck(7, title=title), echo_opens=ECHO_OPENS)
    printed = render_printables(deck, tmp_path, BASE)
    band = round(10 / 25.4 * 150)
    for pdf in (
        printed.posters_pdf,
        printed.stickers_pdf,
        printed.placement_pdf,
        printed.start_here_pdf,
    ):
        for page in pages(pdf):
            grey = page.convert("L")
            inner = grey.crop((band, band, grey.width - band, grey.height - band))
            frame = grey.copy()
            frame.paste(255, (band, band, grey.width - band, grey.height - band))
            assert frame.getextrema()[0] > 200, f"ink in the margin of {pdf.name}"
            assert inner.getextrema()[0] < 50, f"blank page in {pdf.name}"


def test_pages_are_vector_drawings_with_embedded_subset_fonts(printed12: Printables) -> None:
    for path in (
        printed12.posters_pdf,
        printed12.stickers_pdf,
        printed12.start_here_pdf,
        printed12.placement_pdf,
    ):
        pdf = pdfium.PdfDocument(path)
        try:
            kinds = {obj.type for page in pdf for obj in page.get_objects()}
        finally:
            pdf.close()
        assert pdfium.raw.FPDF_PAGEOBJ_IMAGE not in kinds, f"a bitmap in {path.name}"
        assert {pdfium.raw.FPDF_PAGEOBJ_PATH, pdfium.raw.FPDF_PAGEOBJ_TEXT} <= kinds
    require(shutil.which("pdffonts"), "install poppler-utils to check the embedded fonts")
    fonts = subprocess.run(["pdffonts", printed12.posters_pdf], capture_output=True, text=True)
    rows = fonts.stdout.splitlines()[2:]
    assert len(rows) == 2 and all("Inter" in row and "TrueType" in row for row in rows)
    # Embedded, subset, with a Unicode map; and no mismatch warning from poppler.
    assert all(row.split()[-5:-2] == ["yes", "yes", "yes"] for row in rows), rows
    assert fonts.stderr == ""
    # Twelve posters in a few dozen kB: bitmaps were 25 kB a page.
    assert printed12.posters_pdf.stat().st_size < 12 * 10_000


def test_the_invider_is_the_hero_in_the_colour_players_see(
    deck12: PosterDeck, printed12: Printables
) -> None:
    for item, page in zip(deck12.items, pages(printed12.posters_pdf, dpi=40), strict=True):
        rgb = page.convert("RGB")
        colour = tuple(int(sprite_colour(item.key)[i : i + 2], 16) for i in (1, 3, 5))
        r, g, b = ImageChops.difference(rgb, Image.new("RGB", rgb.size, colour)).split()
        mask = ImageChops.lighter(ImageChops.lighter(r, g), b).point(lambda v: 255 * (v == 0))
        left, top, right, bottom = mask.getbbox()
        assert bottom - top >= page.height / 3, item.key
        assert right - left >= page.width / 2, item.key


def test_mono_pages_have_no_colour(deck12: PosterDeck, tmp_path: Path) -> None:
    printed = render_printables(deck12, tmp_path, BASE, mono=True)
    for path in (
        printed.posters_pdf,
        printed.stickers_pdf,
        printed.start_here_pdf,
        printed.placement_pdf,
        printed.pngs[0],
    ):
        images = pages(path, dpi=40) if path.suffix == ".pdf" else [load(path)]
        for image in images:
            colours = image.convert("RGB").getcolors(1 << 16)
            assert all(r == g == b for _, (r, g, b) in colours), path.name


def test_png_names_are_zero_padded_to_the_largest_number(tmp_path: Path) -> None:
    deck = make_deck(24)
    printed = render_printables(deck, tmp_path, BASE)
    names = sorted(path.name for path in (tmp_path / "png").iterdir())
    assert names[:2] == ["01-invider-1.png", "02-invider-2.png"]
    assert names[-1] == "24-invider-24.png" and len(names) == 24
    assert [path.name for path in printed.pngs] == [
        f"{item.number:02d}-{item.key}.png" for item in deck.items
    ]
    assert decoded(load(printed.pngs[6])) == [poster_url(BASE, deck.items[6].code)]


def test_single_digit_decks_are_not_padded(tmp_path: Path) -> None:
    render_printables(make_deck(3), tmp_path, BASE)
    assert sorted(p.name for p in (tmp_path / "png").iterdir()) == [
        "1-invider-1.png",
        "2-invider-2.png",
        "3-invider-3.png",
    ]


def test_rendering_again_removes_posters_of_removed_inviders(tmp_path: Path) -> None:
    render_printables(make_deck(3), tmp_path, BASE)
    render_printables(make_deck(2), tmp_path, BASE)
    assert sorted(p.name for p in (tmp_path / "png").iterdir()) == [
        "1-invider-1.png",
        "2-invider-2.png",
    ]


def test_poster_number_is_padded_like_the_png_names() -> None:
    from invider.printing.posters import _sheet
    from invider.printing.sheets import MONO

    def label(deck, item):
        return f"{_sheet(deck, 'http://x', 'a4', MONO).number(item.number)} / {len(deck.items)}"

    deck = make_deck(24)
    assert label(deck, deck.items[6]) == "#07 / 24"
    assert label(make_deck(9), make_deck(9).items[6]) == "#7 / 9"


def test_placement_csv_lists_every_poster_for_excel(tmp_path: Path) -> None:
    deck = make_deck(3)
    items = (*deck.items[:2], PosterItem(3, "invider-3", make_code("x"), "=HYPERLINK(1)", "+1"))
    printed = render_printables(PosterDeck(deck.title, "fr", items), tmp_path, BASE)
    raw = printed.placement_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == ["number", "key", "code", "location", "topic", "url"]
    assert rows[1] == [
        "1",
        "invider-1",
        items[0].code,
        "Salle 1",
        "Emploi Store",
        f"{BASE}/i/{items[0].code}",
    ]
    assert rows[2][4] == ""
    assert rows[3][3:5] == ["'=HYPERLINK(1)", "'+1"]
    assert printed.placement_pages == len(pages(printed.placement_pdf, dpi=30)) == 1


def test_letter_paper_gives_letter_pages(tmp_path: Path) -> None:
    printed = render_printables(make_deck(2, language="en"), tmp_path, BASE, paper="letter")
    for path in (printed.posters_pdf, printed.stickers_pdf, printed.placement_pdf):
        pdf = pdfium.PdfDocument(path)
        assert [tuple(round(v) for v in page.get_size()) for page in pdf] == [(612, 792)] * len(pdf)
        pdf.close()
    [page, _] = pages(printed.posters_pdf)
    result = zxingcpp.read_barcodes(page)[0]
    assert (result.position.top_right.x - result.position.top_left.x) / 150 * 2.54 >= 12


def test_a4_is_the_default(printed12: Printables) -> None:
    pdf = pdfium.PdfDocument(printed12.posters_pdf)
    assert tuple(round(v) for v in pdf[0].get_size()) == (595, 842)
    pdf.close()


def test_render_poster_png_is_one_printable_poster(deck12: PosterDeck) -> None:
    image = load(render_poster_png(deck12, deck12.items[3], BASE)).convert("L")
    assert image.size == (2480, 3508)
    assert round(image.info["dpi"][0]) == 300
    assert decoded(image) == [poster_url(BASE, deck12.items[3].code)]


def test_stronger_error_correction_when_it_costs_no_size() -> None:
    # 43 characters: version 4 at ECC M, and ECC Q still fits version 4.
    deck = make_deck(1)
    png = render_poster_png(deck, deck.items[0], "https://invider.example.com")
    [result] = zxingcpp.read_barcodes(load(png).convert("L"))
    assert result.ec_level == "Q"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"paper": "a3"}, "unknown paper"),
        ({"language": "de"}, "language"),
        ({"items": ()}, "no inviders"),
        ({"key": "../etc"}, "key"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    tmp_path: Path, change: dict, message: str
) -> None:
    deck = make_deck(2)
    if "language" in change:
        deck = PosterDeck(deck.title, change["language"], deck.items)
    if "items" in change:
        deck = PosterDeck(deck.title, deck.language, change["items"])
    if "key" in change:
        deck = PosterDeck(deck.title, deck.language, (PosterItem(1, change["key"], "abc"),))
    with pytest.raises(PosterError, match=message):
        render_printables(deck, tmp_path / "out", BASE, paper=change.get("paper", "a4"))
    assert not (tmp_path / "out" / "posters.pdf").exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (None, "--public-url or set INVIDER_PUBLIC_URL"),
        ("", "--public-url or set INVIDER_PUBLIC_URL"),
        ("   ", "--public-url or set INVIDER_PUBLIC_URL"),
        ("http://localhost:8000", "phones cannot reach localhost"),
        ("http://127.0.0.1:8000", "phones cannot reach 127.0.0.1"),
        ("http://127.1.2.3", "phones cannot reach"),
        ("http://0.0.0.0:8000", "phones cannot reach 0.0.0.0"),
        ("http://[::1]:8000", "phones cannot reach ::1"),
        ("ftp://192.168.1.20/", "http:// or https://"),
        ("192.168.1.20:8000", "http:// or https://"),
        ("http://", "must be like"),
        ("http://192.168.1.20:99999", "invalid port"),
    ],
)
def test_unusable_public_urls_are_refused(url: str | None, message: str) -> None:
    with pytest.raises(PosterError, match=message):
        check_public_url(url)


def test_local_addresses_are_told_how_to_proceed() -> None:
    with pytest.raises(PosterError, match="use the laptop's LAN address or pass --allow-local"):
        check_public_url("http://localhost:8000")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://192.168.1.20:8000/", "http://192.168.1.20:8000"),
        (" HTTPS://Invider.Example.org:443/hunt/ ", "https://invider.example.org/hunt"),
        ("http://10.0.0.5:80", "http://10.0.0.5"),
        ("http://[fe80::1]:8000", "http://[fe80::1]:8000"),
    ],
)
def test_public_urls_are_normalised(url: str, expected: str) -> None:
    assert check_public_url(url) == expected


def test_allow_local_accepts_localhost() -> None:
    assert check_public_url("http://localhost:8000/", allow_local=True) == "http://localhost:8000"


def test_poster_url_and_typable_code() -> None:
    assert poster_url("http://192.168.1.20:8000", "abcdefghjkmnp") == (
        "http://192.168.1.20:8000/i/abcdefghjkmnp"
    )
    assert format_code("abcdefghjkmnp") == "abcd-efgh-jkmnp"
    assert format_code("abcdefgh") == "abcd-efgh"


@pytest.fixture(scope="module")
def deck100() -> PosterDeck:
    return make_deck(100, title="Inviders au siège")


@pytest.mark.parametrize("mono", [False, True], ids=["colour", "mono"])
def test_every_poster_of_a_100_deck_scans_from_a_phone_and_reads_as_text(
    deck100: PosterDeck, tmp_path: Path, mono: bool
) -> None:
    printed = render_printables(deck100, tmp_path, BASE, mono=mono)
    photos = [phone_capture(page) for page in pages(printed.posters_pdf, dpi=100)]
    assert [decoded(photo) for photo in photos] == [
        [poster_url(BASE, item.code)] for item in deck100.items
    ]
    sheets = pages(printed.stickers_pdf, dpi=150)
    stickers = sorted(url for sheet in sheets for url in decoded(sheet))
    assert stickers == sorted(poster_url(BASE, item.code) for item in deck100.items)
    assert decoded(phone_capture(pages(printed.start_here_pdf, dpi=100)[0])) == [f"{BASE}/"]

    require(shutil.which("pdftotext"), "install poppler-utils (pdftotext) to read the text")
    text = subprocess.run(
        ["pdftotext", "-layout", printed.posters_pdf, "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    texts = text.split("\f")[: len(deck100.items)]
    assert len(texts) == 100
    for item, page_text in zip(deck100.items, texts, strict=True):
        assert "Inviders au siège" in page_text
        assert "Scannez-moi" in page_text
        assert f"#{item.number:03d}" in page_text and "/ 100" in page_text
        # The code is printed in groups that may break after a dash.
        assert format_code(item.code) in "".join(page_text.split()), item.key


def test_english_decks_speak_english(tmp_path: Path) -> None:
    require(shutil.which("pdftotext"), "install poppler-utils (pdftotext) to read the text")
    printed = render_printables(make_deck(2, title="Office hunt", language="en"), tmp_path, BASE)
    text = subprocess.run(
        ["pdftotext", printed.posters_pdf, "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Scan me!" in text and "Scannez" not in text


def test_titles_the_font_cannot_draw_do_not_break_rendering(tmp_path: Path) -> None:
    printed = render_printables(make_deck(1, title="Chasse 🎉 漢字"), tmp_path, BASE)
    assert decoded(pages(printed.posters_pdf)[0]) == [poster_url(BASE, make_code("invider-1"))]


# --- The control room serves the same files, from the relative folder as shipped ----------


PRINTABLE_FILES = ["posters.pdf", "stickers.pdf", "placement.pdf", "start-here.pdf"]


@pytest.mark.parametrize("ink", ["colour", "mono"])
def test_every_printable_downloads_from_the_relative_printables_folder(
    app, admin_client, ink: str
) -> None:
    assert app.config["PRINTABLES_DIR"] == "printables"  # relative, as shipped
    query = "?ink=mono" if ink == "mono" else ""
    for name in [*PRINTABLE_FILES, "placement.csv"]:
        with admin_client.get(f"/admin/posters/{name}{query}") as response:
            assert response.status_code == 200, name
            start = b"\xef\xbb\xbfnumber" if name.endswith("csv") else b"%PDF"
            assert response.data.startswith(start)
            expected = name.replace(".", "-mono.", 1) if ink == "mono" else name
            assert expected in response.headers["Content-Disposition"]
    folder = Path("printables") / ("mono" if ink == "mono" else "")
    assert (folder / "posters.pdf").is_file() and len(list((folder / "png").iterdir())) == 3
    png = admin_client.get(f"/admin/posters/poster/launch.png{query}")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    colours = load(png.data).convert("RGB").getcolors(16)
    assert (len({c for _, c in colours if len(set(c)) > 1}) == 0) == (ink == "mono")


def test_control_room_serves_the_files_the_command_line_made(app, admin_client) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["posters", "--public-url", app.config["PUBLIC_URL"]])
    assert result.exit_code == 0, result.output
    made = Path("printables/posters.pdf").read_bytes()
    with admin_client.get("/admin/posters/posters.pdf") as response:
        assert response.data == made
    # Black and white from the command line is not served as colour.
    result = runner.invoke(args=["posters", "--mono", "--public-url", app.config["PUBLIC_URL"]])
    assert result.exit_code == 0, result.output
    mono = Path("printables/posters.pdf").read_bytes()
    with admin_client.get("/admin/posters/posters.pdf") as response:
        assert response.data != mono and response.data.startswith(b"%PDF")


def test_the_control_rooms_start_poster_follows_the_echo_date(
    app, admin_client, tmp_path: Path
) -> None:
    require(shutil.which("pdftotext"), "install poppler-utils (pdftotext) to read the text")
    with app.app_context():  # the echo may only open after the hunt closes
        Hunt.current().closes_at = datetime(2030, 3, 14, 17, tzinfo=UTC)
        db.session.commit()
    token = csrf_token(admin_client, "/admin/")
    admin_client.post(
        "/admin/echo", data={"csrf_token": token, "echo_opens_at": "2030-03-21T09:30"}
    )
    with admin_client.get("/admin/posters/start-here.pdf") as response:
        assert response.status_code == 200
        pdf = tmp_path / "start-here.pdf"
        pdf.write_bytes(response.data)
    text = subprocess.run(
        ["pdftotext", pdf, "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "21 March 2030, 9:30 AM" in " ".join(text.split())
    assert sorted(decoded(pages(pdf)[0])) == [
        f"{app.config['PUBLIC_URL']}/",
        f"{app.config['PUBLIC_URL']}/echo",
    ]


def test_the_command_lines_second_process_draws_the_same_pngs(
    deck12: PosterDeck, printed12: Printables, tmp_path: Path
) -> None:
    # `invider posters` writes the PDFs in a forked process, and both processes draw PNGs.
    with drawing_process(2) as helper:
        printed = render_printables(deck12, tmp_path, BASE, helper=helper)
    assert [p.name for p in printed.pngs] == [p.name for p in printed12.pngs]
    for ours, serial in zip(printed.pngs, printed12.pngs, strict=True):
        assert ours.read_bytes() == serial.read_bytes()
    assert printed.poster_pages == len(deck12.items)
    with Image.open(printed.pngs[0]) as first:
        assert any(url.endswith(deck12.items[0].code) for url in decoded(first))
    # Each process computed half the QR codes, for both: every PDF carries them all.
    assert [decoded(page) for page in pages(printed.posters_pdf, dpi=100)] == [
        [poster_url(BASE, item.code)] for item in deck12.items
    ]
    stickers = [url for page in pages(printed.stickers_pdf) for url in decoded(page)]
    assert sorted(stickers) == sorted(poster_url(BASE, item.code) for item in deck12.items)
