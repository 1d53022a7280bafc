# BatchNorm1d and Dropout: training-mode statistics, running averages, eval-mode determinism.
import json

import numpy as np
import torch
from torch import nn

rng = np.random.default_rng(7)
x = torch.tensor(rng.standard_normal((64, 6)) * 3 + 1, dtype=torch.float32)
model = nn.Sequential(nn.Linear(6, 12), nn.BatchNorm1d(12), nn.ReLU(), nn.Dropout(0.5), nn.Linear(12, 1))
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.uniform(-0.5, 0.5, tuple(p.shape)), dtype=torch.float32))
model.train()
train_out = model(x)
bn = model[1]
model.eval()
eval_a, eval_b = model(x), model(x)
hidden = model[1](model[0](x))
print("RESULT", json.dumps({"values": {"running_mean": bn.running_mean.tolist(), "running_var": bn.running_var.tolist(),
                                       "batches_tracked": bn.num_batches_tracked.item(), "eval_out": eval_a[:4, 0].tolist(),
                                       "hidden_mean": hidden.mean().item()},
                            "checks": {"eval_deterministic": bool(torch.equal(eval_a, eval_b)),
                                       "train_shape": list(train_out.shape) == [64, 1]}}))
