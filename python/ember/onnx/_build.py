"""Turning a traced Graph into an onnx.ModelProto: inputs and outputs with (symbolic) shapes, nodes,
initializers."""
from onnx import helper, numpy_helper

from ember.onnx._graph import numpy_dtype


def _dynamic_dims(dynamic_axes, name, rank):
    """{axis: dim name} for one input or output; PyTorch also accepts a list of axes."""
    axes = dynamic_axes.get(name, {})
    if isinstance(axes, (list, tuple)):
        axes = {int(a): f"{name}_dynamic_axes_{i + 1}" for i, a in enumerate(axes)}
    resolved = {}
    for axis, dim_name in axes.items():
        axis = int(axis)
        if not -rank <= axis < rank:
            raise ValueError(f"ember.onnx.export: dynamic axis {axis} of '{name}' is out of range for rank {rank}")
        resolved[axis % rank if rank else axis] = dim_name
    return resolved


def _value_info(name, tensor, dynamic_axes):
    dims = _dynamic_dims(dynamic_axes, name, tensor.dim())
    shape = [dims.get(i, size) for i, size in enumerate(tensor.shape)]
    elem_type = helper.np_dtype_to_tensor_dtype(numpy_dtype(tensor.dtype))
    return helper.make_tensor_value_info(name, elem_type, shape)


def build_model(graph, outputs, output_names, dynamic_axes, export_params, keep_initializers_as_inputs,
                producer_version):
    renames, identities, output_infos = {}, [], []
    produced = {out for _, _, outs, _ in graph.nodes for out in outs}
    for i, tensor in enumerate(outputs):
        internal = graph.name(tensor)
        name = output_names[i] if output_names and i < len(output_names) else \
            ("output" if len(outputs) == 1 else f"output_{i}")
        if internal in produced and internal not in renames:
            renames[internal] = name
        else:
            identities.append(helper.make_node("Identity", [renames.get(internal, internal)], [name]))
        output_infos.append(_value_info(name, tensor, dynamic_axes))
    known = {name for name, _ in graph.inputs} | {info.name for info in output_infos}
    for key in dynamic_axes:
        if key not in known:
            raise ValueError(f"ember.onnx.export: dynamic_axes names '{key}', which is neither an input nor an "
                             "output name")

    def rename(values):
        return [renames.get(v, v) for v in values]

    nodes = [helper.make_node(op, rename(inputs), rename(outs), name=outs[0], **attributes)
             for op, inputs, outs, attributes in graph.nodes] + identities
    input_infos = [_value_info(name, tensor, dynamic_axes) for name, tensor in graph.inputs]
    initializers = []
    for name, array in graph.initializers.items():
        is_parameter = name in graph.parameter_names
        if is_parameter and (not export_params or keep_initializers_as_inputs):
            input_infos.append(helper.make_tensor_value_info(
                name, helper.np_dtype_to_tensor_dtype(array.dtype), list(array.shape)))
        if export_params or not is_parameter:
            initializers.append(numpy_helper.from_array(array, name))
    onnx_graph = helper.make_graph(nodes, "ember", input_infos, output_infos, initializers)
    return helper.make_model(onnx_graph, producer_name="ember", producer_version=producer_version,
                             opset_imports=[helper.make_opsetid("", graph.opset)])
