"""One converter per traced op: called as converter(graph, output, *args, **kwargs) with the op's own
arguments (PyTorch's signature) and the tensor it returned, it emits ONNX nodes and returns the name
(or, for several outputs, the names) of the value(s) standing for the output. IDENTITY marks ops that
return their input unchanged at inference."""
import math

import numpy as np

import ember
from ember.onnx._graph import UnsupportedOp, numpy_dtype, onnx_type

IDENTITY = object()


def _unsupported(op, why):
    raise UnsupportedOp(f"ember.onnx.export: {op} {why}")


def _dims(args):
    """A shape or dim list given as separate ints or as one sequence."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return [int(d) for d in args[0]]
    return [int(d) for d in args]


def _axis(dim, ndim):
    return dim + ndim if dim < 0 else dim


def _pair(value, n):
    return [int(v) for v in value] if isinstance(value, (tuple, list)) else [int(value)] * n


# ---- elementwise ---------------------------------------------------------------------------------

def _binary(op_type, swap=False):
    def convert(g, out, input, other, alpha=1):
        a, b = (other, input) if swap else (input, other)
        if alpha != 1:
            b_name = g.node("Mul", [g.operand(b, out.dtype), g.operand(alpha, out.dtype)])
        else:
            b_name = g.operand(b, out.dtype)
        return g.node(op_type, [g.operand(a, out.dtype), b_name])
    return convert


def _div(g, out, input, other, rounding_mode=None):
    quotient = g.node("Div", [g.operand(input, out.dtype), g.operand(other, out.dtype)])
    if rounding_mode is None:
        return quotient
    if not out.is_floating_point():
        if rounding_mode == "floor":
            _unsupported("div", "with rounding_mode='floor' on integers is not supported")
        return quotient  # ONNX's integer Div truncates
    return g.node("Floor", [quotient]) if rounding_mode == "floor" else _trunc(g, quotient)


def _trunc(g, name):
    # ONNX has no Trunc: sign(x) * floor(|x|).
    return g.node("Mul", [g.node("Sign", [name]), g.node("Floor", [g.node("Abs", [name])])])


def _rtruediv(g, out, input, other):
    return g.node("Div", [g.operand(other, out.dtype), g.operand(input, out.dtype)])


def _pow(g, out, input, exponent):
    return g.node("Pow", [g.operand(input, out.dtype), g.operand(exponent, out.dtype)])


def _rpow(g, out, input, other):
    return g.node("Pow", [g.operand(other, out.dtype), g.operand(input, out.dtype)])


def _compare(op_type, negate=False):
    def convert(g, out, input, other):
        dtype = input.dtype if isinstance(input, ember.Tensor) else other.dtype
        if isinstance(input, ember.Tensor) and isinstance(other, ember.Tensor):
            dtype = ember.promote_types(input.dtype, other.dtype)
        result = g.node(op_type, [g.operand(input, dtype), g.operand(other, dtype)])
        return g.node("Not", [result]) if negate else result
    return convert


def _unary(op_type):
    def convert(g, out, input, inplace=False):  # F.relu(input, inplace) shares the table
        return g.node(op_type, [g.operand(input, out.dtype)])
    return convert


def _rsqrt(g, out, input):
    return g.node("Reciprocal", [g.node("Sqrt", [g.name(input)])])


def _silu(g, out, input, inplace=False):
    x = g.name(input)
    return g.node("Mul", [x, g.node("Sigmoid", [x])])


def _gelu(g, out, input, approximate="none"):
    x = g.name(input)
    if approximate == "none" and g.opset >= 20:
        return g.node("Gelu", [x])
    half = g.operand(0.5, out.dtype)
    one = g.operand(1.0, out.dtype)
    if approximate == "tanh":
        cube = g.node("Mul", [g.node("Mul", [x, x]), x])
        inner = g.node("Add", [x, g.node("Mul", [cube, g.operand(0.044715, out.dtype)])])
        inner = g.node("Mul", [inner, g.operand(math.sqrt(2 / math.pi), out.dtype)])
        gate = g.node("Add", [one, g.node("Tanh", [inner])])
    else:
        gate = g.node("Add", [one, g.node("Erf", [g.node("Div", [x, g.operand(math.sqrt(2), out.dtype)])])])
    return g.node("Mul", [g.node("Mul", [x, half]), gate])


def _leaky_relu(g, out, input, negative_slope=0.01, inplace=False):
    return g.node("LeakyRelu", [g.name(input)], alpha=float(negative_slope))


def _elu(g, out, input, alpha=1.0, inplace=False):
    return g.node("Elu", [g.name(input)], alpha=float(alpha))


def _clip(g, out, input, min=None, max=None):
    low = "" if min is None else g.operand(min, out.dtype)
    high = "" if max is None else g.operand(max, out.dtype)
    return g.node("Clip", [g.name(input), low, high])


def _hardtanh(g, out, input, min_val=-1.0, max_val=1.0, inplace=False):
    return _clip(g, out, input, min_val, max_val)


def _relu6(g, out, input, inplace=False):
    return _clip(g, out, input, 0.0, 6.0)


def _softplus(g, out, input, beta=1.0, threshold=20.0):
    # PyTorch: log(1 + exp(beta x)) / beta, and x itself where beta x > threshold.
    x = g.name(input)
    scaled = x if beta == 1 else g.node("Mul", [x, g.operand(beta, out.dtype)])
    smooth = g.node("Softplus", [scaled])
    if beta != 1:
        smooth = g.node("Div", [smooth, g.operand(beta, out.dtype)])
    linear = g.node("Greater", [scaled, g.operand(threshold, out.dtype)])
    return g.node("Where", [linear, x, smooth])


def _softmax(op_type):
    def convert(g, out, input, dim=None, _stacklevel=3, dtype=None):
        if dim is None:
            dim = 0 if input.dim() in (0, 1, 3) else 1
        x = g.operand(input, out.dtype)
        return g.node(op_type, [x], axis=int(dim))
    return convert


def _where(g, out, condition, input, other):
    return g.node("Where", [g.operand(condition, ember.bool), g.operand(input, out.dtype),
                            g.operand(other, out.dtype)])


def _where_method(g, out, input, condition, other):
    return _where(g, out, condition, input, other)


def _masked_fill(g, out, input, mask, value):
    return g.node("Where", [g.operand(mask, ember.bool), g.operand(value, out.dtype), g.name(input)])


def _cast(g, out, input, *args, **kwargs):
    if out.dtype == input.dtype:
        return IDENTITY
    return g.node("Cast", [g.name(input)], to=onnx_type(out.dtype))


def _identity(g, out, input, *args, **kwargs):
    return IDENTITY


# ---- shapes --------------------------------------------------------------------------------------

def _reshape_to(g, input, shape):
    """Reshape, copying (0) each leading dim that keeps the input's size so that a dynamic batch dim
    stays dynamic."""
    target = list(shape)
    copies = 0
    for i, size in enumerate(target):
        if i < input.dim() and size == input.shape[i] and size != 0 and copies == i:
            target[i] = 0
            copies += 1
    return g.node("Reshape", [g.name(input), g.ints(target)])


def _reshape(g, out, input, *shape):
    return _reshape_to(g, input, _dims(shape))


def _flatten(g, out, input, start_dim=0, end_dim=-1):
    if input.dim() == 0:
        return _reshape_to(g, input, [1])
    start, end = _axis(start_dim, input.dim()), _axis(end_dim, input.dim())
    shape = list(input.shape[:start]) + [-1] + list(input.shape[end + 1:])
    return _reshape_to(g, input, shape)


def _unflatten(g, out, input, dim, sizes):
    return _reshape_to(g, input, list(out.shape))


def _permute(g, out, input, *dims):
    perm = [_axis(d, input.dim()) for d in _dims(dims)]
    return g.node("Transpose", [g.name(input)], perm=perm)


def _transpose(g, out, input, dim0, dim1):
    perm = list(range(input.dim()))
    a, b = _axis(dim0, input.dim()), _axis(dim1, input.dim())
    perm[a], perm[b] = perm[b], perm[a]
    return g.node("Transpose", [g.name(input)], perm=perm)


def _t(g, out, input):
    if input.dim() < 2:
        return IDENTITY
    return g.node("Transpose", [g.name(input)], perm=[1, 0])


def _unsqueeze(g, out, input, dim):
    return g.node("Unsqueeze", [g.name(input), g.ints([_axis(dim, input.dim() + 1)])])


def _squeeze(g, out, input, dim=None):
    if dim is None:
        axes = [i for i, s in enumerate(input.shape) if s == 1]
    else:
        axes = [_axis(d, input.dim()) for d in (dim if isinstance(dim, (tuple, list)) else [dim])]
        axes = [a for a in axes if input.shape[a] == 1]
    if not axes:
        return IDENTITY
    return g.node("Squeeze", [g.name(input), g.ints(axes)])


def _cat(g, out, tensors, dim=0):
    parts = [g.operand(t, out.dtype) for t in tensors if not (t.dim() == 1 and t.shape[0] == 0)]
    return g.node("Concat", parts, axis=_axis(dim, out.dim()))


def _stack(g, out, tensors, dim=0):
    axis = _axis(dim, out.dim())
    parts = [g.node("Unsqueeze", [g.operand(t, out.dtype), g.ints([axis])]) for t in tensors]
    return g.node("Concat", parts, axis=axis)


def _split_sizes(g, input, sizes, dim):
    axis = _axis(dim, input.dim())
    if len(sizes) == 1:
        return [g.node("Identity", [g.name(input)])]
    return g.node("Split", [g.name(input), g.ints(sizes)], outputs=len(sizes), axis=axis)


def _chunk(g, out, input, chunks, dim=0):
    return _split_sizes(g, input, [t.shape[_axis(dim, input.dim())] for t in out], dim)


def _split(g, out, input, split_size_or_sections, dim=0):
    return _split_sizes(g, input, [t.shape[_axis(dim, input.dim())] for t in out], dim)


def _expand(g, out, input, *sizes):
    return g.node("Expand", [g.name(input), g.ints(list(out.shape))])


def _getitem(g, out, input, index):
    """Basic indexing: ints, slices (positive steps), None and Ellipsis; one integer tensor index."""
    items = list(index) if isinstance(index, tuple) else [index]
    if any(isinstance(i, ember.Tensor) for i in items):
        if len(items) == 1 and not items[0].is_floating_point() and items[0].dtype != ember.bool:
            return g.node("Gather", [g.name(input), g.name(items[0])], axis=0)
        _unsupported("__getitem__", "with boolean or several tensor indices is not supported")
    if any(i is Ellipsis for i in items):
        at = items.index(Ellipsis)
        used = sum(1 for i in items if i is not None and i is not Ellipsis)
        items[at:at + 1] = [slice(None)] * (input.dim() - used)
    name, dim, shape = g.name(input), 0, list(input.shape)
    for item in items:
        if item is None:
            name = g.node("Unsqueeze", [name, g.ints([dim])])
            shape.insert(dim, 1)
            dim += 1
        elif isinstance(item, slice):
            start, stop, step = item.indices(shape[dim])
            if step <= 0:
                _unsupported("__getitem__", "with a non-positive slice step is not supported")
            if (start, stop, step) != (0, shape[dim], 1):
                name = g.node("Slice", [name, g.ints([start]), g.ints([stop]), g.ints([dim]), g.ints([step])])
                shape[dim] = len(range(start, stop, step))
            dim += 1
        elif isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            position = int(item) + shape[dim] if item < 0 else int(item)
            name = g.node("Gather", [name, g.const(position, np.int64)], axis=dim)
            shape.pop(dim)
        else:
            _unsupported("__getitem__", f"with an index of type {type(item).__name__} is not supported")
    return name if name != g.name(input) else IDENTITY


# ---- reductions, products ------------------------------------------------------------------------

def _reduce(op_type):
    def convert(g, out, input, dim=None, keepdim=False, *, dtype=None):
        axes = list(range(input.dim())) if dim is None or dim == () or dim == [] else \
            [_axis(d, input.dim()) for d in (dim if isinstance(dim, (tuple, list)) else [dim])]
        x = g.operand(input, out.dtype)
        if op_type == "ReduceSum" or g.opset >= 18:
            return g.node(op_type, [x, g.ints(axes)], keepdims=int(bool(keepdim)))
        return g.node(op_type, [x], axes=axes, keepdims=int(bool(keepdim)))
    return convert


def _matmul(g, out, input, other):
    return g.node("MatMul", [g.operand(input, out.dtype), g.operand(other, out.dtype)])


def _linear(g, out, input, weight, bias=None):
    x, w = g.name(input), g.name(weight)
    if input.dim() == 2:
        inputs = [x, w] + ([g.name(bias)] if bias is not None else [])
        return g.node("Gemm", inputs, transB=1)
    product = g.node("MatMul", [x, g.node("Transpose", [w], perm=[1, 0])])
    return product if bias is None else g.node("Add", [product, g.name(bias)])


def _embedding(g, out, input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
               scale_grad_by_freq=False, sparse=False):
    if max_norm is not None:
        _unsupported("embedding", "with max_norm is not supported (it rescales the weight in place)")
    return g.node("Gather", [g.name(weight), g.name(input)], axis=0)


# ---- convolution, pooling, normalisation ---------------------------------------------------------

def _conv(n):
    def convert(g, out, input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
        kernel = list(weight.shape[2:])
        dilations = _pair(dilation, n)
        attributes = dict(strides=_pair(stride, n), dilations=dilations, group=int(groups),
                          kernel_shape=kernel)
        if padding == "valid":
            padding = 0
        if padding == "same":
            total = [d * (k - 1) for d, k in zip(dilations, kernel)]
            attributes["pads"] = [t // 2 for t in total] + [t - t // 2 for t in total]
        else:
            attributes["pads"] = _pair(padding, n) * 2
        inputs = [g.name(input), g.name(weight)] + ([g.name(bias)] if bias is not None else [])
        return g.node("Conv", inputs, **attributes)
    return convert


def _conv_transpose(n):
    def convert(g, out, input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
        inputs = [g.name(input), g.name(weight)] + ([g.name(bias)] if bias is not None else [])
        return g.node("ConvTranspose", inputs, strides=_pair(stride, n), pads=_pair(padding, n) * 2,
                      output_padding=_pair(output_padding, n), dilations=_pair(dilation, n), group=int(groups),
                      kernel_shape=list(weight.shape[2:]))
    return convert


def _max_pool(n):
    def convert(g, out, input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                return_indices=False):
        if return_indices:
            _unsupported(f"max_pool{n}d", "with return_indices=True is not supported")
        kernel = _pair(kernel_size, n)
        strides = kernel if stride is None or stride == [] or stride == () else _pair(stride, n)
        return g.node("MaxPool", [g.name(input)], kernel_shape=kernel, strides=strides,
                      pads=_pair(padding, n) * 2, dilations=_pair(dilation, n), ceil_mode=int(bool(ceil_mode)))
    return convert


def _avg_pool(n):
    def convert(g, out, input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                divisor_override=None):
        if divisor_override is not None:
            _unsupported(f"avg_pool{n}d", "with divisor_override is not supported")
        kernel = _pair(kernel_size, n)
        strides = kernel if stride is None or stride == [] or stride == () else _pair(stride, n)
        return g.node("AveragePool", [g.name(input)], kernel_shape=kernel, strides=strides,
                      pads=_pair(padding, n) * 2, ceil_mode=int(bool(ceil_mode)),
                      count_include_pad=int(bool(count_include_pad)))
    return convert


def _adaptive_avg_pool(n):
    def convert(g, out, input, output_size):
        spatial_in = list(input.shape[-n:])
        spatial_out = list(out.shape[-n:])
        if all(o == 1 for o in spatial_out):
            return g.node("GlobalAveragePool", [g.name(input)])
        if any(i % o for i, o in zip(spatial_in, spatial_out)):
            _unsupported(f"adaptive_avg_pool{n}d", f"from {spatial_in} to {spatial_out} is not supported "
                         "(the input size must be a multiple of the output size)")
        kernel = [i // o for i, o in zip(spatial_in, spatial_out)]
        return g.node("AveragePool", [g.name(input)], kernel_shape=kernel, strides=kernel)
    return convert


def _batch_norm(g, out, input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
                eps=1e-5):
    if training or running_mean is None:
        _unsupported("batch_norm", "in training mode (batch statistics) is not supported: export in eval mode")
    channels = input.shape[1]
    scale = g.name(weight) if weight is not None else g.const(np.ones(channels), numpy_dtype(out.dtype))
    shift = g.name(bias) if bias is not None else g.const(np.zeros(channels), numpy_dtype(out.dtype))
    return g.node("BatchNormalization", [g.name(input), scale, shift, g.name(running_mean), g.name(running_var)],
                  epsilon=float(eps))


def _layer_norm(g, out, input, normalized_shape, weight=None, bias=None, eps=1e-5):
    shape = [normalized_shape] if isinstance(normalized_shape, int) else list(normalized_shape)
    scale = g.name(weight) if weight is not None else g.const(np.ones(shape), numpy_dtype(out.dtype))
    inputs = [g.name(input), scale] + ([g.name(bias)] if bias is not None else [])
    return g.node("LayerNormalization", inputs, axis=-len(shape), epsilon=float(eps))


def _dropout(g, out, input, p=0.5, training=True, inplace=False):
    if training and p > 0:
        _unsupported("dropout", "in training mode is not supported: export in eval mode")
    return IDENTITY


# ---- the tables: which name in which namespace records through which converter --------------------

_ELEMENTWISE = {
    "add": _binary("Add"), "sub": _binary("Sub"), "subtract": _binary("Sub"), "mul": _binary("Mul"),
    "multiply": _binary("Mul"), "div": _div, "divide": _div, "true_divide": _div, "pow": _pow,
    "matmul": _matmul, "mm": _matmul, "bmm": _matmul,
    "relu": _unary("Relu"), "sigmoid": _unary("Sigmoid"), "tanh": _unary("Tanh"), "exp": _unary("Exp"),
    "log": _unary("Log"), "sqrt": _unary("Sqrt"), "abs": _unary("Abs"), "neg": _unary("Neg"),
    "negative": _unary("Neg"), "erf": _unary("Erf"), "sin": _unary("Sin"), "cos": _unary("Cos"),
    "reciprocal": _unary("Reciprocal"), "floor": _unary("Floor"), "ceil": _unary("Ceil"), "rsqrt": _rsqrt,
    "sign": _unary("Sign"), "gelu": _gelu, "silu": _silu, "softmax": _softmax("Softmax"),
    "log_softmax": _softmax("LogSoftmax"), "clamp": _clip, "clip": _clip, "where": _where,
    "masked_fill": _masked_fill, "gt": _compare("Greater"), "lt": _compare("Less"), "eq": _compare("Equal"),
    "ge": _compare("GreaterOrEqual"), "le": _compare("LessOrEqual"), "ne": _compare("Equal", negate=True),
    "reshape": _reshape, "flatten": _flatten, "permute": _permute, "transpose": _transpose,
    "swapaxes": _transpose, "t": _t, "unsqueeze": _unsqueeze, "squeeze": _squeeze, "cat": _cat,
    "concat": _cat, "concatenate": _cat, "stack": _stack, "chunk": _chunk, "split": _split,
    "unflatten": _unflatten, "sum": _reduce("ReduceSum"), "mean": _reduce("ReduceMean"),
    "amax": _reduce("ReduceMax"), "amin": _reduce("ReduceMin"),
    "conv1d": _conv(1), "conv2d": _conv(2), "conv_transpose1d": _conv_transpose(1),
    "conv_transpose2d": _conv_transpose(2), "max_pool1d": _max_pool(1), "max_pool2d": _max_pool(2),
    "avg_pool1d": _avg_pool(1), "avg_pool2d": _avg_pool(2), "adaptive_avg_pool1d": _adaptive_avg_pool(1),
    "adaptive_avg_pool2d": _adaptive_avg_pool(2), "linear": _linear, "dropout": _dropout,
}

# Functions of ember and ember._C (PyTorch's torch.* signatures).
FUNCTIONS = dict(_ELEMENTWISE)

# nn.functional, where some signatures differ from torch.*.
FUNCTIONAL = dict(_ELEMENTWISE, batch_norm=_batch_norm, layer_norm=_layer_norm, embedding=_embedding,
                  leaky_relu=_leaky_relu, elu=_elu, hardtanh=_hardtanh, relu6=_relu6, softplus=_softplus,
                  dropout=_dropout, dropout1d=_dropout, dropout2d=_dropout, alpha_dropout=_dropout)

# Tensor methods and operators.
METHODS = dict(_ELEMENTWISE, view=_reshape, contiguous=_identity, clone=_identity, detach=_identity,
               float=_cast, double=_cast, half=_cast, long=_cast, int=_cast, bool=_cast, to=_cast, type_as=_cast,
               expand=_expand, relu_=_unary("Relu"), sigmoid_=_unary("Sigmoid"), tanh_=_unary("Tanh"),
               add_=_binary("Add"), mul_=_binary("Mul"), sub_=_binary("Sub"), div_=_div,
               masked_fill_=_masked_fill, clamp_=_clip,
               __add__=_binary("Add"), __radd__=_binary("Add", swap=True), __iadd__=_binary("Add"),
               __sub__=_binary("Sub"), __rsub__=_binary("Sub", swap=True), __isub__=_binary("Sub"),
               __mul__=_binary("Mul"), __rmul__=_binary("Mul", swap=True), __imul__=_binary("Mul"),
               __truediv__=_div, __rtruediv__=_rtruediv, __itruediv__=_div, __pow__=_pow, __rpow__=_rpow,
               __matmul__=_matmul, __neg__=_unary("Neg"), __abs__=_unary("Abs"), __getitem__=_getitem,
               __gt__=_compare("Greater"), __lt__=_compare("Less"), __ge__=_compare("GreaterOrEqual"),
               __le__=_compare("LessOrEqual"), __eq__=_compare("Equal"), __ne__=_compare("Equal", negate=True),
               where=_where_method)
