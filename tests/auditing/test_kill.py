"""Kill tests: ``clean`` and ``audit --html`` sent SIGINT, SIGTERM, SIGHUP and SIGKILL at several moments.

Each run is a real ``datafix`` process. A small wrapper slows one moment
down and drops a marker file when the process reaches it, so the signal
lands where it is meant to: while *computing* (after the input was read),
while *writing* (the temporary file is open and partly written), and while
*renaming* (the temporary file is complete, the rename not yet done).
Whatever the signal and the moment: the input is byte-identical, the output is
the old file (it is never half-written), and no temporary file is left -
except after SIGKILL, which nothing can catch: then the next run removes it.
"""

import hashlib
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

WRAPPER = r'''
import os, sys, time
moment, marker = os.environ["KILL_MOMENT"], os.environ["KILL_MARKER"]
import datafix.cli as cli

def mark():
    open(marker, "w").close()

if moment == "computing":
    read = cli.read_table
    def slow_read(*args, **kwargs):
        frame = read(*args, **kwargs)
        mark()
        time.sleep(60)
        return frame
    cli.read_table = slow_read
elif moment == "writing":
    fdopen = os.fdopen
    class SlowStream:
        def __init__(self, stream):
            self._stream, self._marked = stream, False
        def write(self, data):
            written = self._stream.write(data)
            self._stream.flush()
            if not self._marked:
                self._marked = True
                mark()
                time.sleep(60)
            return written
        def __getattr__(self, name):
            return getattr(self._stream, name)
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return self._stream.__exit__(*exc)
    os.fdopen = lambda *args, **kwargs: SlowStream(fdopen(*args, **kwargs))
elif moment == "renaming":
    replace = os.replace
    def slow_replace(source, destination):
        mark()
        time.sleep(60)
        replace(source, destination)
    os.replace = slow_replace
sys.exit(cli.main(sys.argv[1:]))
'''

SIGNALS = {"SIGINT": signal.SIGINT, "SIGTERM": signal.SIGTERM, "SIGHUP": signal.SIGHUP, "SIGKILL": signal.SIGKILL}


def default_signal_handling():
    """In the child, before it starts: the signals at their defaults, whatever the test runner inherited.

    A runner started with ``nohup`` (SIGHUP ignored) or as a background job (SIGINT ignored) would otherwise
    pass the ignoring on, and datafix, rightly, keeps a signal its parent chose to ignore.
    """
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
#: Exit status of the process: the CLI ends SIGINT/SIGTERM/SIGHUP with one line and 128 + signal.
EXPECTED_CODES = {"SIGINT": 130, "SIGTERM": 128 + signal.SIGTERM, "SIGHUP": 128 + signal.SIGHUP,
                  "SIGKILL": -signal.SIGKILL}
MOMENTS = ["computing", "writing", "renaming"]
OLD = b"the previous output\n"


def digest(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kill")
    rng = np.random.default_rng(0)
    n = 20_000
    frame = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.choice(list("xyz"), n)})
    frame["y"] = np.where(frame["a"] + rng.normal(scale=0.5, size=n) > 0.8, "rare", "common")
    data = folder / "big.csv"
    frame.to_csv(data, index=False)
    import datafix as dfx

    report = dfx.audit(pd.read_csv(data), "y", checks=["label"], cv=2, random_state=0)
    report.to_json(folder / "audit.json")
    wrapper = folder / "wrapper.py"
    wrapper.write_text(WRAPPER)
    return folder


def command(kind, folder, output):
    if kind == "clean":
        return ["clean", str(folder / "big.csv"), "--target", "y", "--action", "drop", "--issues",
                str(folder / "audit.json"), "--output", str(output), "--quiet"]
    return ["audit", str(folder / "big.csv"), "--target", "y", "--checks", "duplicates", "class_imbalance",
            "--html", str(output), "--quiet"]


def run_and_signal(workspace, tmp_path, kind, moment, signal_name):
    output_folder = tmp_path / "out"
    output_folder.mkdir()
    output = output_folder / ("cleaned.csv" if kind == "clean" else "report.html")
    output.write_bytes(OLD)
    marker = tmp_path / "marker"
    inputs = {name: digest(workspace / name) for name in ("big.csv", "audit.json")}
    environment = {**os.environ, "KILL_MOMENT": moment, "KILL_MARKER": str(marker)}
    process = subprocess.Popen([sys.executable, str(workspace / "wrapper.py"), *command(kind, workspace, output)],
                               env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=default_signal_handling)
    deadline = time.monotonic() + 120
    while not marker.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            out, err = process.communicate()
            pytest.fail(f"the process never reached {moment}: {err.decode()[-2000:]}")
        time.sleep(0.01)
    temporaries_at_signal = [n for n in os.listdir(output_folder) if n.endswith(".part")]
    process.send_signal(SIGNALS[signal_name])
    _, err = process.communicate(timeout=60)
    return process.returncode, err.decode(), output_folder, output, inputs, temporaries_at_signal


#: The runs of the default test run (each signal once, each moment at least once, both commands); the whole
#: matrix (2 commands x 3 moments x 4 signals) runs with the slow tests.
DEFAULT_RUNS = {("computing", "SIGINT"), ("writing", "SIGTERM"), ("renaming", "SIGHUP"), ("writing", "SIGKILL")}
MATRIX = [
    pytest.param(kind, moment, signal_name, id=f"{kind}-{moment}-{signal_name}",
                 marks=() if (moment, signal_name) in DEFAULT_RUNS else pytest.mark.slow)
    for kind in ("clean", "audit-html") for moment in MOMENTS for signal_name in SIGNALS
]


@pytest.mark.parametrize("kind, moment, signal_name", MATRIX)
def test_a_signal_never_loses_the_input_or_half_writes_the_output(workspace, tmp_path, kind, moment, signal_name):
    code, err, folder, output, inputs, temporaries = run_and_signal(workspace, tmp_path, kind, moment, signal_name)
    assert code == EXPECTED_CODES[signal_name], err
    assert (moment == "computing") == (not temporaries)  # the signal landed where it was meant to
    assert {name: digest(workspace / name) for name in inputs} == inputs  # the input is intact
    assert output.read_bytes() == OLD  # the old output, never a half-written one
    left = [name for name in os.listdir(folder) if name != output.name]
    if signal_name == "SIGKILL":
        assert left == temporaries  # nothing could remove it ...
        rerun = subprocess.run([sys.executable, "-m", "datafix.cli", *command(kind, workspace, output)],
                               capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stderr
        assert os.listdir(folder) == [output.name]  # ... the next run did
        assert output.read_bytes() != OLD
    else:
        assert left == []
        if signal_name != "SIGINT":
            assert err.strip().splitlines()[-1] == f"datafix: terminated by {signal_name}; no output was left " \
                                                   f"half-written"


def test_the_library_removes_its_temporary_file_and_still_dies_by_sigterm(tmp_path):
    """Outside the CLI (no handler of its own) a SIGTERM mid-write cleans up, then ends the process as SIGTERM does."""
    marker, output = tmp_path / "marker", tmp_path / "r.txt"
    output.write_bytes(OLD)
    script = f'''
import os, time
from datafix._io import write_atomically
def slow(stream):
    stream.write("half")
    stream.flush()
    open({str(marker)!r}, "w").close()
    time.sleep(60)
write_atomically({str(output)!r}, slow)
'''
    process = subprocess.Popen([sys.executable, "-c", script], preexec_fn=default_signal_handling)
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.01)
    assert any(name.endswith(".part") for name in os.listdir(tmp_path))
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == -signal.SIGTERM
    assert sorted(os.listdir(tmp_path)) == ["marker", "r.txt"] and output.read_bytes() == OLD


def test_stale_temporaries_of_running_processes_are_kept(tmp_path):
    from datafix._io import remove_stale_temporaries, write_atomically

    mine = tmp_path / f".datafix-{os.getpid()}-abc.part"
    dead = tmp_path / ".datafix-999999999-abc.part"
    foreign = tmp_path / ".other-999999999-abc.part"
    for path in (mine, dead, foreign):
        path.write_text("half")
        os.utime(path, (0, 0))
    assert remove_stale_temporaries(tmp_path) == [str(dead)]
    write_atomically(tmp_path / "out.txt", "x")
    assert sorted(os.listdir(tmp_path)) == sorted([mine.name, foreign.name, "out.txt"])
