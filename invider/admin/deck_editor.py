"""The deck editor of the control room: edit, add, move and remove inviders; download the deck.

Every change goes through ``decks.edits`` (the validation and the loader of a TOML
reload) and into the audit log. Pages work without JavaScript; ``deck-editor.js``
adds validation as the organiser types and a live phone preview.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup
from sqlalchemy import func

from invider.admin.access import actor, admin_required, bp
from invider.decks import edits, toml_writer
from invider.decks.edits import EditErrors
from invider.decks.loading import load_deck
from invider.decks.problems import N_, DeckError, Problem
from invider.hunt.moderation import audit
from invider.store.database import begin_write
from invider.store.models import Answer, Hunt, Invider, Wave, db
from invider.web.i18n import page_translations

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The validator's messages speak of TOML keys; beside a form field the editor says them
# as the form does. A message not listed here is shown as the validator words it.
EDITOR_WORDING = {
    N_("missing %(key)s"): N_("This field is required."),
    N_("%(key)s must not be empty"): N_("This field is required."),
    N_("choices must list 2 to 6 answers"): N_("Give 2 to 6 choices."),
    N_("choices must be distinct"): N_("The choices must all be different."),
    N_("missing answer (one of the choices)"): N_("Pick the right answer."),
    N_("answer %(answer)r is not one of the choices"): N_("Pick the right answer."),
    N_("missing choices (or accept, for a typed answer)"): N_(
        "Give 2 to 6 choices, or the accepted answers."
    ),
    N_("accept must list at least one answer"): N_("Give at least one accepted answer."),
    N_("answer %(answer)r would not be accepted: add it to accept, or fix the typo"): N_(
        "The answer shown must be one of the accepted answers."
    ),
    N_("points must be a whole number from 1 to 1000"): N_(
        "Points: a whole number from 1 to 1000."
    ),
    N_("key %(key)r may only use a-z, 0-9 and '-' (at most 60)"): N_(
        "The key may only use a-z, 0-9 and '-' (60 at most)."
    ),
    N_("duplicate key %(key)r (first at %(first)s)"): N_("Another invider already has this key."),
    N_("wave %(wave)r is not one of the waves in [hunt]"): N_("Pick one of the deck's waves."),
}


@dataclass
class FormErrors:
    """What the edit form shows: messages by field, and those of the deck as a whole."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)


def say(problem: Problem) -> str:
    """Return a problem as the editor words it, in the organiser's language."""
    translate = page_translations().ugettext
    wording = EDITOR_WORDING.get(problem.message)
    return translate(wording) if wording else problem.text(translate)


def said(errors: EditErrors) -> FormErrors:
    """Return the problems of an edit as the form shows them."""
    return FormErrors(
        {name: [say(p) for p in found] for name, found in errors.fields.items()},
        [say(p) for p in errors.general],
    )


def live_data() -> dict:
    """Return the loaded deck as deck data, or 404 when none is loaded."""
    data = toml_writer.data_from_db()
    if data is None:
        abort(404)
    return data


def answers_to(key: str) -> int:
    """Count the answers recorded for the invider ``key``."""
    return db.session.execute(
        db.select(func.count(Answer.id))
        .join(Invider, Answer.invider_id == Invider.id)
        .where(Invider.key == key)
    ).scalar_one()


def commit(deck, action: str, detail: str) -> None:
    """Load the edited deck as a TOML reload does, then log the change."""
    plan = load_deck(deck)
    begin_write()  # load_deck committed the deck; the audit entry is its own transaction
    audit(actor(), action, f"{detail} ({plan.summary()})")
    db.session.commit()


def editor_page(
    key: str | None,
    form: dict,
    errors: FormErrors | None = None,
    status: int = 200,
    stamp: str = "",
):
    """Render the edit form of one invider (or of a new one) with its phone preview."""
    hunt = Hunt.current()
    invider = (
        db.session.execute(db.select(Invider).where(Invider.key == key)).scalar_one_or_none()
        if key
        else None
    )
    total = db.session.execute(db.select(func.count(Invider.id))).scalar_one()
    preview = Markup(
        render_template(
            "admin/_phone_preview.html",
            form=form,
            hunt=hunt,
            number=invider.number if invider else total + 1,
            total=total if invider else total + 1,
        )
    )
    return render_template(
        "admin/deck_edit.html",
        key=key,
        form=form,
        hunt=hunt,
        invider=invider,
        errors=errors or FormErrors(),
        preview=preview,
        answers=answers_to(key) if key else 0,
        stamp=stamp,
        waves=db.session.execute(db.select(Wave).order_by(Wave.at)).scalars().all(),
    ), status


@bp.get("/deck/edit/<key>")
@admin_required
def deck_edit(key: str):
    """Show the edit form of one invider."""
    data = live_data()
    index = edits.index_of(data, key)
    if index is None:
        abort(404)
    table = data["invider"][index]
    return editor_page(key, edits.table_form(table), stamp=edits.fingerprint(table))


@bp.post("/deck/edit/<key>")
@admin_required
def deck_save(key: str):
    """Save an edited invider: same validation and loader as a deck reload."""
    data = live_data()
    index = edits.index_of(data, key)
    if index is None:
        abort(404)
    before = data["invider"][index]
    form = request.form.to_dict()
    current = edits.fingerprint(before)
    if form.get("stamp") != current:
        errors = FormErrors(
            general=[
                _("Someone else changed this invider meanwhile. Check your changes and save again.")
            ]
        )
        return editor_page(key, form, errors, 409, stamp=current)
    table = edits.form_table(form, key)
    try:
        deck = edits.replace(data, key, table)
    except EditErrors as e:
        return editor_page(key, form, said(e), 400, stamp=current)
    changed = edits.changed_fields(before, table)
    if changed:
        commit(deck, "deck.edit", f"{key}: {', '.join(changed)} changed")
        flash(_("Invider %(key)s saved: players see the change within seconds.", key=key), "ok")
    return redirect(url_for("admin.deck_edit", key=key))


@bp.route("/deck/new", methods=["GET", "POST"])
@admin_required
def deck_new():
    """Add an invider at the end of the deck; its key is made from the question if empty."""
    data = live_data()
    if request.method == "GET":
        return editor_page(None, edits.table_form({}))
    form = request.form.to_dict()
    key = (form.get("key") or "").strip().lower()
    table = edits.form_table(form, key)
    try:
        deck = edits.add(data, table)
    except EditErrors as e:
        return editor_page(None, form, said(e), 400)
    commit(deck, "deck.add", f"{table['key']}: added as poster {len(data['invider'])}")
    flash(_("Invider %(key)s added: print its poster.", key=table["key"]), "ok")
    return redirect(url_for("admin.deck_edit", key=table["key"]))


@bp.post("/deck/check")
@admin_required
def deck_check():
    """Validate an edit form without saving: the errors by field, as JSON (for deck-editor.js)."""
    data = live_data()
    form = request.form.to_dict()
    key = form.get("original") or ""
    try:
        if key and edits.index_of(data, key) is not None:
            edits.replace(data, key, edits.form_table(form, key))
        else:
            edits.add(data, edits.form_table(form, (form.get("key") or "").strip()))
    except EditErrors as e:
        e = said(e)
        return jsonify(fields=e.fields, general=e.general)
    return jsonify(fields={}, general=[])


@bp.post("/deck/move/<key>")
@admin_required
def deck_move(key: str):
    """Move an invider one place up or down: poster numbers follow, codes never change."""
    data = live_data()
    if edits.index_of(data, key) is None:
        abort(404)
    step = -1 if request.form.get("direction") == "up" else 1
    try:
        deck = edits.move(data, key, step)
    except EditErrors as e:
        for message in said(e).general:
            flash(message, "error")
        return redirect(url_for("admin.deck"))
    if deck is not None:
        number = edits.index_of(data, key) + 1
        commit(deck, "deck.move", f"{key}: now poster {number}")
        flash(
            _(
                "%(key)s is now poster %(number)d: reprint the posters whose number changed.",
                key=key,
                number=number,
            ),
            "ok",
        )
    return redirect(url_for("admin.deck", _anchor=f"invider-{key}"))


@bp.post("/deck/remove/<key>")
@admin_required
def deck_remove(key: str):
    """Remove an invider; refused, with the reason, once players answered it."""
    data = live_data()
    if edits.index_of(data, key) is None:
        abort(404)
    count = answers_to(key)
    if count:
        flash(
            ngettext(
                "%(key)s cannot be removed: %(num)d player already answered it. Edit it instead.",
                "%(key)s cannot be removed: %(num)d players already answered it. Edit it instead.",
                count,
                key=key,
            ),
            "error",
        )
        return redirect(url_for("admin.deck_edit", key=key))
    if len(data["invider"]) == 1:
        flash(_("A deck needs at least one invider."), "error")
        return redirect(url_for("admin.deck_edit", key=key))
    try:
        commit(edits.remove(data, key), "deck.remove", f"{key}: removed")
    except (EditErrors, DeckError):  # answered between the count and the load
        flash(_("%(key)s cannot be removed: players already answered it.", key=key), "error")
        return redirect(url_for("admin.deck_edit", key=key))
    flash(_("Invider %(key)s removed; take its poster off the wall.", key=key), "ok")
    return redirect(url_for("admin.deck"))


def download_name(suffix: str) -> str:
    """Name a downloaded deck after the hunt's title."""
    hunt = Hunt.current()
    words = re.findall(r"[a-z0-9]+", (hunt.title if hunt else "deck").lower())
    return "-".join(words)[:40].strip("-") + suffix if words else "deck" + suffix


@bp.get("/deck.toml")
@admin_required
def deck_download_toml():
    """Download the loaded deck as TOML, for the questions/ folder."""
    text = toml_writer.dumps(live_data())
    return Response(
        text,
        mimetype="application/toml",
        headers={"Content-Disposition": f'attachment; filename="{download_name(".toml")}"'},
    )


@bp.get("/deck.xlsx")
@admin_required
def deck_download_xlsx():
    """Download the loaded deck as a spreadsheet to edit and upload again."""
    from invider.decks.workbook import workbook_bytes  # openpyxl, for these two views only

    return Response(
        workbook_bytes(live_data()),
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{download_name(".xlsx")}"'},
    )


@bp.get("/deck-template.xlsx")
@admin_required
def deck_template_xlsx():
    """Download an empty deck spreadsheet in the hunt's language (French by default)."""
    from invider.decks.workbook import workbook_bytes

    hunt = Hunt.current()
    language = request.args.get("lang") or (hunt.language if hunt else "fr")
    language = language if language in ("fr", "en") else "fr"
    name = "invider-modele.xlsx" if language == "fr" else "invider-template.xlsx"
    return Response(
        workbook_bytes(None, language),
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
