"""Grad mode is per thread and per asyncio task: no_grad() in one never changes what
another records, and backprop never flips a process-wide switch."""
import asyncio
import os
import sys
import threading

import numpy as np
import pytest

import gdezero as gd
import gdezero.functions as F
from gdezero.backend import to_numpy

WORKERS = 4
GRADIENTS_PER_WORKER = 2000


@pytest.fixture
def fast_thread_switches():
    """Switch threads every 10 microseconds, so a shared switch would be caught mid-use."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(interval)


@pytest.mark.skipif(os.environ.get("GDEZERO_BACKEND") == "dask",
                    reason="grad mode is backend-independent; 8,000 lazy Dask graphs take minutes, "
                           "so the stress test runs on the eager backends")
def test_four_threads_of_gradients_next_to_a_no_grad_toggler_get_every_gradient_right(
        arr, fast_thread_switches):
    stop = threading.Event()
    wrong = [0] * WORKERS
    errors = []

    def toggler():
        x = gd.Variable(arr([1.0, 2.0]))
        while not stop.is_set():
            with gd.no_grad():
                F.sum(x * x)
            gd.Config.enable_backprop = False  # DeZero's spelling: this thread only
            F.sum(x * x)
            gd.Config.enable_backprop = True

    def worker(k):
        try:
            x = gd.Variable(arr([1.0 + k, -2.0, 0.5 * k]))
            expected = 2 * to_numpy(x.data)
            for _ in range(GRADIENTS_PER_WORKER):
                g = gd.grad(F.sum(x * x), x)
                if not np.array_equal(to_numpy(g.data), expected):
                    wrong[k] += 1
        except Exception as exc:  # an unrecorded output would raise here: count it as wrong
            errors.append(exc)

    toggle = threading.Thread(target=toggler)
    toggle.start()
    workers = [threading.Thread(target=worker, args=(k,)) for k in range(WORKERS)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    stop.set()
    toggle.join()
    assert errors == [] and wrong == [0] * WORKERS
    assert gd.Config.enable_backprop  # and the main thread still records


def test_no_grad_in_a_thread_leaves_the_main_thread_recording(arr):
    inside = threading.Event()
    leave = threading.Event()

    def hold_no_grad():
        with gd.no_grad():
            inside.set()
            leave.wait(10)

    t = threading.Thread(target=hold_no_grad)
    t.start()
    inside.wait(10)
    try:
        x = gd.Variable(arr(3.0))
        y = x * x
        assert gd.Config.enable_backprop and y.creator is not None
        assert float(to_numpy(gd.grad(y, x).data)) == 6.0
    finally:
        leave.set()
        t.join()


def test_no_grad_across_an_await_does_not_leak_into_another_task(arr):
    async def holds_no_grad(entered, release):
        with gd.no_grad():
            entered.set()
            await release.wait()  # another task runs while this one is inside no_grad
            x = gd.Variable(arr(2.0))
            return x * x

    async def differentiates(entered, release):
        await entered.wait()
        x = gd.Variable(arr(2.0))
        y = x * x * x
        enabled = gd.Config.enable_backprop
        release.set()
        return enabled, y, x

    async def main():
        entered, release = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(holds_no_grad(entered, release), differentiates(entered, release))

    unrecorded, (enabled, y, x) = asyncio.run(main())
    assert enabled and y.creator is not None
    assert float(to_numpy(gd.grad(y, x).data)) == 12.0
    assert unrecorded.creator is None
    with pytest.raises(RuntimeError, match="not recorded"):
        gd.grad(unrecorded, x)


def test_backprop_restores_recording_after_an_error_in_a_backward(arr):
    class Broken(gd.Function):
        def forward(self, x):
            return x * 1.0

        def backward(self, gy):
            raise ArithmeticError("deliberate")

    x = gd.Variable(arr(1.0))
    with pytest.raises(ArithmeticError, match="deliberate"):
        gd.grad(Broken()(x), x)  # create_graph=False: recording is off while it runs
    assert gd.Config.enable_backprop and (x * x).creator is not None
