"""Functional convolution, pooling, padding, unfold and fold, as torch.nn.functional defines them.

The ops run in C++ (ember.conv2d, ember.max_pool2d_with_indices, ...); this file adds the
Python-level conveniences of torch.nn.functional: return_indices, F.pad's modes, single ints
expanded to pairs for unfold/fold.
"""
import ember

__all__ = [
    "conv1d", "conv2d", "max_pool1d", "max_pool2d", "max_pool1d_with_indices", "max_pool2d_with_indices",
    "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d",
    "adaptive_max_pool2d", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices", "pad", "unfold",
    "fold",
]

conv1d = ember.conv1d
conv2d = ember.conv2d
avg_pool1d = ember.avg_pool1d
avg_pool2d = ember.avg_pool2d
adaptive_avg_pool1d = ember.adaptive_avg_pool1d
adaptive_avg_pool2d = ember.adaptive_avg_pool2d


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return ember.max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return ember.max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    if return_indices:
        return ember.max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return ember.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    if return_indices:
        return ember.max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return ember.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    return ember.adaptive_max_pool1d(input, output_size)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return ember.adaptive_max_pool2d(input, output_size)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    out = ember.adaptive_max_pool1d(input, output_size)
    return out if return_indices else out[0]


def adaptive_max_pool2d(input, output_size, return_indices=False):
    out = ember.adaptive_max_pool2d(input, output_size)
    return out if return_indices else out[0]


def _pad_index(size, before, after, mode):
    """Source positions along one dim for reflect/replicate/circular padding."""
    idx = []
    for i in range(-before, size + after):
        if mode == "reflect":
            j = abs(i)
            idx.append(2 * (size - 1) - j if j >= size else j)
        elif mode == "replicate":
            idx.append(min(max(i, 0), size - 1))
        else:
            idx.append(i % size)
    return ember.tensor(idx, dtype=ember.int64)


def pad(input, pad, mode="constant", value=None):
    """Pads the last len(pad) // 2 dims: pad = (last_before, last_after, prev_before, ...).

    constant: negative amounts crop. reflect/replicate/circular: pad only the last 1-3 dims of a
    batched or unbatched input, like torch.
    """
    pad = list(pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    n = len(pad) // 2
    if n > input.dim():
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.dim()}")
    if mode == "constant":
        return _pad_constant(input, pad, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if not (n + 1 <= input.dim() <= n + 2) or n > 3:
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {input.dim()}D input tensor.")
    out = input
    for k in range(n):
        d = input.dim() - 1 - k
        before, after = pad[2 * k], pad[2 * k + 1]
        size = input.shape[d]
        if mode == "reflect" and (before >= size or after >= size):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({before}, {after}) at dimension {d} of input {list(input.shape)}")
        if mode == "circular" and (before > size or after > size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        out = out.index_select(d, _pad_index(size, before, after, mode))
    return out


def constant_pad_nd(input, pad, value=0):
    """torch.constant_pad_nd: F.pad in constant mode."""
    return _pad_constant(input, list(pad), value)


ember.constant_pad_nd = constant_pad_nd


def _pad_constant(input, pad, value):
    out = input
    # Negative padding crops first; the rest is a copy into a filled tensor.
    for k in range(len(pad) // 2):
        d = input.dim() - 1 - k
        before, after = pad[2 * k], pad[2 * k + 1]
        start, stop = max(-before, 0), out.shape[d] - max(-after, 0)
        if start or stop != out.shape[d]:
            if stop < start:
                raise RuntimeError(f"The input size {input.shape[d]}, plus negative padding {before} and {after} "
                                   f"resulted in a negative output size, which is invalid. Check dimension {d} of "
                                   "your input.")
            out = out.narrow(d, start, stop - start)
    shape = list(out.shape)
    region = [slice(None)] * out.dim()
    for k in range(len(pad) // 2):
        d = input.dim() - 1 - k
        before, after = max(pad[2 * k], 0), max(pad[2 * k + 1], 0)
        region[d] = slice(before, before + shape[d])
        shape[d] += before + after
    result = ember.full(shape, value, dtype=input.dtype)
    result[tuple(region)] = out
    return result


def _pair(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x, x)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """im2col: (N, C, H, W) -> (N, C*kh*kw, L), each column one sliding block, channel-major."""
    return ember._C._im2col(input, _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """col2im, the adjoint of unfold: (N, C*kh*kw, L) -> (N, C, *output_size), overlapping blocks summed."""
    return ember._C._col2im(input, _pair(output_size), _pair(kernel_size), _pair(dilation), _pair(padding),
                            _pair(stride))
