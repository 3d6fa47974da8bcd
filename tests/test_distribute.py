"""Tests of tfbook.distribute.launcher: the launcher leaves no process behind.

The tests start tiny Python workers (no TensorFlow), so the file runs in a few
seconds; the training code itself runs in the distributed-training chapter.
The names are imported from ``tfbook.distribute``, as the chapter does.
"""

import json
import os
import subprocess
import sys
import time

import psutil
import pytest

from tfbook import distribute

PY = sys.executable

# A worker that starts a child of its own (a grandchild of the launcher),
# writes both process ids to a file, then sleeps far beyond any timeout.
SLEEPER = (
    "import subprocess, sys, time\n"
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
    "with open(sys.argv[1], 'w') as f:\n"
    "    f.write(f'{child.pid}')\n"
    "time.sleep(120)\n"
)


def sleeper(tmp_path, i):
    return [PY, "-c", SLEEPER, str(tmp_path / f"child-{i}.pid")]


def read_pid(path):
    assert path.exists() and path.read_text(), f"{path.name} was never written"
    return int(path.read_text())


def pids_written(path):
    """The pid in ``path`` if the worker got as far as writing it (it may not have)."""
    text = path.read_text() if path.exists() else ""
    return [int(text)] if text else []


def running_children():
    """Process ids of this process's children that are still running (not zombies)."""
    children = psutil.Process().children()
    return [p.pid for p in children if distribute.is_running(p.pid)]


def assert_gone(pids):
    # SIGKILL is delivered at once; a few ms may pass before the kernel tears
    # an orphaned grandchild down, so allow a short grace period.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(distribute.is_running(p) for p in pids):
        time.sleep(0.05)
    assert [p for p in pids if distribute.is_running(p)] == []


def test_free_ports_are_distinct_integers():
    ports = distribute.free_ports(3)
    assert len(set(ports)) == 3
    assert all(isinstance(p, int) and 0 < p < 65536 for p in ports)


def test_free_ports_rejects_zero():
    with pytest.raises(ValueError, match="Received: n=0"):
        distribute.free_ports(0)


def test_tf_config_names_the_cluster_and_the_task():
    config = distribute.tf_config([2222, 2223], 1)
    assert config == {
        "cluster": {"worker": ["127.0.0.1:2222", "127.0.0.1:2223"]},
        "task": {"type": "worker", "index": 1},
    }


def test_tf_config_rejects_an_index_outside_the_cluster():
    with pytest.raises(ValueError, match=r"`index`.*from 0 to 1\. Received: index=2"):
        distribute.tf_config([2222, 2223], 2)


def test_tf_config_rejects_no_ports():
    with pytest.raises(ValueError, match=r"Received: ports=\[\]"):
        distribute.tf_config([], 0)


def test_launch_gives_each_worker_its_tf_config_and_quiet_tensorflow(tmp_path):
    script = (
        "import json, os\n"
        "print(json.dumps({k: os.environ.get(k) for k in "
        "['TF_CONFIG', 'TF_CPP_MIN_LOG_LEVEL', 'TF_ENABLE_ONEDNN_OPTS', 'ONEDNN_MAX_CPU_ISA']}))\n"
    )
    results = distribute.launch([[PY, "-c", script]] * 2, timeout=60, log_dir=tmp_path)
    assert [r.returncode for r in results] == [0, 0]
    envs = [json.loads(r.log.read_text()) for r in results]
    configs = [json.loads(e["TF_CONFIG"]) for e in envs]
    assert [c["task"] for c in configs] == [
        {"type": "worker", "index": 0},
        {"type": "worker", "index": 1},
    ]
    addresses = configs[0]["cluster"]["worker"]
    assert configs[1]["cluster"]["worker"] == addresses
    assert all(a.startswith("127.0.0.1:") for a in addresses) and len(set(addresses)) == 2
    assert all(e["TF_CPP_MIN_LOG_LEVEL"] == "3" and e["TF_ENABLE_ONEDNN_OPTS"] == "0" for e in envs)
    assert all(e["ONEDNN_MAX_CPU_ISA"] == "AVX2" for e in envs)


def test_launch_sends_stderr_to_the_log_file(tmp_path):
    script = "import sys; print('to stdout'); print('to stderr', file=sys.stderr)"
    results = distribute.launch([[PY, "-c", script]], timeout=60, log_dir=tmp_path)
    assert results[0].log == tmp_path / "worker-0.log"
    assert set(results[0].log.read_text().split("\n")) >= {"to stdout", "to stderr"}


def test_launch_timeout_kills_workers_and_their_children(tmp_path):
    commands = [sleeper(tmp_path, i) for i in range(2)]
    start = time.monotonic()
    with pytest.raises(distribute.WorkerError) as info:
        distribute.launch(commands, timeout=5, log_dir=tmp_path)
    assert time.monotonic() - start < 15
    assert str(info.value) == (
        f"timed out after 5 s; stopped workers 0, 1 (logs in {tmp_path.as_posix()}/)"
    )
    grandchildren = [read_pid(tmp_path / f"child-{i}.pid") for i in range(2)]
    assert [r.returncode for r in info.value.results] == [-9, -9]
    assert_gone(info.value.pids + grandchildren)
    assert running_children() == []


def test_launch_failed_worker_surfaces_and_the_others_are_stopped(tmp_path):
    commands = [sleeper(tmp_path, 0), [PY, "-c", "import sys; sys.exit(3)"]]
    start = time.monotonic()
    with pytest.raises(distribute.WorkerError) as info:
        distribute.launch(commands, timeout=60, log_dir=tmp_path)
    assert time.monotonic() - start < 15  # it did not wait for the timeout
    assert str(info.value) == (
        f"worker 1 exited with code 3; stopped worker 0 (logs in {tmp_path.as_posix()}/)"
    )
    assert [r.returncode for r in info.value.results] == [-9, 3]
    pids = info.value.pids
    child = tmp_path / "child-0.pid"
    assert_gone(pids + pids_written(child))
    assert running_children() == []


def test_launch_cleans_up_when_starting_a_worker_fails(tmp_path):
    # The second command cannot start: the first worker must not survive that.
    pid_file = tmp_path / "pid"
    first = [PY, "-c", f"import os, time\nwith open({str(pid_file)!r}, 'w') as f: "
             "f.write(str(os.getpid()))\ntime.sleep(120)"]
    with pytest.raises(FileNotFoundError):
        distribute.launch([first, [str(tmp_path / "no-such-program")]], timeout=60, log_dir=tmp_path)
    assert_gone(pids_written(pid_file))
    assert running_children() == []


def test_launch_rejects_no_commands():
    with pytest.raises(ValueError, match=r"Received: commands=\[\]"):
        distribute.launch([])


def test_launch_rejects_a_non_positive_timeout():
    with pytest.raises(ValueError, match="Received: timeout=0"):
        distribute.launch([[PY, "-c", "pass"]], timeout=0)


def test_is_running_is_false_for_a_finished_child():
    proc = subprocess.Popen([PY, "-c", "pass"])
    proc.wait()
    assert distribute.is_running(os.getpid())
    assert not distribute.is_running(proc.pid)


def test_importing_the_package_does_not_import_tensorflow():
    code = "import sys, tfbook.distribute; print('tensorflow' in sys.modules)"
    out = subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
