"""The control room's front page: idle status buttons are off; the screen is a click away."""

from __future__ import annotations

import re

import pytest
from conftest import csrf_token


def enabled_actions(page: str) -> set[str]:
    """The status buttons an organiser can press."""
    return {
        m.group(1)
        for m in re.finditer(r'<button name="action" value="(\w+)"(?P<off> disabled)?>', page)
        if not m.group("off")
    }


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (None, {"open", "freeze", "close"}),  # following the schedule: open
        ("open", {"freeze", "close", "schedule"}),
        ("freeze", {"open", "close"}),  # frozen: the schedule is followed again
        ("close", {"open", "freeze", "schedule"}),
    ],
)
def test_status_buttons_that_would_change_nothing_are_disabled(admin_client, action, expected):
    if action:
        token = csrf_token(admin_client, "/admin/")
        admin_client.post("/admin/status", data={"csrf_token": token, "action": action})
    assert enabled_actions(admin_client.get("/admin/").get_data(as_text=True)) == expected


def test_the_control_room_links_to_the_big_screen(admin_client):
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert '<a href="/screen" target="_blank" rel="noopener">Big screen' in page
