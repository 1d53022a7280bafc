"""Adagrad: per-coordinate steps scaled by the root of the summed squared gradients."""
import ember
from ember import _C
from ember.optim.optimizer import (Optimizer, _check_non_negative, _evaluate, _implementation_options,
                                   _no_grad_step, _step_counter)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """torch.optim.Adagrad. As in PyTorch, the state is created with the optimizer, not lazily."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_non_negative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                            initial_accumulator_value=initial_accumulator_value, eps=eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        **_implementation_options(differentiable=differentiable, fused=fused))
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = _step_counter()
                state["sum"] = ember.full_like(p, group["initial_accumulator_value"])

    @_no_grad_step
    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            for p in self._params_with_grad(group):
                state = self.state[p]
                _C._adagrad_step(p, p.grad, state["sum"], state["step"], group["lr"], group["lr_decay"],
                                 group["weight_decay"], group["eps"], group["maximize"])
        return loss
