"""Adam (Kingma & Ba), with AMSGrad and, through decoupled_weight_decay, AdamW's weight decay."""
import ember
from ember import _C
from ember.optim.optimizer import (Optimizer, _check_betas, _check_non_negative, _evaluate,
                                   _implementation_options, _no_grad_step, _step_counter)

__all__ = ["Adam"]


class Adam(Optimizer):
    """torch.optim.Adam: bias-corrected first and second moment estimates of the gradient."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        _check_non_negative(lr=lr, eps=eps)
        _check_betas(betas)
        _check_non_negative(weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize,
                        **_implementation_options(foreach=foreach, capturable=capturable,
                                                  differentiable=differentiable, fused=fused),
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _state(self, p, amsgrad):
        state = self.state[p]
        if not state:
            state["step"] = _step_counter()
            state["exp_avg"] = ember.zeros_like(p)
            state["exp_avg_sq"] = ember.zeros_like(p)
            if amsgrad:
                state["max_exp_avg_sq"] = ember.zeros_like(p)
        return state

    @_no_grad_step
    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            amsgrad = group["amsgrad"]
            for p in self._params_with_grad(group):
                state = self._state(p, amsgrad)
                _C._adam_step(p, p.grad, state["exp_avg"], state["exp_avg_sq"], state.get("max_exp_avg_sq"),
                              state["step"], group["lr"], beta1, beta2, group["eps"], group["weight_decay"],
                              amsgrad, group["maximize"], group["decoupled_weight_decay"])
        return loss
