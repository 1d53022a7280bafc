"""ember.distributions (Categorical, Bernoulli, Normal) against torch.distributions."""
import math

import numpy as np
import pytest

import ember
from ember.distributions import Bernoulli, Categorical, Normal
from ember.testing import assert_close
from conftest import requires_torch, torch

if torch is not None:
    import torch.distributions as tdist

pytestmark = requires_torch

NEG_INF = float("-inf")


def both(array, dtype=np.float32):
    a = np.asarray(array, dtype=dtype)
    return ember.tensor(a), torch.tensor(a)


def _categorical_cases():
    rng = np.random.default_rng(0)
    return {
        "logits_1d": ("logits", rng.normal(size=5)),
        "logits_batch": ("logits", rng.normal(size=(3, 4, 6))),
        "logits_neg_inf": ("logits", [[0.5, NEG_INF, 1.0], [NEG_INF, NEG_INF, 2.0]]),
        "logits_huge": ("logits", [[1e4, -1e4, 0.0]]),
        "probs_1d": ("probs", [0.2, 0.3, 0.5]),
        "probs_unnormalised": ("probs", [[1.0, 3.0], [2.0, 2.0]]),
        "probs_zero": ("probs", [[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]]),
        "probs_tiny": ("probs", [[1e-30, 1.0 - 1e-7, 1e-7]]),
    }


CAT = _categorical_cases()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", list(CAT))
def test_categorical_matches_torch(case, dtype):
    kind, values = CAT[case]
    e, t = both(values, dtype)
    ours, theirs = Categorical(**{kind: e}), tdist.Categorical(**{kind: t})
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape) and tuple(ours.event_shape) == ()
    assert_close(ours.probs, theirs.probs, rtol=1e-5, atol=1e-6)
    assert_close(ours.logits, theirs.logits, rtol=1e-5, atol=1e-5)
    assert_close(ours.entropy(), theirs.entropy(), rtol=1e-5, atol=1e-5)
    assert np.isfinite(ours.entropy().numpy()).all()
    assert_close(ours.mean, theirs.mean)
    assert_close(ours.variance, theirs.variance)
    assert_close(ours.mode, theirs.mode)
    k = e.shape[-1]
    values_all = ember.arange(k).reshape((k,) + (1,) * (e.dim() - 1))
    lp_ours = ours.log_prob(values_all)
    lp_theirs = theirs.log_prob(torch.arange(k).reshape((k,) + (1,) * (e.dim() - 1)))
    assert lp_ours.shape == tuple(lp_theirs.shape)
    assert_close(lp_ours, lp_theirs, rtol=1e-5, atol=1e-5)
    if kind == "probs":  # probabilities go through log(clamp(p, eps)): every log_prob is finite
        assert np.isfinite(lp_ours.numpy()).all()


def test_categorical_impossible_category_is_minus_infinity_and_never_sampled():
    d = Categorical(logits=ember.tensor([0.0, NEG_INF, 0.0]))
    assert d.log_prob(ember.tensor(1)).item() == NEG_INF
    assert math.isclose(d.entropy().item(), math.log(2), rel_tol=1e-6)
    ember.manual_seed(0)
    draws = d.sample((2000,))
    assert set(draws.tolist()) == {0, 2}


def test_categorical_gradients_stay_finite_with_neg_inf_logits():
    logits = ember.tensor([0.3, NEG_INF, -0.2], requires_grad=True)
    d = Categorical(logits=logits)
    (d.entropy() + d.log_prob(ember.tensor(2))).backward()
    t_logits = torch.tensor([0.3, NEG_INF, -0.2], requires_grad=True)
    td = tdist.Categorical(logits=t_logits)
    (td.entropy() + td.log_prob(torch.tensor(2))).backward()
    assert np.isfinite(logits.grad.numpy()).all()
    assert_close(logits.grad, t_logits.grad, atol=1e-6)


@pytest.mark.parametrize("batch", [(), (3,), (2, 3)])
@pytest.mark.parametrize("sample_shape", [(), (4,), (2, 5)])
def test_categorical_sample_shapes(batch, sample_shape):
    d = Categorical(logits=ember.zeros(batch + (4,)))
    s = d.sample(sample_shape)
    assert s.shape == sample_shape + batch and s.dtype == ember.int64
    assert d.log_prob(s).shape == sample_shape + batch
    assert d.enumerate_support().shape == (4,) + batch


def test_categorical_sample_frequencies():
    ember.manual_seed(1)
    probs = np.array([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]])
    s = Categorical(probs=ember.tensor(probs)).sample((20000,)).numpy()
    for row in range(2):
        freq = np.bincount(s[:, row], minlength=3) / len(s)
        np.testing.assert_allclose(freq, probs[row], atol=0.015)


def test_categorical_log_prob_broadcasts_values():
    ours = Categorical(logits=ember.tensor(np.arange(12.0).reshape(3, 4)))
    theirs = tdist.Categorical(logits=torch.tensor(np.arange(12.0).reshape(3, 4)))
    assert_close(ours.log_prob(ember.tensor([[0], [3]])), theirs.log_prob(torch.tensor([[0], [3]])))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind,values", [("probs", [0.0, 1e-30, 0.25, 0.5, 1 - 1e-7, 1.0]),
                                         ("logits", [-30.0, -2.0, 0.0, 0.7, 15.0, 90.0]),
                                         ("probs", [[0.1, 0.9], [0.6, 0.3]])])
def test_bernoulli_matches_torch(kind, values, dtype):
    e, t = both(values, dtype)
    ours, theirs = Bernoulli(**{kind: e}), tdist.Bernoulli(**{kind: t})
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
    tol = dict(rtol=1e-5, atol=1e-6)
    assert_close(ours.probs, theirs.probs, **tol)
    assert_close(ours.logits, theirs.logits, **tol)
    assert_close(ours.mean, theirs.mean, **tol)
    assert_close(ours.variance, theirs.variance, **tol)
    assert_close(ours.mode, theirs.mode)
    assert_close(ours.entropy(), theirs.entropy(), **tol)
    for v in (0.0, 1.0):
        lp = ours.log_prob(ember.full(e.shape, v, dtype=e.dtype))
        assert_close(lp, theirs.log_prob(torch.full(t.shape, v, dtype=t.dtype)), **tol)
        assert np.isfinite(lp.numpy()).all()
    assert np.isfinite(ours.entropy().numpy()).all()


def test_bernoulli_from_numbers_and_samples():
    d = Bernoulli(0.3)
    assert d.probs.dtype == ember.float32 and d.batch_shape == ()
    ember.manual_seed(2)
    s = Bernoulli(probs=ember.tensor([0.1, 0.8])).sample((20000,))
    assert s.shape == (20000, 2) and s.dtype == ember.float32
    assert set(np.unique(s.numpy())) <= {0.0, 1.0}
    np.testing.assert_allclose(s.mean(0).numpy(), [0.1, 0.8], atol=0.015)
    assert Bernoulli(logits=ember.zeros(3)).sample((2,)).shape == (2, 3)


def test_bernoulli_log_prob_gradient_matches_torch():
    logits = ember.tensor([-1.0, 0.5, 3.0], requires_grad=True)
    t_logits = torch.tensor([-1.0, 0.5, 3.0], requires_grad=True)
    value = [1.0, 0.0, 1.0]
    (Bernoulli(logits=logits).log_prob(ember.tensor(value)).sum() + Bernoulli(logits=logits).entropy().sum()).backward()
    (tdist.Bernoulli(logits=t_logits).log_prob(torch.tensor(value)).sum()
     + tdist.Bernoulli(logits=t_logits).entropy().sum()).backward()
    assert_close(logits.grad, t_logits.grad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("loc,scale,value", [(0.0, 1.0, [-2.0, 0.0, 3.5]), ([1.0, -2.0], [0.5, 3.0], [[0.0], [1.0]]),
                                             ([[0.0], [1.0]], [1e-3, 10.0], 0.25)])
def test_normal_matches_torch(loc, scale, value, dtype):
    ours = Normal(ember.tensor(np.asarray(loc, dtype)), ember.tensor(np.asarray(scale, dtype)))
    theirs = tdist.Normal(torch.tensor(np.asarray(loc, dtype)), torch.tensor(np.asarray(scale, dtype)))
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
    tol = dict(rtol=1e-5, atol=1e-5)
    for name in ("mean", "mode", "stddev", "variance"):
        assert_close(getattr(ours, name), getattr(theirs, name), **tol)
    assert_close(ours.entropy(), theirs.entropy(), **tol)
    v = np.asarray(value, dtype)
    assert_close(ours.log_prob(ember.tensor(v)), theirs.log_prob(torch.tensor(v)), **tol)
    assert_close(ours.cdf(ember.tensor(v)), theirs.cdf(torch.tensor(v)), **tol)


def test_normal_from_numbers():
    d = Normal(0, 1)
    assert d.loc.dtype == ember.float32 and d.batch_shape == ()
    assert math.isclose(d.entropy().item(), 0.5 + 0.5 * math.log(2 * math.pi), rel_tol=1e-6)
    assert math.isclose(d.log_prob(ember.tensor(0.0)).item(), -0.5 * math.log(2 * math.pi), rel_tol=1e-6)
    assert Normal(ember.zeros(2, dtype=ember.float64), 2.0).scale.dtype == ember.float64


@pytest.mark.parametrize("batch,sample_shape", [((), ()), ((), (3,)), ((2,), (4, 5)), ((2, 3), (1,))])
def test_normal_sample_shapes(batch, sample_shape):
    d = Normal(ember.zeros(batch), ember.ones(batch))
    assert d.sample(sample_shape).shape == sample_shape + batch
    assert d.rsample(sample_shape).shape == sample_shape + batch


def test_normal_sample_statistics():
    ember.manual_seed(3)
    s = Normal(ember.tensor([1.0, -4.0]), ember.tensor([0.5, 2.0])).sample((40000,))
    np.testing.assert_allclose(s.mean(0).numpy(), [1.0, -4.0], atol=0.03)
    np.testing.assert_allclose(s.std(0).numpy(), [0.5, 2.0], rtol=0.02)


def test_normal_rsample_gradient():
    loc = ember.tensor([0.5, -1.0], requires_grad=True)
    scale = ember.tensor([2.0, 0.1], requires_grad=True)
    d = Normal(loc, scale)
    x = d.rsample((1000,))
    assert x.requires_grad and not d.sample((3,)).requires_grad
    x.sum().backward()
    eps = ((x - loc) / scale).detach()
    assert_close(loc.grad, [1000.0, 1000.0])
    assert_close(scale.grad, eps.sum(0), rtol=1e-4, atol=1e-3)


def test_normal_log_prob_gradient_matches_torch():
    loc, scale = ember.tensor(0.3, requires_grad=True), ember.tensor(1.7, requires_grad=True)
    t_loc, t_scale = torch.tensor(0.3, requires_grad=True), torch.tensor(1.7, requires_grad=True)
    Normal(loc, scale).log_prob(ember.tensor([0.0, 2.0])).sum().backward()
    tdist.Normal(t_loc, t_scale).log_prob(torch.tensor([0.0, 2.0])).sum().backward()
    assert_close(loc.grad, t_loc.grad)
    assert_close(scale.grad, t_scale.grad)


def test_reprs_match_torch():
    assert repr(Normal(0.0, 1.0)) == repr(tdist.Normal(0.0, 1.0))
    assert repr(Bernoulli(0.5)) == repr(tdist.Bernoulli(0.5))
    assert repr(Categorical(logits=ember.zeros(2, 3))) == \
        repr(tdist.Categorical(logits=torch.zeros(2, 3))).replace("torch.Size", "ember.Size")


INVALID = [
    ("categorical_negative_probs", lambda m, mk: m.Categorical(probs=mk([-1.0, 2.0])),
     r"Expected parameter probs \(Tensor of shape \(2,\)\) of distribution Categorical\(probs: .*Size\(\[2\]\)\) "
     r"to satisfy the constraint Simplex\(\), but found invalid values"),
    ("categorical_0d", lambda m, mk: m.Categorical(probs=mk(1.0)), "`probs` parameter must be at least one-dimensional"),
    ("categorical_both", lambda m, mk: m.Categorical(probs=mk([1.0]), logits=mk([1.0])),
     "Either `probs` or `logits` must be specified, but not both."),
    ("categorical_out_of_support", lambda m, mk: m.Categorical(logits=mk([0.0, 1.0])).log_prob(mk(5)),
     r"Expected value argument \(Tensor of shape \(\)\) to be within the support "
     r"\(IntegerInterval\(lower_bound=0, upper_bound=1\)\)"),
    ("categorical_fractional", lambda m, mk: m.Categorical(logits=mk([0.0, 1.0])).log_prob(mk(0.5)),
     r"within the support \(IntegerInterval"),
    ("bernoulli_probs", lambda m, mk: m.Bernoulli(probs=mk([1.5])),
     r"Expected parameter probs \(Tensor of shape \(1,\)\) of distribution Bernoulli\(probs: tensor\(\[1.5000\]\)\) "
     r"to satisfy the "
     r"constraint Interval\(lower_bound=0.0, upper_bound=1.0\)"),
    ("bernoulli_neither", lambda m, mk: m.Bernoulli(), "Either `probs` or `logits` must be specified"),
    ("bernoulli_value", lambda m, mk: m.Bernoulli(probs=0.3).log_prob(mk(0.5)),
     r"within the support \(Boolean\(\)\) of the distribution Bernoulli"),
    ("normal_zero_scale", lambda m, mk: m.Normal(0.0, 0.0),
     r"Expected parameter scale \(Tensor of shape \(\)\) of distribution Normal\(loc: 0.0, scale: 0.0\) to satisfy "
     r"the constraint GreaterThan\(lower_bound=0.0\), but found invalid values"),
    ("normal_nan_loc", lambda m, mk: m.Normal(float("nan"), 1.0), r"parameter loc .* constraint Real\(\)"),
    ("normal_nan_value", lambda m, mk: m.Normal(0.0, 1.0).log_prob(mk(float("nan"))),
     r"within the support \(Real\(\)\) of the distribution Normal"),
]


@pytest.mark.parametrize("make,match", [(c[1], c[2]) for c in INVALID], ids=[c[0] for c in INVALID])
def test_validation_errors_match_torch(make, match):
    with pytest.raises(ValueError, match=match):
        make(tdist, torch.tensor)
    with pytest.raises(ValueError, match=match):
        make(ember.distributions, ember.tensor)


def test_validate_args_false_skips_checks():
    d = Normal(0.0, -1.0, validate_args=False)
    assert d.scale.item() == -1.0
    Bernoulli(probs=ember.tensor([1.5]), validate_args=False)
    lp = Categorical(logits=ember.zeros(3), validate_args=False).log_prob(ember.tensor(1))
    assert math.isclose(lp.item(), -math.log(3), rel_tol=1e-6)


def test_rsample_unsupported():
    with pytest.raises(NotImplementedError, match="rsample"):
        Categorical(logits=ember.zeros(2)).rsample()
    assert Normal(0.0, 1.0).has_rsample and not Bernoulli(0.5).has_rsample
