# A custom autograd.Function (a straight-through sign) and a clamp-free exp with saved tensors.
import json

import torch


class StraightThroughSign(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.sign(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (x.abs() <= 1).to(grad_output.dtype)


class MyExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        return grad_output * y


x = torch.tensor([-2.0, -0.5, 0.3, 1.5], requires_grad=True)
StraightThroughSign.apply(x).sum().backward()
ste_grad = x.grad.tolist()
y = torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64, requires_grad=True)
ok = torch.autograd.gradcheck(MyExp.apply, (y,))
out = MyExp.apply(y)
out.sum().backward()
print("RESULT", json.dumps({"values": {"ste_grad": ste_grad, "exp_grad": y.grad.tolist()},
                            "checks": {"gradcheck": bool(ok), "ste": ste_grad == [0.0, 1.0, 1.0, 0.0]}}))
