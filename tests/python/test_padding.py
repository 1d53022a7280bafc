"""F.pad's modes for 1-3 padded dims, torch.constant_pad_nd and the padding modules vs PyTorch
(values, gradients, repr), float64 gradchecks and errors."""
import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.testing import assert_close, gradcheck

from conftest import requires_torch
from nn_compare import compare

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover
    torch = None

KINDS = [("Zero", "constant"), ("Constant", "constant"), ("Reflection", "reflect"), ("Replication", "replicate"),
         ("Circular", "circular")]


@requires_torch
@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("kind,mode", KINDS)
@pytest.mark.parametrize("batched", [True, False])
def test_padding_modules_vs_torch(kind, mode, n, batched, rng):
    shape = ((2, 3) if batched else (3,)) + (5, 4, 6)[:n]
    x = rng.standard_normal(shape)
    pads = (1, 2, 0, 3, 2, 1)[:2 * n]
    args = (pads, 1.5) if kind == "Constant" else (pads,)
    ours, theirs = getattr(nn, f"{kind}Pad{n}d")(*args), getattr(torch.nn, f"{kind}Pad{n}d")(*args)
    assert repr(ours) == repr(theirs)
    compare(ours, theirs, [x], "float64")
    compare(lambda x: F.pad(x, pads, mode), lambda x: TF.pad(x, pads, mode), [x], "float64")
    one = (2, 1.0) if kind == "Constant" else (2,)
    compare(getattr(nn, f"{kind}Pad{n}d")(*one), getattr(torch.nn, f"{kind}Pad{n}d")(*one), [x], "float64")


@requires_torch
def test_constant_pad_nd_and_negative_padding(rng):
    x = rng.standard_normal((2, 3, 4))
    compare(lambda x: ember.constant_pad_nd(x, (1, -1, -2, 2), 0.5),
            lambda x: torch.constant_pad_nd(x, (1, -1, -2, 2), 0.5), [x], "float64")


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_gradcheck(mode, rng):
    x = ember.tensor(rng.standard_normal((1, 2, 3, 4))).transpose(2, 3).requires_grad_(True)
    assert gradcheck(lambda x: F.pad(x, (1, 2, 2, 1), mode), [x])


def test_pad_errors():
    x = ember.zeros((1, 2, 3))
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        F.pad(x, (1,))
    with pytest.raises(RuntimeError, match="Padding size should be less than the corresponding input dimension"):
        F.pad(x, (3, 3), "reflect")
    with pytest.raises(RuntimeError, match="Padding value causes wrapping around more than once"):
        F.pad(x, (4, 0), "circular")
    with pytest.raises(NotImplementedError):
        F.pad(ember.zeros((3,)), (1, 1), "reflect")
    with pytest.raises(ValueError, match="padding must be an int or a 4-tuple"):
        nn.ZeroPad2d((1, 2))
    with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
        nn.ReflectionPad2d(1)(ember.zeros((3, 3)))
