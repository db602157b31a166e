"""The ``invider`` console script: Flask's command group over the app factory."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup

from invider import create_app
from invider.store.database import MissingDriver


def create_app_or_exit() -> Flask:
    """Create the app; when a driver is missing, say what to install and exit with status 2."""
    try:
        return create_app()
    except MissingDriver as error:
        # A configuration problem, not a bug: one line, no traceback.
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)


def main() -> None:
    """Run the ``invider`` console script."""
    FlaskGroup(
        create_app=create_app_or_exit,
        add_version_option=False,
        help="Invider: an office treasure hunt with QR posters.",
    )()


if __name__ == "__main__":
    main()
