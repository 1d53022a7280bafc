"""Rprop (Riedmiller & Braun): per-coordinate step sizes adapted from the sign of the gradient."""
import ember
from ember import _C
from ember.optim.optimizer import Optimizer, _check_non_negative, _evaluate, _no_grad_step, _step_counter

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """torch.optim.Rprop: step sizes grow by etas[1] while the gradient keeps its sign and shrink by
    etas[0] when it flips, within step_sizes."""

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_non_negative(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    @_no_grad_step
    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            etaminus, etaplus = group["etas"]
            size_min, size_max = group["step_sizes"]
            for p in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    state["step"] = _step_counter()
                    state["prev"] = ember.zeros_like(p)
                    state["step_size"] = ember.full_like(p, group["lr"])
                _C._rprop_step(p, p.grad, state["prev"], state["step_size"], state["step"], etaminus, etaplus,
                               size_min, size_max, group["maximize"])
        return loss
