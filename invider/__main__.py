"""The ``invider`` console script: Flask's command group over the app factory."""

from __future__ import annotations

from flask.cli import FlaskGroup

from invider import create_app


def main() -> None:
    """Run the ``invider`` console script."""
    FlaskGroup(
        create_app=create_app,
        add_version_option=False,
        help="Invider: an office treasure hunt with QR posters.",
    )()


if __name__ == "__main__":
    main()
