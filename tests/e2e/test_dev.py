"""`make dev` stops cleanly: Ctrl-C (SIGINT to the terminal's foreground process group) and
SIGTERM stop `dagster dev` and every process it started within seconds, whatever signal
dispositions the wrapper inherited (dagster_project/dev.py)."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from dagster_project import dev

REPO = Path(__file__).resolve().parents[2]
MARKER = "DE06_DEV_TEST_MARKER"


def processes_with(marker: str) -> list[int]:
    """Live processes whose environment carries marker (inherited by every descendant, so it
    finds grandchildren reparented away from the tree too). Zombies have no environment."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            if f"{MARKER}={marker}".encode() in (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def wait_gone(marker: str, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := processes_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def kill_leftovers(marker: str) -> None:
    for pid in processes_with(marker):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


# A stand-in for dagster dev: starts a grandchild (like its code servers), optionally ignores
# SIGINT and SIGTERM (like dagster dev started with `&` from a script), then waits.
CHILD = textwrap.dedent(
    """\
    import signal, subprocess, sys, time
    stubborn = sys.argv[1] == "stubborn"
    grandchild = [sys.executable, "-c", "import signal, time\\n"
                  + ("signal.signal(signal.SIGINT, signal.SIG_IGN)\\n"
                     "signal.signal(signal.SIGTERM, signal.SIG_IGN)\\n" if stubborn else
                     "signal.signal(signal.SIGINT, signal.SIG_IGN)\\n")
                  + "time.sleep(300)"]
    subprocess.Popen(grandchild)
    if stubborn:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    print("ready", flush=True)
    try:
        time.sleep(300)
    except KeyboardInterrupt:
        sys.exit(0)
    """
)

WRAPPER = textwrap.dedent(
    """\
    import signal, sys
    from dagster_project import dev
    # as `cmd &` from a script without job control: SIGINT arrives ignored
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(dev.supervise([sys.executable, sys.argv[1], sys.argv[2]], grace_s=1.0,
                           kill_after_s=1.0))
    """
)


def _start_wrapper(tmp_path: Path, mode: str, marker: str) -> subprocess.Popen:
    (tmp_path / "child.py").write_text(CHILD)
    (tmp_path / "wrapper.py").write_text(WRAPPER)
    proc = subprocess.Popen(
        [sys.executable, str(tmp_path / "wrapper.py"), str(tmp_path / "child.py"), mode],
        cwd=REPO,
        env={**os.environ, MARKER: marker, "PYTHONPATH": str(REPO)},
        start_new_session=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 10  # the grandchild is up
    while len(processes_with(marker)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(processes_with(marker)) == 3  # wrapper, child, grandchild
    return proc


@pytest.mark.parametrize(
    ("mode", "sig", "status"),
    [
        ("polite", signal.SIGINT, 130),  # stops on SIGINT but leaves its grandchild
        ("polite", signal.SIGTERM, 143),
        ("stubborn", signal.SIGTERM, 143),  # ignores everything: SIGKILL after 2 s
        ("stubborn", signal.SIGINT, 130),
    ],
)
def test_wrapper_stops_the_whole_group(tmp_path, mode, sig, status):
    marker = uuid.uuid4().hex
    proc = _start_wrapper(tmp_path, mode, marker)
    try:
        start = time.monotonic()
        os.kill(proc.pid, sig)  # to the wrapper alone: `kill <pid>`, or a SIGINT it must forward
        assert proc.wait(timeout=15) == status
        took = time.monotonic() - start
        assert wait_gone(marker, 1.0) == []  # no child or grandchild left
        assert took < 2.0 + 2.5  # grace 1 s + SIGTERM 1 s, and slack for 2 busy cores
    finally:
        kill_leftovers(marker)
        proc.stdout.close()


def test_wrapper_stops_leftovers_when_the_child_exits_by_itself(tmp_path):
    marker = uuid.uuid4().hex
    script = tmp_path / "leaves.py"
    script.write_text(
        "import subprocess, sys\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'])\n"
    )
    env = {**os.environ, MARKER: marker}
    assert dev.supervise([sys.executable, str(script)], kill_after_s=1.0, env=env) == 0
    assert wait_gone(marker, 1.0) == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_make_dev_stops_on_ctrl_c(tmp_path):
    """`make dev` as a user runs it: the webserver answers, Ctrl-C (SIGINT to the whole
    foreground process group: make, uv, the wrapper) stops it and every process it started
    (webserver, daemon, code servers)."""
    marker, port = uuid.uuid4().hex, _free_port()
    env = {
        **os.environ,
        MARKER: marker,
        "DE06_DATA_DIR": str(tmp_path / "data"),
        "DE06_LANDING_DIR": str(tmp_path / "landing"),
    }
    log = open(tmp_path / "dev.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [
            "make",
            "--no-print-directory",
            "dev",
            # a minimal code location (tests/dev_defs.py): the same processes (webserver,
            # daemon, code servers), started in seconds instead of the minute the project's
            # definitions take on 2 busy cores
            f"DEV_ARGS=-p {port} -m tests.dev_defs",
            f"DAGSTER_HOME={tmp_path / 'dagster_home'}",
        ],
        cwd=REPO,
        env=env,
        start_new_session=True,  # its own foreground group, as in a terminal
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline, ready = time.monotonic() + 240, False
        while not ready and time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2):
                    ready = True
            except OSError:
                time.sleep(0.5)
        assert ready, (tmp_path / "dev.log").read_text()[-2000:]
        assert len(processes_with(marker)) >= 4  # make, wrapper, dagster dev, its services
        start = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C
        proc.wait(timeout=30)
        took = time.monotonic() - start
        left = wait_gone(marker, 2.0)
        assert left == [], f"left running: {left}"
        assert took < dev.GRACE_S + dev.KILL_AFTER_S + 5, took
        with pytest.raises(OSError):  # the port is free again
            urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2)
    finally:
        kill_leftovers(marker)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
