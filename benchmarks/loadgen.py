"""wrk runs for the benchmarks: rotating cookies, answer POSTs, and server CPU per request.

Server CPU is read from ``/proc`` for every process of the server's session (gunicorn's
master and its workers): on a machine shared with others it is steadier than requests
per second, which depend on how much of the CPU the server got.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

# Each request sends the next player's cookie: pages are personal, as on the day.
LUA_ROTATE = """
local cookies = {}
local index = 0
function init(args)
  for line in io.lines(args[1]) do table.insert(cookies, line) end
  index = id
end
function request()
  index = index + 2
  return wrk.format("GET", nil, {["Cookie"] = "invider=" .. cookies[index % #cookies + 1]})
end
"""

# Shared by every run: per-thread counts of responses that are not 2xx, and a JSON summary.
LUA_COMMON = """
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function response(status, headers, body)
  if status < 200 or status > 299 then bad = (bad or 0) + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("bad") or 0) end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %f, "p50_ms": %f, "p99_ms": %f, "non2xx": %d, '
    .. '"socket_errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, bad, e.connect + e.read + e.write + e.timeout))
end
"""

# Each thread walks its own share of pre-joined (cookie, token, code, choice) lines, so
# every POST is a first attempt: a real INSERT and a score update.
LUA_ANSWER = """
local lines = {}
local index = 0
function init(args)
  for line in io.lines(args[1]) do table.insert(lines, line) end
  index = id
end
function request()
  local cookie, token, code, choice = lines[index % #lines + 1]:match(
    "([^\\t]*)\\t([^\\t]*)\\t([^\\t]*)\\t([^\\t]*)")
  index = index + 2
  return wrk.format("POST", "/i/" .. code, {
    ["Cookie"] = "invider=" .. cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, "csrf_token=" .. token .. "&choice=" .. choice)
end
"""

TICKS = os.sysconf("SC_CLK_TCK")


def session_cpu(session_id: int) -> float:
    """Return the CPU seconds used so far by the live processes of session ``session_id``."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        # The command name may hold spaces: the fields start after its closing bracket.
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[3]) == session_id:  # field 6 of stat: the session id
            total += int(fields[11]) + int(fields[12])  # utime and stime
    return total / TICKS


def start_wrk(
    url: str,
    seconds: int,
    script: str,
    *args: str,
    connections: int = 50,
) -> tuple[subprocess.Popen, str]:
    """Start wrk against ``url``; return the process and its script's path."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script + LUA_COMMON)
    threads = min(2, connections)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        f.name,
        url,
        *(["--", *args] if args else []),
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True), f.name


def finish_wrk(process: subprocess.Popen, script: str, seconds: int) -> dict:
    """Wait for wrk (bounded in time) and return its summary: req/s, p50, p99, failures."""
    out, _ = process.communicate(timeout=seconds + 60)
    os.unlink(script)
    result = json.loads(out.split("RESULT ", 1)[1].splitlines()[0])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def wrk(
    url: str,
    seconds: int,
    script: str,
    *args: str,
    connections: int = 50,
    server_session: int | None = None,
) -> dict:
    """Run wrk against ``url`` and return its summary, with the server's CPU per request."""
    cpu = session_cpu(server_session) if server_session else 0.0
    result = finish_wrk(*start_wrk(url, seconds, script, *args, connections=connections), seconds)
    if server_session:
        used = session_cpu(server_session) - cpu
        result["cpu_us"] = used / max(1, result["requests"]) * 1e6
    return result


def answer_lines(joined: list[tuple[str, str]], deck: list[tuple[str, str]]) -> str:
    """Write one (cookie, token, code, choice) line per first attempt; return the file."""
    with tempfile.NamedTemporaryFile("w", delete=False, suffix=".tsv") as pairs:
        # Interleave players so concurrent POSTs rarely wait on the same rows.
        for code, answer in deck:
            for cookie, token in joined:
                pairs.write(f"{cookie}\t{token}\t{code}\t{answer}\n")
    return pairs.name


def line(
    label: str, result: dict, reference: float, against: str = "hello", reference_cpu=None
) -> str:
    """Format one result: req/s, latencies, the ratio to its reference, CPU and failures.

    With the reference's CPU per request, the ratio of CPU per request is printed too:
    the ratio of rates a quiet machine would show, where the rate is CPU-bound.
    """
    ratio = result["rps"] / reference
    cpu = f"  {result['cpu_us']:>6.0f} µs CPU" if "cpu_us" in result else ""
    if reference_cpu and "cpu_us" in result:
        cpu += f" ({reference_cpu / result['cpu_us']:.2f}x by CPU)"
    extra = f"  non-2xx {result['non2xx']}, socket errors {result['socket_errors']}"
    return (
        f"{label:<28} {result['rps']:>8.0f} req/s  p50 {result['p50_ms']:>7.1f} ms  "
        f"p99 {result['p99_ms']:>7.1f} ms  {ratio:>5.2f}x {against}{cpu}{extra}"
    )
