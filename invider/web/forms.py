"""The answer form that the posters and the echo share."""

from __future__ import annotations

import unicodedata

from flask import abort, request
from flask_babel import gettext as _

from invider.store.models import CONFIDENCE

#: The longest typed answer kept (a real answer is a few words).
MAX_TYPED_ANSWER = 200


def answer_form(choices: list[str]) -> tuple[str, str | None]:
    """Return the answer and the confidence this form carries; 400 with a clear message if
    the answer is not one of ``choices`` (or, for a typed answer, not plain short text)."""
    if choices:
        given = request.form.get("choice", "")
        if given not in choices:
            abort(400, description=_("Please pick one of the answers shown."))
    else:
        given = " ".join(request.form.get("answer", "").split())
        if any(unicodedata.category(ch) == "Cc" for ch in given):
            abort(400, description=_("Please type your answer as plain text."))
        if not given or len(given) > MAX_TYPED_ANSWER:
            abort(400, description=_("Please type an answer (200 characters at most)."))
    # Optional (a phone without the radio buttons still answers); never a free text.
    confidence = request.form.get("confidence") or None
    if confidence is not None and confidence not in CONFIDENCE:
        abort(400, description=_("Please say how sure you are with one of the options shown."))
    return given, confidence


#: What a refused display name is told, by the error id ``hunt.names`` raises: on the
#: join form and in the control room alike.
NAME_ERRORS = {
    "empty": lambda: _("Please choose a display name."),
    "too_long": lambda: _("That name is too long (40 characters at most)."),
    "invisible": lambda: _("That name contains invisible or control characters."),
    "reserved": lambda: _("That name is reserved; please choose another."),
    "refused": lambda: _("That name is not allowed; please choose another."),
    "marks": lambda: _("That name stacks too many accents on one letter."),
    "taken": lambda: _("Someone already uses that name; please choose another."),
    "team": lambda: _("Please choose your team."),
}


def name_error(code: str) -> str:
    """Return the message for a name error id, in the page's language."""
    return NAME_ERRORS.get(code, NAME_ERRORS["empty"])()
