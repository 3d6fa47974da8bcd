"""configure() must leave TensorFlow's runtime unstarted.

The distributed-training chapter (and bench/distribute.py) split the CPU into
logical devices after ``tfbook.configure()``; TensorFlow allows that only
before its runtime starts, so configure() may set options but must not run an op.
"""

import subprocess
import sys

SCRIPT = """
import tfbook
tfbook.configure(seed=0, show_versions=False)
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
half = tf.config.LogicalDeviceConfiguration()
tf.config.set_logical_device_configuration(cpu, [half, half])
print(len(tf.config.list_logical_devices("CPU")))
"""


def test_configure_leaves_time_to_split_the_cpu():
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "2"
