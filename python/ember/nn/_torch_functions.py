"""The nn functions PyTorch also exposes at module level (torch.celu, torch.dropout, torch.embedding, ...),
with torch's module-level signatures (e.g. dropout(input, p, train), embedding(weight, indices))."""
from ember.nn import functional as F
from ember.nn.functional import layers as _layers

__all__ = ["alpha_dropout", "alpha_dropout_", "bilinear", "celu", "celu_", "cosine_similarity", "dropout",
           "dropout_", "embedding", "feature_alpha_dropout", "feature_alpha_dropout_",
           "feature_dropout", "feature_dropout_", "hardshrink", "pairwise_distance", "prelu", "relu_", "rrelu",
           "rrelu_", "selu", "selu_", "threshold", "threshold_"]

celu, celu_, selu, selu_ = F.celu, F.celu_, F.selu, F.selu_
threshold, threshold_, hardshrink, prelu, relu_ = F.threshold, F.threshold_, F.hardshrink, F.prelu, F.relu_
rrelu, rrelu_, bilinear = F.rrelu, F.rrelu_, F.bilinear
cosine_similarity, pairwise_distance = F.cosine_similarity, F.pairwise_distance


def dropout(input, p, train):
    return F.dropout(input, p, train)


def dropout_(input, p, train):
    return F.dropout(input, p, train, inplace=True)


def alpha_dropout(input, p, train):
    return F.alpha_dropout(input, p, train)


def alpha_dropout_(input, p, train):
    return F.alpha_dropout(input, p, train, inplace=True)


def feature_alpha_dropout(input, p, train):
    return F.feature_alpha_dropout(input, p, train)


def feature_alpha_dropout_(input, p, train):
    return F.feature_alpha_dropout(input, p, train, inplace=True)


def _feature_dims(input):
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return input.dim() - 2


def feature_dropout(input, p, train):
    """Channel dropout of an (N, C, *) input: one draw per (sample, channel)."""
    return _layers._feature_dropout(input, p, train, False, _feature_dims(input))


def feature_dropout_(input, p, train):
    return _layers._feature_dropout(input, p, train, True, _feature_dims(input))


def embedding(weight, input, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """torch.embedding: weight first; padding_idx=-1 means none (the ATen convention)."""
    return F.embedding(input, weight, None if padding_idx == -1 else padding_idx)


def _attach_tensor_methods():
    """Tensor.hardshrink(lambd) and Tensor.prelu(weight), as in torch."""
    from ember._C import Tensor
    Tensor.hardshrink = lambda self, lambd=0.5: F.hardshrink(self, lambd)
    Tensor.prelu = lambda self, weight: F.prelu(self, weight)


_attach_tensor_methods()
