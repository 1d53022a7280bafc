"""Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay."""
from ember import _C
from ember.optim.optimizer import (Optimizer, _check_non_negative, _evaluate, _implementation_options,
                                   _no_grad_step)

__all__ = ["SGD"]


class SGD(Optimizer):
    """torch.optim.SGD: p -= lr * (g + weight_decay * p), through a momentum buffer when momentum > 0."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        _check_non_negative(lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize,
                        **_implementation_options(foreach=foreach, differentiable=differentiable, fused=fused))
        super().__init__(params, defaults)

    @_no_grad_step
    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            momentum = group["momentum"]
            for p in self._params_with_grad(group):
                state = self.state[p]
                buf = _C._sgd_step(p, p.grad, state.get("momentum_buffer"), group["lr"], momentum,
                                   group["dampening"], group["weight_decay"], group["nesterov"],
                                   group["maximize"])
                if momentum != 0:
                    state["momentum_buffer"] = buf
        return loss
