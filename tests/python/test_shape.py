"""Shape, data-movement and view ops: forward vs NumPy and PyTorch on contiguous, transposed,
sliced and 0-d inputs; float64 gradcheck on non-contiguous and broadcast inputs; view semantics;
error paths."""
import numpy as np
import pytest

import ember
from ember.testing import assert_close, gradcheck

from conftest import requires_torch

try:
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None

DTYPES = [np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_]


def make_array(shape, dtype, rng):
    if dtype == np.bool_:
        return rng.random(shape) > 0.5
    if np.issubdtype(dtype, np.integer):
        return rng.integers(0, 50, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def layouts(a):
    """(name, ember tensor) pairs holding the values of `a` in different memory layouts."""
    out = [("contiguous", ember.tensor(a))]
    if a.ndim >= 2:
        out.append(("transposed", ember.tensor(np.ascontiguousarray(a.T)).T))
    if a.ndim >= 1:
        big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), dtype=a.dtype)
        big[..., ::2] = a
        out.append(("sliced", ember._C._slice(ember.tensor(big), -1, 0, big.shape[-1], 2)))
    return out


def as_np(x):
    return x.detach().numpy() if isinstance(x, ember.Tensor) else x


def check_same(actual, expected):
    if isinstance(expected, (list, tuple)):
        assert isinstance(actual, (list, tuple)) and len(actual) == len(expected)
        for a, e in zip(actual, expected):
            check_same(a, e)
        return
    a = as_np(actual)
    e = np.asarray(expected)
    assert a.dtype == e.dtype, f"dtype {a.dtype} vs {e.dtype}"
    assert_close(a, e)


# ---- forward vs NumPy ------------------------------------------------------------------------

# name, ember fn, numpy fn, shapes
FORWARD = [
    ("cat0", lambda x: ember.cat([x, x], 0), lambda a: np.concatenate([a, a], 0), [(2, 3), (4,), (2, 3, 2)]),
    ("cat-1", lambda x: ember.cat((x, x, x), -1), lambda a: np.concatenate([a, a, a], -1), [(2, 3), (3,)]),
    ("concat", lambda x: ember.concat([x, x], dim=0), lambda a: np.concatenate([a, a], 0), [(2, 3)]),
    ("stack0", lambda x: ember.stack([x, x], 0), lambda a: np.stack([a, a], 0), [(2, 3), (), (3,)]),
    ("stack-1", lambda x: ember.stack([x, x], -1), lambda a: np.stack([a, a], -1), [(2, 3), ()]),
    ("hstack", lambda x: ember.hstack([x, x]), lambda a: np.hstack([a, a]), [(2, 3), (3,), ()]),
    ("vstack", lambda x: ember.vstack([x, x]), lambda a: np.vstack([a, a]), [(2, 3), (3,), ()]),
    ("dstack", lambda x: ember.dstack([x, x]), lambda a: np.dstack([a, a]), [(2, 3), (3,), (2, 3, 2)]),
    ("split", lambda x: x.split(2), lambda a: np.split(a, [2, 4]), [(5, 2), (5,)]),
    ("split_sizes", lambda x: ember.split(x, [1, 3, 1], 0), lambda a: np.split(a, [1, 4]), [(5, 2)]),
    ("split_dim1", lambda x: x.split(2, dim=1), lambda a: np.split(a, [2], axis=1), [(2, 3)]),
    ("chunk", lambda x: x.chunk(3, 0), lambda a: np.split(a, [2, 4]), [(5, 2), (5,)]),
    ("tensor_split", lambda x: ember.tensor_split(x, 3), lambda a: np.array_split(a, 3), [(7, 2), (7,)]),
    ("tensor_split_idx", lambda x: x.tensor_split([1, 4], dim=0), lambda a: np.split(a, [1, 4]), [(5, 2)]),
    ("unbind", lambda x: x.unbind(0), lambda a: list(a), [(3, 2), (3,)]),
    ("unbind1", lambda x: ember.unbind(x, 1), lambda a: list(np.moveaxis(a, 1, 0)), [(3, 2)]),
    ("flip", lambda x: x.flip(0), lambda a: np.flip(a, 0), [(3, 2), (4,)]),
    ("flip01", lambda x: ember.flip(x, (0, -1)), lambda a: np.flip(a, (0, -1)), [(3, 2), (2, 3, 4)]),
    ("flip_none", lambda x: ember.flip(x, ()), lambda a: a, [(3, 2), ()]),
    ("fliplr", ember.fliplr, np.fliplr, [(3, 2)]),
    ("flipud", ember.flipud, np.flipud, [(3, 2), (4,)]),
    ("roll_flat", lambda x: x.roll(2), lambda a: np.roll(a, 2), [(3, 2), (5,), ()]),
    ("roll_dim", lambda x: ember.roll(x, -1, 0), lambda a: np.roll(a, -1, 0), [(3, 2), (5,)]),
    ("roll_dims", lambda x: ember.roll(x, (1, 7), (0, 1)), lambda a: np.roll(a, (1, 7), (0, 1)), [(3, 4)]),
    ("repeat", lambda x: x.repeat(2, 3), lambda a: np.tile(a, (2, 3)), [(2, 3), (3,), ()]),
    ("repeat_lead", lambda x: x.repeat(2, 1, 2), lambda a: np.tile(a, (2, 1, 2)), [(2, 3)]),
    ("tile", lambda x: ember.tile(x, (2,)), lambda a: np.tile(a, 2), [(2, 3), (3,)]),
    ("repeat_interleave", lambda x: x.repeat_interleave(2), lambda a: np.repeat(a, 2), [(2, 3), ()]),
    ("repeat_interleave_dim", lambda x: ember.repeat_interleave(x, 3, dim=1),
     lambda a: np.repeat(a, 3, axis=1), [(2, 3)]),
    ("repeat_interleave_t", lambda x: x.repeat_interleave(ember.tensor([1, 0, 2]), dim=0),
     lambda a: np.repeat(a, [1, 0, 2], axis=0), [(3, 2)]),
    ("tril", ember.tril, np.tril, [(3, 4), (2, 3, 3)]),
    ("tril1", lambda x: x.tril(1), lambda a: np.tril(a, 1), [(3, 4)]),
    ("tril-2", lambda x: ember.tril(x, -2), lambda a: np.tril(a, -2), [(4, 3)]),
    ("triu", ember.triu, np.triu, [(3, 4), (2, 3, 3)]),
    ("triu-1", lambda x: x.triu(-1), lambda a: np.triu(a, -1), [(4, 3)]),
    ("movedim", lambda x: x.movedim(0, -1), lambda a: np.moveaxis(a, 0, -1), [(2, 3, 4)]),
    ("movedim2", lambda x: ember.movedim(x, (0, 1), (2, 0)), lambda a: np.moveaxis(a, (0, 1), (2, 0)), [(2, 3, 4)]),
    ("moveaxis", lambda x: ember.moveaxis(x, 1, 0), lambda a: np.moveaxis(a, 1, 0), [(2, 3)]),
    ("swapdims", lambda x: x.swapdims(0, 1), lambda a: np.swapaxes(a, 0, 1), [(2, 3)]),
    ("atleast_1d", ember.atleast_1d, np.atleast_1d, [(), (3,), (2, 3)]),
    ("atleast_2d", ember.atleast_2d, np.atleast_2d, [(), (3,), (2, 3)]),
    ("atleast_3d", ember.atleast_3d, np.atleast_3d, [(), (3,), (2, 3), (2, 3, 4)]),
    ("msort", ember.msort, lambda a: np.sort(a, axis=0, kind="stable"), [(4, 3)]),
    ("squeeze_tuple", lambda x: x.squeeze((0, 2)), lambda a: a.squeeze((0, 2)) if a.shape[2] == 1 else a.squeeze(0),
     [(1, 3, 1), (1, 2, 2)]),
    ("unflatten", lambda x: x.unflatten(1, (2, -1)), lambda a: a.reshape(a.shape[0], 2, -1), [(3, 4)]),
    ("diagonal", lambda x: x.diagonal(1), lambda a: np.diagonal(a, 1).copy(), [(3, 4)]),
]


def _forward_cases():
    for name, fn, ref, shapes in FORWARD:
        for shape in shapes:
            for dtype in DTYPES:
                yield pytest.param(fn, ref, shape, dtype, id=f"{name}-{shape}-{np.dtype(dtype).name}")


@pytest.mark.parametrize("fn,ref,shape,dtype", list(_forward_cases()))
def test_forward_vs_numpy(fn, ref, shape, dtype, rng):
    a = make_array(shape, dtype, rng)
    for layout, x in layouts(a):
        check_same(fn(x), ref(a))


def test_sort_vs_numpy_stable(rng):
    for dtype in DTYPES:
        a = make_array((4, 7), dtype, rng)
        for layout, x in layouts(a):
            for dim in (0, 1, -1):
                v, i = ember.sort(x, dim, stable=True)
                idx = np.argsort(a, axis=dim, kind="stable")
                check_same(i, idx)
                check_same(v, np.take_along_axis(a, idx, axis=dim))
                check_same(x.argsort(dim, stable=True), idx)


def test_sort_nan_is_largest():
    a = np.array([3.0, np.nan, -1.0, np.inf, np.nan, 0.0])
    v, i = ember.tensor(a).sort()
    check_same(v, np.sort(a))
    check_same(i, np.argsort(a, kind="stable"))
    v, i = ember.tensor(a).sort(descending=True, stable=True)
    assert np.isnan(v.numpy()[:2]).all() and list(i.numpy()[:2]) == [1, 4]
    assert list(v.numpy()[2:]) == [np.inf, 3.0, 0.0, -1.0]


def test_sort_0d_and_empty():
    v, i = ember.tensor(2.5).sort()
    assert v.shape == () and v.item() == 2.5 and i.item() == 0 and i.dtype == ember.int64
    v, i = ember.zeros(0, 3).sort(0)
    assert v.shape == (0, 3) and i.shape == (0, 3)


def test_sort_large_rows_parallel(rng):
    a = rng.standard_normal((300, 500))
    x = ember.tensor(a)
    v, i = x.sort(1)
    check_same(v, np.sort(a, 1))
    check_same(i, np.argsort(a, 1))
    v, i = x.T.sort(0, descending=True)
    check_same(v, -np.sort(-a.T, 0))


def test_topk_kthvalue_median_vs_numpy(rng):
    a = rng.standard_normal((5, 8))
    for layout, x in layouts(a):
        v, i = x.topk(3)
        check_same(v, -np.sort(-a, 1)[:, :3])
        check_same(i, np.argsort(-a, 1)[:, :3])
        v, i = ember.topk(x, 2, dim=0, largest=False)
        check_same(v, np.sort(a, 0)[:2])
        check_same(i, np.argsort(a, 0)[:2])
        v, i = x.kthvalue(3, 1)
        check_same(v, np.sort(a, 1)[:, 2])
        check_same(i, np.argsort(a, 1)[:, 2])
        v, i = ember.kthvalue(x, 2, 0, keepdim=True)
        check_same(v, np.sort(a, 0)[1:2])
        v, i = x.median(1)
        check_same(v, np.sort(a, 1)[:, 3])  # lower median of 8
        check_same(i, np.argsort(a, 1)[:, 3])
        check_same(x.median(), np.sort(a.ravel())[(a.size - 1) // 2])


def test_median_nan():
    x = ember.tensor([1.0, float("nan"), 0.0, float("nan")])
    v, i = x.median(0)
    assert np.isnan(v.item()) and i.item() == 1
    assert np.isnan(x.median().item())
    assert np.isnan(ember.zeros(0).median().item())


def test_return_types_named():
    r = ember.tensor([3.0, 1.0]).sort()
    assert type(r).__name__ == "sort" and r.values is r[0] and r.indices is r[1]
    assert type(ember.tensor([3.0, 1.0]).topk(1)).__name__ == "topk"
    assert type(ember.tensor([3.0, 1.0]).median(0)).__name__ == "median"
    values, indices = ember.tensor([3.0, 1.0]).kthvalue(1)
    assert values.item() == 1.0 and indices.item() == 1


def test_cat_promotes_and_skips_legacy_empty():
    a = ember.tensor([[1, 2]], dtype=ember.int32)
    b = ember.tensor([[0.5, 1.5]])
    out = ember.cat([a, b])
    assert out.dtype == ember.float32
    check_same(out, np.array([[1, 2], [0.5, 1.5]], dtype=np.float32))
    assert ember.cat([ember.zeros(2, dtype=ember.bool), ember.zeros(2, dtype=ember.uint8)]).dtype == ember.uint8
    out = ember.cat([ember.ones(2, 3), ember.zeros(0)])
    assert out.shape == (2, 3)
    assert ember.cat([ember.zeros(0), ember.zeros(0)]).shape == (0,)
    assert ember.stack([ember.tensor([1], dtype=ember.int64), ember.tensor([2.0])]).dtype == ember.float32


def test_cat_empty_along_dim():
    out = ember.cat([ember.ones(2, 0), ember.ones(2, 3)], 1)
    check_same(out, np.ones((2, 3), np.float32))


def test_tril_triu_inplace():
    a = np.arange(12.0).reshape(3, 4)
    x = ember.tensor(a)
    assert x.tril_(1) is x
    check_same(x, np.tril(a, 1))
    y = ember.tensor(np.ascontiguousarray(a.T)).T  # non-contiguous: goes through copy_
    y.triu_(-1)
    check_same(y, np.triu(a, -1))
    leaf = ember.ones(3, 3, requires_grad=True)
    b = leaf * 1
    b.T.triu_()
    b.sum().backward()
    check_same(leaf.grad, np.tril(np.ones((3, 3), np.float32)))
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        ember.ones(2, 2, requires_grad=True).tril_()
    with pytest.raises(RuntimeError, match="tril: input tensor must have at least 2 dimensions"):
        ember.zeros(3).tril_()


def test_repeat_interleave_output_size():
    x = ember.tensor([1, 2, 3])
    check_same(x.repeat_interleave(2, output_size=6), np.repeat([1, 2, 3], 2))
    check_same(ember.repeat_interleave(ember.tensor([2, 0, 1])), np.array([0, 0, 2]))
    with pytest.raises(RuntimeError, match="Invalid output_size, expected 6 but got 5"):
        x.repeat_interleave(2, output_size=5)


def test_meshgrid_vs_numpy():
    a, b, c = np.arange(3), np.arange(4) * 10, np.arange(2) * 100
    for indexing in ("ij", "xy"):
        got = ember.meshgrid(ember.tensor(a), ember.tensor(b), ember.tensor(c), indexing=indexing)
        check_same(got, np.meshgrid(a, b, c, indexing=indexing))
        got = ember.meshgrid([ember.tensor(a), ember.tensor(b)], indexing=indexing)
        check_same(got, np.meshgrid(a, b, indexing=indexing))


def test_broadcast_helpers():
    x, y = ember.ones(3, 1), ember.zeros(1, 4, dtype=ember.int64)
    bx, by = ember.broadcast_tensors(x, y)
    assert bx.shape == (3, 4) and by.shape == (3, 4) and by.dtype == ember.int64
    assert bx.stride() == (1, 0)  # views, not copies
    assert ember.broadcast_shapes((2, 1), (3,), 1) == ember.Size([2, 3])
    assert ember.broadcast_shapes() == ember.Size([])
    check_same(ember.broadcast_to(ember.tensor([1, 2]), (2, 2)), np.array([[1, 2], [1, 2]]))


def test_split_pieces_are_views():
    x = ember.tensor([0.0, 1, 2, 3, 4, 5])
    parts = x.split(2)
    parts[1].fill_(9.0)
    check_same(x, np.array([0, 1, 9, 9, 4, 5], np.float32))
    for p in x.unbind(0) + x.chunk(2):
        assert p.storage_offset() >= 0 and p.data_ptr() >= x.data_ptr()


# ---- forward vs PyTorch ----------------------------------------------------------------------

TORCH_CASES = [
    ("sort_desc", lambda m, x: m.sort(x, dim=1, descending=True, stable=True)),
    ("argsort", lambda m, x: m.argsort(x, dim=0, descending=True, stable=True)),
    ("topk", lambda m, x: m.topk(x, 2, 0, False)),
    ("kthvalue", lambda m, x: m.kthvalue(x, 2, 1, True)),
    ("median_dim", lambda m, x: m.median(x, 0)),
    ("median", lambda m, x: m.median(x)),
    ("roll", lambda m, x: m.roll(x, (-2, 5), (1, 0))),
    ("roll_flat", lambda m, x: m.roll(x, 3)),
    ("repeat", lambda m, x: x.repeat(1, 2, 2)),
    ("tile", lambda m, x: m.tile(x, (3, 1, 1))),
    ("repeat_interleave", lambda m, x: m.repeat_interleave(x, 2, 0)),
    ("tril", lambda m, x: m.tril(x, 1)),
    ("triu", lambda m, x: m.triu(x, -1)),
    ("flip", lambda m, x: m.flip(x, (0, 1))),
    ("cat", lambda m, x: m.cat([x, x.flip(0)], 1)),
    ("stack", lambda m, x: m.stack([x, x], 1)),
    ("split", lambda m, x: m.split(x, [1, 3], 1)),
    ("tensor_split", lambda m, x: m.tensor_split(x, 3, 1)),
    ("movedim", lambda m, x: m.movedim(x, (0, 1), (1, 0))),
    ("unfold", lambda m, x: x.unfold(1, 2, 1)),
    ("diagonal", lambda m, x: m.diagonal(x, -1)),
]


def _unpack(r):
    if isinstance(r, (tuple, list)):
        return [t for t in r]
    return [r]


@requires_torch
@pytest.mark.parametrize("name,fn", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32"])
def test_forward_vs_torch(name, fn, dtype, rng):
    a = rng.permutation(60).reshape(3, 4, 5).astype(dtype)  # distinct values: indices are defined
    for layout, x in layouts(a):
        got = _unpack(fn(ember, x))
        want = _unpack(fn(torch, torch.from_numpy(a.copy())))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert tuple(g.shape) == tuple(w.shape)
            assert str(g.dtype).split(".")[-1] == str(w.dtype).split(".")[-1]
            assert_close(g, w)


# ---- gradients ---------------------------------------------------------------------------------

def noncontig(a):
    """A float64 leaf requiring grad whose storage is not contiguous (a transposed tensor)."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim >= 2:
        t = ember.tensor(np.ascontiguousarray(a.T)).T
    else:
        t = ember._C._slice(ember.tensor(np.repeat(a, 2)), 0, 0, 2 * a.size, 2)
    t.requires_grad_(True)
    assert min(a.shape, default=1) == 1 or not t.is_contiguous()
    return t


# name, fn of inputs, input shapes
GRADS = [
    ("cat", lambda x, y: ember.cat([x, y], 1), [(2, 3), (2, 2)]),
    ("cat_legacy_empty", lambda x, y: ember.cat([x, y.sum() * ember.zeros(0, dtype=ember.float64)]), [(2, 3), (1,)]),
    ("cat_broadcast", lambda x, y: ember.cat([x.expand(2, 3), y], 0), [(1, 3), (2, 3)]),
    ("stack", lambda x, y: ember.stack([x, y], 1), [(2, 3), (2, 3)]),
    ("hstack", lambda x, y: ember.hstack([x, y]), [(2, 3), (2, 1)]),
    ("vstack", lambda x: ember.vstack([x, x]), [(3,)]),
    ("split", lambda x: x.split(2, 1)[1] * 2, [(2, 5)]),
    ("split_all", lambda x: x.split([1, 2], 0), [(3, 2)]),
    ("chunk", lambda x: x.chunk(2, 1), [(2, 5)]),
    ("unbind", lambda x: ember.unbind(x, 1), [(2, 3)]),
    ("unbind_one", lambda x: ember.unbind(x, 0)[1], [(3, 2)]),
    ("tensor_split", lambda x: x.tensor_split([1, 1, 3], 1), [(2, 4)]),
    ("flip", lambda x: x.flip(0, 1), [(2, 3)]),
    ("roll", lambda x: x.roll((1, -1), (0, 1)), [(3, 3)]),
    ("roll_flat", lambda x: x.roll(4), [(2, 3)]),
    ("repeat", lambda x: x.repeat(2, 1, 3), [(2, 3)]),
    ("repeat_broadcast", lambda x: x.expand(2, 3).repeat(2, 1), [(1, 3)]),
    ("tile", lambda x: x.tile(2), [(2, 3)]),
    ("repeat_interleave", lambda x: x.repeat_interleave(2, dim=0), [(2, 3)]),
    ("repeat_interleave_t", lambda x: x.repeat_interleave(ember.tensor([2, 0, 1]), dim=1), [(2, 3)]),
    ("sort", lambda x: x.sort(1)[0], [(3, 4)]),
    ("sort_desc0", lambda x: x.sort(0, descending=True).values, [(3, 4)]),
    ("topk", lambda x: x.topk(2, 0)[0], [(3, 4)]),
    ("kthvalue", lambda x: x.kthvalue(2, 1)[0], [(3, 4)]),
    ("kthvalue_keep", lambda x: x.kthvalue(2, 0, True)[0], [(3, 4)]),
    ("median_dim", lambda x: x.median(1).values, [(3, 4)]),
    ("median", lambda x: x.median(), [(3, 4)]),
    ("tril", lambda x: x.tril(), [(3, 4)]),
    ("triu", lambda x: ember.triu(x, 1), [(3, 3)]),
    ("movedim", lambda x: x.movedim(0, 1), [(2, 3)]),
    ("meshgrid", lambda x, y: ember.meshgrid(x, y, indexing="xy"), [(3,), (2,)]),
    ("broadcast_tensors", lambda x, y: ember.broadcast_tensors(x, y), [(3, 1), (1, 2)]),
    ("select", lambda x: x.select(1, 2), [(2, 3)]),
    ("narrow", lambda x: x.narrow(0, 1, 2), [(3, 2)]),
    ("diagonal", lambda x: x.diagonal(-1), [(3, 3)]),
    ("unfold", lambda x: x.unfold(1, 2, 1), [(2, 4)]),
    ("as_strided_overlap", lambda x: x.contiguous().as_strided((3, 2), (1, 1)), [(2, 2)]),
    ("view", lambda x: x.contiguous().view(-1), [(2, 3)]),
    ("reshape", lambda x: x.reshape(3, 2), [(2, 3)]),
    ("flatten", lambda x: x.flatten(), [(2, 3)]),
    ("unflatten", lambda x: x.unflatten(1, (3, 1)), [(2, 3)]),
    ("permute", lambda x: x.permute(1, 0), [(2, 3)]),
    ("squeeze", lambda x: x.unsqueeze(0).squeeze((0,)), [(2, 3)]),
    ("expand", lambda x: x.expand(4, 2, 3), [(2, 3)]),
]


@pytest.mark.parametrize("name,fn,shapes", GRADS, ids=[g[0] for g in GRADS])
def test_gradcheck(name, fn, shapes):
    rng = np.random.default_rng(1)
    # Distinct values keep sort/topk/median away from ties, where the gradient is not defined.
    inputs = [noncontig(rng.permutation(int(np.prod(s))).reshape(s) * 0.5 + rng.random(s) * 0.1) for s in shapes]
    assert gradcheck(fn, inputs)


def test_double_backward_through_select_and_unfold():
    x = ember.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=ember.float64, requires_grad=True)
    row = x.select(0, 1)
    y = (row * row).sum()
    (g,) = ember.autograd.grad(y, x, create_graph=True)
    assert g.requires_grad
    check_same(g, np.array([[0, 0, 0], [8, 10, 12]], dtype=np.float64))
    (gg,) = ember.autograd.grad(g.sum(), x)
    check_same(gg, np.array([[0, 0, 0], [2, 2, 2]], dtype=np.float64))
    w = x.unfold(1, 2, 1)
    (g,) = ember.autograd.grad((w * w).sum(), x, create_graph=True)
    (gg,) = ember.autograd.grad(g.sum(), x)
    check_same(gg, np.array([[2, 4, 2], [2, 4, 2]], dtype=np.float64))


def test_split_backward_is_one_node():
    x = ember.ones(6, 2, requires_grad=True)
    parts = x.unbind(0)
    assert parts[0].grad_fn is not None and parts[0].grad_fn.name() == "UnbindBackward0"
    sum(p.sum() for p in parts[::2]).backward()
    check_same(x.grad, np.array([[1, 1], [0, 0]] * 3, np.float32))
    assert x.split(2)[0].grad_fn.name() == "SplitBackward0"
    assert x.split([1, 5])[0].grad_fn.name() == "SplitWithSizesBackward0"


def test_sort_indices_do_not_require_grad():
    x = ember.ones(3, requires_grad=True)
    v, i = x.sort()
    assert v.requires_grad and not i.requires_grad
    assert v.grad_fn.name() == "SortBackward0"
    assert ember.cat([x, x]).grad_fn.name() == "CatBackward0"


def test_cat_grad_dtype_follows_input():
    a = ember.ones(2, dtype=ember.float32, requires_grad=True)
    b = ember.ones(2, dtype=ember.float64, requires_grad=True)
    out = ember.cat([a, b])
    assert out.dtype == ember.float64
    out.sum().backward()
    assert a.grad.dtype == ember.float32 and b.grad.dtype == ember.float64


@requires_torch
def test_as_strided_overlap_backward_vs_torch():
    a = np.arange(6.0)
    x = ember.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    (x.as_strided((3, 3), (1, 1), 1) * ember.tensor(np.arange(9.0).reshape(3, 3))).sum().backward()
    (t.as_strided((3, 3), (1, 1), 1) * torch.arange(9.0, dtype=torch.float64).reshape(3, 3)).sum().backward()
    assert_close(x.grad, t.grad)


# ---- view semantics ----------------------------------------------------------------------------

def test_write_through_views_changes_base():
    x = ember.zeros(3, 4)
    x.select(0, 1).fill_(1.0)
    x.narrow(1, 3, 1).fill_(2.0)
    x.T.select(0, 0).fill_(3.0)
    x.view(12).narrow(0, 5, 1).fill_(4.0)
    x.diagonal().unsqueeze(0).squeeze(0).fill_(9.0)
    want = np.zeros((3, 4), np.float32)
    want[1] = 1
    want[:, 3] = 2
    want[:, 0] = 3
    want.reshape(-1)[5] = 4
    np.fill_diagonal(want, 9)
    check_same(x, want)
    y = ember.zeros(2, 3)
    y.movedim(0, 1).select(0, 2).fill_(5.0)
    y.unbind(0)[0].fill_(1.0)
    check_same(y, np.array([[1, 1, 1], [0, 0, 5]], np.float32))


def test_view_of_noncontiguous_raises_mentioning_reshape():
    x = ember.zeros(3, 4).T
    assert not x.is_contiguous()
    with pytest.raises(RuntimeError, match=r"reshape"):
        x.view(12)
    x.view(4, 3)  # no change of shape is always possible
    check_same(ember.zeros(2, 3).T.view_as(ember.zeros(3, 2)), np.zeros((3, 2), np.float32))


def test_reshape_copies_only_when_needed():
    x = ember.zeros(3, 4)
    assert x.reshape(2, 6).data_ptr() == x.data_ptr()
    assert x.reshape(-1).is_contiguous()
    assert x.T.reshape(2, 6).data_ptr() != x.data_ptr()
    s = ember._C._slice(x, 1, 0, 4, 2)  # strides (4, 2): still one stride overall, a view suffices
    assert s.reshape(6).data_ptr() == x.data_ptr() and s.reshape(6).stride() == (2,)
    s = ember._C._slice(x, 1, 0, 2, 1)  # strides (4, 1): rows are not evenly spaced
    assert s.reshape(3, 2, 1).data_ptr() == x.data_ptr()
    assert s.reshape(6).data_ptr() != x.data_ptr()
    assert x.T.contiguous().is_contiguous() and x.contiguous().data_ptr() == x.data_ptr()


def test_contiguity_flags():
    x = ember.zeros(2, 3, 4)
    assert x.is_contiguous()
    assert not x.transpose(0, 2).is_contiguous()
    assert not x.select(2, 0).is_contiguous()
    assert x.select(0, 1).is_contiguous()
    assert x.narrow(0, 1, 1).is_contiguous()
    assert not x.narrow(1, 1, 1).squeeze(1).is_contiguous()
    assert x.unsqueeze(1).is_contiguous()
    assert ember.zeros(1, 3).expand(2, 3).stride() == (0, 1)
    assert not ember.zeros(1, 3).expand(2, 3).is_contiguous()


def test_flip_output_is_a_plain_copy():
    x = ember.tensor([[1, 2], [3, 4]])
    y = x.flip(0)
    assert y.is_contiguous() and y.stride() == (2, 1)
    y.fill_(0)
    check_same(x, np.array([[1, 2], [3, 4]]))


def test_existing_views_geometry():
    x = ember.zeros(2, 3, 4)
    assert x.permute(2, 0, 1).shape == (4, 2, 3) and x.permute(2, 0, 1).stride() == (1, 12, 4)
    assert x.mT.shape == (2, 4, 3)
    assert x.T.shape == (4, 3, 2)
    assert ember.zeros(3).t().shape == (3,)
    assert x.flatten(1).shape == (2, 12) and ember.tensor(1.0).flatten().shape == (1,)
    assert x.unsqueeze(-1).shape == (2, 3, 4, 1) and x.unsqueeze(-1).stride() == (12, 4, 1, 1)
    assert x.squeeze().shape == (2, 3, 4) and ember.zeros(1, 2, 1).squeeze().shape == (2,)
    assert ember.zeros(1, 2, 1).squeeze(0).shape == (2, 1)
    assert x.unfold(2, 2, 2).shape == (2, 3, 2, 2) and x.unfold(2, 2, 2).stride() == (12, 4, 2, 1)
    assert x.diagonal(0, 1, 2).shape == (2, 3) and x.diagonal(0, 1, 2).stride() == (12, 5)
    assert x.as_strided((2, 2), (1, 2), 3).storage_offset() == 3
    assert x.expand_as(ember.zeros(5, 2, 3, 4)).shape == (5, 2, 3, 4)
    assert x.detach().data_ptr() == x.data_ptr() and not x.detach().requires_grad
    assert x.narrow(-1, -2, 2).storage_offset() == 2


# ---- errors ------------------------------------------------------------------------------------

E = RuntimeError
ERRORS = [
    (ValueError, "non-empty list", lambda: ember.cat([])),
    (E, "zero-dimensional tensor \\(at position 0\\)", lambda: ember.cat([ember.tensor(1.0), ember.tensor(2.0)])),
    (E, "Sizes of tensors must match except in dimension 1. Expected size 2 but got size 3 for tensor number 1",
     lambda: ember.cat([ember.zeros(2, 3), ember.zeros(3, 3)], 1)),
    (E, "same number of dimensions: got 2 and 3", lambda: ember.cat([ember.zeros(2, 3), ember.zeros(2, 3, 1)])),
    (IndexError, "Dimension out of range", lambda: ember.cat([ember.zeros(2, 3)], 2)),
    (E, "stack expects a non-empty TensorList", lambda: ember.stack([])),
    (E, "stack expects each tensor to be equal size, but got \\[2, 3\\] at entry 0 and \\[3, 3\\] at entry 1",
     lambda: ember.stack([ember.zeros(2, 3), ember.zeros(3, 3)])),
    (IndexError, "Dimension out of range", lambda: ember.stack([ember.zeros(2)], 2)),
    (E, "hstack expects a non-empty TensorList", lambda: ember.hstack([])),
    (E, "split_size can only be 0 if dimension size is 0", lambda: ember.zeros(2, 3).split(0)),
    (E, "split expects split_size be non-negative", lambda: ember.zeros(2, 3).split(-1)),
    (E, "split_with_sizes expects split_sizes to sum exactly to 2", lambda: ember.zeros(2, 3).split([1, 2])),
    (E, "chunk expects `chunks` to be greater than 0, got: 0", lambda: ember.zeros(2).chunk(0)),
    (E, "chunk expects at least a 1-dimensional tensor", lambda: ember.tensor(1.0).chunk(1)),
    (E, "number of sections must be larger than 0, got 0", lambda: ember.zeros(2).tensor_split(0)),
    (IndexError, "Dimension out of range", lambda: ember.zeros(2, 3).unbind(2)),
    (E, "appears multiple times", lambda: ember.zeros(2, 3).flip(0, 0)),
    (E, "Input must be >= 2-d.", lambda: ember.fliplr(ember.zeros(3))),
    (E, "Input must be >= 1-d.", lambda: ember.flipud(ember.tensor(1.0))),
    (E, "shifts and dimensions must align. shifts: 2, dims:1", lambda: ember.roll(ember.zeros(2, 3), (1, 2), (0,))),
    (E, "shifts and dimensions must align. shifts: 2, dims:0", lambda: ember.roll(ember.zeros(2, 3), (1, 2))),
    (E, "Number of dimensions of repeat dims can not be smaller", lambda: ember.zeros(2, 3).repeat(2)),
    (E, "negative dimension", lambda: ember.zeros(2, 3).repeat(-1, 2)),
    (E, "Repeats must be non-negative", lambda: ember.zeros(2).repeat_interleave(-1)),
    (E, "selected index k out of range", lambda: ember.zeros(2, 3).topk(4)),
    (E, "selected index k out of range", lambda: ember.zeros(2, 3).topk(-1)),
    (E, "kthvalue\\(\\): selected number k out of range for dimension 1", lambda: ember.zeros(2, 3).kthvalue(4)),
    (E, "kthvalue\\(\\): selected number k out of range", lambda: ember.zeros(2, 3).kthvalue(0)),
    (IndexError, "median\\(\\): Expected reduction dim 0 to have non-zero size", lambda: ember.zeros(0, 3).median(0)),
    (E, "tril: input tensor must have at least 2 dimensions", lambda: ember.tril(ember.zeros(3))),
    (E, "triu: input tensor must have at least 2 dimensions", lambda: ember.zeros(3).triu()),
    (E, "movedim: Invalid source or destination dims: source \\(\\[0, 1\\] dims\\) should contain the same number",
     lambda: ember.movedim(ember.zeros(2, 3), (0, 1), (0,))),
    (E, "movedim: repeated dim in `source` \\(\\[0, 0\\]\\)", lambda: ember.movedim(ember.zeros(2, 3), (0, 0), (0, 1))),
    (E, "movedim: repeated dim in `destination`", lambda: ember.movedim(ember.zeros(2, 3), (0, 1), (1, 1))),
    (IndexError, "index 5 is out of bounds for dimension 0 with size 2", lambda: ember.zeros(2, 3).select(0, 5)),
    (IndexError, "index -3 is out of bounds", lambda: ember.zeros(2, 3).select(0, -3)),
    (IndexError, "start out of range \\(expected to be in range of \\[-2, 2\\], but got 5\\)",
     lambda: ember.zeros(2, 3).narrow(0, 5, 1)),
    (IndexError, "start out of range", lambda: ember.zeros(2, 3).narrow(0, -3, 1)),
    (E, "isn't allowed in a leading, non-existing dimension 0", lambda: ember.zeros(2).expand(-1, 2)),
    (E, "invalid size -2", lambda: ember.zeros(1).expand(-2)),
    (E, "start \\(1\\) \\+ length \\(5\\) exceeds dimension size \\(2\\)", lambda: ember.zeros(2, 3).narrow(0, 1, 5)),
    (E, "unflatten: Provided sizes \\[2, 2\\] don't multiply up to the size of dim 1 \\(3\\)",
     lambda: ember.zeros(2, 3).unflatten(1, (2, 2))),
    (E, "unflatten: sizes must be non-empty", lambda: ember.zeros(2, 3).unflatten(1, ())),
    (E, "cannot reshape tensor of 0 elements into shape \\[-1, 0\\]", lambda: ember.zeros(0).view(-1, 0)),
    (E, "shape '\\[4\\]' is invalid for input of size 6", lambda: ember.zeros(2, 3).reshape(4)),
    (E, "size is -1 but must be >= 0", lambda: ember.zeros(2, 3).unfold(0, -1, 1)),
    (E, "step is 0 but must be > 0", lambda: ember.zeros(2, 3).unfold(0, 1, 0)),
    (E, "cannot be broadcast", lambda: ember.broadcast_shapes((2, 3), (3, 2))),
    (E, "cannot be broadcast", lambda: ember.broadcast_tensors(ember.zeros(2, 3), ember.zeros(3, 2))),
    (E, "Expected 0D or 1D tensor", lambda: ember.meshgrid(ember.zeros(2, 2), indexing="ij")),
    (E, "indexing must be one of \"xy\" or \"ij\", but received: foo",
     lambda: ember.meshgrid(ember.zeros(2), indexing="foo")),
    (E, "The expanded size of the tensor \\(3\\) must match the existing size \\(2\\)",
     lambda: ember.zeros(2).expand(3)),
    (E, "t\\(\\) expects a tensor with <= 2 dimensions, but self is 3D", lambda: ember.zeros(1, 2, 3).t()),
]


@pytest.mark.parametrize("exc,match,fn", ERRORS, ids=[f"{i}-{e[1][:30]}" for i, e in enumerate(ERRORS)])
def test_errors(exc, match, fn):
    with pytest.raises(exc, match=match):
        fn()
