"""Slow connections against a real server while phones play: the driver of the slow-client
test (``tests/test_slow_clients.py``) and benchmark (``benchmarks/slow_clients.py``).

Every loop here is bounded in time and stops by itself; it only talks to 127.0.0.1.
"""

from __future__ import annotations

import math
import socket
import threading
import time
from dataclasses import dataclass, field

from server import Phone


@dataclass
class Trickle:
    """``count`` connections that send their request one byte at a time, for ``seconds``.

    Half trickle their headers, half send whole headers and trickle a POST body; a
    connection the server closes is opened again at once, as an attacker would.
    """

    host: str
    port: int
    count: int
    seconds: float
    every: float = 1.0
    reconnects: int = 0
    sockets: list = field(default_factory=list)

    def _open(self, index: int) -> socket.socket | None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=2)
        except OSError:
            return None
        sock.setblocking(False)
        if index % 2:
            head = (
                "POST /join HTTP/1.1\r\nHost: x\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                "Content-Length: 100000\r\n\r\nname="
            )
            try:
                sock.send(head.encode())
            except OSError:
                pass
        else:
            try:
                sock.send(b"GET /leaderboard HTTP/1.1\r\n")
            except OSError:
                pass
        return sock

    def run(self) -> None:
        """Keep every connection trickling until the time is up, then close them all."""
        self.sockets = [self._open(i) for i in range(self.count)]
        stop = time.monotonic() + self.seconds
        while time.monotonic() < stop:
            for i, sock in enumerate(self.sockets):
                try:
                    if sock is None:
                        raise OSError
                    sock.send(b"a" if i % 2 else b"X-Slow: a\r\n"[:1])
                except OSError:
                    if sock is not None:
                        sock.close()
                    self.reconnects += 1
                    self.sockets[i] = self._open(i)
            time.sleep(self.every)
        for sock in self.sockets:
            if sock is not None:
                sock.close()


@dataclass
class Play:
    """Phones that join, scan and answer while the slow connections trickle."""

    url: str
    answers: dict[str, dict]  # poster code -> the form fields of its answer
    phones: int
    seconds: float
    timeout: float = 10.0
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    acknowledged: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _timed(self, what: str, call, *args, **kwargs) -> object | None:
        start = time.monotonic()
        try:
            response = call(*args, **kwargs)
        except Exception as e:  # a timeout or a reset: the phone saw the hunt stall
            with self.lock:
                self.failures.append(f"{what}: {type(e).__name__}")
            return None
        with self.lock:
            self.latencies.append(time.monotonic() - start)
            if response.status_code != 200:
                self.failures.append(f"{what}: {response.status_code}")
        return response

    def phone(self, number: int) -> None:
        """One phone: join, then scan, answer and look at the standings until the end."""
        stop = time.monotonic() + self.seconds
        phone = Phone(self.url)
        name = f"Phone {number}"
        if self._timed("join", phone.join, name, "Red") is None:
            return
        left = list(self.answers)
        while time.monotonic() < stop:
            if left:
                code = left.pop()
                url = f"{self.url}/i/{code}"
                page = self._timed("scan", phone.http.get, url, timeout=self.timeout)
                if page is None or 'name="csrf_token"' not in page.text:
                    continue
                token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
                data = {"csrf_token": token, **self.answers[code]}
                post = phone.http.post
                answer = self._timed("answer", post, url, data=data, timeout=self.timeout)
                if answer is not None and "Right answer!" in answer.text:
                    with self.lock:
                        self.acknowledged.append((name, code))
            else:
                url = f"{self.url}/leaderboard"
                self._timed("leaderboard", phone.http.get, url, timeout=self.timeout)
            time.sleep(0.05)

    def run(self) -> None:
        """Run every phone in a thread of its own and wait for them all."""
        threads = [threading.Thread(target=self.phone, args=(n,)) for n in range(self.phones)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def percentile(values: list[float], share: float) -> float:
    """Return the ``share`` percentile (0–1) of ``values``, nearest rank."""
    if not values:
        return math.inf
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def play_under_trickle(
    url: str, port: int, answers: dict[str, dict], slow: int, phones: int, seconds: float
) -> tuple[Play, Trickle]:
    """Phones play for ``seconds`` while ``slow`` connections trickle; return both sides."""
    trickle = Trickle("127.0.0.1", port, slow, seconds + 2)
    attacker = threading.Thread(target=trickle.run)
    attacker.start()
    time.sleep(2)  # every slow connection is open before the first phone
    play = Play(url, answers, phones, seconds)
    play.run()
    attacker.join()
    return play, trickle
