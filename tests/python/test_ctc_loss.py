"""ctc_loss / nn.CTCLoss (C++ alpha recursion and alpha-beta gradient) vs PyTorch: padded and concatenated
targets, repeated labels, blank != 0, unbatched input, zero_infinity, reductions; float64 gradcheck
through log_softmax; error paths."""
import numpy as np
import pytest

import ember
from ember import nn
from ember.nn import functional as F
from ember.testing import gradcheck
from conftest import requires_torch
from nn_compare import compare

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

pytestmark = requires_torch
TF = torch.nn.functional if torch is not None else None

T, N, C = 12, 3, 5
TARGETS = np.array([[1, 2, 2, 0], [3, 1, 4, 4], [2, 0, 0, 0]])
INPUT_LENGTHS, TARGET_LENGTHS = [12, 10, 7], [3, 4, 1]


def _ctc(lib_f, reduction, blank=0, zero_infinity=False, lengths_as_tensors=False, concatenated=False):
    def run(x, targets):
        il, tl = INPUT_LENGTHS, TARGET_LENGTHS
        if lengths_as_tensors:
            mod = ember if lib_f is F else torch
            il, tl = mod.tensor(il), mod.tensor(tl)
        if concatenated:
            targets = lib_f_cat(targets)
        return lib_f.ctc_loss(lib_f.log_softmax(x, 2), targets, il, tl, blank=blank, reduction=reduction,
                              zero_infinity=zero_infinity)

    def lib_f_cat(targets):
        rows = [targets[n, :TARGET_LENGTHS[n]] for n in range(N)]
        return (ember if lib_f is F else torch).cat(rows)
    return run


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("variant", [{}, {"lengths_as_tensors": True}, {"concatenated": True}])
def test_ctc_loss_matches_torch(rng, reduction, dtype, variant):
    x = rng.standard_normal((T, N, C)).astype(np.float32 if dtype == "float32" else np.float64)
    compare(_ctc(F, reduction, **variant), _ctc(TF, reduction, **variant), [x, TARGETS], dtype=dtype,
            requires_grad=[True, False])


def test_ctc_loss_blank_last_and_raw_log_probs(rng):
    x = rng.standard_normal((T, N, C)).astype(np.float64)
    targets = np.array([[0, 1, 1, 3], [2, 2, 2, 2], [3, 0, 1, 2]])
    # blank = C - 1; log_probs that are not log_softmax outputs get PyTorch's gradient formula too.
    compare(lambda x, t: F.ctc_loss(x, t, INPUT_LENGTHS, [4, 4, 2], blank=4, reduction="sum"),
            lambda x, t: TF.ctc_loss(x, t, INPUT_LENGTHS, [4, 4, 2], blank=4, reduction="sum"),
            [x, targets], dtype="float64", requires_grad=[True, False])


def test_ctc_loss_zero_infinity_and_unbatched(rng):
    x = rng.standard_normal((4, 2, C)).astype(np.float64)
    targets = np.array([[1, 1, 1, 1], [2, 3, 0, 0]])  # 1,1,1,1 needs 7 frames: impossible in 4

    def run(lib_f, zero_infinity):
        return lambda x, t: lib_f.ctc_loss(lib_f.log_softmax(x, 2), t, [4, 4], [4, 2], reduction="none",
                                           zero_infinity=zero_infinity)
    ours, _ = compare(run(F, True), run(TF, True), [x, targets], dtype="float64", requires_grad=[True, False])
    assert ours[0].detach().numpy()[0] == 0
    out = F.ctc_loss(F.log_softmax(ember.tensor(x), 2), ember.tensor(targets), [4, 4], [4, 2], reduction="none")
    assert np.isinf(out.numpy()[0])
    xu = rng.standard_normal((6, C)).astype(np.float64)
    compare(lambda x, t: F.ctc_loss(F.log_softmax(x, 1), t, ember.tensor(6), ember.tensor(2)),
            lambda x, t: TF.ctc_loss(TF.log_softmax(x, 1), t, torch.tensor(6), torch.tensor(2)),
            [xu, np.array([1, 3])], dtype="float64", requires_grad=[True, False])


def test_ctc_module_and_gradcheck(rng):
    x = rng.standard_normal((T, N, C)).astype(np.float32)
    compare(lambda x, t: nn.CTCLoss(blank=0)(F.log_softmax(x, 2), t, INPUT_LENGTHS, TARGET_LENGTHS),
            lambda x, t: torch.nn.CTCLoss(blank=0)(TF.log_softmax(x, 2), t, INPUT_LENGTHS, TARGET_LENGTHS),
            [x, TARGETS], requires_grad=[True, False])
    xe = ember.tensor(rng.standard_normal((6, 2, 4)), requires_grad=True)
    t = ember.tensor([[1, 2], [3, 3]])
    assert gradcheck(lambda x: F.ctc_loss(F.log_softmax(x.transpose(0, 1).transpose(0, 1), 2), t, [6, 5], [2, 2],
                                          reduction="none"), [xe])


def test_ctc_loss_errors():
    lp = F.log_softmax(ember.randn(5, 2, 4), 2)
    t = ember.tensor([[1, 2], [3, 1]])
    with pytest.raises(RuntimeError, match="blank must be in label range"):
        F.ctc_loss(lp, t, [5, 5], [2, 2], blank=4)
    with pytest.raises(RuntimeError, match="input_lengths must be of size batch_size"):
        F.ctc_loss(lp, t, [5], [2, 2])
    with pytest.raises(RuntimeError, match="target_lengths must be of size batch_size"):
        F.ctc_loss(lp, t, [5, 5], [2])
    with pytest.raises(RuntimeError, match="at most 5"):
        F.ctc_loss(lp, t, [6, 5], [2, 2])
    with pytest.raises(RuntimeError, match="size at least 3"):
        F.ctc_loss(lp, t, [5, 5], [3, 2])
    with pytest.raises(RuntimeError, match="integer"):
        F.ctc_loss(lp, t.double(), [5, 5], [2, 2])
    with pytest.raises(ValueError, match="reduction"):
        F.ctc_loss(lp, t, [5, 5], [2, 2], reduction="avg")
