"""NumPy scalars (what `x.data - lr * g.data` gives on 0-d arrays) are CPU NumPy data."""
import numpy as np

import gdezero as gd


def test_get_array_module_accepts_numpy_scalar():
    assert gd.get_array_module(np.float64(2.0)) is gd.get_array_module(np.ones(1))


def test_binary_op_after_update_that_made_a_numpy_scalar():
    x = gd.Variable(np.array(1.0))
    x.data = x.data - 0.5 * x.data  # 0-d array arithmetic returns np.float64
    y = x + gd.Variable(np.array(2.0))
    assert float(y.data) == 2.5 and y.data.shape == ()
