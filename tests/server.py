"""Start ``invider serve`` (gunicorn) as a real process on a free port of 127.0.0.1."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests


def folder_with_deck(path: Path, deck: str) -> Path:
    """Make ``path`` a folder as an organiser starts one: only ``questions/deck.toml``."""
    (path / "questions").mkdir(parents=True, exist_ok=True)
    (path / "questions" / "deck.toml").write_text(deck, encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One ``invider serve`` process and the address it listens on."""

    def __init__(
        self, workdir: Path, port: int | None = None, workers: int = 2, env: dict | None = None
    ):
        self.workdir, self.port, self.workers = workdir, port or free_port(), workers
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(
            os.environ,
            INVIDER_INSTANCE=str(workdir / "instance"),
            INVIDER_PUBLIC_URL=f"http://192.168.1.20:{self.port}",
        )
        self.env.update(env or {})
        self.process: subprocess.Popen | None = None
        self.log = workdir / "server.log"

    def start(self, timeout: float = 30) -> Server:
        command = [
            shutil.which("invider"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=self.workdir,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.output()}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except (requests.ConnectionError, requests.Timeout):  # still booting
                pass
            time.sleep(0.2)
        self.stop(signal.SIGKILL)  # never leave a half-started server behind
        raise RuntimeError(f"server did not start: {self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)

    def worker_pids(self) -> list[int]:
        out = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        return [int(p) for p in out.split()]


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


class Phone:
    """A player's phone talking HTTP to a real server."""

    def __init__(self, url: str):
        self.url, self.http = url, requests.Session()

    def join(self, name: str, team: str | None = None, next: str = "/me") -> requests.Response:
        page = self.http.get(f"{self.url}/join", params={"next": next}, timeout=10)
        data = {"name": name, "next": next, "csrf_token": csrf_token(page.text)}
        if team:
            data["team"] = team
        return self.http.post(f"{self.url}/join", data=data, timeout=10)

    def token_for(self, code: str) -> str:
        return csrf_token(self.http.get(f"{self.url}/i/{code}", timeout=10).text)

    def answer(self, code: str, token: str | None = None, **fields) -> requests.Response:
        token = token or self.token_for(code)
        return self.http.post(
            f"{self.url}/i/{code}", data={"csrf_token": token, **fields}, timeout=30
        )


def console(*args: str, tmp_path: Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    exe = shutil.which("invider")
    assert exe, "the `invider` console script is not installed"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INVIDER_", "FLASK_"))}
    env["INVIDER_INSTANCE"] = str(tmp_path / "instance")
    return subprocess.run(
        [exe, *args], env=env, cwd=cwd or tmp_path, capture_output=True, text=True, timeout=60
    )
