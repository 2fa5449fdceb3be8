"""`make dev`: the Dagster UI (`dagster dev`) that stops cleanly on Ctrl-C and on SIGTERM.

    python -m dagster_project.dev                 # http://127.0.0.1:3000
    python -m dagster_project.dev -p 3001         # any `dagster dev` option is passed on

Why a wrapper: `dagster dev` starts a webserver, a daemon and code servers as child processes.
Started from a script (in the background, without job control) it ignores SIGINT and SIGTERM,
and when it does stop, its code servers outlive it for up to their 45 s heartbeat timeout.

So `dagster dev` runs here in a session (and process group) of its own, with SIGINT and SIGTERM
at their defaults whatever this process inherited. On SIGINT (Ctrl-C), SIGTERM or SIGHUP this
wrapper forwards SIGINT, `dagster dev`'s own graceful shutdown, to the whole group; if anything
of the group is left after GRACE_S seconds it sends SIGTERM, then SIGKILL after KILL_AFTER_S
more. A second Ctrl-C goes straight to SIGKILL. Whenever `dagster dev` exits, whatever it left in
its group (code servers, a run it had launched: a killed run publishes nothing) is stopped the
same way, so nothing of it survives the wrapper. Exit status: 130 after SIGINT, 143 after
SIGTERM, 129 after SIGHUP, otherwise `dagster dev`'s own.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

GRACE_S = 8.0  # dagster dev's own shutdown took 6-7 s on 2 busy cores
KILL_AFTER_S = 2.0
REPEAT_AFTER_S = 1.0  # a signal this long after the first is a second Ctrl-C: SIGKILL now
POLL_S = 0.1
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _group_alive(pgid: int) -> bool:
    """Whether a live (not zombie) process is left in the group. Orphans that died are reaped by
    init only every second or so, and a zombie still counts for killpg(pgid, 0): on Linux the
    states are read from /proc."""
    proc = Path("/proc")
    if proc.is_dir():
        for entry in proc.iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
                return True
        return False
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a member we may not signal still exists
        return True
    return True


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _reap(proc: subprocess.Popen) -> None:
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=0)


def _wait_group(proc: subprocess.Popen, pgid: int, seconds: float, stop_early) -> bool:
    """Wait until the group is empty (True) or `seconds` pass or stop_early() (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        _reap(proc)  # the leader's zombie would keep the group alive
        if not _group_alive(pgid):
            return True
        if stop_early():
            return False
        time.sleep(POLL_S)
    _reap(proc)
    return not _group_alive(pgid)


def stop_group(
    proc: subprocess.Popen,
    pgid: int,
    grace_s: float = GRACE_S,
    kill_after_s: float = KILL_AFTER_S,
    hurry=lambda: False,
) -> str:
    """Stop every process of the group: SIGINT, then SIGTERM after grace_s, then SIGKILL after
    kill_after_s (at once when hurry() turns true). Returns the last signal that was needed."""
    for sig, wait in (
        (signal.SIGINT, grace_s),
        (signal.SIGTERM, kill_after_s),
    ):
        _signal_group(pgid, sig)
        if _wait_group(proc, pgid, wait, hurry):
            return sig.name
    _signal_group(pgid, signal.SIGKILL)
    _wait_group(proc, pgid, 5.0, lambda: False)
    proc.wait()
    return signal.SIGKILL.name


def supervise(
    cmd: Sequence[str],
    grace_s: float = GRACE_S,
    kill_after_s: float = KILL_AFTER_S,
    env: dict | None = None,
) -> int:
    """Run cmd in its own session; forward SIGINT/SIGTERM/SIGHUP to its whole group as above."""
    received: list[tuple[int, float]] = []

    def on_signal(signum, _frame):
        received.append((signum, time.monotonic()))

    def again() -> bool:
        """A second Ctrl-C, not the same one twice: a terminal's Ctrl-C reaches this process
        both directly and forwarded by `uv run` (its parent in `make dev`)."""
        return any(t - received[0][1] > REPEAT_AFTER_S for _, t in received[1:])

    previous = {sig: signal.signal(sig, on_signal) for sig in FORWARDED}
    try:
        # The handlers above (not SIG_IGN) are reset to SIG_DFL in the child at exec, so it
        # gets SIGINT and SIGTERM even when this process was started with them ignored.
        proc = subprocess.Popen(list(cmd), start_new_session=True, env=env)
        pgid = proc.pid  # session leader = process group leader
        while proc.poll() is None and not received:
            time.sleep(POLL_S)
        if received:
            first = received[0][0]
            print(
                f"\n{signal.Signals(first).name}: stopping dagster dev and its processes "
                f"(SIGKILL after {grace_s + kill_after_s:g} s; Ctrl-C again to kill now) ...",
                file=sys.stderr,
                flush=True,
            )
            needed = stop_group(proc, pgid, grace_s, kill_after_s, hurry=again)
            if needed != signal.SIGINT.name:
                print(f"dagster dev needed {needed} to stop.", file=sys.stderr, flush=True)
            return 128 + first
        # dagster dev exited by itself: stop what it left behind in its group (code servers)
        if _group_alive(pgid):
            stop_group(proc, pgid, grace_s=1.0, kill_after_s=kill_after_s)
        return proc.returncode
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def dagster_dev_command(args: Sequence[str]) -> list[str]:
    dagster = Path(sys.executable).with_name("dagster")
    launcher = [str(dagster)] if dagster.exists() else [sys.executable, "-m", "dagster"]
    return [*launcher, "dev", *args]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "--":
        args = args[1:]
    return supervise(dagster_dev_command(args))


if __name__ == "__main__":
    sys.exit(main())
