#pragma once
// Runs backward over the graph: iteratively (a 100,000-op chain needs no deep stack), in
// dependency order, each node once after every gradient for it has arrived.
#include "autograd/node.h"

namespace ember {

/// tensors[i].backward(grads[i]) for all i at once, accumulating into leaves' .grad. An undefined
/// grads[i] means ones for a one-element tensor and is an error otherwise.
void backward(const TensorList& tensors, const TensorList& grads, bool retain_graph,
              bool create_graph, const TensorList& inputs = {});

/// Gradients of `outputs` w.r.t. `inputs` (autograd.grad), returned instead of accumulated.
/// An input the outputs do not depend on is an error unless allow_unused (then undefined).
TensorList grad(const TensorList& outputs, const TensorList& grad_outputs, const TensorList& inputs,
                bool retain_graph, bool create_graph, bool allow_unused);

/// Anomaly mode (autograd.set_detect_anomaly): with check_nan, a node whose backward returns a
/// gradient holding NaN raises, naming the node. A process-wide flag, as PyTorch's; when off the
/// engine pays one relaxed load per node.
void set_anomaly_enabled(bool enabled, bool check_nan = true);
bool anomaly_enabled();
bool anomaly_check_nan();

}  // namespace ember
