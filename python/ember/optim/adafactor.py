"""Adafactor (Shazeer & Stern): a second moment factored into row and column means, and an update
clipped by its RMS, scaled by the parameter's RMS."""
import ember
from ember import _C
from ember.optim.optimizer import Optimizer, _evaluate, _no_grad_step, _step_counter

__all__ = ["Adafactor"]


def _check(condition, message):
    if not condition:
        raise ValueError(message)


class Adafactor(Optimizer):
    """torch.optim.Adafactor (PyTorch 2.x: no momentum, weight decay applied to the parameter).
    A parameter of two or more dims keeps state["row_var"] ([..., R, 1]) and state["col_var"]
    ([..., 1, C]); one of fewer keeps state["variance"]."""

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 foreach=None, maximize=False):
        if isinstance(lr, ember.Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        _check(0.0 <= lr, f"Learning rate should be >= 0 but is: {lr}")
        _check(0.0 >= beta2_decay, f"beta2_decay should be <= 0 but is: {beta2_decay}")
        _check(eps[0] is None or 0.0 <= eps[0], f"epsilon1 should be >= 0 but is: {eps[0]}")
        _check(0.0 <= eps[1], f"epsilon2 should be >= 0 but is: {eps[1]}")
        _check(1.0 <= d, f"Clipping threshold d should be >= 1 but is: {d}")
        _check(0.0 <= weight_decay, f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _state(self, p):
        state = self.state[p]
        if not state:
            state["step"] = _step_counter()
            if p.grad.dim() > 1:
                state["row_var"] = p.grad.new_zeros(list(p.grad.shape[:-1]) + [1])
                state["col_var"] = p.grad.new_zeros(list(p.grad.shape[:-2]) + [1, p.grad.shape[-1]])
            else:
                state["variance"] = ember.zeros_like(p.grad)
        return state

    @_no_grad_step
    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            eps1, eps2 = group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self._state(p)
                if eps1 is None:
                    # As torch: the first parameter's machine epsilon then serves the whole group.
                    eps1 = ember.finfo(p.dtype).eps
                _C._adafactor_step(p, p.grad, state.get("row_var"), state.get("col_var"), state.get("variance"),
                                   state["step"], group["lr"], group["beta2_decay"], eps1, eps2, group["d"],
                                   group["weight_decay"], group["maximize"])
        return loss
