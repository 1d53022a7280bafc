# Seed 000: maximum likelihood of a coin's bias by gradient descent on the negative log-likelihood.
import json

import torch

flips = torch.tensor([1.0] * 70 + [0.0] * 30)
theta_logit = torch.tensor(0.0, requires_grad=True)
optimizer = torch.optim.SGD([theta_logit], lr=0.5)
for step in range(500):
    theta = torch.sigmoid(theta_logit)
    nll = -(flips * torch.log(theta) + (1 - flips) * torch.log(1 - theta)).mean()
    optimizer.zero_grad()
    nll.backward()
    optimizer.step()
theta = torch.sigmoid(theta_logit).item()
print("RESULT", json.dumps({"values": {"theta": theta, "nll": nll.item()},
                            "checks": {"closed_form": abs(theta - 0.7) < 1e-4}}))
