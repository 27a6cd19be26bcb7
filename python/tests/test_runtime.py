"""Zero copy, GIL release and the committed type stubs."""
import gc
import pathlib
import subprocess
import sys
import threading
import time
import tracemalloc

import numpy as np
import pytest

import infoscale

PYTHON_DIR = pathlib.Path(__file__).resolve().parents[1]


def test_strided_input_is_not_copied(rng):
    # A 32 MB buffer read through a non-contiguous view: a copy (nanobind converting to a
    # contiguous array, or numpy.ascontiguousarray) would allocate ~16 MB through numpy's
    # allocator, which tracemalloc sees. infoscale reads the view in place.
    base = rng.normal(size=(2000, 2000))
    view = base[:, ::2]
    assert not view.flags.c_contiguous and not view.flags.f_contiguous
    expected = infoscale.entropy_from_logits(np.ascontiguousarray(view))
    gc.collect()
    tracemalloc.start()
    try:
        got = infoscale.entropy_from_logits(view)
        fortran = infoscale.thermodynamics(base.T).entropy
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, peak  # the outputs are 2000 doubles; the input is 16 MB
    # Equal to rounding, not bit for bit: contiguous rows run the dispatched AVX2/AVX-512 kernel,
    # strided rows the baseline one, whose double sums are ordered differently.
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    np.testing.assert_allclose(fortran, infoscale.entropy_from_logits(np.ascontiguousarray(base.T)), rtol=1e-13)


def test_threads_run_concurrently_and_agree(rng):
    # The bindings release the GIL around the C++ work; several Python threads calling in at
    # once must each get the single-threaded answer (no timing assertions).
    logits = [rng.normal(scale=2.0, size=(400, 3000)) for _ in range(4)]
    expected = [infoscale.entropy_from_logits(z, policy="seq") for z in logits]
    results = [None] * len(logits)
    started = threading.Barrier(len(logits))

    def work(i):
        started.wait()
        for _ in range(3):
            results[i] = infoscale.entropy_from_logits(logits[i], policy="seq")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(logits))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(results, expected):
        np.testing.assert_array_equal(got, want)


def assert_gil_released(call):
    # With the GIL held, no other Python thread runs a single bytecode while the C++ call is under
    # way; with it released, a ticking thread keeps stamping times inside the call's interval.
    stamps = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            stamps.append(time.perf_counter())

    thread = threading.Thread(target=ticker)
    thread.start()
    try:
        time.sleep(0.01)
        begin = time.perf_counter()
        call()
        end = time.perf_counter()
    finally:
        stop.set()
        thread.join()
    margin = 0.2 * (end - begin)  # ignore the edges, where the call is entered and left
    inside = [t for t in stamps if begin + margin < t < end - margin]
    assert len(inside) > 0, f"no Python thread ran during a {end - begin:.3f} s call: GIL held"


def test_gil_is_released_during_work(rng):
    z = rng.normal(size=(3000, 4000))
    assert_gil_released(lambda: infoscale.entropy_from_logits(z, policy="seq"))


def test_layer_analysis_releases_the_gil(rng):
    # The layers/ bindings: a large CKA evidence layer.
    layer = rng.normal(size=(3000, 64))
    ev = infoscale.layers.CKAEvidence([1000, 1000, 1000], infoscale.layers.ResamplingPlan(3, resamples=10))
    assert_gil_released(lambda: ev.add_layer(layer, policy="seq"))


def test_committed_stubs_match_the_module(tmp_path):
    pytest.importorskip("nanobind")
    subprocess.run([sys.executable, str(PYTHON_DIR / "generate_stubs.py"), str(tmp_path)], check=True)
    for name in ("__init__.pyi", "entropic.pyi", "layers.pyi", "hvib.pyi"):
        committed = (PYTHON_DIR / "infoscale" / name).read_text()
        assert (tmp_path / name).read_text() == committed, (
            f"python/infoscale/{name} is stale: run `python python/generate_stubs.py`")
