"""Huddle kits on paper: one A4 page per team, drawn with the posters' canvas and fonts.

The pages are in the deck's language whatever the organiser's browser speaks: they are
for the team's manager. A kit (see ``learning.kits``) is plain data and holds no name.
"""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from invider.printing.drawing import PdfCanvas, fit_text, line_height, wrap_words
from invider.printing.posters import PAPERS
from invider.printing.sheets import MARGIN, Inks, lines_at

TEXTS = {
    "fr": {
        "kit": "Kit de réunion d'équipe",
        "whole": "Toute la chasse",
        "lead": (
            "Pour le ou la manager\u00a0: dix minutes avec l'équipe sur les messages "
            "qu'elle a le plus manqués le jour de la chasse."
        ),
        "ask": "Demandez d'abord à l'équipe\u00a0:",
        "answer": "Réponse\u00a0: {answer}",
        "figures": "Les chiffres",
        "team": "L'équipe",
        "hunt": "Toute la chasse",
        "players": "Joueurs",
        "found": "Affiches par joueur",
        "first_try": "Juste du premier coup",
        "sure_wrong": "Sûr·e mais faux",
        "message": "Message {n}\u00a0: {name}",
        "rates": "Juste du premier coup\u00a0: {team} pour l'équipe, {hunt} pour toute la chasse.",
        "rates_alone": "Juste du premier coup\u00a0: {team}.",
        "sure": "Réponses «\u00a0sûr·e\u00a0» fausses\u00a0: {share}.",
        "fact": "Ce que disait l'affiche n°\u00a0{n}\u00a0:",
        "stayed": "Resté\u00a0: {share} s'en souvenaient à l'écho (tour {round}).",
        "not_stayed": "Pas encore resté\u00a0: {share} s'en souvenaient à l'écho (tour {round}).",
        "nothing": "Aucun message à reprendre\u00a0: l'équipe a tout juste, ou trop peu "
        "de joueurs ont répondu à chaque message.",
        "small": "Ces équipes comptent moins de {floor} joueurs et n'ont pas de page "
        "à elles\u00a0: leur manager utilise celle-ci. {teams}",
        "footer": "Aucun nom sur cette page\u00a0: des chiffres pour des groupes d'au moins "
        "{floor} joueurs. Édité le {when}.",
    },
    "en": {
        "kit": "Team huddle kit",
        "whole": "The whole hunt",
        "lead": (
            "For the team's manager: ten minutes with the team on the messages it "
            "missed most on the day of the hunt."
        ),
        "ask": "Ask your team first:",
        "answer": "Answer: {answer}",
        "figures": "The figures",
        "team": "The team",
        "hunt": "The whole hunt",
        "players": "Players",
        "found": "Posters per player",
        "first_try": "Right first time",
        "sure_wrong": "Sure but wrong",
        "message": "Message {n}: {name}",
        "rates": "Right first time: {team} for the team, {hunt} for the whole hunt.",
        "rates_alone": "Right first time: {team}.",
        "sure": "Answers given as “sure” that were wrong: {share}.",
        "fact": "What poster #{n} said:",
        "stayed": "Stayed: {share} still knew it in the echo (round {round}).",
        "not_stayed": "Not yet stayed: {share} still knew it in the echo (round {round}).",
        "nothing": "No message to go over: the team got them right, or too few of its "
        "players answered each one.",
        "small": "These teams have fewer than {floor} players and no page of their own: "
        "their managers use this one. {teams}",
        "footer": "No name on this page: figures for groups of at least {floor} players. "
        "Printed on {when}.",
    },
}
INKS = Inks()
BOX = "#eef0f4"


def _percent(value: float | None, language: str) -> str:
    return "–" if value is None else format_percent(value, locale=language)


def kit_pages(kits: dict) -> list[dict]:
    """Return the kits in print order: the whole hunt's first, then each team's."""
    return ([kits["hunt"]] if kits.get("hunt") else []) + list(kits.get("teams", []))


def huddle_pdf(
    kits: dict, title: str, language: str, floor: int, when: datetime, paper: str = "a4"
) -> bytes:
    """Return the kits as one PDF, a page per kit, in ``language`` ("fr" or "en")."""
    texts = TEXTS.get(language, TEXTS["en"])
    size = PAPERS[paper]
    canvas = PdfCanvas(size, f"{texts['kit']} — {title}")
    for kit in kit_pages(kits):
        canvas.page()
        small = kits.get("small", []) if kit["team"] is None else []
        draw_kit(canvas, size, kit, title, texts, language, floor, when, small)
    return bytes(canvas.pdf.output())


def _block(c, x, y, text, size, width, colour, bold=False, lines=4) -> float:
    """Write ``text`` wrapped to ``width``, in at most ``lines`` lines (shrunk, then cut)."""
    size, wrapped = fit_text(text, width, size, size * 0.8, lines=lines, bold=bold)
    return lines_at(c, x, y, wrapped, size, colour, bold)


def draw_kit(c, size, kit, title, texts, language, floor, when, small) -> None:
    """Draw one kit on the current page."""
    pw, ph = size
    width = pw - 2 * MARGIN
    x = MARGIN
    y = lines_at(
        c, x, MARGIN, [fit_text(title, width, 11, 8, bold=False)[1][0]], 11, INKS.muted, False
    )
    heading = f"{texts['kit']} — {kit['team'] or texts['whole']}"
    hsize, hlines = fit_text(heading, width, 22, 14, lines=2)
    y = lines_at(c, x, y + 1, hlines, hsize, INKS.text) + 1
    y = _block(c, x, y, texts["lead"], 11, width, INKS.text) + 4
    # The figures: the team beside the whole hunt.
    hunt = kit["hunt"]
    rows = [
        (
            texts["players"],
            format_decimal(kit["players"], locale=language),
            format_decimal(hunt["players"], locale=language),
        ),
        (
            texts["found"],
            format_decimal(kit["average_found"], "0.0", locale=language),
            format_decimal(hunt["average_found"], "0.0", locale=language),
        ),
        (
            texts["first_try"],
            _percent(kit["first_try"], language),
            _percent(hunt["first_try"], language),
        ),
        (
            texts["sure_wrong"],
            _percent(kit["confident_wrong"], language),
            _percent(hunt["confident_wrong"], language),
        ),
    ]
    row = line_height(10) + 1.5
    c.rect(x, y, width, row * (len(rows) + 1) + 3, BOX)
    columns = (x + 3, x + width * 0.55, x + width * 0.8)
    y += 1.5
    team_label = texts["team"] if kit["team"] else ""
    for label, left in zip(("", team_label, texts["hunt"]), columns, strict=True):
        c.text(left, y, label, 10, INKS.text)
    y += row
    for label, mine, theirs in rows:
        c.text(columns[0], y, label, 10, INKS.text, bold=False)
        if kit["team"]:
            c.text(columns[1], y, mine, 10, INKS.text, bold=False)
        c.text(columns[2], y, theirs, 10, INKS.text, bold=False)
        y += row
    y += 6
    messages = kit["messages"]
    if messages:
        first = messages[0]
        y = _block(c, x, y, texts["ask"], 12, width, INKS.text, bold=True)
        y = _block(c, x, y, first["question"], 13, width, INKS.text, bold=True)
        y = (
            _block(c, x, y, texts["answer"].format(answer=first["answer"]), 11, width, INKS.muted)
            + 5
        )
    else:
        y = _block(c, x, y, texts["nothing"], 11, width, INKS.text) + 5
    for n, message in enumerate(messages, start=1):
        c.rect(x, y, width, 0.4, INKS.rule)
        y += 2
        y = _block(
            c,
            x,
            y,
            texts["message"].format(n=n, name=message["message"]),
            13,
            width,
            INKS.text,
            bold=True,
        )
        team = _percent(message["first_try"], language)
        if kit["team"] and message["hunt_first_try"] is not None:
            rates = texts["rates"].format(
                team=team, hunt=_percent(message["hunt_first_try"], language)
            )
        else:
            rates = texts["rates_alone"].format(team=team)
        y = _block(c, x, y, rates, 10, width, INKS.text)
        if message["confident_wrong"] is not None:
            y = _block(
                c,
                x,
                y,
                texts["sure"].format(share=_percent(message["confident_wrong"], language)),
                10,
                width,
                INKS.text,
            )
        y = _block(c, x, y + 1, texts["fact"].format(n=message["number"]), 10, width, INKS.muted)
        y = _block(c, x, y, message["fact"], 11, width, INKS.text, lines=5)
        if message["stayed"] is not None:
            key = "stayed" if message["stayed"] else "not_stayed"
            verdict = texts[key].format(
                share=_percent(message["remembered"], language), round=message["round"]
            )
            y = _block(c, x, y + 1, verdict, 10, width, INKS.text, bold=True)
        y += 4
    if small:
        text = texts["small"].format(floor=floor, teams=", ".join(small))
        y = _block(c, x, y, text, 10, width, INKS.muted)
    footer = texts["footer"].format(floor=floor, when=format_date(when, "long", locale=language))
    lines = wrap_words(footer, 8, width, bold=False)
    lines_at(c, x, ph - MARGIN - len(lines) * line_height(8), lines, 8, INKS.muted, False)
