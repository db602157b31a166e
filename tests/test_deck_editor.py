"""The deck editor of the control room: edits go the way of a TOML reload, and are logged."""

from __future__ import annotations

import io
import re

import pytest
from conftest import csrf_token

from invider.models import Answer, AuditEntry, Invider, db


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
    return {k: v.replace("&#39;", "'").replace("&#34;", '"').replace("&amp;", "&")
            for k, v in fields.items()}  # fmt: skip


def invider(app, key: str) -> Invider | None:
    with app.app_context():
        row = db.session.execute(db.select(Invider).where(Invider.key == key)).scalar_one_or_none()
        if row is not None:
            db.session.expunge(row)
        return row


def audit_log(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(
            db.select(AuditEntry.action, AuditEntry.detail).order_by(AuditEntry.id))]  # fmt: skip


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
        "Since when has the store been online?", before.code, before.number)  # fmt: skip
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Answer.id))).scalar_one() == 1
    assert audit_log(app)[-1][0] == "deck.edit"
    assert audit_log(app)[-1][1].startswith("launch: question changed")
    page = admin_client.get("/admin/deck").get_data(as_text=True)
    assert "launch: question changed" in page

