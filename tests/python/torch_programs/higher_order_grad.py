# Second derivatives with autograd.grad(create_graph=True), and a gradient penalty.
import json

import torch

x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
y = (x ** 3 + torch.sin(x)).sum()
(g,) = torch.autograd.grad(y, x, create_graph=True)
(h,) = torch.autograd.grad(g.sum(), x)
# gradient penalty on a linear critic
w = torch.tensor([[0.3, -0.4]], requires_grad=True)
points = torch.tensor([[1.0, 2.0], [3.0, -1.0]], requires_grad=True)
scores = points @ w.t()
(grad_points,) = torch.autograd.grad(scores.sum(), points, create_graph=True)
penalty = ((grad_points.norm(2, dim=1) - 1) ** 2).mean()
penalty.backward()
print("RESULT", json.dumps({"values": {"g": g.tolist(), "h": h.tolist(), "penalty": penalty.item(),
                                       "w_grad": w.grad.tolist()},
                            "checks": {"h_is_6x_minus_sin": all(abs(a - (6 * b - __import__('math').sin(b))) < 1e-5
                                                                for a, b in zip(h.tolist(), [0.5, 1.0, 2.0]))}}))
