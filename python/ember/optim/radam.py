"""RAdam (Liu et al.): Adam whose adaptive step is rectified by the variance of its estimate."""
import ember
from ember import _C
from ember.optim.optimizer import (Optimizer, _check_betas, _check_non_negative, _evaluate,
                                   _no_grad_step, _step_counter)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """torch.optim.RAdam; decoupled_weight_decay=True gives RAdamW's weight decay."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_non_negative(lr=lr, eps=eps)
        _check_betas(betas)
        _check_non_negative(weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
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
                    state["exp_avg_sq"] = ember.zeros_like(p)
                _C._radam_step(p, p.grad, state["exp_avg"], state["exp_avg_sq"], state["step"], group["lr"], beta1,
                               beta2, group["eps"], group["weight_decay"], group["decoupled_weight_decay"],
                               group["maximize"])
        return loss
