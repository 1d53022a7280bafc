"""RMSprop (Hinton): steps scaled by a running root mean square of the gradients."""
import ember
from ember import _C
from ember.optim.optimizer import Optimizer, _check_non_negative, _evaluate, _no_grad_step, _step_counter

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """torch.optim.RMSprop, with the centered variant and momentum."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_non_negative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    @_no_grad_step
    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            momentum, centered = group["momentum"], group["centered"]
            for p in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    state["step"] = _step_counter()
                    state["square_avg"] = ember.zeros_like(p)
                    if momentum > 0:
                        state["momentum_buffer"] = ember.zeros_like(p)
                    if centered:
                        state["grad_avg"] = ember.zeros_like(p)
                _C._rmsprop_step(p, p.grad, state["square_avg"], state.get("grad_avg"),
                                 state.get("momentum_buffer"), state["step"], group["lr"], group["alpha"],
                                 group["eps"], group["weight_decay"], momentum, centered, group["maximize"])
        return loss
