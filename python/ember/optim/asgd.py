"""Averaged SGD (Polyak & Juditsky): SGD with a decaying step and a running average of the iterates."""
import ember
from ember import _C
from ember.optim.optimizer import (Optimizer, _check_non_negative, _evaluate, _no_grad_step,
                                   _scalar_dtype, _step_counter)

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """torch.optim.ASGD. state["ax"] holds the averaged parameters."""

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        _check_non_negative(lr=lr, weight_decay=weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    @_no_grad_step
    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            for p in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    state["step"] = _step_counter()
                    state["eta"] = ember.full((), group["lr"], dtype=_scalar_dtype())
                    state["mu"] = ember.ones((), dtype=_scalar_dtype())
                    state["ax"] = ember.zeros_like(p)
                _C._asgd_step(p, p.grad, state["ax"], state["step"], state["eta"], state["mu"], group["lr"],
                              group["lambd"], group["alpha"], group["t0"], group["weight_decay"], group["maximize"])
        return loss
