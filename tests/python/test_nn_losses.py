"""Every loss (functional and module) vs PyTorch: forward, input and target gradients, every reduction,
the legacy size_average/reduce flags, the special cases each loss is known for, and gradcheck."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember import nn
from ember.testing import assert_close, gradcheck
from conftest import requires_torch
from nn_compare import compare

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover
    torch = TF = None

REDUCTIONS = ["none", "mean", "sum"]


def _cases(rng, dtype):
    """name -> (F name, list of input arrays, kwargs, module name, module kwargs)."""
    r = lambda *s: rng.standard_normal(s).astype(dtype)  # noqa: E731
    u = lambda *s: rng.uniform(0.05, 0.95, s).astype(dtype)  # noqa: E731
    sign = lambda *s: rng.choice([-1.0, 1.0], s).astype(dtype)  # noqa: E731
    idx = lambda n, c: rng.integers(0, c, n)  # noqa: E731
    w = lambda c: rng.uniform(0.2, 2.0, c).astype(dtype)  # noqa: E731
    cases = {
        "l1": ("l1_loss", [r(3, 4), r(3, 4)], {}, "L1Loss", {}),
        "mse": ("mse_loss", [r(3, 4), r(3, 4)], {}, "MSELoss", {}),
        "smooth_l1": ("smooth_l1_loss", [r(3, 4), r(3, 4)], {"beta": 0.5}, "SmoothL1Loss", {"beta": 0.5}),
        "smooth_l1_beta0": ("smooth_l1_loss", [r(3, 4), r(3, 4)], {"beta": 0.0}, "SmoothL1Loss", {"beta": 0.0}),
        "huber": ("huber_loss", [r(3, 4) * 2, r(3, 4)], {"delta": 0.7}, "HuberLoss", {"delta": 0.7}),
        "bce": ("binary_cross_entropy", [u(3, 4), u(3, 4)], {}, "BCELoss", {}),
        "bce_weight": ("binary_cross_entropy", [u(3, 4), u(3, 4)], {"weight": w(4)}, "BCELoss", {"weight": w(4)}),
        "bce_logits": ("binary_cross_entropy_with_logits", [r(3, 4) * 3, u(3, 4)], {}, "BCEWithLogitsLoss", {}),
        "bce_logits_pw": ("binary_cross_entropy_with_logits", [r(3, 4) * 3, u(3, 4)],
                          {"pos_weight": w(4), "weight": w(4)}, "BCEWithLogitsLoss",
                          {"pos_weight": w(4), "weight": w(4)}),
        "kl_div": ("kl_div", [np.log(u(3, 4)), u(3, 4)], {}, "KLDivLoss", {}),
        "kl_div_log": ("kl_div", [np.log(u(3, 4)), np.log(u(3, 4))], {"log_target": True}, "KLDivLoss",
                       {"log_target": True}),
        "soft_margin": ("soft_margin_loss", [r(3, 4), sign(3, 4)], {}, "SoftMarginLoss", {}),
        "margin_ranking": ("margin_ranking_loss", [r(5), r(5), sign(5)], {"margin": 0.3}, "MarginRankingLoss",
                           {"margin": 0.3}),
        "hinge": ("hinge_embedding_loss", [r(3, 4), sign(3, 4)], {"margin": 0.8}, "HingeEmbeddingLoss",
                  {"margin": 0.8}),
        "cosine_emb": ("cosine_embedding_loss", [r(4, 5), r(4, 5), sign(4)], {"margin": 0.2},
                       "CosineEmbeddingLoss", {"margin": 0.2}),
        "multi_margin": ("multi_margin_loss", [r(4, 5), idx(4, 5)], {}, "MultiMarginLoss", {}),
        "multi_margin_p2w": ("multi_margin_loss", [r(4, 5), idx(4, 5)], {"p": 2, "margin": 0.5, "weight": w(5)},
                             "MultiMarginLoss", {"p": 2, "margin": 0.5, "weight": w(5)}),
        "multilabel_margin": ("multilabel_margin_loss", [r(3, 4), np.array([[3, 0, -1, 1], [0, 1, 2, 3],
                                                                            [-1, 2, 0, 1]])],
                              {}, "MultiLabelMarginLoss", {}),
        "multilabel_soft_margin": ("multilabel_soft_margin_loss", [r(3, 4), rng.integers(0, 2, (3, 4)).astype(dtype)],
                                   {"weight": w(4)}, "MultiLabelSoftMarginLoss", {"weight": w(4)}),
        "triplet": ("triplet_margin_loss", [r(4, 5), r(4, 5), r(4, 5)], {"margin": 0.5, "p": 1.5},
                    "TripletMarginLoss", {"margin": 0.5, "p": 1.5}),
        "triplet_swap": ("triplet_margin_loss", [r(4, 5), r(4, 5), r(4, 5)], {"swap": True},
                         "TripletMarginLoss", {"swap": True}),
        "poisson": ("poisson_nll_loss", [r(3, 4), rng.poisson(2.0, (3, 4)).astype(dtype)], {},
                    "PoissonNLLLoss", {}),
        "poisson_full": ("poisson_nll_loss", [u(3, 4) * 3, rng.poisson(2.0, (3, 4)).astype(dtype)],
                         {"log_input": False, "full": True}, "PoissonNLLLoss", {"log_input": False, "full": True}),
        "gaussian": ("gaussian_nll_loss", [r(3, 4), r(3, 4), u(3, 4)], {}, "GaussianNLLLoss", {}),
        "gaussian_full_1var": ("gaussian_nll_loss", [r(3, 4), r(3, 4), u(3, 1)], {"full": True}, "GaussianNLLLoss",
                               {"full": True}),
        "nll": ("nll_loss", [np.log(u(4, 5)), idx(4, 5)], {}, "NLLLoss", {}),
        "nll_weight_ignore": ("nll_loss", [np.log(u(5, 4)), np.array([0, 3, 1, 3, 2])],
                              {"weight": w(4), "ignore_index": 3}, "NLLLoss", {"weight": w(4), "ignore_index": 3}),
        "nll_kdim": ("nll_loss", [r(2, 4, 3, 2), rng.integers(0, 4, (2, 3, 2))], {"weight": w(4)}, "NLLLoss",
                     {"weight": w(4)}),
        "nll_unbatched": ("nll_loss", [r(5), np.array(2)], {}, "NLLLoss", {}),
        "ce": ("cross_entropy", [r(4, 5), idx(4, 5)], {}, "CrossEntropyLoss", {}),
        "ce_weight_ignore": ("cross_entropy", [r(5, 4), np.array([0, -1, 1, 3, -1])],
                             {"weight": w(4), "ignore_index": -1}, "CrossEntropyLoss",
                             {"weight": w(4), "ignore_index": -1}),
        "ce_smooth": ("cross_entropy", [r(5, 4), np.array([0, 2, 1, 3, 2])], {"label_smoothing": 0.2},
                      "CrossEntropyLoss", {"label_smoothing": 0.2}),
        "ce_smooth_weight_ignore": ("cross_entropy", [r(5, 4), np.array([0, 2, 1, 3, 2])],
                                    {"label_smoothing": 0.3, "weight": w(4), "ignore_index": 2},
                                    "CrossEntropyLoss", {"label_smoothing": 0.3, "weight": w(4), "ignore_index": 2}),
        "ce_kdim": ("cross_entropy", [r(2, 4, 3, 2), rng.integers(0, 4, (2, 3, 2))], {"label_smoothing": 0.1},
                    "CrossEntropyLoss", {"label_smoothing": 0.1}),
        "ce_probs": ("cross_entropy", [r(4, 5), np.exp(r(4, 5))], {}, "CrossEntropyLoss", {}),
        "ce_probs_weight_smooth": ("cross_entropy", [r(2, 5, 3), np.exp(r(2, 5, 3))],
                                   {"weight": w(5), "label_smoothing": 0.25}, "CrossEntropyLoss",
                                   {"weight": w(5), "label_smoothing": 0.25}),
        "ce_unbatched": ("cross_entropy", [r(5), np.array(1)], {}, "CrossEntropyLoss", {}),
    }
    return cases


CASE_NAMES = list(_cases(np.random.default_rng(0), np.float32))


def _run_case(name, dtype, reduction, rng, legacy=None):
    fname, arrays, kwargs, module, mkwargs = _cases(rng, np.dtype(dtype).type)[name]
    tensor_kwargs = {k: v for k, v in kwargs.items() if isinstance(v, np.ndarray)}
    plain = {k: v for k, v in kwargs.items() if not isinstance(v, np.ndarray)}
    ours_kw = {**plain, **{k: ember.tensor(v) for k, v in tensor_kwargs.items()}}
    theirs_kw = {**plain, **{k: torch.tensor(v) for k, v in tensor_kwargs.items()}}
    red = legacy if legacy is not None else {"reduction": reduction}
    if fname in ("huber_loss", "gaussian_nll_loss") and legacy is not None:
        return
    # PyTorch's fused soft_margin_loss has no target gradient; its Stirling term gives nan target
    # gradients wherever target <= 1.
    requires_grad = [None, False] if fname in ("soft_margin_loss", "poisson_nll_loss") else None
    compare(lambda *a: getattr(F, fname)(*a, **ours_kw, **red),
            lambda *a: getattr(TF, fname)(*a, **theirs_kw, **red), arrays, dtype, scale=10,
            requires_grad=requires_grad)
    m_tensor = {k: v for k, v in mkwargs.items() if isinstance(v, np.ndarray)}
    m_plain = {k: v for k, v in mkwargs.items() if not isinstance(v, np.ndarray)}
    ours_m = getattr(nn, module)(**m_plain, **{k: ember.tensor(v) for k, v in m_tensor.items()}, **red)
    theirs_m = getattr(torch.nn, module)(**m_plain, **{k: torch.tensor(v) for k, v in m_tensor.items()}, **red)
    assert repr(ours_m) == repr(theirs_m)
    assert ours_m.reduction == theirs_m.reduction
    compare(ours_m, theirs_m, arrays, dtype, scale=10, requires_grad=requires_grad)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", CASE_NAMES)
def test_loss_vs_torch(name, reduction, dtype, rng):
    _run_case(name, dtype, reduction, rng)


LEGACY = [{"size_average": False}, {"reduce": False}, {"size_average": True, "reduce": True},
          {"size_average": False, "reduce": True}]


@requires_torch
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("legacy", LEGACY, ids=["sa0", "r0", "sa1r1", "sa0r1"])
@pytest.mark.parametrize("name", ["l1", "mse", "bce", "nll_weight_ignore", "ce", "kl_div", "soft_margin"])
def test_legacy_reduction_flags(name, legacy, rng):
    _run_case(name, "float64", None, rng, legacy=legacy)


@requires_torch
def test_bce_saturated_inputs_clamp_log_at_minus_100():
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5], dtype=np.float32)
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.3], dtype=np.float32)
    ours, theirs = compare(lambda a, b: F.binary_cross_entropy(a, b, reduction="none"),
                           lambda a, b: TF.binary_cross_entropy(a, b, reduction="none"), [x, y], scale=10)
    assert_close(ours[0], np.array([100.0, 100.0, 0.0, 0.0, theirs[0][4].item()]), rtol=1e-5)
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(ember.tensor([1.5]), ember.tensor([1.0]))
    with pytest.raises(ValueError, match="Using a target size"):
        F.binary_cross_entropy(ember.tensor([0.5, 0.5]), ember.tensor([[1.0, 0.0]]))


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bce_with_logits_is_stable_for_huge_logits(dtype):
    x = np.array([1e4, -1e4, 1e4, -1e4, 0.0, 0.0], dtype=dtype)
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.0, 1.0], dtype=dtype)
    pw = np.array([2.0, 3.0, 0.5, 4.0, 1.5, 2.5], dtype=dtype)
    ours, _ = compare(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction="none"),
                      lambda a, b: TF.binary_cross_entropy_with_logits(a, b, reduction="none"), [x, y], dtype)
    assert np.isfinite(ours[0].detach().numpy()).all()
    compare(lambda a, b, p: F.binary_cross_entropy_with_logits(a, b, pos_weight=p, reduction="sum"),
            lambda a, b, p: TF.binary_cross_entropy_with_logits(a, b, pos_weight=p, reduction="sum"),
            [x, y, pw], dtype, requires_grad=[None, None, False])


def test_loss_errors():
    with pytest.raises(ValueError, match="is not a valid value for reduction"):
        F.mse_loss(ember.ones(2), ember.ones(2), reduction="avg")
    with pytest.raises(IndexError, match="Target 7 is out of bounds"):
        F.nll_loss(ember.zeros(2, 3), ember.tensor([0, 7]))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(2\) to match target batch_size \(3\)"):
        F.cross_entropy(ember.zeros(2, 3), ember.tensor([0, 1, 2]))
    with pytest.raises(RuntimeError, match="weight tensor should be defined either for all 3 classes"):
        F.nll_loss(ember.zeros(2, 3), ember.tensor([0, 1]), weight=ember.ones(2))
    with pytest.raises(ValueError, match="label_smoothing must be between 0.0"):
        F.cross_entropy(ember.zeros(2, 3), ember.tensor([0, 1]), label_smoothing=1.5)
    with pytest.raises(ValueError, match="Target size .* must be the same as input size"):
        F.binary_cross_entropy_with_logits(ember.zeros(2), ember.zeros(3))
    with pytest.raises(ValueError, match="var has negative entry"):
        F.gaussian_nll_loss(ember.zeros(2), ember.zeros(2), ember.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match="expected margin to be greater than 0"):
        nn.TripletMarginLoss(margin=0.0)
    with pytest.warns(UserWarning, match="Using a target size"):
        F.mse_loss(ember.zeros(2, 1), ember.zeros(2))


def test_nll_all_ignored_mean_is_nan():
    out = F.nll_loss(ember.zeros(2, 3), ember.tensor([-100, -100]))
    assert np.isnan(out.item())


GRADCHECK = [
    ("smooth_l1", lambda x, y: F.smooth_l1_loss(x, y, beta=0.8)),
    ("huber", lambda x, y: F.huber_loss(x, y, delta=0.6)),
    ("bce_logits", lambda x, y: F.binary_cross_entropy_with_logits(x, y.sigmoid(), pos_weight=y.abs() + 0.5)),
    ("bce", lambda x, y: F.binary_cross_entropy(x.sigmoid(), y.sigmoid())),
    ("kl_div", lambda x, y: F.kl_div(x, y.sigmoid(), reduction="batchmean")),
    ("soft_margin", lambda x, y: F.soft_margin_loss(x, y)),
    ("cosine_emb", lambda x, y: F.cosine_embedding_loss(x, y, ember.tensor([1.0, -1.0, 1.0]))),
    ("triplet", lambda x, y: F.triplet_margin_loss(x, y, x * 0.5 + 0.1, swap=True)),
    ("poisson", lambda x, y: F.poisson_nll_loss(x, y.abs(), full=True)),
    ("gaussian", lambda x, y: F.gaussian_nll_loss(x, y, x.abs() + 0.5)),
    ("multilabel_soft", lambda x, y: F.multilabel_soft_margin_loss(x, (y > 0).double())),
    ("ce_smooth", lambda x, y: F.cross_entropy(x, ember.tensor([0, 2, 1]), label_smoothing=0.2)),
    ("ce_probs", lambda x, y: F.cross_entropy(x, y.softmax(1))),
    ("nll", lambda x, y: F.nll_loss(x, ember.tensor([3, 0, 1]), weight=ember.tensor([1.0, 2.0, 0.5, 1.5]))),
    ("multi_margin", lambda x, y: F.multi_margin_loss(x, ember.tensor([3, 0, 1]), p=2)),
    ("multilabel_margin", lambda x, y: F.multilabel_margin_loss(x, ember.tensor([[1, 2, -1, 0], [0, 1, 2, 3],
                                                                                  [3, -1, 0, 0]]))),
]


@pytest.mark.parametrize("name,fn", GRADCHECK, ids=[g[0] for g in GRADCHECK])
def test_loss_gradcheck(name, fn, rng):
    x = ember.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    y = ember.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    assert gradcheck(fn, [x, y])
