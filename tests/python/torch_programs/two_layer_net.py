# The classic "learning PyTorch with examples" two-layer net: manual weights, autograd, manual SGD.
import json

import numpy as np
import torch

rng = np.random.default_rng(0)
N, D_in, H, D_out = 64, 100, 50, 10
x = torch.tensor(rng.standard_normal((N, D_in)), dtype=torch.float32)
y = torch.tensor(rng.standard_normal((N, D_out)), dtype=torch.float32)
w1 = torch.tensor(rng.standard_normal((D_in, H)) * 0.1, dtype=torch.float32, requires_grad=True)
w2 = torch.tensor(rng.standard_normal((H, D_out)) * 0.1, dtype=torch.float32, requires_grad=True)
learning_rate = 1e-3
losses = []
for t in range(200):
    y_pred = x.mm(w1).clamp(min=0).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    losses.append(loss.item())
    loss.backward()
    with torch.no_grad():
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()
print("RESULT", json.dumps({"values": {"loss_0": losses[0], "loss_50": losses[50], "loss_199": losses[-1]},
                            "checks": {"decreases": losses[-1] < 0.5 * losses[0]}}))
