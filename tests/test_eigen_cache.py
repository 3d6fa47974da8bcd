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
    # The same on every CPU with AVX2 once pinned; an AMD EPYC with 1 MiB of L2,
    # unpinned, computed another product and failed 38 cells of strict nbval.
    assert product["pinned"] == "bb9f5978acf61221"


@linux_only
def test_other_cache_sizes_change_the_product():
    from tfbook import environment

    environment.configure(show_versions=False)
    try:
        other = eigen_cache.digest((32 * 1024, 1024 * 1024, 320 * 1024 * 1024))
    finally:
        eigen_cache.pin()
    assert other != eigen_cache.digest()


@linux_only
def test_digest_command_reports_the_cpu_sizes_it_replaced(product):
    cpu = product["cpu"]["libtensorflow_cc.so.2"]
    assert len(cpu) == 3 and all(size > 0 for size in cpu)


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
def test_symbol_offsets_of_a_library_without_eigen_is_empty():
    assert eigen_cache.symbol_offsets(sys.executable) == {}


@pytest.mark.parametrize(
    "sizes", [(32768, 524288), (0, 524288, 33554432), (32768.0, 524288, 33554432), [1, 2, 3],
              (True, 2, 3)]
)
def test_pin_rejects_bad_sizes(sizes):
    with pytest.raises(ValueError, match=r"`sizes`.*Received: sizes="):
        eigen_cache.pin(sizes)
