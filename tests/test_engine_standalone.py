"""The engine stands alone: gdezero.core, loaded without gdezero/__init__ (so without the
op layer that binds operators onto Variable), runs backward on a Function defined here,
with broadcasting and create_graph, and loads no op module."""
import pathlib
import subprocess
import sys

SOURCE = pathlib.Path(__file__).resolve().parents[1] / "gdezero"

SCRIPT = f"""
import sys, types
package = types.ModuleType("gdezero")
package.__path__ = [{str(SOURCE)!r}]
sys.modules["gdezero"] = package  # gdezero/__init__ (which imports the ops) never runs

import numpy as np
from gdezero.core import Function, Variable

class Mul(Function):  # x0 * x1, broadcasting; its backward is built from Mul only
    def forward(self, x0, x1):
        return x0 * x1
    def backward(self, gy):
        x0, x1 = self.inputs
        return Mul()(gy, x1), Mul()(gy, x0)

x = Variable(np.array([1.0, 2.0, 3.0]))
w = Variable(np.array([[2.0], [5.0]]))  # (2, 1) * (3,) -> (2, 3): both gradients summed back
y = Mul()(Mul()(x, x), w)  # y = w x^2
y.backward(create_graph=True)
gx, gw = x.grad, w.grad
assert gx.shape == (3,) and gw.shape == (2, 1), (gx.shape, gw.shape)
np.testing.assert_allclose(gx.data, 2 * 7.0 * x.data)  # sum over rows of 2 w x
np.testing.assert_allclose(gw.data, [[14.0], [14.0]])  # sum over columns of x^2
x.cleargrad(); w.cleargrad()
gx.backward()  # d/dx sum(2 (w0 + w1) x) = 2 (w0 + w1); recorded through the engine's own ops
np.testing.assert_allclose(x.grad.data, [14.0, 14.0, 14.0])
np.testing.assert_allclose(w.grad.data, [[12.0], [12.0]])  # 2 * sum(x)
print(sorted(name for name in sys.modules if name.startswith("gdezero.ops") or name == "gdezero.functions"))
"""


def test_core_alone_runs_backward_with_broadcasting_and_create_graph_without_the_op_layer():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[-2] == "[]"  # no gdezero.ops module, no gdezero.functions
