#pragma once
// The autograd graph: a Node per recorded op, holding the tensors its backward needs and an Edge
// to the node that produced each input. Outputs own their grad_fn, never the reverse, so a graph
// is freed as soon as the last tensor that can reach it goes away.
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "autograd/grad_mode.h"
#include "core/tensor.h"

namespace ember {

class Node;

/// Where a gradient goes: input `input_nr` of node `fn` (null fn: the input needs no gradient).
struct Edge {
  std::shared_ptr<Node> fn;
  uint32_t input_nr = 0;
};

/// Shape, dtype and device of one output, to make zeros for a gradient that never arrived and to
/// check that every gradient has the shape of the tensor it is for.
struct OutputMeta {
  Shape sizes;
  DType dtype;
  Device device;
};

class Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  /// Frees the graph behind this node iteratively; see Note [Iterative graph teardown].
  virtual ~Node();
  /// Gradients w.r.t. this node's outputs in; gradients w.r.t. its inputs out, one per next edge
  /// (undefined where an input gets no gradient). Grads of outputs may be undefined: zero.
  virtual TensorList apply(TensorList&& grads) = 0;
  /// The name Python shows for grad_fn, e.g. "MulBackward0".
  virtual std::string name() const = 0;
  /// Frees saved tensors after a backward pass without retain_graph.
  virtual void release_saved() {}
  /// Runs the hooks of the tensors this node's gradients are for, in place on `grads`, before
  /// the engine captures or applies them: register_hook hooks first, then retain_grad's.
  virtual void run_tensor_hooks(TensorList& grads);

  std::vector<Edge> next_edges;
  std::vector<OutputMeta> outputs;
  /// Hooks registered on non-leaf outputs: (output index, hook); a hook may return a replacement.
  std::vector<std::pair<uint32_t, Hook>> pre_hooks;
  /// retain_grad's hooks, which see the gradient after every other hook, as in PyTorch.
  std::vector<std::pair<uint32_t, Hook>> retain_grad_hooks;
  /// Creation order; among ready nodes the engine runs the newest first, as PyTorch does.
  uint64_t sequence_nr;
  /// False: apply() takes undefined gradients for outputs that got none, instead of zeros.
  bool materialize_grads = true;
};

/// A tensor kept for backward. It remembers the version of the storage when saved, and unpacking
/// after an in-place change is the RuntimeError PyTorch raises. An op's own output is kept without
/// its grad_fn (that would be a cycle) and gets it back when unpacked.
class SavedTensor {
 public:
  SavedTensor() = default;
  SavedTensor(const Tensor& t, bool is_output, uint32_t output_nr = 0);
  /// The saved tensor; `owner` is the node that saved it (needed for saved outputs).
  Tensor unpack(const std::shared_ptr<Node>& owner) const;
  void reset() { data_ = Tensor(); }
  bool defined() const { return data_.defined(); }

 private:
  Tensor data_;
  uint64_t version_ = 0;
  uint32_t output_nr_ = 0;
  bool is_output_ = false;
};

/// The error of a backward that needs saved tensors a previous backward freed.
extern const char* kReleasedSavedError;

/// Saves an op input for backward.
inline SavedTensor save(const Tensor& t) { return SavedTensor(t, false); }
/// Saves output `output_nr` of an op for backward.
inline SavedTensor save_output(const Tensor& t, uint32_t output_nr = 0) {
  return SavedTensor(t, true, output_nr);
}

/// The backward formula of an op: grads of the outputs and the unpacked saved tensors in,
/// grads of the inputs out. Written with ember ops so that create_graph=True differentiates it.
using BackwardFn = std::function<TensorList(const TensorList& grads, const TensorList& saved)>;

/// The node of every built-in op: a name, saved tensors and a backward formula.
class FunctionNode : public Node {
 public:
  FunctionNode(const char* name, std::vector<SavedTensor> saved, BackwardFn fn)
      : name_(name), saved_(std::move(saved)), fn_(std::move(fn)) {}
  TensorList apply(TensorList&& grads) override;
  std::string name() const override { return name_; }
  void release_saved() override;

 private:
  const char* name_;
  std::vector<SavedTensor> saved_;
  BackwardFn fn_;
  bool released_ = false;
};

/// The sink of a leaf: adds incoming gradients into the leaf's .grad.
class AccumulateGrad : public Node {
 public:
  explicit AccumulateGrad(Tensor variable);
  TensorList apply(TensorList&& grads) override;
  std::string name() const override { return "AccumulateGrad"; }
  /// A leaf's hooks live on the leaf (this node is created on demand), so they run from here.
  void run_tensor_hooks(TensorList& grads) override;
  const Tensor& variable() const { return variable_; }

 private:
  Tensor variable_;
};

/// True when grad mode is on and some input requires grad: the op must record a node.
inline bool should_record(std::initializer_list<const Tensor*> inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor* t : inputs)
    if (t->defined() && t->requires_grad()) return true;
  return false;
}
inline bool should_record(const TensorList& inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

/// The edge a gradient for `t` follows: its grad_fn, or its AccumulateGrad if it is a leaf
/// requiring grad, or a null edge.
Edge gradient_edge(const Tensor& t);
/// Makes `fn` the grad_fn of `outputs` (output i is output_nr i) and links it to `inputs`.
void connect(const std::shared_ptr<Node>& fn, const TensorList& inputs, const TensorList& outputs);
/// Records an op with one output: out.grad_fn becomes a FunctionNode named `name`.
void record(const char* name, const TensorList& inputs, const Tensor& out,
            std::vector<SavedTensor> saved, BackwardFn fn);
/// Records an op with several differentiable outputs.
void record_multi(const char* name, const TensorList& inputs, const TensorList& outs,
                  std::vector<SavedTensor> saved, BackwardFn fn);

/// Number of live autograd nodes, for leak tests and debugging.
int64_t live_node_count();

}  // namespace ember
