#pragma once
// History of tensors written in place. Note [In-place writes into views]: an in-place op on a
// view changes its base too, so the base's history must change with it. As PyTorch's CopySlices
// does, the base gets a node that takes the base's gradient, runs the in-place op's backward on
// the view's region of it, and writes the result back into that region; every in-place op
// (add_, copy_, fill_, scatter_, index_put_, masked_fill_, ...) goes through rebase_history.
//
// Note [Stale views]: a write through the base or through one view changes what every other view
// of that base holds, so their recorded history is stale. As in PyTorch, a view made with grad
// mode on remembers the storage version its history matches; Tensor::grad_fn() and
// requires_grad() see a newer version and first replay the view as an as_strided of the base's
// current history (AsStridedBackward0).
#include <memory>

#include "autograd/node.h"

namespace ember {

/// Makes `fn` the history of `self` after an in-place op wrote it. `fn` is the op's node: output
/// 0 is self's new value, next edge 0 stands for self's old value (it is not followed when self
/// is a view: the base's old history takes its place), the other edges are already linked.
/// RuntimeError when self is a view of a leaf that requires grad.
void rebase_history(Tensor& self, const std::shared_ptr<Node>& fn);

/// Makes output `edge.input_nr` of `edge.fn` the history of `self` after an in-place write, for a
/// node that reaches self's old value through its own graph rather than as next edge 0: an op
/// computed in a wider dtype and cast back to self's, or a custom Function's dirty output.
void rebase_history_through(Tensor& self, const Edge& edge);

/// Replays a view off its base's current history; see Note [Stale views].
void refresh_view_history(const Tensor& view);

/// Records an in-place op on self as a FunctionNode linked to `inputs` (inputs[0] is self's old
/// value) and makes it self's history through rebase_history.
void record_inplace(Tensor& self, const char* name, const TensorList& inputs,
                    std::vector<SavedTensor> saved, BackwardFn fn);

/// The base's node after an in-place op on one of its views (see Note [In-place writes into views]).
class CopySlices : public Node {
 public:
  CopySlices(const Tensor& base, const Tensor& view, std::shared_ptr<Node> fn);
  TensorList apply(TensorList&& grads) override;
  std::string name() const override { return "CopySlices"; }
  void release_saved() override { fn_->release_saved(); }

 private:
  Shape base_sizes_, base_strides_, view_sizes_, view_strides_;
  int64_t base_offset_, view_offset_;
  std::shared_ptr<Node> fn_;
};

}  // namespace ember
