"""rms_norm/RMSNorm (fused C++), local_response_norm, embedding_bag/EmbeddingBag, cosine_similarity,
PairwiseDistance, rrelu, dropout3d, feature_alpha_dropout, gumbel_softmax, the in-place activations, the
module-level torch.* nn functions and TripletMarginWithDistanceLoss, vs PyTorch."""
import numpy as np
import pytest

import ember
from ember import nn
from ember.nn import functional as F
from ember.testing import gradcheck
from conftest import requires_torch
from nn_compare import compare, module_pair

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

pytestmark = requires_torch
TF = torch.nn.functional if torch is not None else None


def _r(rng, *shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,norm,weighted,eps", [((3, 5), (5,), True, None), ((2, 3, 4), (3, 4), True, 1e-3),
                                                     ((4, 6), 6, False, None), ((0, 4), (4,), True, None)])
def test_rms_norm_matches_torch(rng, dtype, shape, norm, weighted, eps):
    np_dtype = np.float32 if dtype == "float32" else np.float64
    nshape = (norm,) if isinstance(norm, int) else norm
    arrays = [_r(rng, *shape, dtype=np_dtype)] + ([_r(rng, *nshape, dtype=np_dtype)] if weighted else [])
    compare(lambda *t: F.rms_norm(t[0], norm, *t[1:], eps=eps), lambda *t: TF.rms_norm(t[0], nshape, *t[1:], eps=eps),
            arrays, dtype=dtype)


def test_rms_norm_noncontiguous_gradcheck_and_double_backward(rng):
    x = _r(rng, 5, 4, dtype=np.float64)
    compare(lambda x, w: F.rms_norm(x.t(), (5,), w), lambda x, w: TF.rms_norm(x.t(), (5,), w),
            [x, _r(rng, 5, dtype=np.float64)], dtype="float64")
    xe = ember.tensor(x, requires_grad=True)
    we = ember.tensor(_r(rng, 5, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda x, w: F.rms_norm(x.t(), (5,), w), [xe, we])
    # Second derivative through the create_graph backward vs torch.
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(we.detach().numpy(), requires_grad=True)
    (gx,) = ember.autograd.grad((F.rms_norm(xe.t(), (5,), we) ** 2).sum(), [xe], create_graph=True)
    (gxt,) = torch.autograd.grad((TF.rms_norm(xt.t(), (5,), wt) ** 2).sum(), [xt], create_graph=True)
    gx.sum().backward()
    gxt.sum().backward()
    np.testing.assert_allclose(we.grad.numpy(), wt.grad.numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-9)


def test_rms_norm_module_and_errors(rng):
    ours, theirs = module_pair(nn.RMSNorm, torch.nn.RMSNorm, (3, 4), eps=1e-6)
    compare(ours, theirs, [_r(rng, 2, 3, 4)], ours_module=ours, theirs_module=theirs)
    assert repr(ours) == repr(theirs)
    assert nn.RMSNorm(4, elementwise_affine=False).weight is None
    with pytest.raises(RuntimeError, match="normalized_shape"):
        F.rms_norm(ember.randn(2, 3), (4,))
    with pytest.raises(RuntimeError, match="weight"):
        F.rms_norm(ember.randn(2, 3), (3,), ember.ones(4))


@pytest.mark.parametrize("shape,size", [((2, 6, 5), 3), ((2, 7, 3, 4), 4), ((1, 5, 2, 2, 3), 2), ((2, 3, 4), 9)])
def test_local_response_norm(rng, shape, size):
    compare(lambda x: F.local_response_norm(x, size, 1e-2, 0.6, 2.0),
            lambda x: TF.local_response_norm(x, size, 1e-2, 0.6, 2.0), [_r(rng, *shape)])
    ours, theirs = nn.LocalResponseNorm(size), torch.nn.LocalResponseNorm(size)
    compare(ours, theirs, [_r(rng, *shape)])
    assert repr(ours) == repr(theirs)
    with pytest.raises(ValueError, match="3D or higher"):
        F.local_response_norm(ember.randn(3, 4), 2)


BAG_CASES = [
    ("sum", [1, 2, 4, 5, 4, 3, 2, 9], [0, 4, 4, 6], {}),
    ("mean", [1, 2, 4, 5, 4, 3, 2, 9], [0, 4, 4, 6], {"padding_idx": 4}),
    ("max", [1, 2, 4, 5, 4, 3, 2, 9], [0, 3, 3, 6], {}),
    ("max", [1, 2, 4, 5, 4, 3, 2, 9], [0, 3, 3, 6], {"padding_idx": 2}),
    ("sum", [1, 2, 4, 5, 4, 3, 2, 9], [0, 2, 5, 8], {"include_last_offset": True}),
    ("mean", [[1, 2, 0], [4, 4, 3]], None, {}),
    ("max", [[1, 2, 0], [4, 4, 3]], None, {"padding_idx": 4}),
]


@pytest.mark.parametrize("mode,indices,offsets,kw", BAG_CASES)
def test_embedding_bag_matches_torch(rng, mode, indices, offsets, kw):
    w = _r(rng, 10, 3)
    arrays = [w, np.array(indices)] + ([np.array(offsets)] if offsets is not None else [])
    compare(lambda w, i, *o: F.embedding_bag(i, w, *o, mode=mode, **kw),
            lambda w, i, *o: TF.embedding_bag(i, w, *o, mode=mode, **kw), arrays)


def test_embedding_bag_per_sample_weights_module_and_gradcheck(rng):
    w, psw = _r(rng, 6, 4), _r(rng, 5)
    idx, off = np.array([0, 3, 3, 5, 1]), np.array([0, 2])
    compare(lambda w, i, o, p: F.embedding_bag(i, w, o, mode="sum", per_sample_weights=p),
            lambda w, i, o, p: TF.embedding_bag(i, w, o, mode="sum", per_sample_weights=p), [w, idx, off, psw])
    ours, theirs = module_pair(nn.EmbeddingBag, torch.nn.EmbeddingBag, 6, 4, mode="max")
    compare(ours, theirs, [idx, off], ours_module=ours, theirs_module=theirs)
    assert repr(ours) == repr(theirs)
    bag = nn.EmbeddingBag.from_pretrained(ember.tensor(w), mode="sum")
    assert not bag.weight.requires_grad
    np.testing.assert_allclose(bag(ember.tensor(idx), ember.tensor(off)).numpy(),
                               torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), mode="sum")(
                                   torch.tensor(idx), torch.tensor(off)).numpy(), rtol=1e-6)
    we = ember.tensor(_r(rng, 6, 4, dtype=np.float64), requires_grad=True)
    pe = ember.tensor(_r(rng, 5, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda w, p: F.embedding_bag(ember.tensor(idx), w, ember.tensor(off), mode="sum",
                                                  per_sample_weights=p), [we, pe])
    assert gradcheck(lambda w: F.embedding_bag(ember.tensor(idx), w, ember.tensor(off), mode="mean"), [we])


def test_embedding_bag_errors():
    w = ember.randn(5, 2)
    with pytest.raises(ValueError, match="offsets has to be None"):
        F.embedding_bag(ember.tensor([[1, 2]]), w, ember.tensor([0]))
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor"):
        F.embedding_bag(ember.tensor([1, 2]), w)
    with pytest.raises(NotImplementedError, match="per_sample_weights"):
        F.embedding_bag(ember.tensor([1, 2]), w, ember.tensor([0]), mode="mean",
                        per_sample_weights=ember.ones(2))
    with pytest.raises(RuntimeError, match=r"offsets\[0\]"):
        F.embedding_bag(ember.tensor([1, 2]), w, ember.tensor([1]))
    with pytest.raises(IndexError, match="out of range"):
        F.embedding_bag(ember.tensor([1, 7]), w, ember.tensor([0]))
    with pytest.raises(ValueError, match="mode"):
        F.embedding_bag(ember.tensor([1, 2]), w, ember.tensor([0]), mode="min")


def test_cosine_similarity_and_pairwise_distance(rng):
    compare(lambda a, b: F.cosine_similarity(a, b), lambda a, b: TF.cosine_similarity(a, b),
            [_r(rng, 4, 1), _r(rng, 4, 3)])
    compare(nn.CosineSimilarity(dim=-1, eps=1e-3), torch.nn.CosineSimilarity(dim=-1, eps=1e-3),
            [_r(rng, 2, 1, 5), _r(rng, 3, 5)])
    compare(nn.PairwiseDistance(p=1.5, keepdim=True), torch.nn.PairwiseDistance(p=1.5, keepdim=True),
            [_r(rng, 4, 3), _r(rng, 4, 3)])
    compare(ember.cosine_similarity, torch.cosine_similarity, [_r(rng, 3, 4), _r(rng, 3, 4)])
    compare(ember.pairwise_distance, torch.pairwise_distance, [_r(rng, 3, 4), _r(rng, 1, 4)])


def test_rrelu(rng):
    x = _r(rng, 6, 5)
    compare(lambda x: F.rrelu(x, 0.1, 0.3), lambda x: TF.rrelu(x, 0.1, 0.3), [x])
    m = nn.RReLU(0.1, 0.3)
    y = m(ember.tensor(x)).numpy()
    neg = x < 0
    ratio = y[neg] / x[neg]
    assert (ratio >= 0.1 - 1e-6).all() and (ratio <= 0.3 + 1e-6).all() and ratio.std() > 0
    np.testing.assert_array_equal(y[~neg], x[~neg])
    m.eval()
    np.testing.assert_allclose(m(ember.tensor(x)).numpy(), torch.nn.RReLU(0.1, 0.3).eval()(torch.tensor(x)).numpy())
    t = ember.tensor(x)
    assert F.rrelu_(t) is t and ember.rrelu_ is F.rrelu_
    with pytest.raises(ValueError, match="Lower bound"):
        F.rrelu(t, 0.5, 0.1)


@pytest.mark.parametrize("name,args", [("relu_", ()), ("elu_", (0.7,)), ("celu_", (0.5,)), ("selu_", ()),
                                       ("leaky_relu_", (0.2,)), ("hardtanh_", (-0.5, 0.4)),
                                       ("threshold_", (0.1, -2.0))])
def test_inplace_activations(rng, name, args):
    x = _r(rng, 3, 4)
    ours = ember.tensor(x)
    out = getattr(F, name)(ours, *args)
    expected = getattr(TF, name)(torch.tensor(x), *args)
    assert out is ours
    np.testing.assert_allclose(ours.numpy(), expected.numpy(), rtol=1e-6, atol=1e-7)


def test_module_level_functions(rng):
    x = _r(rng, 3, 4)
    for name, args in [("celu", (0.5,)), ("selu", ()), ("threshold", (0.1, 3.0)), ("hardshrink", (0.3,)),
                       ("relu_", ()), ("celu_", ()), ("selu_", ()), ("threshold_", (0.0, 1.0))]:
        np.testing.assert_allclose(getattr(ember, name)(ember.tensor(x), *args).numpy(),
                                   getattr(torch, name)(torch.tensor(x), *args).numpy(), rtol=1e-6, atol=1e-7)
    w = _r(rng, 4)
    np.testing.assert_allclose(ember.prelu(ember.tensor(x), ember.tensor(w)).numpy(),
                               torch.prelu(torch.tensor(x), torch.tensor(w)).numpy(), rtol=1e-6)
    table, idx = _r(rng, 5, 2), np.array([[0, 4], [2, 2]])
    np.testing.assert_array_equal(ember.embedding(ember.tensor(table), ember.tensor(idx)).numpy(),
                                  torch.embedding(torch.tensor(table), torch.tensor(idx)).numpy())
    a, b, W = _r(rng, 2, 3), _r(rng, 2, 4), _r(rng, 5, 3, 4)
    np.testing.assert_allclose(ember.bilinear(ember.tensor(a), ember.tensor(b), ember.tensor(W)).numpy(),
                               torch.bilinear(torch.tensor(a), torch.tensor(b), torch.tensor(W)).numpy(),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ember.rms_norm(ember.tensor(x), (4,)).numpy(),
                               torch.rms_norm(torch.tensor(x), (4,)).numpy(), rtol=1e-6)
    assert (ember.dropout(ember.tensor(x), 0.5, False).numpy() == x).all()
    assert not ember.dropout(ember.tensor(x), 1.0, True).numpy().any()
    assert (ember.alpha_dropout(ember.tensor(x), 0.5, False).numpy() == x).all()
    assert (ember.feature_alpha_dropout(ember.tensor(x), 0.5, False).numpy() == x).all()
    v = ember.ones((4, 6, 8))
    kept = ember.feature_dropout(v, 0.5, True).numpy()
    assert set(np.unique(kept)) <= {0.0, 2.0} and (kept == kept[:, :, :1]).all()
    t = ember.tensor(x)
    assert ember.dropout_(t, 1.0, True) is t and not t.numpy().any()


def test_dropout3d_and_feature_alpha_dropout():
    x = ember.ones((8, 16, 2, 3, 4))
    y = F.dropout3d(x, 0.5).numpy()
    per_volume = y.reshape(8, 16, -1)
    assert set(np.unique(y)) <= {0.0, 2.0} and (per_volume == per_volume[..., :1]).all()
    assert 0.2 < (per_volume[..., 0] == 0).mean() < 0.8
    assert tuple(nn.Dropout3d()(ember.ones((3, 2, 2, 2))).shape) == (3, 2, 2, 2)
    assert (nn.Dropout3d().eval()(x).numpy() == 1).all()
    z = ember.randn(400, 32, 6)
    out = nn.FeatureAlphaDropout(0.3)(z).numpy()
    assert (out == out[:, :, :1] * 0 + out[:, :, :1]).any()
    # SELU-preserving: mean ~0 and std ~1 for a standard normal input.
    assert abs(out.mean()) < 0.05 and abs(out.std() - 1) < 0.05
    dropped = np.isclose(out, out[:, :, :1]).all(-1)  # a dropped channel is one constant
    assert 0.2 < dropped.mean() < 0.4
    assert repr(nn.FeatureAlphaDropout(0.3)) == repr(torch.nn.FeatureAlphaDropout(0.3))
    with pytest.raises(ValueError, match="probability"):
        F.feature_alpha_dropout(z, 1.5, True)


def test_gumbel_softmax(rng):
    logits = ember.tensor(_r(rng, 5, 7), requires_grad=True)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.sum(-1).detach().numpy(), 1, rtol=1e-5)
    hard = F.gumbel_softmax(logits, hard=True, dim=0)
    h = hard.detach().numpy()
    assert set(np.unique(h)) == {0.0, 1.0} and (h.sum(0) == 1).all()
    (hard * ember.tensor(_r(rng, 5, 7))).sum().backward()
    assert logits.grad is not None and np.abs(logits.grad.numpy()).sum() > 0
    # The argmax follows the logits: a dominant logit wins almost always.
    big = ember.tensor([[0.0, 20.0, 0.0]] * 50)
    assert (F.gumbel_softmax(big, hard=True).numpy()[:, 1] == 1).mean() > 0.95


def test_triplet_margin_with_distance_loss(rng):
    arrays = [_r(rng, 4, 3), _r(rng, 4, 3), _r(rng, 4, 3)]
    compare(nn.TripletMarginWithDistanceLoss(), torch.nn.TripletMarginWithDistanceLoss(), arrays)

    def dist(a, b):
        return 1 - F.cosine_similarity(a, b)

    def tdist(a, b):
        return 1 - TF.cosine_similarity(a, b)

    compare(nn.TripletMarginWithDistanceLoss(distance_function=dist, margin=0.5, swap=True, reduction="none"),
            torch.nn.TripletMarginWithDistanceLoss(distance_function=tdist, margin=0.5, swap=True, reduction="none"),
            arrays)
    with pytest.raises(ValueError, match="margin"):
        nn.TripletMarginWithDistanceLoss(margin=0)
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        F.triplet_margin_with_distance_loss(ember.randn(2, 3), ember.randn(2, 3), ember.randn(3))


@pytest.mark.parametrize("size,channels", [(2, 3), (3, 8), (4, 1), (5, 8), (7, 3)])
def test_cross_map_lrn2d_matches_torch(rng, size, channels):
    # PyTorch's legacy window (channel 0 stays counted) and its own backward formula, reproduced.
    ours, theirs = nn.CrossMapLRN2d(size, alpha=0.5, beta=0.7, k=1.5), torch.nn.CrossMapLRN2d(size, 0.5, 0.7, 1.5)
    compare(ours, theirs, [_r(rng, 2, channels, 3, 2, dtype=np.float64)], dtype="float64")
    assert repr(ours) == repr(theirs)
    with pytest.raises(ValueError, match="4D"):
        ours(ember.randn(2, 3, 4))


def test_norm_weight_grads_of_empty_input_are_zero():
    x = ember.zeros((0, 4), requires_grad=True)
    w, b = ember.ones(4, requires_grad=True), ember.ones(4, requires_grad=True)
    F.layer_norm(x, (4,), w, b).sum().backward()
    F.rms_norm(x, (4,), w).sum().backward()
    assert not w.grad.numpy().any() and not b.grad.numpy().any()


def test_tensor_methods(rng):
    x, w = _r(rng, 3, 4), _r(rng, 4)
    np.testing.assert_allclose(ember.tensor(x).hardshrink(0.3).numpy(), torch.tensor(x).hardshrink(0.3).numpy())
    np.testing.assert_allclose(ember.tensor(x).prelu(ember.tensor(w)).numpy(),
                               torch.tensor(x).prelu(torch.tensor(w)).numpy(), rtol=1e-6)


def test_scale_grad_by_freq(rng):
    w = _r(rng, 5, 2)
    idx = np.array([[1, 1], [2, 1]])
    compare(lambda w, i: F.embedding(i, w, scale_grad_by_freq=True),
            lambda w, i: TF.embedding(i, w, scale_grad_by_freq=True), [w, idx])
    we = ember.tensor(w, requires_grad=True)
    F.embedding_bag(ember.tensor([1, 1, 2, 1, 3]), we, ember.tensor([0, 2]), mode="sum",
                    scale_grad_by_freq=True).sum().backward()
    # Each index's summed gradient is divided by its count: 1 for every index that occurs.
    np.testing.assert_allclose(we.grad.numpy()[:, 0], [0, 1, 1, 1, 0], rtol=1e-6)
    with pytest.raises(RuntimeError, match="max mode does not support"):
        F.embedding_bag(ember.tensor([1, 2]), we, ember.tensor([0]), mode="max", scale_grad_by_freq=True)
