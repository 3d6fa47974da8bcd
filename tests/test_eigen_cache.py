import json
import subprocess
import sys

import pytest

from tfbook import eigen_cache

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ELF and /proc")


@pytest.fixture(scope="module")
def product():
    # A fresh process: configure() as a notebook's first cell runs it.
    result = subprocess.run(
        [sys.executable, "-m", "tfbook.eigen_cache", "digest"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@linux_only
def test_configure_pins_the_sizes_in_every_library():
    from tfbook import environment

    environment.configure(show_versions=False)
    assert eigen_cache.current() == {name: eigen_cache.CACHE_SIZES for name in eigen_cache.LIBRARIES}


@linux_only
def test_pinned_product_is_the_one_the_stored_outputs_were_made_with(product):
    # The same on every CPU checked (two AMD EPYCs with 512 KiB and 1 MiB of L2;
    # Haswell and EPYC-Rome under QEMU: scripts/check-cpus.sh). Needs AVX2 and FMA.
    assert product["pinned"] == "daca4b043ada752f"


@linux_only
def test_other_cache_sizes_change_the_product():
    from tfbook import environment

    environment.configure(show_versions=False)
    try:  # the sizes an AMD EPYC with 1 MiB of L2 reports
        other = eigen_cache.digest((32 * 1024, 1024 * 1024, 320 * 1024 * 1024))
    finally:
        eigen_cache.pin()
    assert other != eigen_cache.digest()


# A process that never pins: Eigen reads the CPU at its first product.
UNPINNED = """
from tfbook.environment import set_tf_environment
set_tf_environment()
import json, tensorflow as tf
from tfbook import eigen_cache
tf.linalg.matmul(tf.ones((300, 300)), tf.ones((300, 300)))
print(json.dumps(eigen_cache.current()))
"""


@linux_only
def test_digest_command_reports_the_sizes_eigen_reads_from_the_cpu(product):
    result = subprocess.run(
        [sys.executable, "-c", UNPINNED], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    cpu = json.loads(result.stdout.splitlines()[-1])["libtensorflow_cc.so.2"]
    assert product["cpu"]["libtensorflow_cc.so.2"] == cpu and all(size > 0 for size in cpu)


def test_main_without_a_command_prints_usage(capsys):
    assert eigen_cache.main([]) == 2
    assert "usage" in capsys.readouterr().err


@linux_only
def test_symbol_offsets_finds_the_variable_and_its_guard():
    import os

    import tensorflow as tf

    path = os.path.join(os.path.dirname(tf.__file__), "libtensorflow_cc.so.2")
    offsets = eigen_cache.symbol_offsets(path)
    assert set(offsets) == {"sizes", "guard"} and offsets["sizes"] != offsets["guard"]


def test_symbol_offsets_of_a_file_that_is_not_elf_is_empty(tmp_path):
    path = tmp_path / "not-a-library.so"
    path.write_bytes(b"just text, not ELF\n")
    assert eigen_cache.symbol_offsets(str(path)) == {}


@linux_only
def test_symbol_offsets_of_the_python_executable_is_empty():
    assert eigen_cache.symbol_offsets(sys.executable) == {}


def test_symbol_offsets_of_a_truncated_elf_file_is_empty(tmp_path):
    path = tmp_path / "truncated.so"
    path.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(100))
    assert eigen_cache.symbol_offsets(str(path)) == {}


@linux_only
def test_load_address_of_a_file_not_loaded_is_none(tmp_path):
    path = tmp_path / "libnot-loaded.so"
    path.write_bytes(b"")
    assert eigen_cache._load_address(str(path)) is None


@pytest.mark.parametrize(
    "sizes", [(32768, 524288), (0, 524288, 33554432), (32768.0, 524288, 33554432), [1, 2, 3],
              (True, 2, 3)]
)
def test_pin_rejects_bad_sizes(sizes):
    with pytest.raises(ValueError, match=r"`sizes`.*Received: sizes="):
        eigen_cache.pin(sizes)
