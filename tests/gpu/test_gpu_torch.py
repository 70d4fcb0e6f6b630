"""torch tensors on CUDA: to_gpu moves to 'cuda', derivatives stay there, to_cpu comes back."""
import numpy as np
import pytest

import gdezero as gd
import gdezero.functions as F
from gdezero import Variable


def _torch_sees_cuda():
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


pytestmark = pytest.mark.skipif(not _torch_sees_cuda(),
                                reason="needs torch with a CUDA device; none is available here")


def test_torch_to_gpu_moves_data_and_grad_to_cuda_and_back():
    import torch
    data = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
    x = Variable(data.clone())
    x.grad = Variable(torch.ones(3, dtype=torch.float64))
    assert x.to_gpu() is x
    assert x.device.type == "cuda" and x.grad.device.type == "cuda"
    first, second = gd.derivatives(F.sin, x, 2)[1:]
    assert first.device.type == "cuda" and second.device.type == "cuda"
    np.testing.assert_allclose(second.data.cpu().numpy(), -np.sin(data.numpy()), rtol=1e-12)
    x.to_cpu()
    assert x.device.type == "cpu" and x.grad.device.type == "cpu"
    assert torch.equal(x.data, data)
