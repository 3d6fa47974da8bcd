"""Tests of tfbook.distribute.multi_worker and of the workers' command line.

The workers themselves (the chapter's ``run_worker``) train in the
distributed-training chapter; here, what surrounds them: the command line
built for them, the files they exchange with the notebook, and the
agreement between that command line and ``run_worker``'s arguments.
"""

import inspect
import subprocess
import sys

import numpy as np
import pytest

from tfbook import distribute
from tfbook.distribute.__main__ import parse_worker_args


def test_worker_command_turns_options_into_flags():
    command = distribute.worker_command("_scratch/mw", steps=5, global_batch_size=32, init=None)
    assert command[1:] == [
        "-m", "tfbook.distribute", "worker", "--out", "_scratch/mw",
        "--steps", "5", "--global-batch-size", "32",
    ]


def test_the_command_line_reads_back_what_worker_command_wrote():
    options = {
        "steps": 5, "global_batch_size": 32, "learning_rate": 0.01, "init": "w.npz",
        "seed": 7, "crash_after": 3, "crash_worker": 1,
    }
    command = distribute.worker_command("_scratch/mw", **options)
    assert parse_worker_args(command[3:]) == {"out": "_scratch/mw", **options}


def test_the_command_line_takes_the_arguments_of_the_chapters_worker():
    from tfbook.chapters.distributed_training import run_worker

    args = parse_worker_args(["worker", "--out", "mw"])
    assert set(args) - {"seed"} == set(inspect.signature(run_worker).parameters)
    defaults = {
        name: p.default
        for name, p in inspect.signature(run_worker).parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    assert {k: args[k] for k in defaults} == defaults


def test_the_command_line_needs_an_output_folder():
    out = subprocess.run(
        [sys.executable, "-m", "tfbook.distribute", "worker"], capture_output=True, text=True
    )
    assert out.returncode == 2
    assert "the following arguments are required: --out" in out.stderr


def test_train_multi_worker_rejects_zero_workers(tmp_path):
    with pytest.raises(ValueError, match="Received: num_workers=0"):
        distribute.train_multi_worker(0, out_dir=tmp_path)


def test_save_and_load_weights_keep_order_and_values(tmp_path):
    # Twelve arrays: more than ten, so an order by name ("w10" < "w2") would show.
    weights = [np.full((k + 1, 2), k, dtype="float32") for k in range(12)]
    distribute.save_weights(tmp_path / "w.npz", weights)
    loaded = distribute.load_weights(tmp_path / "w.npz")
    assert [w.shape for w in loaded] == [w.shape for w in weights]
    assert all(np.array_equal(a, b) for a, b in zip(weights, loaded, strict=True))


def test_make_train_step_rejects_a_bad_batch_size():
    from tfbook.chapters.distributed_training import make_train_step

    with pytest.raises(ValueError, match="Received: global_batch_size=0"):
        make_train_step(None, None, None, 0)
