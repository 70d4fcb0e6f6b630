"""PyTorch's quirks: its autograd's tensors, CUDA devices, scatter-add and its LinAlgError.
Loaded only once a torch tensor is in use."""
import torch


def detached(tensor):
    """`tensor` outside torch's autograd: gdezero's graph is the only graph."""
    return tensor.detach() if tensor.requires_grad else tensor


def to_gpu(tensor, index_of):
    """`tensor` on the CUDA device `index_of(count)` picks among the visible ones."""
    if not torch.cuda.is_available():
        raise RuntimeError(
            "to_gpu(): this PyTorch build sees no CUDA device (torch.cuda.is_available() is "
            "False); install a CUDA build of torch on a machine with an NVIDIA GPU")
    return tensor.to(f"cuda:{index_of(torch.cuda.device_count())}")


def to_cpu(tensor):
    return tensor if tensor.device.type == "cpu" else tensor.cpu()


def scatter_add(out, positions, flat_values):
    """`out` with `flat_values` added at the flat `positions`, in place (repeats add up)."""
    out.reshape(-1).index_add_(0, positions, flat_values)
    return out


LinAlgError = torch.linalg.LinAlgError
