"""Tensor methods that PyTorch programs call and that compose ember ops: the in-place forms of the
fused multiply-adds, the remaining in-place random fills, and layout queries."""
import functools
import math

from ember import _C

Tensor = _C.Tensor


def _in_place(op):
    """self.op_(...) as self.copy_(op(self, ...)): one extra pass over self, and autograd records
    the write like any copy_."""
    @functools.wraps(op)
    def method(self, *args, **kwargs):
        return self.copy_(op(self, *args, **kwargs))
    method.__name__ = method.__qualname__ = op.__name__ + "_"
    return method


Tensor.addmm_ = _in_place(_C.addmm)
Tensor.addmv_ = _in_place(_C.addmv)
Tensor.addbmm_ = _in_place(_C.addbmm)
Tensor.baddbmm_ = _in_place(_C.baddbmm)
addmv_ = Tensor.addmv_


def _require_floating(t, op):
    if not t.is_floating_point():
        raise RuntimeError(f"{op} expects a floating point tensor, but got {t.dtype}")


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fills self with draws from Cauchy(median, sigma): median + sigma * tan(pi * (u - 1/2))."""
    _require_floating(self, "cauchy_")
    if not sigma > 0.0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    return self.uniform_(generator=generator).sub_(0.5).mul_(math.pi).tan_().mul_(sigma).add_(median)


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fills self with exp(N(mean, std^2)) draws."""
    _require_floating(self, "log_normal_")
    if not std > 0.0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    return self.normal_(mean, std, generator=generator).exp_()


def geometric_(self, p, *, generator=None):
    """Fills self with the number of Bernoulli(p) trials up to the first success (>= 1):
    ceil(log(u) / log(1 - p)) for u uniform in (0, 1]."""
    if not 0.0 < p < 1.0:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    u = _C.empty(self.shape, dtype=_C.float64).uniform_(generator=generator)
    return self.copy_(u.neg_().add_(1.0).log_().div_(math.log1p(-p)).ceil_().clamp_(min=1.0))


Tensor.cauchy_ = cauchy_
Tensor.log_normal_ = log_normal_
Tensor.geometric_ = geometric_


def dim_order(self):
    """The dims from outermost to innermost in memory: by decreasing stride, equal strides by
    decreasing size, stride-0 (broadcast) dims left where they are."""
    order = list(range(self.dim()))
    strides, sizes = self.stride(), self.shape

    def goes_before(a, b):
        if strides[a] == 0 or strides[b] == 0:
            return False
        return strides[a] > strides[b] or (strides[a] == strides[b] and sizes[a] > sizes[b])

    for i in range(1, len(order)):  # a stable insertion sort: ties keep their order
        j = i
        while j > 0 and goes_before(order[j], order[j - 1]):
            order[j - 1], order[j] = order[j], order[j - 1]
            j -= 1
    return tuple(order)


Tensor.dim_order = dim_order
Tensor.const_data_ptr = Tensor.data_ptr
Tensor.swapdims_ = Tensor.swapaxes_
