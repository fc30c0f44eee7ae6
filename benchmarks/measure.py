"""Run one method in a child process and measure it: wall time, peak memory, its own timings.

Each run gets a fresh process so that its peak resident memory is the method's own, and so that a
time cap can kill it without killing the runner. Peak memory is the child's ``VmHWM`` from
``/proc/PID/status``, polled while it runs: ``ru_maxrss`` (``wait4``, RUSAGE_CHILDREN) would be
wrong here, because Linux carries the parent's resident size at fork into the child's maximum
across ``exec``, so a runner that has grown would inflate every child. The child writes its
timings as JSON to a file we name.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Measured:
    status: str  # "ok", "timeout", "failed", "refused"
    wall_s: float
    peak_rss_mb: float
    result: dict = field(default_factory=dict)  # what the child reported
    error: str | None = None


def run_child(argv: list[str], timeout: float | None, env: dict | None = None) -> Measured:
    """Run ``argv`` plus ``--result FILE``; the child writes a JSON object to FILE."""
    with tempfile.TemporaryDirectory(prefix="amalgam-bench-") as tmp:
        result_file = Path(tmp) / "result.json"
        log = Path(tmp) / "log.txt"
        start = time.perf_counter()
        with log.open("wb") as out:
            proc = subprocess.Popen(argv + ["--result", str(result_file)], stdout=out, stderr=subprocess.STDOUT,
                                    env=env or _env(), start_new_session=True)
            status, rss_kb = _wait(proc, timeout)
        wall = time.perf_counter() - start
        result = json.loads(result_file.read_text()) if result_file.exists() else {}
        tail = log.read_text(errors="replace")[-2000:]
    rss_kb = max(rss_kb, result.pop("vmhwm_kb", 0))
    reported = result.pop("status", None)  # a child that caught its own failure says so
    if status == "ok":
        status = reported or ("ok" if proc.returncode == 0 else "failed")
    error = result.pop("error", None)
    if status != "ok" and not error:
        error = _last_line(tail, status, timeout)
    return Measured(status, round(wall, 3), round(rss_kb / 1024, 1), result, error)


def _wait(proc: subprocess.Popen, timeout: float | None) -> tuple[str, int]:
    """Poll the child's peak memory until it exits; kill its process group at the time cap."""
    deadline = None if timeout is None else time.monotonic() + timeout
    peak_kb = 0
    while True:
        peak_kb = max(peak_kb, _hwm_kb(proc.pid))
        if proc.poll() is not None:
            return "ok", peak_kb
        if deadline is not None and time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return "timeout", peak_kb
        time.sleep(0.05)


def _hwm_kb(pid: int) -> int:
    """The peak resident set size of ``pid`` so far (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def _last_line(log: str, status: str, timeout: float | None) -> str:
    if status == "timeout":
        return f"stopped at the time cap of {timeout:g} s"
    lines = [line for line in log.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else f"exit status {status}"


def _env() -> dict:
    """This environment, with the repository on the path so ``-m benchmarks.worker`` resolves anywhere."""
    root = str(Path(__file__).resolve().parents[1])
    return os.environ | {"PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}


def python_argv(module: str, *args: str, python: str | None = None) -> list[str]:
    return [python or sys.executable, "-m", module, *args]


def time_cli(command: str, args: list[str], out: Path, root: Path) -> tuple[float, int, float, list[str]]:
    """Wall seconds, peak resident MiB, CPU seconds and stderr lines of one ``amalgam-rel COMMAND
    ARGS -o OUT --force`` process (the checkout at ``root``), timed by ``/usr/bin/time``; exits with
    the command's error where it fails."""
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", sys.executable, "-m", "amalgam_rel.cli", command, *args,
                           "-o", str(out), "--force"], capture_output=True, text=True,
                          env=os.environ | {"PYTHONPATH": str(root)})
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    lines = done.stderr.strip().splitlines()
    peak, user, system = lines[-1].split()
    return seconds, int(peak) // 1024, float(user) + float(system), lines[:-1]
