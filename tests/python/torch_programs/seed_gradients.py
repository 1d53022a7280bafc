# Seed 002's worked example: u = a*w0 + b*w1, f = v*u, MSE against 10.
import json

import torch

a, b = torch.tensor(2.0), torch.tensor(3.0)
w0 = torch.tensor(1.0, requires_grad=True)
w1 = torch.tensor(1.0, requires_grad=True)
v = torch.tensor(1.0, requires_grad=True)
f = v * (a * w0 + b * w1)
loss = torch.nn.MSELoss()(f, torch.tensor(10.0))
loss.backward()
grads = [w0.grad.item(), w1.grad.item(), v.grad.item()]
print("RESULT", json.dumps({"values": {"loss": loss.item(), "grads": grads},
                            "checks": {"seed_gradients": grads == [-20.0, -30.0, -50.0]}}))
