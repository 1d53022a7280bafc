"""The graph under construction while a forward pass is traced: ONNX values named by tensor identity,
initializers for parameters and constants, and the nodes recorded so far."""
import numpy as np

import ember


def numpy_dtype(dtype):
    return np.dtype(str(dtype).replace("ember.", ""))


class UnsupportedOp(RuntimeError):
    pass


class Graph:
    def __init__(self, opset, parameters, fold_constants):
        self.opset = opset
        self.fold_constants = fold_constants
        self.nodes = []  # (op_type, inputs, outputs, attributes)
        self.initializers = {}  # name -> numpy array
        self.parameter_names = set()
        self.inputs = []  # (name, tensor)
        self._names = {}  # id(tensor) -> value name
        self._alive = []  # keeps traced tensors alive so their ids stay unique
        self._parameters = {id(t): (name, t) for name, t in parameters}
        self._counter = 0

    def fresh(self, hint):
        self._counter += 1
        return f"/{hint}_{self._counter}"

    # ---- values ----------------------------------------------------------------------------------

    def bind(self, tensor, name):
        self._names[id(tensor)] = name
        self._alive.append(tensor)

    def add_input(self, tensor, name):
        self.inputs.append((name, tensor))
        self.bind(tensor, name)

    def is_traced(self, value):
        """Whether value is a tensor the graph computes (from the inputs, or a parameter when constants
        are not folded)."""
        if not isinstance(value, ember.Tensor):
            return False
        if id(value) in self._names:
            return True
        if id(value) in self._parameters:
            return not self.fold_constants
        self._refuse_untraced(value)
        return False

    def _refuse_untraced(self, tensor):
        # Graph inputs require grad while tracing and parameters do not, so a tensor that requires
        # grad but has no name came from the inputs through an op the tracer did not record.
        if tensor.requires_grad and tensor.grad_fn is not None:
            node = tensor.grad_fn.name()
            op = node.replace("Backward0", "").replace("Backward", "")
            raise UnsupportedOp(f"ember.onnx.export: a tensor of the graph was computed by an op the exporter "
                                f"does not support (autograd node {node}, op '{op}')")

    def name(self, tensor):
        """The ONNX value holding tensor: a traced value, a parameter initializer or a new constant."""
        known = self._names.get(id(tensor))
        if known is not None:
            return known
        if id(tensor) in self._parameters:
            name = self._parameters[id(tensor)][0]
            self.parameter_names.add(name)
        else:
            self._refuse_untraced(tensor)
            name = self.fresh("Constant")
        self.initializers[name] = np.ascontiguousarray(tensor.detach().numpy())
        self.bind(tensor, name)
        return name

    def const(self, value, dtype=None, hint="Constant"):
        name = self.fresh(hint)
        self.initializers[name] = np.asarray(value, dtype=dtype)
        return name

    def ints(self, values):
        return self.const(list(values), np.int64, "Shape")

    def operand(self, value, dtype):
        """The ONNX name of a tensor or Python number, as dtype (ONNX has no implicit promotion)."""
        if not isinstance(value, ember.Tensor):
            return self.const(value, numpy_dtype(dtype))
        name = self.name(value)
        if value.dtype != dtype:
            return self.node("Cast", [name], to=onnx_type(dtype))
        return name

    # ---- nodes -----------------------------------------------------------------------------------

    def node(self, op_type, inputs, outputs=1, **attributes):
        names = [self.fresh(op_type) for _ in range(outputs)]
        self.nodes.append((op_type, list(inputs), names, attributes))
        return names[0] if outputs == 1 else names


def onnx_type(dtype):
    from onnx import helper
    return helper.np_dtype_to_tensor_dtype(numpy_dtype(dtype))
