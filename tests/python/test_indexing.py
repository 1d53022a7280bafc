"""Indexing: __getitem__/__setitem__ (basic views and NumPy-style advanced indexing), gather/scatter,
index_select/index_add, masks, nonzero, take, index_put, and in-place writes through views."""
import numpy as np
import pytest

import ember
from ember.testing import assert_close, gradcheck

from conftest import requires_torch

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None


def T(a, dtype=None, requires_grad=False):
    return ember.tensor(np.asarray(a), dtype=dtype, requires_grad=requires_grad)


def layouts(shape, seed=0):
    """(name, ember tensor, numpy array) for contiguous, transposed and sliced layouts of `shape`."""
    rng = np.random.default_rng(seed)
    base = rng.standard_normal(shape)
    yield "contiguous", T(base), base
    rev = tuple(reversed(range(len(shape))))
    yield "transposed", T(base.transpose(rev).copy()).permute(rev), base
    wide = rng.standard_normal(shape[:-1] + (2 * shape[-1],)) if shape else base
    if shape:
        wide[..., ::2] = base
        yield "sliced", ember._C._slice(T(wide), -1, 0, 2 * shape[-1], 2), base


def convert(idx, lib):
    """An index made of NumPy arrays/lists as the same index for ember or torch."""
    def one(i):
        if isinstance(i, np.ndarray):
            return ember.tensor(i) if lib == "ember" else torch.tensor(i)
        return i
    return tuple(one(i) for i in idx) if isinstance(idx, tuple) else one(idx)


A = np.array
GETITEM_CASES = [
    0, -1, (1, 2), (1, -1, 0, 3), slice(None), slice(1, None), slice(None, None, 2), slice(-2, None),
    (slice(None), 1), (Ellipsis, 0), (0, Ellipsis, 1), (None, 0), (slice(None), None, 1),
    (slice(0, 1), slice(None, None, 2)), Ellipsis, (Ellipsis, None), (slice(5, 10),),
    [0, 1], [[0], [1]], A([1, 0, 1]), A([-1, 0]), (A([0, 1]), A([2, 0])),
    (slice(None), A([0, 2])), (A([[0, 1], [1, 0]]), slice(None), A([1, 2])),
    (A([0, 1]), slice(None), A([0, 2])), (slice(None), A([0, 1]), slice(None), A([1, 2])),
    (Ellipsis, A([0, 4])), (A([0, 1]), A([0, 2]), A([1, 3])), (None, A([0, 1]), None, A([0, 2])),
    (A([1]), 1), (1, A([0, 2])), A([True, False]), (slice(None), A([True, False, True])),
    (A([[True, False, True], [False, False, True]])), True, False, (0, True), (Ellipsis, None, A([0, 0])),
    A([], dtype=np.int64), (A([0, 1], dtype=np.int32),),
]


@pytest.mark.parametrize("idx", GETITEM_CASES, ids=repr)
def test_getitem_matches_numpy(idx):
    for name, x, a in layouts((2, 3, 4, 5)):
        got = x[convert(idx, "ember")]
        np.testing.assert_array_equal(got.numpy(), a[idx], err_msg=name)


@requires_torch
# PyTorch still reads a list of lists as a tuple (deprecated); ember follows NumPy there.
@pytest.mark.parametrize("idx", [i for i in GETITEM_CASES if not (isinstance(i, list) and isinstance(i[0], list))] + [(slice(None), A([0, 1]), 1, slice(None)),
                                                 (A([0, 1]), 0, A([1, 2]))], ids=repr)
def test_getitem_matches_torch(idx):
    a = np.random.default_rng(1).standard_normal((2, 3, 4, 5))
    assert_close(T(a)[convert(idx, "ember")], torch.tensor(a)[convert(idx, "torch")])


@pytest.mark.parametrize("dtype", [ember.float32, ember.int64, ember.bool, ember.uint8, ember.int32])
def test_getitem_dtypes(dtype):
    a = (np.arange(12).reshape(3, 4) % 3).astype(np.float64)
    x = T(a, dtype=dtype)
    ref = x.numpy()
    np.testing.assert_array_equal(x[1].numpy(), ref[1])
    np.testing.assert_array_equal(x[[2, 0], 1:].numpy(), ref[[2, 0], 1:])
    np.testing.assert_array_equal(x[T(a > 0)].numpy(), ref[a > 0])


def test_zero_d_tensor_index_is_int_and_view():
    x = T(np.arange(6.0).reshape(2, 3))
    v = x[ember.tensor(1)]
    np.testing.assert_array_equal(v.numpy(), [3, 4, 5])
    assert v.data_ptr() == x.data_ptr() + 3 * 8
    assert x[ember.tensor(True)].shape == (1, 2, 3)
    assert x[ember.tensor(False)].shape == (0, 2, 3)
    s = T(5.0)
    assert s[None].shape == (1,) and s[...].shape == () and s[True].shape == (1,)


def test_basic_indexing_returns_views():
    x = T(np.arange(12.0).reshape(3, 4))
    row, col, sl = x[1], x[:, 2], x[::2, 1:3]
    assert row.data_ptr() == x.data_ptr() + 4 * 8
    assert col.stride() == (4,) and sl.stride() == (8, 1)
    row.mul_(ember.tensor(10.0))
    col.fill_(-1)
    expect = np.arange(12.0).reshape(3, 4)
    expect[1] *= 10
    expect[:, 2] = -1
    np.testing.assert_array_equal(x.numpy(), expect)
    alias = x[...]
    assert alias is not x and alias.data_ptr() == x.data_ptr()
    adv = x[[0]]
    adv.fill_(7)
    np.testing.assert_array_equal(x.numpy(), expect)  # advanced indexing copies


def test_iteration():
    a = np.arange(6.0).reshape(3, 2)
    rows = [r.numpy().tolist() for r in T(a)]
    assert rows == a.tolist()
    assert len(T(a)) == 3
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(T(1.0))


# ---- __setitem__ --------------------------------------------------------------------------------

SETITEM_CASES = [
    (0, 5.0), ((slice(None), 1), A([1.0, 2.0, 3.0])), ((1, slice(None, None, 2)), A([7.0, 8.0])),
    (Ellipsis, 2.0), ((slice(None), None, 0), A([[1.0], [2.0], [3.0]])), (1, A([[1.0, 2.0, 3.0, 4.0]])),
    ([0, 2], A([1.0, 2.0, 3.0, 4.0])), ((A([0, 2]), A([1, 3])), A([-1.0, -2.0])),
    ((slice(None), A([0, 0, 1])), 3.0), (A([True, False, True]), 4.0), ((A([0, 1]), 2), A([5.0, 6.0])),
    ((A([[0], [2]]), A([1, 3])), A([[1.0, 2.0], [3.0, 4.0]])), (A([-1]), A([[9.0, 9.0, 9.0, 9.0]])),
    (True, 1.0), (slice(2, 0), 1.0),
]


@pytest.mark.parametrize("idx,value", SETITEM_CASES, ids=repr)
def test_setitem_matches_numpy(idx, value):
    for name, x, a in layouts((3, 4)):
        a = a.copy()
        a[idx] = value
        x[convert(idx, "ember")] = T(value) if isinstance(value, np.ndarray) else value
        np.testing.assert_array_equal(x.numpy(), a, err_msg=name)


@requires_torch
@pytest.mark.parametrize("idx,value", SETITEM_CASES, ids=repr)
def test_setitem_matches_torch(idx, value):
    a = np.random.default_rng(2).standard_normal((3, 4))
    x, t = T(a), torch.tensor(a)
    x[convert(idx, "ember")] = T(value) if isinstance(value, np.ndarray) else value
    t[convert(idx, "torch")] = torch.tensor(value) if isinstance(value, np.ndarray) else value
    assert_close(x, t)


def test_setitem_converts_values():
    x = ember.zeros(2, 3)
    x[0] = T([1, 2, 3])  # int64 into float32
    x[1] = [4, 5, 6]
    x[[0, 1], [0, 0]] = T([7, 8])
    x[:, 2] = True
    np.testing.assert_array_equal(x.numpy(), [[7, 2, 1], [8, 5, 1]])
    assert x.dtype == ember.float32
    i = ember.zeros(3, dtype=ember.int64)
    i[1] = 2.7
    assert i.numpy().tolist() == [0, 2, 0]


# ---- gather / scatter / index_select / index_add ---------------------------------------------

def np_gather(a, dim, idx):
    return np.take_along_axis(a, idx, axis=dim) if idx.shape == a.shape else np.take_along_axis(
        a[tuple(slice(0, s) if d != dim else slice(None) for d, s in enumerate(idx.shape))], idx, axis=dim)


def np_scatter(a, dim, idx, src, add=False):
    out = a.copy()
    for pos in np.ndindex(*idx.shape):
        target = list(pos)
        target[dim] = idx[pos]
        if add:
            out[tuple(target)] += src[pos]
        else:
            out[tuple(target)] = src[pos]
    return out


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather(dim):
    rng = np.random.default_rng(3)
    for name, x, a in layouts((3, 4)):
        idx = rng.integers(0, a.shape[dim], size=(2, 3))
        np.testing.assert_allclose(ember.gather(x, dim, T(idx)).numpy(), np_gather(a, dim % 2, idx), err_msg=name)
        np.testing.assert_allclose(x.gather(dim, T(idx).t().contiguous().t()).numpy(),
                                   np_gather(a, dim % 2, idx), err_msg=name)


@pytest.mark.parametrize("dim", [0, 1])
@pytest.mark.parametrize("add", [False, True])
def test_scatter_and_scatter_add(dim, add):
    rng = np.random.default_rng(4)
    for name, x, a in layouts((4, 5)):
        idx = np.stack([rng.permutation(a.shape[dim])[:3] for _ in range(3)], axis=1 - dim)[:3, :3]
        if add:
            idx = rng.integers(0, a.shape[dim], size=(3, 3))  # duplicates accumulate
        src = rng.standard_normal((3, 4))
        fn = ember.scatter_add if add else ember.scatter
        got = fn(x, dim, T(idx), T(src))
        np.testing.assert_allclose(got.numpy(), np_scatter(a, dim, idx, src, add), err_msg=name)
        y = x.clone()
        (y.scatter_add_ if add else y.scatter_)(dim, T(idx), T(src))
        np.testing.assert_allclose(y.numpy(), np_scatter(a, dim, idx, src, add), err_msg=name)


def test_scatter_value_and_dtypes():
    idx = np.array([[0, 2], [1, 0]])
    for dtype in [ember.float32, ember.int64, ember.int32, ember.uint8, ember.bool]:
        x = ember.zeros(3, 2, dtype=dtype)
        got = x.scatter(0, T(idx), value=1)
        np.testing.assert_array_equal(got.numpy(), np_scatter(np.zeros((3, 2)), 0, idx, np.ones((2, 2))).astype(got.numpy().dtype))
        x.scatter_(0, T(idx), value=1)
        np.testing.assert_array_equal(x.numpy(), got.numpy())
    assert_close(T(5.0).gather(0, T(0)), T(5.0))


@pytest.mark.parametrize("dim", [0, 1, -2])
def test_index_select_and_index_add(dim):
    rng = np.random.default_rng(5)
    for name, x, a in layouts((4, 3)):
        idx = np.array([2, 0, 0, 1][: a.shape[dim]])
        np.testing.assert_allclose(ember.index_select(x, dim, T(idx)).numpy(), np.take(a, idx, axis=dim), err_msg=name)
        np.testing.assert_allclose(x.index_select(dim, T(idx, dtype=ember.int32)).numpy(), np.take(a, idx, axis=dim))
        src_shape = list(a.shape)
        src_shape[dim] = len(idx)
        src = rng.standard_normal(src_shape)
        expect = a.copy()
        for i, j in enumerate(idx):
            sl = [slice(None)] * 2
            sl[dim] = j
            sl2 = [slice(None)] * 2
            sl2[dim] = i
            expect[tuple(sl)] += 2 * src[tuple(sl2)]
        np.testing.assert_allclose(x.index_add(dim, T(idx), T(src), alpha=2).numpy(), expect, err_msg=name)
        y = x.clone()
        y.index_add_(dim, T(idx), T(src), alpha=2)
        np.testing.assert_allclose(y.numpy(), expect)


# ---- masks, nonzero, take ---------------------------------------------------------------------

def test_masked_fill_and_select():
    rng = np.random.default_rng(6)
    for name, x, a in layouts((3, 4)):
        mask = rng.random((3, 4)) > 0.5
        row_mask = np.array([True, False, False, True])
        np.testing.assert_array_equal(x.masked_fill(T(mask), 2.5).numpy(), np.where(mask, 2.5, a))
        np.testing.assert_array_equal(ember.masked_fill(x, T(row_mask), T(-1.0)).numpy(), np.where(row_mask, -1.0, a))
        np.testing.assert_array_equal(x.masked_select(T(mask)).numpy(), a[mask])
        np.testing.assert_array_equal(ember.masked_select(x, T(row_mask)).numpy(), np.broadcast_to(a, (3, 4))[np.broadcast_to(row_mask, (3, 4))])
        y = x.clone()
        y.masked_fill_(T(row_mask), 0)
        np.testing.assert_array_equal(y.numpy(), np.where(row_mask, 0, a))
    # broadcasting self against a bigger mask (out of place only)
    got = T([1.0, 2.0]).masked_fill(T([[True, False], [False, True]]), 0)
    np.testing.assert_array_equal(got.numpy(), [[0, 2], [1, 0]])
    assert T(3).masked_fill(T(True), 1.9).numpy().tolist() == 1


def test_nonzero_and_where():
    rng = np.random.default_rng(7)
    for name, x, a in layouts((3, 4, 2)):
        a = np.where(a > 0.3, a, 0)
        x = x.masked_fill(x <= 0.3, 0)
        np.testing.assert_array_equal(x.nonzero().numpy(), np.argwhere(a), err_msg=name)
        for got, ref in zip(ember.nonzero(x, as_tuple=True), np.nonzero(a)):
            np.testing.assert_array_equal(got.numpy(), ref)
        for got, ref in zip(ember.where(x > 0.5), np.nonzero(a > 0.5)):
            np.testing.assert_array_equal(got.numpy(), ref)
    assert ember.nonzero(T(2.0)).shape == (1, 0) and ember.nonzero(T(0.0)).shape == (0, 0)
    assert [t.numpy().tolist() for t in ember.nonzero(T(2.0), as_tuple=True)] == [[0]]
    assert ember.nonzero(T([True, False, True])).dtype == ember.int64


@pytest.mark.parametrize("dim", [0, 1, None])
def test_take_along_dim_and_take(dim):
    rng = np.random.default_rng(8)
    for name, x, a in layouts((3, 4)):
        if dim is None:
            idx = rng.integers(0, 12, size=(5,))
            np.testing.assert_array_equal(ember.take_along_dim(x, T(idx)).numpy(), a.ravel()[idx])
            idx2 = rng.integers(-12, 12, size=(2, 3))
            np.testing.assert_array_equal(x.take(T(idx2)).numpy(), np.take(a, idx2))
        else:
            shape = (3, 1) if dim == 1 else (2, 4)
            idx = rng.integers(0, a.shape[dim], size=shape)
            np.testing.assert_array_equal(x.take_along_dim(T(idx), dim=dim).numpy(), np.take_along_axis(a, idx, axis=dim))


def test_index_put():
    rng = np.random.default_rng(9)
    for name, x, a in layouts((4, 3)):
        i, j = np.array([0, 2, 0]), np.array([1, 1, 1])
        v = rng.standard_normal(3)
        expect = a.copy()
        np.add.at(expect, (i, j), v)
        np.testing.assert_allclose(ember.index_put(x, (T(i), T(j)), T(v), accumulate=True).numpy(), expect)
        expect = a.copy()
        expect[[1, 3]] = 5.0
        np.testing.assert_array_equal(x.index_put((T([1, 3]),), T(5.0)).numpy(), expect)
        y = x.clone()
        y.index_put_((None, T([2])), T([[1.0], [2.0], [3.0], [4.0]]))
        expect = a.copy()
        expect[:, [2]] = [[1.0], [2.0], [3.0], [4.0]]
        np.testing.assert_array_equal(y.numpy(), expect)


@requires_torch
def test_ops_match_torch():
    rng = np.random.default_rng(10)
    a = rng.standard_normal((4, 5))
    idx = rng.integers(0, 4, size=(3, 5))
    x, t = T(a), torch.tensor(a)
    assert_close(x.gather(0, T(idx)), t.gather(0, torch.tensor(idx)))
    assert_close(x.scatter_add(0, T(idx), T(a[:3])), t.scatter_add(0, torch.tensor(idx), torch.tensor(a[:3])))
    assert_close(x.index_select(1, T([4, 0])), t.index_select(1, torch.tensor([4, 0])))
    assert_close(x.masked_select(x > 0), t.masked_select(t > 0))
    assert_close(x.nonzero(), t.nonzero())
    assert_close(x.take(T([[-1, 3]])), t.take(torch.tensor([[-1, 3]])))
    assert_close(x.take_along_dim(T(idx), 0), t.take_along_dim(torch.tensor(idx), 0))
    assert_close(x.index_put((T([0, 0]), T([1, 1])), T([1.0, 2.0]), accumulate=True),
                 t.index_put((torch.tensor([0, 0]), torch.tensor([1, 1])), torch.tensor([1.0, 2.0], dtype=torch.float64), accumulate=True))
    assert_close(x.index_add(0, T([1, 1]), T(a[:2])), t.index_add(0, torch.tensor([1, 1]), torch.tensor(a[:2])))


# ---- gradients ----------------------------------------------------------------------------------

def leaf(shape, seed=0, transpose=False):
    a = np.random.default_rng(seed).standard_normal(shape)
    if transpose:
        return T(a.T.copy(), dtype=ember.float64).t().detach().requires_grad_()
    return T(a, dtype=ember.float64, requires_grad=True)


IDX = T([[0, 2, 1], [2, 2, 0]])
GRAD_CASES = [
    ("gather", lambda x: x.gather(0, IDX), [(3, 3)]),
    ("gather_dim1", lambda x: x.gather(1, IDX), [(3, 4)]),
    ("scatter", lambda x, s: x.scatter(0, T([[0, 1, 2], [2, 0, 1]]), s), [(3, 3), (2, 4)]),
    ("scatter_value", lambda x: x.scatter(1, IDX, value=0.5), [(2, 3)]),
    ("scatter_add", lambda x, s: x.scatter_add(0, IDX, s), [(3, 3), (2, 3)]),
    ("index_select", lambda x: x.index_select(1, T([2, 0, 2])), [(2, 3)]),
    ("index_add", lambda x, s: x.index_add(0, T([1, 1]), s, alpha=3), [(2, 3), (2, 3)]),
    ("masked_fill", lambda x: x.masked_fill(T([True, False, True]), 1.0), [(2, 3)]),
    ("masked_fill_tensor", lambda x, v: x.masked_fill(T([[True], [False]]), v), [(2, 3), ()]),
    ("masked_select", lambda x: x.masked_select(T([[True, False, True]])), [(2, 3)]),
    ("take_along_dim", lambda x: x.take_along_dim(T([[0], [2]]), 1), [(2, 3)]),
    ("take", lambda x: x.take(T([[5, -1], [0, 5]])), [(2, 3)]),
    ("index_put", lambda x, v: x.index_put((T([0, 1, 0]),), v, accumulate=True), [(2, 3), (3, 3)]),
    ("index_put_assign", lambda x, v: x.index_put((T([1]), T([0, 2])), v), [(2, 3), ()]),
    ("getitem_basic", lambda x: x[1:, None, ::2][..., 0], [(3, 4)]),
    ("getitem_int", lambda x: x[-1], [(3, 4)]),
    ("getitem_advanced", lambda x: x[[0, 2, 0], 1:], [(3, 4)]),
    ("getitem_two_arrays", lambda x: x[T([[0], [2]]), T([1, 1, 3])], [(3, 4)]),
    ("getitem_mask", lambda x: x[x.detach() > 0], [(3, 4)]),
    ("getitem_separated", lambda x: x[T([0, 1]), :, T([1, 0])], [(2, 3, 2)]),
]


@pytest.mark.parametrize("name,fn,shapes", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
@pytest.mark.parametrize("transpose", [False, True])
def test_gradcheck(name, fn, shapes, transpose):
    inputs = [leaf(s, seed=i, transpose=transpose and len(s) == 2) for i, s in enumerate(shapes)]
    assert gradcheck(fn, inputs)


def test_gradcheck_setitem():
    def basic(x, y):
        b = x * 1
        b[0] = y
        return b

    def advanced(x, y):
        b = x * 2
        b[[0, 2], 1:] = y
        return b

    def into_plain(y):
        b = ember.zeros(3, 2, dtype=ember.float64)
        b[1:, 0] = y
        return b

    def view_mul(x, y):
        b = x * 1
        v = b[:, 1]
        v.mul_(y)
        return b, v

    def chained(x, y):
        b = x + 0
        b[1][0] = y[0] * 3
        b[:, -1] += y
        return b

    assert gradcheck(basic, [leaf((3, 2)), leaf((2,), 1)])
    assert gradcheck(advanced, [leaf((3, 3)), leaf((2, 1), 1)])
    assert gradcheck(into_plain, [leaf((2,))])
    assert gradcheck(view_mul, [leaf((3, 2)), leaf((3,), 1)])
    assert gradcheck(chained, [leaf((2, 3)), leaf((2,), 1)])


def test_inplace_on_view_rebases_base_history():
    x = leaf((2, 3))
    b = x * 1
    v = b[:, 1]
    v.mul_(ember.tensor(2.0, dtype=ember.float64))
    assert b.grad_fn.name() == "CopySlices"
    b.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 2, 1], [1, 2, 1]])
    z = ember.zeros(3)
    y = ember.ones(1, requires_grad=True)
    z[1:2] = y
    assert z.requires_grad and not z.is_leaf
    (z * T([1.0, 5.0, 1.0], dtype=ember.float32)).sum().backward()
    assert y.grad.numpy().tolist() == [5.0]


def test_setitem_double_backward():
    x = T([[1.0, 2.0], [3.0, 4.0]], dtype=ember.float64, requires_grad=True)
    b = x * x
    b[0] = b[0] * 3
    (g,) = ember.autograd.grad([b.sum()], [x], create_graph=True)
    np.testing.assert_array_equal(g.detach().numpy(), [[6, 12], [6, 8]])
    (gg,) = ember.autograd.grad([g.sum()], [x])
    np.testing.assert_array_equal(gg.numpy(), [[6, 6], [2, 2]])


def test_setitem_into_non_contiguous_base():
    c = ember.from_numpy(np.arange(6.0).reshape(2, 3).T)  # a base with strides (1, 3)
    y = T([10.0, 20.0], dtype=ember.float64, requires_grad=True)
    c[1] = y * 2
    (c * T(np.arange(6.0).reshape(3, 2) + 1)).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [6, 8])
    np.testing.assert_array_equal(c.detach().numpy(), [[0, 3], [20, 40], [2, 5]])


# ---- errors ---------------------------------------------------------------------------------------

ERRORS = [
    (lambda x: x[5], IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
    (lambda x: x[:, -5], IndexError, "index -5 is out of bounds for dimension 1 with size 4"),
    (lambda x: x[T([0, 3])], IndexError, "index 3 is out of bounds for dimension 0 with size 3"),
    (lambda x: x[[0], [4]], IndexError, "index 4 is out of bounds for dimension 1 with size 4"),
    (lambda x: x[::-1], ValueError, "step must be greater than zero"),
    (lambda x: x[1.0], IndexError, "only integers, slices"),
    (lambda x: x[T([1.0])], IndexError, "tensors used as indices must be long, int, byte or bool tensors"),
    (lambda x: x[0, 0, 0], IndexError, "too many indices for tensor of dimension 2"),
    (lambda x: x[T([0, 1]), T([0, 1, 2])], IndexError, "shape mismatch: indexing tensors could not be broadcast"),
    (lambda x: x[T([True, False])], IndexError, "The shape of the mask \\[2\\] at index 0 does not match"),
    (lambda x: T(1.0)[0], IndexError, "invalid index of a 0-dim tensor"),
    (lambda x: x.__setitem__(0, "a"), TypeError, "can't assign a str"),
    (lambda x: x.__setitem__(0, ember.ones(5)), RuntimeError, "cannot be broadcast"),
    (lambda x: x.__setitem__([0, 1], ember.ones(5)), RuntimeError, "shape mismatch: value tensor of shape"),
    (lambda x: x.__setitem__([0, 7], 1.0), IndexError, "index 7 is out of bounds"),
    (lambda x: x.gather(0, T([[5]])), RuntimeError, "index 5 is out of bounds for dimension 0 with size 3"),
    (lambda x: x.gather(0, T([[-1]])), RuntimeError, "index -1 is out of bounds"),
    (lambda x: x.gather(0, T([[0.0]])), RuntimeError, "Expected dtype int64 for index"),
    (lambda x: x.gather(0, T([0])), RuntimeError, "Index tensor must have the same number of dimensions"),
    (lambda x: x.gather(1, T([[0]] * 4)), RuntimeError, "Size does not match at dimension 0"),
    (lambda x: x.scatter(0, T([[3]]), x), RuntimeError, "index 3 is out of bounds"),
    (lambda x: x.scatter(0, T([[0]]), ember.ones(1, 1, dtype=ember.float64)), RuntimeError, "Expected self.dtype"),
    (lambda x: x.scatter(0, T([[0, 1, 2, 0, 1]]), x), RuntimeError, "Expected index"),
    (lambda x: x.index_select(0, T([3])), IndexError, "index out of range in self"),
    (lambda x: x.index_select(0, T([[0]])), IndexError, "Index is supposed to be a vector"),
    (lambda x: x.index_select(0, T([0.0])), IndexError, "Expected dtype int32 or int64"),
    (lambda x: x.index_add(0, T([0]), ember.ones(2, 4)), RuntimeError, "Number of indices \\(1\\) should be equal"),
    (lambda x: x.index_add(0, T([0]), ember.ones(1, 3)), RuntimeError, "source tensor shape must match"),
    (lambda x: x.index_add(0, T([5]), ember.ones(1, 4)), RuntimeError, "index 5 is out of bounds for dimension 0"),
    (lambda x: x.masked_fill(T([1, 0, 1, 0]), 1.0), RuntimeError, "masked_fill_ only supports boolean masks"),
    (lambda x: x.masked_fill(T([True] * 4), T([1.0])), RuntimeError, "only supports a 0-dimensional value"),
    (lambda x: x.masked_fill_(T(np.ones((2, 1, 1), bool)), 1.0), RuntimeError, "doesn't match the broadcast shape"),
    (lambda x: x.masked_select(T([1, 0, 1, 0])), RuntimeError, "expected BoolTensor for mask"),
    (lambda x: x.take(T([12])), IndexError, "out of range: tried to access index 12 on a tensor of 12 elements"),
    (lambda x: x.take_along_dim(T([0]), 0), RuntimeError, "should have the same number of dimensions"),
    (lambda x: x.index_put_((T([0]),), T([1])), RuntimeError, "Index put requires the source and destination dtypes match"),
    (lambda x: x.scatter(0, T([[0]]), ember.ones(1, 1), value=1.0), TypeError, "exactly one of"),
]


@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_errors(k):
    fn, exc, msg = ERRORS[k]
    x = ember.zeros(3, 4)
    with pytest.raises(exc, match=msg):
        fn(x)


def test_inplace_errors():
    w = ember.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        w[0] = 1.0
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        w.masked_fill_(T([True, False, True]), 0.0)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        w.index_put_((T([0]),), T(1.0, dtype=ember.float32))
    with ember.no_grad():
        w[0] = 2.0  # allowed without grad mode
    assert w.detach().numpy().tolist() == [2.0, 0.0, 0.0]
    x = ember.zeros(3)
    before = x.numpy().copy()
    with pytest.raises(RuntimeError, match="index 9 is out of bounds"):
        x.scatter_(0, T([0, 9]), T([1.0, 2.0], dtype=ember.float32))
    np.testing.assert_array_equal(x.numpy(), before)  # nothing written


def test_scatter_add_deterministic_duplicates():
    idx = np.zeros(10000, dtype=np.int64)
    src = np.full(10000, 0.1, dtype=np.float32)
    a = ember.zeros(1).scatter_add(0, T(idx), T(src, dtype=ember.float32))
    b = ember.zeros(1).scatter_add(0, T(idx), T(src, dtype=ember.float32))
    assert a.numpy().tolist() == b.numpy().tolist()
    assert abs(a.numpy()[0] - 1000.0) < 0.1
