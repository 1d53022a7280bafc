# Seed 002: the perceptron training algorithm on two separable blobs, with tensors as plain arrays.
import json

import numpy as np
import torch

rng = np.random.default_rng(10)
x = torch.tensor(np.concatenate([rng.normal(2.5, 1, (50, 2)), rng.normal(-2.5, 1, (50, 2))]), dtype=torch.float32)
x = torch.cat([x, torch.ones(100, 1)], dim=1)
y = torch.cat([torch.ones(50), -torch.ones(50)])
w = torch.zeros(3)
order = rng.permutation(100).tolist()
mistakes_per_epoch = []
for epoch in range(10):
    mistakes = 0
    for i in order:
        if (1.0 if (w @ x[i]).item() >= 0 else -1.0) != y[i].item():
            w += y[i] * x[i]
            mistakes += 1
    mistakes_per_epoch.append(mistakes)
    if mistakes == 0:
        break
accuracy = (torch.where(x @ w >= 0, 1.0, -1.0) == y).float().mean().item()
print("RESULT", json.dumps({"values": {"w": w.tolist(), "mistakes": mistakes_per_epoch, "accuracy": accuracy},
                            "checks": {"separates": accuracy == 1.0}}))
