"""The in-place multiply-adds (addmm_, addmv_, addbmm_, baddbmm_), the random fills cauchy_,
log_normal_ and geometric_, dim_order, output_nr and post-accumulate-grad hooks, vs PyTorch."""
import math

import numpy as np
import pytest

import ember
from ember.testing import assert_close, gradcheck
from conftest import torch


def pair(rng, *shape):
    a = rng.standard_normal(shape)
    return ember.from_numpy(a.copy()), torch.from_numpy(a.copy())


@pytest.mark.parametrize("name,shapes", [
    ("addmm_", [(3, 5), (3, 4), (4, 5)]),
    ("addmv_", [(3,), (3, 4), (4,)]),
    ("addbmm_", [(3, 5), (2, 3, 4), (2, 4, 5)]),
    ("baddbmm_", [(2, 3, 5), (2, 3, 4), (2, 4, 5)]),
])
def test_in_place_multiply_adds_match_torch(rng, name, shapes):
    (e_self, t_self), (e_a, t_a), (e_b, t_b) = [pair(rng, *s) for s in shapes]
    out = getattr(e_self, name)(e_a, e_b, beta=0.5, alpha=2.0)
    getattr(t_self, name)(t_a, t_b, beta=0.5, alpha=2.0)
    assert out is e_self
    assert_close(e_self, t_self)
    if name == "addmv_":
        e2, t2 = pair(rng, 3)
        ember.addmv_(e2, e_a, e_b)
        torch.addmv_(t2, t_a, t_b)
        assert_close(e2, t2)


def test_in_place_multiply_add_is_differentiable_and_checks_shapes(rng):
    m1 = ember.from_numpy(rng.standard_normal((4, 3))).t().requires_grad_()  # non-contiguous
    m2 = ember.from_numpy(rng.standard_normal((4, 2))).requires_grad_()
    base = ember.from_numpy(rng.standard_normal((1, 2))).requires_grad_()  # broadcast into (3, 2)
    assert gradcheck(lambda a, b, c: (c.expand(3, 2) * 1.0).addmm_(a, b, beta=0.5), [m1, m2, base])
    with pytest.raises(RuntimeError, match=r"\(3, 4\).*\(3, 2\)|3x4.*3x2|shapes"):
        ember.zeros(3, 2).addmm_(ember.zeros(3, 4), ember.zeros(3, 2))


def test_cauchy_log_normal_geometric_distributions():
    ember.manual_seed(0)
    n = 200_000
    c = ember.empty(n, dtype=ember.float64).cauchy_(median=1.0, sigma=2.0).numpy()
    assert abs(np.median(c) - 1.0) < 0.05
    assert abs((np.quantile(c, 0.75) - np.quantile(c, 0.25)) / 2 - 2.0) < 0.05  # half IQR = sigma
    ln = ember.empty(n).log_normal_(mean=0.5, std=0.25).numpy()
    assert abs(np.log(ln).mean() - 0.5) < 0.01 and abs(np.log(ln).std() - 0.25) < 0.01
    g = ember.empty(n, dtype=ember.int64).geometric_(0.3)
    assert g.dtype == ember.int64 and g.min().item() >= 1
    assert abs(g.double().mean().item() - 1 / 0.3) < 0.05
    assert abs((g == 1).double().mean().item() - 0.3) < 0.01


def test_random_fill_errors():
    with pytest.raises(RuntimeError, match=r"cauchy_ expects sigma > 0.0, but found sigma=-1"):
        ember.ones(2).cauchy_(sigma=-1)
    with pytest.raises(RuntimeError, match=r"geometric_ expects p to be in \(0, 1\), but got p=0"):
        ember.ones(2).geometric_(0)
    with pytest.raises(RuntimeError, match="floating point"):
        ember.ones(2, dtype=ember.int64).log_normal_()
    with pytest.raises(RuntimeError, match="leaf"):
        ember.ones(2, requires_grad=True).cauchy_()


@pytest.mark.parametrize("make", [
    lambda m: m.ones(3, 4, 5),
    lambda m: m.ones(3, 4, 1, 5).permute(0, 2, 1, 3),
    lambda m: m.ones(3, 1, 1).expand(3, 4, 5),
    lambda m: m.ones(4, 6).t(),
    lambda m: m.ones(2, 3, 4).transpose(0, 2)[:, ::2],
])
def test_dim_order_matches_torch(make):
    assert make(ember).dim_order() == make(torch).dim_order()


def test_const_data_ptr_and_swapdims_():
    x = ember.ones(2, 3)
    assert x.const_data_ptr() == x.data_ptr()
    assert x.swapdims_(0, 1).shape == (3, 2)


def test_output_nr_counts_outputs_of_the_node():
    x = ember.ones(4, 3, requires_grad=True)
    values, indices = x.max(dim=1)
    parts = x.unbind(0)
    assert x.output_nr == 0 and values.output_nr == 0
    assert [p.output_nr for p in parts] == [0, 1, 2, 3]
    tx = torch.ones(4, 3, requires_grad=True)
    assert [p.output_nr for p in tx.unbind(0)] == [0, 1, 2, 3]


def test_post_accumulate_grad_hook_sees_the_updated_grad():
    w = ember.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.clone()))
    (w * 3).sum().backward()
    (w * 2).sum().backward()
    assert [s.tolist() for s in seen] == [[3.0, 3.0], [5.0, 5.0]]
    handle.remove()
    (w * 1).sum().backward()
    assert len(seen) == 2


def test_post_accumulate_grad_hook_can_step_in_backward():
    w = ember.tensor([1.0, -1.0], requires_grad=True)

    def sgd_step(p):
        with ember.no_grad():
            p -= 0.1 * p.grad
        p.grad = None

    w.register_post_accumulate_grad_hook(sgd_step)
    (w ** 2).sum().backward()
    assert_close(w.detach(), ember.tensor([0.8, -0.8]))
    assert w.grad is None


def test_post_accumulate_grad_hook_errors():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        ember.ones(2).register_post_accumulate_grad_hook(lambda p: None)
    with pytest.raises(RuntimeError, match="non-leaf"):
        (ember.ones(2, requires_grad=True) * 2).register_post_accumulate_grad_hook(lambda p: None)
    w = ember.ones(2, requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda p: p * 2)
    with pytest.raises(RuntimeError, match="should return None"):
        w.sum().backward()
