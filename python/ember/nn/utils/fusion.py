"""Folding an eval-mode BatchNorm into the convolution or linear layer before it (torch.nn.utils.fusion)."""
import copy

import ember
from ember.nn.parameter import Parameter


def fuse_conv_bn_eval(conv, bn, transpose=False):
    """A copy of conv whose output equals bn(conv(x)) with bn's running statistics."""
    if conv.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("fuse_conv_bn_eval needs BatchNorm running statistics")
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                    bn.eps, bn.weight, bn.bias, transpose)
    return fused


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose=False):
    """(weight, bias) Parameters: w * gamma / sqrt(var + eps) per output channel (dim 1 when transposed)."""
    bias_dtype = conv_b.dtype if conv_b is not None else conv_w.dtype
    bias_requires_grad = conv_b.requires_grad if conv_b is not None else False
    conv_b = ember.zeros_like(bn_rm) if conv_b is None else conv_b
    bn_w = ember.ones_like(bn_rm) if bn_w is None else bn_w
    bn_b = ember.zeros_like(bn_rm) if bn_b is None else bn_b
    rsqrt_var = ember.rsqrt(bn_rv + bn_eps)
    shape = ([1, -1] if transpose else [-1, 1]) + [1] * (conv_w.dim() - 2)
    with ember.no_grad():
        fused_w = (conv_w * (bn_w * rsqrt_var).reshape(shape)).to(conv_w.dtype)
        fused_b = ((conv_b - bn_rm) * rsqrt_var * bn_w + bn_b).to(bias_dtype)
    return Parameter(fused_w, conv_w.requires_grad), Parameter(fused_b, bias_requires_grad)


def fuse_linear_bn_eval(linear, bn):
    """A copy of linear whose output equals bn(linear(x)) with bn's running statistics."""
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    if not (linear.out_features == bn.num_features or bn.num_features == 1):
        raise AssertionError("To fuse, linear.out_features == bn.num_features or bn.num_features == 1")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("fuse_linear_bn_eval needs BatchNorm running statistics")
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                      bn.eps, bn.weight, bn.bias)
    return fused


def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    bias_dtype = linear_b.dtype if linear_b is not None else linear_w.dtype
    bias_requires_grad = linear_b.requires_grad if linear_b is not None else False
    linear_b = ember.zeros_like(bn_rm) if linear_b is None else linear_b
    bn_w = ember.ones_like(bn_rm) if bn_w is None else bn_w
    bn_b = ember.zeros_like(bn_rm) if bn_b is None else bn_b
    with ember.no_grad():
        scale = bn_w * ember.rsqrt(bn_rv + bn_eps)
        fused_w = (linear_w * scale.unsqueeze(-1)).to(linear_w.dtype)
        fused_b = ((linear_b - bn_rm) * scale + bn_b).to(bias_dtype)
    return Parameter(fused_w, linear_w.requires_grad), Parameter(fused_b, bias_requires_grad)
