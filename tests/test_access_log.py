"""``invider serve``'s access log writes the line gunicorn's own logger would write.

The line itself, from a real server, is checked in tests/test_ops.py; here the product's
logger and gunicorn's are given the same request and must agree, for the shipped format
and for one an operator sets with ``GUNICORN_CMD_ARGS``.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger, SafeAtoms

from invider import serving

ENVIRON = {
    "REMOTE_ADDR": "10.1.2.3",
    "REQUEST_METHOD": "POST",
    "RAW_URI": '/i/ABC?x="1"',
    "PATH_INFO": "/i/ABC",
    "QUERY_STRING": 'x="1"',
    "SERVER_PROTOCOL": "HTTP/1.1",
    "HTTP_REFERER": "http://wall/i/ABC",
    "HTTP_USER_AGENT": 'Phone "quoted"',
    "HTTP_X_REQUEST_ID": "r-42",
}
REQUEST = SimpleNamespace(headers=[("USER-AGENT", 'Phone "quoted"'), ("X-REQUEST-ID", "r-42")])


def line(logger_class, log_format: str, response, environ=ENVIRON) -> str:
    config = Config()
    config.set("access_log_format", log_format)
    logger = logger_class(config)
    atoms = logger.atoms(response, REQUEST, environ, timedelta(seconds=1, microseconds=234567))
    return log_format % SafeAtoms(atoms)


@pytest.mark.parametrize(
    "log_format",
    [
        serving.access_log_format,
        # An operator's own format, with atoms the product does not work out itself.
        "%(h)s %({x-request-id}i)s %({content-type}o)s %(D)s %(p)s %(m)s %(U)s",
    ],
)
def test_the_access_line_is_the_one_gunicorn_writes(log_format):
    answered = SimpleNamespace(
        status="200 OK", sent=1234, headers=[("Content-Type", "text/html; charset=utf-8")]
    )
    cut = SimpleNamespace(status="408 Request Timeout", sent=None, headers=[])
    for response in (answered, cut):
        ours = line(serving.AccessLog, log_format, response)
        assert ours == line(Logger, log_format, response)
    no_browser = {k: v for k, v in ENVIRON.items() if not k.startswith("HTTP_")}
    ours = line(serving.AccessLog, log_format, answered, no_browser)
    assert ours == line(Logger, log_format, answered, no_browser)


def test_the_shipped_line_says_who_asked_what_and_how_it_went():
    response = SimpleNamespace(status="200 OK", sent=1234, headers=[])
    assert line(serving.AccessLog, serving.access_log_format, response) == (
        '10.1.2.3 "POST /i/ABC?x=\\"1\\" HTTP/1.1" 200 1234 1234ms "http://wall/i/ABC" '
        '"Phone \\"quoted\\""'
    )
