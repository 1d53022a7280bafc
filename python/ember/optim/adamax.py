"""Adamax (Kingma & Ba): Adam with the infinity norm in place of the second moment."""
import ember
from ember import _C
from ember.optim.optimizer import (Optimizer, _check_betas, _check_non_negative, _evaluate,
                                   _no_grad_step, _step_counter)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """torch.optim.Adamax."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        _check_non_negative(lr=lr, eps=eps)
        _check_betas(betas)
        _check_non_negative(weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    @_no_grad_step
    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    state["step"] = _step_counter()
                    state["exp_avg"] = ember.zeros_like(p)
                    state["exp_inf"] = ember.zeros_like(p)
                _C._adamax_step(p, p.grad, state["exp_avg"], state["exp_inf"], state["step"], group["lr"], beta1,
                                beta2, group["eps"], group["weight_decay"], group["maximize"])
        return loss
