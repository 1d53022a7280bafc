"""In-place writes through views and custom Functions that write their inputs (mark_dirty): the
gradients must be PyTorch's, whatever view or dtype the write goes through. Each scenario is
written once against a module `T` (ember or torch) and run on both; float64 scenarios are also
checked against finite differences."""
import warnings

import numpy as np
import pytest

import ember
from ember.testing import gradcheck

try:
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None

from conftest import requires_torch


def compare_with_torch(scenario):
    """Runs scenario(T) on ember and on torch; the tensors it returns must match in values and
    dtype."""
    ours, theirs = scenario(ember), scenario(torch)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-6)


# ---- in-place ops on a view with an operand of a wider dtype -----------------------------------

WIDER_OPERAND_WRITES = {
    "add_": lambda T, v, y: v.add_(y),
    "sub_": lambda T, v, y: v.sub_(y, alpha=2),
    "mul_": lambda T, v, y: v.mul_(y),
    "div_": lambda T, v, y: v.div_(y),
    "iadd": lambda T, v, y: v.__iadd__(y),
    "copy_": lambda T, v, y: v.copy_(y),
    "setitem_slice": lambda T, v, y: v.__setitem__((0, slice(1, None)), y[1:]),
    "masked_fill_": lambda T, v, y: v.masked_fill_(T.tensor([True, False, True]), y[0]),
}


@requires_torch
@pytest.mark.parametrize("name", sorted(WIDER_OPERAND_WRITES))
def test_view_write_with_float64_operand_matches_torch(name):
    write = WIDER_OPERAND_WRITES[name]

    def scenario(T):
        x = T.arange(1.0, 7.0).reshape(2, 3).requires_grad_()
        y = T.tensor([0.5, 1.5, 2.5], dtype=T.float64, requires_grad=True)
        base = x.clone()
        v = base[1:]
        write(T, v, y)
        assert v.dtype == T.float32
        (base * base).sum().backward()
        return [base, x.grad, y.grad]

    compare_with_torch(scenario)


@requires_torch
@pytest.mark.parametrize("name", ["add_", "mul_", "copy_"])
def test_non_view_write_with_float64_operand_matches_torch(name):
    write = WIDER_OPERAND_WRITES[name]

    def scenario(T):
        x = T.arange(1.0, 4.0).requires_grad_()
        y = T.tensor([0.5, 1.5, 2.5], dtype=T.float64, requires_grad=True)
        a = x.clone()
        write(T, a, y)
        (a * a).sum().backward()
        return [a, x.grad, y.grad]

    compare_with_torch(scenario)


# ---- views of a base written through another view ------------------------------------------------

def _write_row_read_column(T):
    a = T.arange(1.0, 10.0, dtype=T.float64).reshape(3, 3).requires_grad_()
    b = a.clone()
    v1, v2 = b[0], b[:, 0]
    v1.mul_(2)
    (v2 * T.tensor([1.0, 2.0, 3.0], dtype=T.float64)).sum().backward()
    return [v2, a.grad]


def _view_of_view(T):
    a = T.arange(1.0, 10.0, dtype=T.float64).reshape(3, 3).requires_grad_()
    b = a.clone()
    v1, v2 = b[0], b[:, 1:]
    v3 = v2[1:]
    v1.mul_(2)
    v3.mul_(3)
    (v2 * v2).sum().backward()
    return [v2, a.grad]


def _base_written_directly(T):
    a = T.arange(1.0, 7.0, dtype=T.float64).reshape(2, 3).requires_grad_()
    b = a.clone()
    v = b[1]
    b.mul_(b * 1.5)
    (v * v).sum().backward()
    return [v, a.grad]


def _stale_view_of_plain_base(T):
    # b does not require grad when v2 is taken; the write through v1 makes it (and v2) require it
    y = T.tensor([2.0, 3.0, 4.0], dtype=T.float64, requires_grad=True)
    b = T.ones(3, 3, dtype=T.float64)
    v1, v2 = b[0], b[:, 0]
    v1.mul_(y)
    assert v2.requires_grad
    (v2 * 5).sum().backward()
    return [v2, y.grad]


def _transposed_view_then_write(T):
    a = T.arange(1.0, 7.0, dtype=T.float64).reshape(2, 3).requires_grad_()
    b = a.clone()
    t = b.t()
    b[:, 1].add_(b[:, 0] * 4)
    (t * t).sum().backward()
    return [t, a.grad]


STALE_VIEW_SCENARIOS = {
    "write_row_read_column": _write_row_read_column,
    "view_of_view": _view_of_view,
    "base_written_directly": _base_written_directly,
    "stale_view_of_plain_base": _stale_view_of_plain_base,
    "transposed_view_then_write": _transposed_view_then_write,
}


@requires_torch
@pytest.mark.parametrize("name", sorted(STALE_VIEW_SCENARIOS))
def test_stale_view_matches_torch(name):
    compare_with_torch(STALE_VIEW_SCENARIOS[name])


def test_stale_view_gradcheck():
    def fn(a, w):
        b = a.clone()
        v1, v2 = b[0], b[:, 1:]
        v1.mul_(w)
        v2[1:].mul_(w[0])
        return v2 * v2
    a = ember.tensor(np.arange(1.0, 10.0).reshape(3, 3), requires_grad=True)
    w = ember.tensor([0.5, -1.0, 2.0], dtype=ember.float64, requires_grad=True)
    assert gradcheck(fn, [a, w])


@requires_torch
def test_stale_view_grad_fn_is_replayed_off_the_base():
    for T in (ember, torch):
        a = T.ones(3, 3, requires_grad=True)
        b = a.clone()
        v1, v2 = b[0], b[:, 0]
        assert v2.grad_fn.name() == "SelectBackward0"
        v1.mul_(2)
        assert v2.grad_fn.name() == "AsStridedBackward0"
        assert not v2.is_leaf


def test_view_made_without_grad_keeps_no_history():
    a = ember.ones(3, requires_grad=True).clone()
    with ember.no_grad():
        v = a[:2]
    a.mul_(2)
    assert v.grad_fn is None


# ---- writing into detached tensors and views of leaves -------------------------------------------

@requires_torch
def test_write_into_detached_view_leaves_base_history_alone():
    def scenario(T):
        x = T.arange(1.0, 7.0).reshape(2, 3).requires_grad_()
        y = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = x.clone()
        d = b[0].detach()
        d.mul_(y)
        assert b.grad_fn.name() == "CloneBackward0" and d.grad_fn.name() == "MulBackward0"
        (b * b).sum().backward()
        d.sum().backward()
        return [b, d, x.grad, y.grad]

    compare_with_torch(scenario)


def test_write_into_detached_view_of_leaf_is_allowed():
    x = ember.ones(2, 3, requires_grad=True)
    d = x[0].detach()
    d.mul_(2)
    assert x.detach().numpy()[0].tolist() == [2.0, 2.0, 2.0]


def test_write_into_view_of_leaf_without_grad_is_allowed():
    x = ember.ones(2, 3, requires_grad=True)
    with ember.no_grad():
        x[0].mul_(2)
    assert x.grad_fn is None and x.is_leaf
    assert x.detach().numpy()[0].tolist() == [2.0, 2.0, 2.0]


def test_detach__on_a_view_raises():
    b = ember.ones(2, 3, requires_grad=True).clone()
    with pytest.raises(RuntimeError, match=r"Can't detach views in-place\. Use detach\(\) instead"):
        b[0].detach_()


def test_write_into_expanded_view_raises():
    b = ember.ones(1, 3, requires_grad=True).clone()
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor refers to a "
                                           "single memory location"):
        b.expand(4, 3).add_(1)


# ---- custom Functions that write an input in place (ctx.mark_dirty) ------------------------------

def _dirty_fn(T):
    class MulAdd(T.autograd.Function):
        """x <- 2 x + y, in place."""

        @staticmethod
        def forward(ctx, x, y):
            x.mul_(2).add_(y)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2, g

    return MulAdd


def _dirty_non_view(T):
    x = T.tensor([1.0, 2.0, 3.0], dtype=T.float64, requires_grad=True)
    y = T.tensor([1.0, -1.0, 0.5], dtype=T.float64, requires_grad=True)
    a = x.clone()
    version = a._version
    r = _dirty_fn(T).apply(a, y)
    assert r is a and a.grad_fn.name() == "MulAddBackward"
    assert a._version - version == 3  # mul_, add_ and mark_dirty
    (a * a).sum().backward()
    return [a, x.grad, y.grad]


def _dirty_view(T):
    x = T.arange(6.0, dtype=T.float64).reshape(2, 3).requires_grad_()
    y = T.tensor([1.0, -1.0, 0.5], dtype=T.float64, requires_grad=True)
    b = x.clone()
    v, other = b[1], b[:, 2]
    r = _dirty_fn(T).apply(v, y)
    assert r is v and v.grad_fn.name() == "AsStridedBackward0"
    (b * b).sum().backward(retain_graph=True)
    (other * 3).sum().backward()
    return [b, x.grad, y.grad]


@requires_torch
@pytest.mark.parametrize("scenario", [_dirty_non_view, _dirty_view], ids=["non_view", "view"])
def test_mark_dirty_matches_torch(scenario):
    compare_with_torch(scenario)


def test_mark_dirty_gradcheck():
    fn = _dirty_fn(ember)
    x = ember.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = ember.tensor([1.0, -1.0, 0.5], dtype=ember.float64, requires_grad=True)

    def through_view(x, y):
        b = x * x
        fn.apply(b[0], y)
        return b
    assert gradcheck(through_view, [x, y])
    assert gradcheck(lambda x, y: fn.apply(x[1].clone(), y), [x, y])


def test_mark_dirty_saved_output_is_freed_with_the_graph():
    class Square(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x.mul_(x))
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            (sq,) = ctx.saved_tensors
            return g * 2 * sq.sqrt()

    x = ember.tensor([3.0], dtype=ember.float64, requires_grad=True)
    a = x.clone()
    Square.apply(a)
    a.backward()
    assert x.grad.tolist() == [6.0]


def test_mark_dirty_without_grad_just_writes():
    a, y = ember.ones(3), ember.ones(3)
    r = _dirty_fn(ember).apply(a, y)
    assert r is a and a.grad_fn is None and a.tolist() == [3.0, 3.0, 3.0]


def test_mark_dirty_leaf_requiring_grad_raises():
    x = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad has been used in an "
                                           "in-place operation"):
        _dirty_fn(ember).apply(x, ember.ones(3))
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is being used"):
        _dirty_fn(ember).apply(ember.ones(2, 3, requires_grad=True)[0], ember.ones(3))


def test_mark_dirty_errors():
    class NotReturned(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_dirty(x)
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            return g

    class NotAnInput(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            out = x.clone()
            ctx.mark_dirty(out)
            return out

        @staticmethod
        def backward(ctx, g):
            return g

    class NotATensor(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_dirty(x, 1)
            return x

    x = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="Some elements marked as dirty during the forward method were "
                                           "not returned as output"):
        NotReturned.apply(x.clone())
    with pytest.warns(UserWarning, match=r"ctx\.mark_dirty\(\) received a tensor that was not an input"):
        NotAnInput.apply(x.clone())
    with pytest.raises(RuntimeError, match="mark_dirty can only accept variables, but argument 1 is of "
                                           "type int"):
        NotATensor.apply(x.clone())


# ---- in-place view ops: t_, transpose_, swapaxes_, unsqueeze_, squeeze_ --------------------------

INPLACE_VIEW_OPS = {
    "t_": (lambda a: a.t_(), (3, 2)),
    "transpose_": (lambda a: a.transpose_(0, 1), (3, 2)),
    "swapaxes_": (lambda a: a.swapaxes_(1, 0), (3, 2)),
    "unsqueeze_": (lambda a: a.unsqueeze_(1), (2, 1, 3)),
    "squeeze_": (lambda a: a.unsqueeze_(0).squeeze_(), (2, 3)),
    "squeeze_dims": (lambda a: a.unsqueeze_(2).unsqueeze_(0).squeeze_((0, 3)), (2, 3)),
}


@requires_torch
@pytest.mark.parametrize("name", sorted(INPLACE_VIEW_OPS))
def test_inplace_view_op_matches_torch(name):
    op, shape = INPLACE_VIEW_OPS[name]

    def scenario(T):
        x = T.arange(1.0, 7.0, dtype=T.float64).reshape(2, 3).requires_grad_()
        a = x.clone()
        other = a.unsqueeze(0)  # a view taken before the geometry changes
        version = a._version
        r = op(a)
        assert r is a and tuple(a.shape) == shape and a._version > version
        a.mul_(T.arange(1.0, 7.0, dtype=T.float64).reshape(shape))
        (a * a).sum().backward(retain_graph=True)
        (other * 3).sum().backward()
        return [a, other, x.grad]

    compare_with_torch(scenario)


def test_inplace_view_op_gradcheck():
    def fn(x):
        a = x * 1
        a.t_().mul_(ember.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=ember.float64))
        return a.unsqueeze_(0)
    assert gradcheck(fn, [ember.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)])


@pytest.mark.parametrize("name", sorted(INPLACE_VIEW_OPS))
def test_inplace_view_op_on_leaf_requiring_grad_raises(name):
    x = ember.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an "
                                           "in-place operation"):
        INPLACE_VIEW_OPS[name][0](x)
    with ember.no_grad():
        assert tuple(INPLACE_VIEW_OPS[name][0](x).shape) == INPLACE_VIEW_OPS[name][1]


@requires_torch
def test_view_introspection_matches_torch():
    for T in (ember, torch):
        a = T.ones(2, 3, requires_grad=True).clone()
        v = a[0][1:]
        assert v._is_view() and v._base is a and a._base is None and not a._is_view()
        d = v.detach()
        assert d._base is None and not d._is_view()
        before = a._version
        v.add_(1)
        assert a._version == v._version == before + 1


@requires_torch
def test_stale_view_keeps_retain_grad_but_not_its_hooks():
    def scenario(T):
        fired = []
        a = T.ones(3, 3, requires_grad=True)
        b = a.clone()
        v2 = b[:, 0]
        v2.register_hook(fired.append)
        v2.retain_grad()
        b[0].mul_(2)
        (v2 * 3).sum().backward()
        assert fired == []
        return [v2.grad, a.grad]

    compare_with_torch(scenario)
