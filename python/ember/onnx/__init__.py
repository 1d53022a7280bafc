"""ember.onnx.export: PyTorch's torch.onnx.export for ember models, by tracing one forward pass.

The ops the forward pass actually runs are recorded (not its source), so Python control flow is
unrolled for the example inputs. Parameters and buffers become initializers named as in
state_dict(); other tensors the forward pass creates become constants. Needs the `onnx` package."""
from ember.onnx._graph import UnsupportedOp

__all__ = ["export", "UnsupportedOp"]

DEFAULT_OPSET = 17
MIN_OPSET = 17  # LayerNormalization


def export(model, args=(), f=None, export_params=True, verbose=False, input_names=None, output_names=None,
           opset_version=None, do_constant_folding=True, dynamic_axes=None, keep_initializers_as_inputs=False,
           kwargs=None):
    """Trace model(*args, **kwargs) once and write the ONNX model to f (a path or a binary file).

    The model runs in eval mode while traced (dropout off, batch norm on running statistics), as
    PyTorch's default training=TrainingMode.EVAL does. With do_constant_folding, ops that depend on
    parameters only are evaluated once and stored as constants."""
    import ember
    try:
        import onnx
    except ImportError as error:
        raise ImportError("ember.onnx.export needs the onnx package: pip install onnx") from error
    from ember.onnx._build import build_model
    from ember.onnx._graph import Graph
    from ember.onnx._trace import tracing

    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    newest = onnx.defs.onnx_opset_version()
    if not MIN_OPSET <= opset <= newest:
        raise ValueError(f"ember.onnx.export: opset_version {opset} is not supported "
                         f"(ember exports opsets {MIN_OPSET} to {newest})")
    if f is None:
        raise ValueError("ember.onnx.export: f (a file name or a binary file object) is required")
    args, kwargs = _split_args(args, kwargs)

    is_module = isinstance(model, ember.nn.Module)
    named = list(model.state_dict(keep_vars=True).items()) if is_module else []
    parameters = [(name, t) for name, t in named if isinstance(t, ember.Tensor)]
    graph = Graph(opset, parameters, do_constant_folding)
    inputs = []
    for i, value in enumerate(args):
        if isinstance(value, ember.Tensor):
            value = _graph_input(value)
            graph.add_input(value, _pick(input_names, i, f"input_{i}" if len(args) > 1 else "input"))
        inputs.append(value)

    modes = [(m, m.training) for m in model.modules()] if is_module else []
    grads = [(t, t.requires_grad) for _, t in parameters]
    try:
        for module, _ in modes:
            module.training = False
        for tensor, _ in grads:
            tensor.requires_grad_(False)
        with ember.enable_grad(), tracing(graph):
            outputs = model(*inputs, **kwargs)
    finally:
        for module, training in modes:
            module.training = training
        for tensor, requires_grad in grads:
            tensor.requires_grad_(requires_grad)

    proto = build_model(graph, _flatten_outputs(outputs), output_names, dynamic_axes or {}, export_params,
                        keep_initializers_as_inputs, ember.__version__)
    onnx.checker.check_model(proto)
    if verbose:
        print(onnx.helper.printable_graph(proto.graph))
    onnx.save_model(proto, f)


def _split_args(args, kwargs):
    import ember
    if isinstance(args, ember.Tensor):
        args = (args,)
    args = tuple(args)
    if args and isinstance(args[-1], dict):
        args, kwargs = args[:-1], dict(args[-1], **(kwargs or {}))
    return args, dict(kwargs or {})


def _graph_input(tensor):
    """A copy of an example input that autograd tracks, so that ops the tracer misses are caught."""
    copy = tensor.detach().clone()
    if copy.is_floating_point():
        copy.requires_grad_(True)
    return copy


def _pick(names, i, default):
    return names[i] if names is not None and i < len(names) else default


def _flatten_outputs(outputs):
    import ember
    if isinstance(outputs, ember.Tensor):
        return [outputs]
    if isinstance(outputs, (tuple, list)):
        return [t for item in outputs if item is not None for t in _flatten_outputs(item)]
    raise UnsupportedOp(f"ember.onnx.export: the model returned {type(outputs).__name__}; "
                        "only tensors and (nested) tuples or lists of tensors can be exported")
