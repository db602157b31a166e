"""The ``invider`` console script: the invider commands, creating the app only to run one.

``invider --help`` lists the commands without creating the app or importing Flask,
SQLAlchemy or the deck readers: each command imports what it uses when it runs. Flask's
own commands and its extensions' (``db``, ``routes``, ``run``, ``shell``) are looked up
through Flask's command group when they are named.
"""

from __future__ import annotations

import click

from invider.cli import COMMANDS

FLASK_COMMANDS = ("db", "routes", "run", "shell")


class InviderGroup(click.Group):
    """The invider commands; any other name is asked of Flask's command group."""

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """Return the invider command ``name``, else Flask's or an extension's."""
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        from flask.cli import FlaskGroup, ScriptInfo

        from invider.cli import create_app_or_exit

        ctx.obj = ScriptInfo(create_app=create_app_or_exit, set_debug_flag=False)
        return FlaskGroup(create_app=create_app_or_exit, add_version_option=False).get_command(
            ctx, name
        )


def main() -> None:
    """Run the ``invider`` console script."""
    InviderGroup(
        commands=COMMANDS,
        help="Invider: an office treasure hunt with QR posters.",
        epilog="Flask's commands work too: " + ", ".join(FLASK_COMMANDS) + ".",
    )()


if __name__ == "__main__":
    main()
