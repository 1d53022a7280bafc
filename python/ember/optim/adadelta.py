"""Adadelta (Zeiler): steps sized by the ratio of running RMS of updates and of gradients."""
import ember
from ember import _C
from ember.optim.optimizer import Optimizer, _check_non_negative, _evaluate, _no_grad_step, _step_counter

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """torch.optim.Adadelta."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check_non_negative(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_non_negative(eps=eps, weight_decay=weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    @_no_grad_step
    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            for p in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    state["step"] = _step_counter()
                    state["square_avg"] = ember.zeros_like(p)
                    state["acc_delta"] = ember.zeros_like(p)
                _C._adadelta_step(p, p.grad, state["square_avg"], state["acc_delta"], state["step"], group["lr"],
                                  group["rho"], group["eps"], group["weight_decay"], group["maximize"])
        return loss
