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
