"""Tracing one forward pass: while active, the public op entry points of ember's Python layer (ember.*
functions, Tensor methods and operators, nn.functional) are wrapped so that each call whose tensor
arguments belong to the graph is recorded through its converter. An op called inside a recorded one
is not recorded again (nn.functional.relu calls ember.relu: one Relu node). Other ops that touch the
graph raise with their name."""
import contextlib
import inspect
import sys

import ember
from ember.onnx import _converters
from ember.onnx._graph import UnsupportedOp

# Tensor methods and ember functions that read metadata or leave the graph without computing a
# tensor of it; they pass through untouched.
_PASSTHROUGH = {
    "size", "dim", "ndimension", "numel", "nelement", "is_floating_point", "is_complex", "is_contiguous",
    "stride", "element_size", "storage_offset", "data_ptr", "requires_grad_", "retain_grad", "register_hook",
    "get_device", "is_signed", "type", "backward", "is_tensor", "result_type", "typename", "is_same_size",
    "promote_types", "can_cast", "is_storage", "is_nonzero", "is_inference", "untyped_storage", "storage",
    "is_set_to", "has_names", "dim_order",
}


class _State:
    graph = None
    depth = 0
    callers = []  # the nn.functional calls under way, outermost first (for error messages)


def _tensors_in(args, kwargs):
    for value in list(args) + list(kwargs.values()):
        if isinstance(value, ember.Tensor):
            yield value
        elif isinstance(value, (list, tuple)):
            yield from (v for v in value if isinstance(v, ember.Tensor))


def _touches_graph(args, kwargs):
    graph = _State.graph
    return any([graph.is_traced(t) for t in _tensors_in(args, kwargs)])


def _recording(name, original, converter):
    def traced(*args, **kwargs):
        if _State.graph is None or _State.depth > 0 or not _touches_graph(args, kwargs):
            return original(*args, **kwargs)
        _State.depth += 1
        try:
            output = original(*args, **kwargs)
            _record(name, converter, output, args, kwargs)  # converters' own tensor calls are not traced
        finally:
            _State.depth -= 1
        return output
    traced.__wrapped__ = original
    return traced


def _record(name, converter, output, args, kwargs):
    graph = _State.graph
    result = converter(graph, output, *args, **kwargs)
    if result is _converters.IDENTITY:
        graph.bind(output, graph.name(args[0]))
    elif isinstance(output, (tuple, list)):
        for tensor, value in zip(output, result):
            graph.bind(tensor, value)
    elif isinstance(output, ember.Tensor):
        graph.bind(output, result)
    else:
        raise UnsupportedOp(f"ember.onnx.export: {name} returned {type(output).__name__}, not a tensor")


def _refusing(name, original):
    def watched(*args, **kwargs):
        if _State.graph is not None and _State.depth == 0 and _touches_graph(args, kwargs):
            inside = f" (called by nn.functional.{_State.callers[0]})" if _State.callers else ""
            raise UnsupportedOp(f"ember.onnx.export: the op '{name}'{inside} is not supported by the ONNX exporter")
        return original(*args, **kwargs)
    watched.__wrapped__ = original
    return watched


def _framing(name, original):
    """An nn.functional function without a converter runs as its ember ops; it is only remembered so
    that an error in one of them names the function the model called."""
    def framed(*args, **kwargs):
        _State.callers.append(name)
        try:
            return original(*args, **kwargs)
        finally:
            _State.callers.pop()
    framed.__wrapped__ = original
    return framed


def _is_routine(owner, name):
    static = inspect.getattr_static(owner, name, None)
    if static is None or isinstance(static, (property, type)) or inspect.ismodule(static):
        return False
    return callable(getattr(owner, name))


def _functional_namespaces():
    return [module for key, module in list(sys.modules.items())
            if module is not None and (key == "ember.nn.functional" or key.startswith("ember.nn.functional."))]


def _patches():
    """(owner, attribute name, replacement) for every entry point wrapped while tracing."""
    plans = [(ember.Tensor, _converters.METHODS, True), (ember, _converters.FUNCTIONS, True),
             (ember._C, _converters.FUNCTIONS, True)]
    plans += [(namespace, _converters.FUNCTIONAL, False) for namespace in _functional_namespaces()]
    patches = []
    for owner, table, is_core in plans:
        for name in dir(owner):
            if not _is_routine(owner, name):
                continue
            original = getattr(owner, name)
            if name in table:
                patches.append((owner, name, _recording(name, original, table[name])))
            elif not is_core:
                if name.startswith("_"):
                    continue
                if inspect.isfunction(original):
                    patches.append((owner, name, _framing(name, original)))
                elif inspect.isbuiltin(original) and name not in _PASSTHROUGH:  # a C++ op bound under F
                    patches.append((owner, name, _refusing(name, original)))
            elif name not in _PASSTHROUGH and (not name.startswith("_") or _is_operator(name)):
                patches.append((owner, name, _refusing(name, original)))
    return patches + _captured_in_modules(patches)


def _captured_in_modules(patches):
    """nn modules that keep an op as a class attribute (`_fn = staticmethod(F.relu)`) hold the original
    function object: such attributes get the same wrapper."""
    wrapper_of = {id(inspect.getattr_static(owner, name)): replacement for owner, name, replacement in patches}
    captured = []
    for key, module in list(sys.modules.items()):
        if module is None or not key.startswith("ember.nn.modules"):
            continue
        for cls in vars(module).values():
            if not isinstance(cls, type) or not issubclass(cls, ember.nn.Module):
                continue
            for name, value in list(vars(cls).items()):
                if isinstance(value, staticmethod) and id(value.__func__) in wrapper_of:
                    captured.append((cls, name, staticmethod(wrapper_of[id(value.__func__)])))
    return captured


def _is_operator(name):
    return name.startswith("__") and name not in {
        "__init__", "__new__", "__repr__", "__str__", "__format__", "__hash__", "__len__", "__bool__",
        "__getattribute__", "__setattr__", "__delattr__", "__dir__", "__reduce__", "__reduce_ex__",
        "__getstate__", "__setstate__", "__sizeof__", "__init_subclass__", "__subclasshook__", "__class__",
        "__deepcopy__", "__copy__", "__array__", "__array_wrap__", "__dlpack__", "__dlpack_device__",
        "__float__", "__int__", "__index__", "__iter__", "__doc__", "__module__", "__dict__", "__contains__",
        "__class_getitem__", "__reversed__", "__torch_function__"}


@contextlib.contextmanager
def tracing(graph):
    if _State.graph is not None:
        raise RuntimeError("ember.onnx.export: an export is already tracing (exports do not nest)")
    patches = _patches()
    saved = [(owner, name, inspect.getattr_static(owner, name)) for owner, name, _ in patches]
    for owner, name, replacement in patches:
        setattr(owner, name, replacement)
    _State.graph, _State.depth, _State.callers = graph, 0, []
    try:
        yield
    finally:
        _State.graph = None
        for owner, name, original in saved:
            setattr(owner, name, original)
