"""``invider serve`` shares a worker between its connections: one connection with many
requests already waiting does not keep the others waiting (a real server, real sockets)."""

from __future__ import annotations

import socket

import requests
from conftest import SMALL_DECK
from server import Server, folder_with_deck

QUEUED = 600


def test_a_connection_with_requests_waiting_does_not_hold_its_worker(tmp_path):
    server = Server(folder_with_deck(tmp_path, SMALL_DECK), workers=1).start()
    try:
        poll = f"GET /leaderboard.json HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n"
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as busy:
            # A phone whose requests are all there at once (pipelined): the worker never
            # has to wait for the next one.
            busy.sendall(poll.encode() * QUEUED)
            received = busy.recv(65536)  # the worker is on them
            # Another phone asks meanwhile, on a connection of its own.
            other = requests.get(f"{server.url}/leaderboard.json", timeout=30)
            assert other.status_code == 200
            busy.setblocking(False)
            try:
                while chunk := busy.recv(1 << 20):
                    received += chunk
            except BlockingIOError:  # nothing more yet
                pass
        answered = received.count(b"HTTP/1.1 200 OK")
        # The other phone was answered while most of the queue still waited, not after it.
        assert 0 < answered < QUEUED // 2, f"{answered} of {QUEUED} answered before the other"
    finally:
        server.stop()
