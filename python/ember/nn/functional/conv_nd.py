"""3-d convolution and the transposed convolutions.

conv3d runs as kD 2-d convolutions (one per kernel depth) over the depth slices that kernel depth
reads, batched over samples and output depths; conv_transpose3d is its adjoint: kD transposed 2-d
convolutions whose results are spread to their output depths (stride zeros inserted) and summed.
conv_transpose1d/2d are C++ ops (the convolution's input-gradient kernel). Autograd, double
backward included, comes from the ops these are made of.
"""
import ember

__all__ = ["conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]

conv_transpose1d = ember.conv_transpose1d
conv_transpose2d = ember.conv_transpose2d


def _triple(value, name):
    if isinstance(value, (tuple, list)):
        if len(value) not in (1, 3):
            raise RuntimeError(f"expected {name} to be a single integer value or a list of 3 values to match the "
                               f"convolution dimensions, but got {name}={list(value)}")
        return tuple(value) * (3 // len(value))
    return (value,) * 3


def _check_input(op, input, weight, bias):
    if input.dim() not in (4, 5):
        raise RuntimeError(f"Expected 4D (unbatched) or 5D (batched) input to {op}, but got input of size: "
                           f"{list(input.shape)}")
    if weight.dim() != 5:
        raise RuntimeError(f"[{op}] expected a 5-d weight, but got weight of size {list(weight.shape)}")
    if input.dtype != weight.dtype:
        raise RuntimeError(f"expected input and weight to have the same dtype, but got {input.dtype} and "
                           f"{weight.dtype}")
    if bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(f"Input type ({input.dtype}) and bias type ({bias.dtype}) should be the same")


def _check_params(stride, dilation, groups):
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation={list(dilation)}")


def _add_bias(out, bias):
    return out if bias is None else out + bias.reshape(1, -1, 1, 1, 1)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-d convolution over (N, C_in, D, H, W) or (C_in, D, H, W) inputs."""
    _check_input("conv3d", input, weight, bias)
    stride, dilation = _triple(stride, "stride"), _triple(dilation, "dilation")
    _check_params(stride, dilation, groups)
    batched = input.dim() == 5
    x = input if batched else input.unsqueeze(0)
    out_ch, in_per_group, kd, kh, kw = weight.shape
    if out_ch % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{list(weight.shape)}] instead")
    if in_per_group * groups != x.shape[1]:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                           f"{list(x.shape)} to have {in_per_group * groups} channels, but got {x.shape[1]} channels "
                           "instead")
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != out_ch):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
                           f"{out_ch} elements, but got bias of size {list(bias.shape)} instead")
    kernel = (kd, kh, kw)
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if padding == "same" and any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        totals = [d * (k - 1) if padding == "same" else 0 for d, k in zip(dilation, kernel)]
        lo, hi = [t // 2 for t in totals], [t - t // 2 for t in totals]
    else:
        lo = hi = list(_triple(padding, "padding"))
        if any(p < 0 for p in lo):
            raise RuntimeError("negative padding is not supported")
    padded = [x.shape[2 + i] + lo[i] + hi[i] for i in range(3)]
    effective = [dilation[i] * (kernel[i] - 1) + 1 for i in range(3)]
    if any(p < k for p, k in zip(padded, effective)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, effective))}). Kernel size can't be greater than actual input size")
    # Zero padding: depth always here; height/width here only when asymmetric ('same', even kernel).
    hw_in_conv = lo[1:] == hi[1:]
    pads = [0 if hw_in_conv else lo[2], 0 if hw_in_conv else hi[2], 0 if hw_in_conv else lo[1],
            0 if hw_in_conv else hi[1], lo[0], hi[0]]
    if any(pads):
        x = ember.nn.functional.pad(x, pads)
    hw_padding = tuple(lo[1:]) if hw_in_conv else 0
    n, c, depth, h, w = x.shape
    out_depth = (depth - effective[0]) // stride[0] + 1
    out = None
    for k in range(kd):
        start = k * dilation[0]
        slices = x[:, :, start:start + (out_depth - 1) * stride[0] + 1:stride[0]]
        planes = slices.transpose(1, 2).reshape(n * out_depth, c, h, w)
        y = ember.conv2d(planes, weight[:, :, k], None, stride[1:], hw_padding, dilation[1:], groups)
        out = y if out is None else out + y
    out = out.reshape(n, out_depth, out_ch, out.shape[2], out.shape[3]).transpose(1, 2)
    out = _add_bias(out, bias)
    return out if batched else out.squeeze(0)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 3-d convolution: weight (C_in, C_out/groups, kD, kH, kW)."""
    _check_input("conv_transpose3d", input, weight, bias)
    stride, dilation = _triple(stride, "stride"), _triple(dilation, "dilation")
    padding, output_padding = _triple(padding, "padding"), _triple(output_padding, "output_padding")
    _check_params(stride, dilation, groups)
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(not (op < s or op < d) for op, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got output_padding="
                           f"{list(output_padding)} stride={list(stride)} dilation={list(dilation)}")
    batched = input.dim() == 5
    x = input if batched else input.unsqueeze(0)
    in_ch, out_per_group, kd, kh, kw = weight.shape
    if in_ch % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{list(weight.shape)}] instead")
    if in_ch != x.shape[1]:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected input{list(x.shape)} "
                           f"to have {in_ch} channels, but got {x.shape[1]} channels instead")
    out_ch = out_per_group * groups
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != out_ch):
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {out_ch} elements, but got bias of size {list(bias.shape)} instead")
    n, _, depth, h, w = x.shape
    kernel = (kd, kh, kw)
    sizes = [(x.shape[2 + i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1) + output_padding[i] + 1
             for i in range(3)]
    if any(s <= 0 for s in sizes):
        raise RuntimeError(f"Given input size per channel: ({depth} x {h} x {w}). Calculated output size per channel: "
                           f"({' x '.join(map(str, sizes))}). Output size is too small")
    planes = x.transpose(1, 2).reshape(n * depth, in_ch, h, w)
    spread = (depth - 1) * stride[0] + 1  # depths d * stride of one kernel depth's results
    out = None
    for k in range(kd):
        y = ember.conv_transpose2d(planes, weight[:, :, k], None, stride[1:], padding[1:], output_padding[1:],
                                   groups, dilation[1:])
        y = y.reshape(n, depth, out_ch, y.shape[2], y.shape[3])
        if stride[0] > 1:
            gaps = ember.zeros((n, depth, stride[0] - 1) + tuple(y.shape[2:]), dtype=y.dtype)
            y = ember.cat([y.unsqueeze(2), gaps], 2).reshape(n, depth * stride[0], *y.shape[2:])
            y = y.narrow(1, 0, spread)
        # Kernel depth k lands at output depth d*stride + k*dilation - padding (negative pads crop).
        front = k * dilation[0] - padding[0]
        y = ember.nn.functional.pad(y, [0, 0, 0, 0, 0, 0, front, sizes[0] - front - spread])
        out = y if out is None else out + y
    out = _add_bias(out.transpose(1, 2), bias)
    return out if batched else out.squeeze(0)


ember.conv3d = conv3d
ember.conv_transpose3d = conv_transpose3d
