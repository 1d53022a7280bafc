# A tour of everyday tensor operations: creation, indexing, broadcasting, reshaping, reductions.
import json

import torch

a = torch.arange(12, dtype=torch.float32).reshape(3, 4)
b = torch.ones(4) * 2
results = {
    "broadcast": (a * b + 1).tolist(),
    "slice": a[1:, ::2].tolist(),
    "mask": a[a > 5].tolist(),
    "where": torch.where(a > 5, a, torch.zeros_like(a)).tolist(),
    "cat": torch.cat([a, a], dim=0).shape[0],
    "stack": list(torch.stack([a, a]).shape),
    "transpose": a.t().contiguous().view(-1).tolist(),
    "sum_dim": a.sum(dim=1).tolist(),
    "mean": a.mean().item(),
    "argmax": a.argmax(dim=0).tolist(),
    "matmul": (a @ a.t()).tolist(),
    "einsum": torch.einsum("ij,ij->i", a, a).tolist(),
    "squeeze": list(a.unsqueeze(0).unsqueeze(-1).squeeze().shape),
    "gather": torch.gather(a, 1, torch.tensor([[0], [1], [2]])).tolist(),
    "topk": torch.topk(a.flatten(), 3).values.tolist(),
    "sort": torch.sort(torch.tensor([3.0, 1.0, 2.0]), descending=True).indices.tolist(),
    "cumsum": torch.cumsum(torch.tensor([1, 2, 3]), 0).tolist(),
    "clamp": a.clamp(2, 8).tolist(),
    "allclose": bool(torch.allclose(a, a + 1e-9)),
    "equal": bool(torch.equal(a, a.clone())),
    "linspace": torch.linspace(0, 1, 5).tolist(),
    "eye": torch.eye(3).tolist(),
    "chunk": [c.shape[1] for c in a.chunk(2, dim=1)],
    "numpy": a.numpy().sum().item(),
}
print("RESULT", json.dumps({"values": results, "checks": {"item": a[2, 3].item() == 11.0, "dtype": a.int().dtype == torch.int32}}))
