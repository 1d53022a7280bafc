# Seed 004's tensor basics: FloatTensor, from_numpy sharing memory, devices, in-place ops, no_grad.
import json

import numpy as np
import torch

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
x = torch.FloatTensor([[1, 2], [3, 4]])
arr = np.ones(3)
shared = torch.from_numpy(arr)
arr[0] = 5
y = torch.ones_like(x).to(device)
y.add_(x)
z = torch.zeros(2, 2, device=device)
z.copy_(y.t())
w = torch.randn(3, 3, requires_grad=True)
with torch.no_grad():
    frozen = w * 2
values = {
    "x": x.tolist(), "shared": shared.tolist(), "y": y.tolist(), "z": z.tolist(),
    "device": str(z.device), "arange": torch.arange(0, 10, 3).tolist(), "rand_shape": list(torch.rand(2, 5).shape),
    "unsqueeze": list(torch.unsqueeze(torch.ones(3), 1).shape),
    "view": x.view(4).tolist(), "size": list(x.size()), "numel": x.numel(), "dim": x.dim(),
}
print("RESULT", json.dumps({"values": values,
                            "checks": {"dtypes": x.dtype == torch.float32 and torch.tensor([1, 2]).float().dtype == torch.float,
                                       "no_grad": not frozen.requires_grad, "leaf": w.is_leaf and w.grad_fn is None}}))
