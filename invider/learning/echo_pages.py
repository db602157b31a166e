"""Blueprint for the echo: one question at a time while a round is open, then a summary."""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from invider.hunt.resume import qr_svg
from invider.hunt.schedule import echo_rounds, echo_status, echo_window, next_round, open_round
from invider.learning.echo import EchoClosed, echo_answers, player_plan, record_echo
from invider.play.identity import log_out
from invider.store.models import Hunt, utcnow
from invider.store.snapshot import deck_snapshot
from invider.web.forms import answer_form
from invider.web.links import public_link

bp = Blueprint("echo", __name__)


@lru_cache(maxsize=8)
def _qr(url: str, label: str) -> Markup:
    """Draw the echo's QR code once per address and language."""
    return Markup(qr_svg(url, label))


@bp.app_template_global()
def echo_link() -> dict:
    """Give templates the echo's public address and its QR code (the recap shows both)."""
    url = public_link("echo.echo")
    return {"url": url, "qr": _qr(url, _("QR code of the echo"))}


@bp.app_template_global()
def echo_state(hunt: Hunt | None) -> dict:
    """Give templates the echo's status, its rounds and the dates that matter now.

    ``opens`` is when the next round opens, ``closes`` when the open round closes (or,
    once every round is over, when the last one closed); ``round`` the open or next one.
    """
    now = utcnow()
    rounds = echo_rounds(hunt)
    current, coming = open_round(hunt, now), next_round(hunt, now)
    first, last = echo_window(hunt)
    return {
        "status": echo_status(hunt, now),
        "opens": coming.opens if coming else first,
        "closes": current.closes if current else last,
        "round": current or coming,
        "rounds": rounds,
        "questions": hunt.echo_questions if hunt else 0,
    }


@bp.route("/echo", methods=["GET", "POST"])
def echo():
    """Ask the next question of the open round, record its one try, or sum the round up."""
    hunt = deck_snapshot().hunt
    state = echo_state(hunt)
    if state["status"] != "open":
        page = render_template("echo/closed.html", hunt=hunt, echo=state)
        return page, (409 if request.method == "POST" else 200)
    if g.player is None:
        return render_template("echo/closed.html", hunt=hunt, echo=state, stranger=True)
    number = state["round"].number
    plan = player_plan(g.player, hunt, number)
    done = echo_answers(g.player, number)
    waiting = [item for item in plan if item.invider.id not in done]
    if request.method == "POST":
        return answer(hunt, plan, done)
    if not waiting:
        return render_template(
            "echo/summary.html",
            hunt=hunt,
            plan=plan,
            done=done,
            echo=state,
            found=g.player.found,
        )
    item = waiting[0]
    return render_template(
        "echo/question.html",
        hunt=hunt,
        item=item,
        number=len(plan) - len(waiting) + 1,
        total=len(plan),
        echo=state,
    )


def answer(hunt: Hunt, plan: list, done: dict):
    """Record one echo try (field ``key`` names the question) and show how it went."""
    by_key = {item.invider.key: item for item in plan}
    item = by_key.get(request.form.get("key", ""))
    if item is None:
        abort(400, description=_("This question is not part of your echo."))
    if item.invider.id in done:
        return show(hunt, plan, item, done[item.invider.id])  # a repeated POST
    given, confidence = answer_form(item.choices)
    try:
        stored, _created = record_echo(g.player, item, given, confidence)
    except EchoClosed:
        state = echo_state(Hunt.current())
        return render_template("echo/closed.html", hunt=hunt, echo=state), 409
    if stored is None:
        log_out()  # removed meanwhile
        return redirect(url_for("play.home"))
    done = echo_answers(g.player, item.round)
    return show(hunt, plan, item, stored, left=sum(1 for i in plan if i.invider.id not in done))


def show(hunt: Hunt, plan: list, item, stored, left: int | None = None):
    """Render how one echo try went: right or not, the answer and the fact again."""
    if left is None:
        done = echo_answers(g.player, item.round)
        left = sum(1 for i in plan if i.invider.id not in done)
    return render_template("echo/result.html", hunt=hunt, item=item, answer=stored, left=left)
