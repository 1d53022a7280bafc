"""3-d pooling, max unpooling and power-average pooling.

Max and average pooling are separable: a 3-d window is a (kH, kW) window over every depth slice
followed by a (kD, 1) window over depths, and so are the divisors of average pooling (each is a
product of per-dim counts) and the adaptive windows. So the 3-d ops are two calls of the 2-d C++
kernels on reshaped views, and their autograd is the 2-d ops'. The 3-d max indices (flat in
D*H*W, as PyTorch) combine the depth chosen by the second pass with the plane index of the first.
"""
import ember

__all__ = [
    "max_pool3d", "max_pool3d_with_indices", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d",
    "adaptive_max_pool3d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d", "lp_pool1d", "lp_pool2d",
    "lp_pool3d",
]


def _ntuple(value, n, op, name):
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            return tuple(value) * n
        if len(value) != n:
            raise RuntimeError(f"{op}: {name} must either be a single int, or a tuple of {n} ints")
        return tuple(value)
    return (value,) * n


def _pool3d_input(input, op):
    if input.dim() not in (4, 5) or any(s == 0 for s in input.shape[-4 if input.dim() == 4 else 1:]):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    return input if input.dim() == 5 else input.unsqueeze(0)


def _pool_out(size, k, pad, stride, dil, ceil_mode):
    """PyTorch's pooling_output_shape."""
    out = (size + 2 * pad - dil * (k - 1) - 1 + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _check_window(x5, kernel, stride, padding, dilation, ceil_mode):
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_size={list(kernel)}")
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"stride should be greater than zero, but got stride={list(stride)}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation={list(dilation)}")
    for p, k, d in zip(padding, kernel, dilation):
        if p < 0 or p > k // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={d}")
    out = [_pool_out(x5.shape[2 + i], kernel[i], padding[i], stride[i], dilation[i], ceil_mode) for i in range(3)]
    if any(o < 1 for o in out):
        c = x5.shape[1]
        raise RuntimeError(f"Given input size: ({c}x{'x'.join(str(s) for s in x5.shape[2:])}). Calculated output size: "
                           f"({c}x{'x'.join(map(str, out))}). Output size is too small")


def _combine_indices(plane_idx, depth_idx, x5, plane_out):
    """3-d flat indices from the (H, W) pass's indices and the depth pass's (over D x OH*OW)."""
    n, c, depth, h, w = x5.shape
    oh, ow = plane_out
    flat = plane_idx.reshape(n, c, depth * oh * ow)
    chosen = depth_idx.reshape(n, c, depth_idx.shape[2] * oh * ow)
    hw = flat.gather(2, chosen)
    return (ember.floor_divide(chosen, oh * ow) * (h * w) + hw).reshape(depth_idx.shape[:3] + (oh, ow))


def _restore(out, batched):
    return out if batched else out.squeeze(0)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    op = "max_pool3d"
    x5 = _pool3d_input(input, op)
    kernel = _ntuple(kernel_size, 3, op, "kernel_size")
    stride = kernel if stride is None or stride == [] or stride == () else _ntuple(stride, 3, op, "stride")
    padding, dilation = _ntuple(padding, 3, op, "padding"), _ntuple(dilation, 3, op, "dilation")
    _check_window(x5, kernel, stride, padding, dilation, ceil_mode)
    n, c, depth, h, w = x5.shape
    planes, plane_idx = ember.max_pool2d_with_indices(x5.reshape(n, c * depth, h, w), kernel[1:], stride[1:],
                                                      padding[1:], dilation[1:], ceil_mode)
    oh, ow = planes.shape[2:]
    out, depth_idx = ember.max_pool2d_with_indices(planes.reshape(n, c, depth, oh * ow), (kernel[0], 1),
                                                   (stride[0], 1), (padding[0], 0), (dilation[0], 1), ceil_mode)
    indices = _combine_indices(plane_idx, depth_idx, x5, (oh, ow))
    out = out.reshape(indices.shape)
    batched = input.dim() == 5
    return _restore(out, batched), _restore(indices, batched)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    out, indices = max_pool3d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, indices) if return_indices else out


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    op = "avg_pool3d"
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    x5 = _pool3d_input(input, op)
    kernel = _ntuple(kernel_size, 3, op, "kernel_size")
    stride = kernel if stride is None or stride == [] or stride == () else _ntuple(stride, 3, op, "stride")
    padding = _ntuple(padding, 3, op, "padding")
    _check_window(x5, kernel, stride, padding, (1, 1, 1), ceil_mode)
    n, c, depth, h, w = x5.shape
    # With an override the first pass sums (divisor 1) and the second divides once.
    planes = ember.avg_pool2d(x5.reshape(n, c * depth, h, w), kernel[1:], stride[1:], padding[1:], ceil_mode,
                              count_include_pad, None if divisor_override is None else 1)
    oh, ow = planes.shape[2:]
    out = ember.avg_pool2d(planes.reshape(n, c, depth, oh * ow), (kernel[0], 1), (stride[0], 1), (padding[0], 0),
                           ceil_mode, count_include_pad, divisor_override)
    return _restore(out.reshape(n, c, out.shape[2], oh, ow), input.dim() == 5)


def _adaptive_size(output_size, input, op):
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 3:
            raise RuntimeError(f"{op}: output_size must be 3")
        size = [input.shape[input.dim() - 3 + i] if s is None else s for i, s in enumerate(output_size)]
    else:
        size = [output_size] * 3
    if any(s < 0 for s in size):
        raise RuntimeError(f"{op}: elements of output_size must be greater than or equal to 0 but received {size}")
    return size


def _adaptive_input(input, op, sep=""):
    if input.dim() not in (4, 5):
        raise RuntimeError(f"{op}(): Expected 4D or 5D tensor, but got{sep} {list(input.shape)}")
    for d in range(input.dim() - 3, input.dim()):
        if input.shape[d] == 0:
            raise RuntimeError(f"{op}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {list(input.shape)} with dimension {d} being empty")
    return input if input.dim() == 5 else input.unsqueeze(0)


def adaptive_avg_pool3d(input, output_size):
    op = "adaptive_avg_pool3d"
    x5 = _adaptive_input(input, op)
    od, oh, ow = _adaptive_size(output_size, input, op)
    n, c, depth, h, w = x5.shape
    planes = ember.adaptive_avg_pool2d(x5.reshape(n, c * depth, h, w), (oh, ow))
    out = ember.adaptive_avg_pool2d(planes.reshape(n, c, depth, oh * ow), (od, oh * ow))
    return _restore(out.reshape(n, c, od, oh, ow), input.dim() == 5)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    op = "adaptive_max_pool3d"
    x5 = _adaptive_input(input, op, ":")
    od, oh, ow = _adaptive_size(output_size, input, op)
    n, c, depth, h, w = x5.shape
    planes, plane_idx = ember.adaptive_max_pool2d(x5.reshape(n, c * depth, h, w), (oh, ow))
    out, depth_idx = ember.adaptive_max_pool2d(planes.reshape(n, c, depth, oh * ow), (od, oh * ow))
    indices = _combine_indices(plane_idx, depth_idx, x5, (oh, ow))
    batched = input.dim() == 5
    return _restore(out.reshape(indices.shape), batched), _restore(indices, batched)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    out, indices = adaptive_max_pool3d_with_indices(input, output_size)
    return (out, indices) if return_indices else out


def _unpool_output_size(input, kernel, stride, padding, output_size):
    n = len(kernel)
    default = [(input.shape[input.dim() - n + d] - 1) * stride[d] + kernel[d] - 2 * padding[d] for d in range(n)]
    if output_size is None:
        return default
    output_size = list(output_size)
    if len(output_size) == n + 2:
        output_size = output_size[2:]
    if len(output_size) != n:
        raise ValueError(f"output_size should be a sequence containing {n} or {n + 2} elements, but it has a length "
                         f"of '{len(output_size)}'")
    for d in range(n):
        lo, hi = default[d] - stride[d], default[d] + stride[d]
        if not lo < output_size[d] < hi:
            raise ValueError(f'invalid output_size "{tuple(output_size)}" (dim {d} must be between {lo} and {hi})')
    return output_size


def _max_unpool(input, indices, kernel_size, stride, padding, output_size, n):
    op = f"max_unpool{n}d"
    kernel = _ntuple(kernel_size, n, op, "kernel_size")
    stride = kernel if stride is None else _ntuple(stride, n, op, "stride")
    padding = _ntuple(padding, n, op, "padding")
    if input.dim() not in (n + 1, n + 2):
        raise RuntimeError(f"{op}: Expected {n + 1}D or {n + 2}D (batch mode) tensor for input, but got: "
                           f"{list(input.shape)}")
    if indices.dtype != ember.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {indices.dtype}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor ({list(input.shape)}) "
                           f"but got indices tensor with shape: {list(indices.shape)}")
    size = _unpool_output_size(input, kernel, stride, padding, output_size)
    batched = input.dim() == n + 2
    x = input if batched else input.unsqueeze(0)
    idx = indices if batched else indices.unsqueeze(0)
    volume = 1
    for s in size:
        volume *= s
    per_plane = 1
    for s in x.shape[2:]:
        per_plane *= s
    flat_idx = idx.reshape(x.shape[0], x.shape[1], per_plane)
    if flat_idx.numel():
        lo, hi = int(flat_idx.min().item()), int(flat_idx.max().item())
        if lo < 0 or hi >= volume:
            bad = lo if lo < 0 else hi
            raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                               f"{'x'.join(map(str, size))})")
    out = ember.zeros((x.shape[0], x.shape[1], volume), dtype=x.dtype)
    out = out.scatter(2, flat_idx, x.reshape(x.shape[0], x.shape[1], per_plane))
    out = out.reshape(x.shape[0], x.shape[1], *size)
    return out if batched else out.squeeze(0)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool1d: each value goes back to its index, the rest are zero."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3)


def _lp_finish(out, window, norm_type):
    # As PyTorch: sign(out) * relu(|out|) keeps negative averages (odd p) from a NaN root.
    return (ember.sign(out) * ember.relu(ember.abs(out))).mul(window).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each window of x**p) ** (1/p)."""
    k = kernel_size[0] if isinstance(kernel_size, (tuple, list)) else kernel_size
    out = ember.avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp_finish(out, k, norm_type)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    kh, kw = _ntuple(kernel_size, 2, "lp_pool2d", "kernel_size")
    out = ember.avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp_finish(out, kh * kw, norm_type)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    kd, kh, kw = _ntuple(kernel_size, 3, "lp_pool3d", "kernel_size")
    out = avg_pool3d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp_finish(out, kd * kh * kw, norm_type)


ember.max_pool3d = max_pool3d
ember.avg_pool3d = avg_pool3d
ember.adaptive_avg_pool3d = adaptive_avg_pool3d
ember.adaptive_max_pool3d = adaptive_max_pool3d_with_indices
