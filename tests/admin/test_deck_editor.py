"""The deck editor of the control room: edits go the way of a TOML reload, and are logged."""

from __future__ import annotations

import html
import io
import re

import pytest
from conftest import csrf_token

from invider.store.models import Answer, AuditEntry, Invider, db


def post(client, path: str, data: dict, page: str = "/admin/deck", **kwargs):
    token = csrf_token(client, page)
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


def form_of(client, key: str) -> dict:
    """Return the edit form's current fields, as the browser would send them."""
    html = client.get(f"/admin/deck/edit/{key}").get_data(as_text=True)
    fields = dict(re.findall(r'<input[^>]*\bname="(\w+)"[^>]*\bvalue="([^"]*)"', html))
    for name, text in re.findall(r'<textarea[^>]*name="(\w+)"[^>]*>([^<]*)</textarea>', html):
        fields[name] = text
    fields["mode"] = "typed" if 'value="typed" id="mode-typed" checked' in html else "choices"
    checked = re.search(r'name="correct" value="(\d)" id="correct\d" checked', html)
    fields["correct"] = checked.group(1) if checked else ""
    fields.pop("csrf_token", None)
    # A browser sends no unchecked checkbox.
    for tag in re.findall(r'<input type="checkbox"[^>]*>', html):
        name = re.search(r'\bname="(\w+)"', tag)
        if name and " checked" not in tag:
            fields.pop(name.group(1), None)
    return {
        k: v.replace("&#39;", "'").replace("&#34;", '"').replace("&amp;", "&")
        for k, v in fields.items()
    }


def invider(app, key: str) -> Invider | None:
    with app.app_context():
        row = db.session.execute(db.select(Invider).where(Invider.key == key)).scalar_one_or_none()
        if row is not None:
            db.session.expunge(row)
        return row


def audit_log(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [
            tuple(r)
            for r in db.session.execute(
                db.select(AuditEntry.action, AuditEntry.detail).order_by(AuditEntry.id)
            )
        ]


def test_edit_a_question_keeps_its_code_and_answers_and_is_logged(app, admin_client, play):
    play.join("Alice")
    play.answer("launch", choice="July 2015")
    before = invider(app, "launch")
    fields = form_of(admin_client, "launch")
    fields["question"] = "Since when has the store been online?"
    response = post(admin_client, "/admin/deck/edit/launch", fields, page="/admin/deck/edit/launch")
    assert response.status_code == 302
    after = invider(app, "launch")
    assert (after.question, after.code, after.number) == (
        "Since when has the store been online?",
        before.code,
        before.number,
    )
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Answer.id))).scalar_one() == 1
    assert audit_log(app)[-1][0] == "deck.edit"
    assert audit_log(app)[-1][1].startswith("launch: question changed")
    page = admin_client.get("/admin/deck").get_data(as_text=True)
    assert "launch: question changed" in page


def test_a_player_scanning_the_edited_poster_sees_the_new_text(app, admin_client, play):
    fields = form_of(admin_client, "partners")
    fields.update(question="How many partners joined the store?", choice1="73", correct="1")
    post(admin_client, "/admin/deck/edit/partners", fields, page="/admin/deck/edit/partners")
    play.join("Bob")
    code = play.code("partners")
    page = play.client.get(f"/i/{code}").get_data(as_text=True)
    assert "How many partners joined the store?" in page
    assert 'value="73"' in page


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"question": "  "}, "question", "This field is required."),
        ({"choice2": "", "choice3": ""}, "choices", "Give 2 to 6 choices."),
        ({"choice2": "July 2015"}, "choices", "The choices must all be different."),
        ({"correct": ""}, "choices", "Pick the right answer."),
        ({"points": "lots"}, "points", "Points: a whole number from 1 to 1000."),
        ({"mode": "typed", "accept": ""}, "accept", "Give at least one accepted answer."),
    ],
)
def test_a_refused_edit_says_why_next_to_the_field_and_changes_nothing(
    app, admin_client, change, field, message
):
    before = invider(app, "launch")
    fields = {**form_of(admin_client, "launch"), **change}
    response = post(admin_client, "/admin/deck/edit/launch", fields, page="/admin/deck/edit/launch")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error" data-error-for="{field}" aria-live="polite">{message}</p>' in html
    target = "choice1" if field == "choices" else field
    assert f'<a href="#{target}">' in html  # the summary links to the field
    assert re.search(
        rf'id="{field}"[^>]*aria-describedby="{field}-error" aria-invalid="true"', html
    )
    after = invider(app, "launch")
    assert (after.question, after.choices, after.points) == (
        before.question,
        before.choices,
        before.points,
    )
    assert audit_log(app) == []


def test_the_live_check_answers_the_same_messages_as_json(admin_client):
    fields = {**form_of(admin_client, "launch"), "original": "launch", "fact": ""}
    response = post(admin_client, "/admin/deck/check", fields)
    assert response.status_code == 200
    assert response.get_json() == {"fields": {"fact": ["This field is required."]}, "general": []}
    fields["fact"] = "Fine."
    assert post(admin_client, "/admin/deck/check", fields).get_json() == {
        "fields": {},
        "general": [],
    }


def test_the_editor_speaks_french(app, admin_client):
    with admin_client.session_transaction() as session:
        session["lang"] = "fr"
    fields = {**form_of(admin_client, "launch"), "fact": ""}
    html = post(
        admin_client, "/admin/deck/edit/launch", fields, page="/admin/deck/edit/launch"
    ).get_data(as_text=True)
    assert "Ce champ est obligatoire." in html
    assert "Aperçu sur téléphone" in html


def test_a_form_left_open_while_someone_else_saved_is_refused(app, admin_client):
    stale = form_of(admin_client, "launch")
    fresh = {**stale, "fact": "Changed first."}
    post(admin_client, "/admin/deck/edit/launch", fresh, page="/admin/deck/edit/launch")
    response = post(
        admin_client,
        "/admin/deck/edit/launch",
        {**stale, "topic": "Mine"},
        page="/admin/deck/edit/launch",
    )
    assert response.status_code == 409
    assert "Someone else changed this invider meanwhile" in response.get_data(as_text=True)
    assert invider(app, "launch").fact == "Changed first."


def test_add_an_invider_with_a_key_made_from_its_question(app, admin_client):
    fields = {
        "mode": "typed",
        "question": "Combien d'agences ?",
        "accept": "900\nneuf cents",
        "fact": "900 agences.",
        "points": "",
        "key": "",
    }
    response = post(admin_client, "/admin/deck/new", fields, page="/admin/deck/new")
    assert response.status_code == 302
    added = invider(app, "combien-d-agences")
    assert (added.number, added.accept, added.answer, added.points) == (
        4,
        ["900", "neuf cents"],
        "900",
        10,
    )
    assert len(added.code) >= 13
    assert audit_log(app)[-1][0] == "deck.add"


def test_move_renumbers_posters_and_keeps_codes(app, admin_client):
    codes = {k: invider(app, k).code for k in ("launch", "services", "partners")}
    response = post(admin_client, "/admin/deck/move/partners", {"direction": "up"})
    assert response.status_code == 302
    assert [(invider(app, k).number, invider(app, k).code) for k in codes] == [
        (1, codes["launch"]),
        (3, codes["services"]),
        (2, codes["partners"]),
    ]
    assert audit_log(app)[-1] == (
        "deck.move",
        "partners: now poster 2 (0 added, 2 changed, 0 removed, 1 unchanged)",
    )
    post(admin_client, "/admin/deck/move/launch", {"direction": "up"})  # already first
    assert invider(app, "launch").number == 1


def test_removing_an_answered_invider_is_refused_with_the_reason(app, admin_client, play):
    play.join("Alice")
    play.answer("services", answer="133")
    response = post(admin_client, "/admin/deck/remove/services", {})
    assert response.status_code == 302
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "services cannot be removed: 1 player already answered it. Edit it instead." in page
    assert invider(app, "services") is not None
    post(admin_client, "/admin/deck/remove/partners", {})
    assert invider(app, "partners") is None
    assert audit_log(app)[-1][0] == "deck.remove"


def test_downloads_give_the_deck_back_as_toml_and_as_a_spreadsheet(
    app, admin_client, tmp_path, deck_file
):
    from conftest import same_deck

    from invider.decks.reading import read_deck
    from invider.decks.spreadsheet import read_sheet

    toml = admin_client.get("/admin/deck.toml")
    assert toml.status_code == 200
    assert toml.headers["Content-Disposition"] == 'attachment; filename="test-hunt.toml"'
    (tmp_path / "d.toml").write_bytes(toml.data)
    assert same_deck(read_deck(tmp_path / "d.toml"), read_deck(deck_file))
    xlsx = admin_client.get("/admin/deck.xlsx")
    assert xlsx.mimetype.endswith("spreadsheetml.sheet")
    (tmp_path / "d.xlsx").write_bytes(xlsx.data)
    assert same_deck(read_sheet(tmp_path / "d.xlsx")[1], read_deck(deck_file))
    template = admin_client.get("/admin/deck-template.xlsx")
    assert template.headers["Content-Disposition"] == 'attachment; filename="invider-template.xlsx"'
    page = admin_client.get("/admin/deck").get_data(as_text=True)
    for link in (
        "/admin/deck.toml",
        "/admin/deck.xlsx",
        "/admin/deck-template.xlsx",
        "/admin/deck/new",
        "/admin/deck/edit/launch",
    ):
        assert f'href="{link}"' in page


def upload(client, data: bytes, name: str):
    return post(
        client,
        "/admin/deck/upload",
        {"deck": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def stash_entries(app) -> list:
    folder = app.instance_path + "/deck-uploads"
    import os

    return os.listdir(folder) if os.path.isdir(folder) else []


def test_a_spreadsheet_upload_previews_applies_and_leaves_no_preview_behind(app, admin_client):
    from invider.decks.workbook import workbook_bytes

    with app.app_context():
        from invider.decks.toml_writer import data_from_db

        data = data_from_db()
    data["invider"][0]["fact"] = "Edited in Excel."
    page = upload(admin_client, workbook_bytes(data), "deck.xlsx").get_data(as_text=True)
    assert "0 added" not in page and "Changed (1)" in page
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    assert len(stash_entries(app)) == 1
    post(admin_client, "/admin/deck/apply", {"token": token})
    assert invider(app, "launch").fact == "Edited in Excel."
    assert stash_entries(app) == []
    # Cancelled, then refused: neither leaves a file.
    page = upload(admin_client, workbook_bytes(data), "deck.xlsx").get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    post(admin_client, "/admin/deck/cancel", {"token": token})
    assert stash_entries(app) == []
    data["invider"][1]["question"] = ""
    response = upload(admin_client, workbook_bytes(data), "deck.xlsx")
    assert response.status_code == 400
    assert 'Inviders, row 4, column "Question": missing question' in html.unescape(
        response.get_data(as_text=True)
    )
    assert stash_entries(app) == []


def test_previews_left_open_are_pruned(app, admin_client, deck_file):
    import os
    import time

    page = upload(admin_client, deck_file.read_bytes(), "deck.toml").get_data(as_text=True)
    assert "Apply these changes" in page
    [old] = stash_entries(app)
    folder = os.path.join(app.instance_path, "deck-uploads", old)
    os.utime(folder, (time.time() - 3 * 3600,) * 2)
    upload(admin_client, deck_file.read_bytes(), "deck.toml")
    assert old not in stash_entries(app) and len(stash_entries(app)) == 1


def test_other_files_are_refused_at_upload(admin_client):
    response = upload(admin_client, b"%PDF", "deck.pdf")
    assert response.status_code == 302
    assert "A deck is a .toml, .xlsx or .csv file." in admin_client.get("/admin/deck").get_data(
        as_text=True
    )


def test_editor_pages_need_an_organiser(client):
    assert client.get("/admin/deck/edit/launch").status_code == 302
    assert client.get("/admin/deck.toml").status_code == 302
    assert client.post("/admin/deck/check").status_code in (400, 403)
