#include "autograd/inplace.h"

#include "ops/copy.h"
#include "ops/factory.h"
#include "ops/view.h"

namespace ember {

CopySlices::CopySlices(const Tensor& base, const Tensor& view, std::shared_ptr<Node> fn)
    : base_sizes_(base.sizes()), base_strides_(base.strides()), view_sizes_(view.sizes()),
      view_strides_(view.strides()), base_offset_(base.storage_offset()),
      view_offset_(view.storage_offset()), fn_(std::move(fn)) {}

// The gradient of the base is grad_base everywhere except on the view's region, where it is the
// in-place op's backward applied to that region. Written with ember ops (copy_ into a view goes
// through rebase_history again), so create_graph differentiates it.
TensorList CopySlices::apply(TensorList&& grads) {
  const Tensor& g = grads[0];
  // Lay the gradient out like the base, so the view's geometry (relative to the base's offset)
  // addresses its region: a contiguous base is a clone, any other layout a buffer over its span.
  Tensor storage, result;
  if (contiguous_strides(base_sizes_) == base_strides_) {
    result = g.is_contiguous() ? clone(g) : contiguous(g);
    storage = result;
  } else {
    int64_t span = 1;
    for (int i = 0; i < base_sizes_.size(); ++i)
      if (base_sizes_[i] > 0) span += (base_sizes_[i] - 1) * base_strides_[i];
    storage = zeros({span}, g.dtype(), g.device());
    result = as_strided(storage, base_sizes_, base_strides_, 0);
    copy_(result, g);
  }
  Tensor region = as_strided(storage, view_sizes_, view_strides_, view_offset_ - base_offset_);
  TensorList res = fn_->apply(TensorList{clone(region)});
  if (res.empty()) res.resize(next_edges.size());
  if (res[0].defined())
    copy_(region, res[0]);
  else
    zero_(region);
  res[0] = storage.is_same(result) ? result : as_strided(storage, base_sizes_, base_strides_, 0);
  return res;
}

// retain_grad follows the tensor to its new node, as in PyTorch (register_hook's hooks stay put).
static void move_retain_grad_hooks(Node& from, uint32_t output_nr, Node& to) {
  auto& hooks = from.retain_grad_hooks;
  for (auto it = hooks.begin(); it != hooks.end();) {
    if (it->first != output_nr) {
      ++it;
      continue;
    }
    to.retain_grad_hooks.emplace_back(0, std::move(it->second));
    it = hooks.erase(it);
  }
}

// The view's history as an as_strided of its base's current history.
static void replay_view(const Tensor& view) {
  const Tensor& base = view.view_base();
  GradModeGuard enabled(true);
  Tensor fresh = as_strided(base, view.sizes(), view.strides(), view.storage_offset());
  AutogradMeta& meta = const_cast<Tensor&>(view).ensure_autograd_meta();
  std::shared_ptr<Node> old = std::move(meta.grad_fn);
  meta.grad_fn = fresh.grad_fn();
  if (meta.retains_grad && old) move_retain_grad_hooks(*old, meta.output_nr, *meta.grad_fn);
  meta.output_nr = 0;
  meta.requires_grad = true;
  view->view_version = view.version();
}

void refresh_view_history(const Tensor& view) {
  view->view_version = view.version();
  if (view.view_base().requires_grad()) replay_view(view);
}

void rebase_history(Tensor& self, const std::shared_ptr<Node>& fn) {
  Tensor base = self.view_base();
  if (!base.defined()) {
    AutogradMeta& meta = self.ensure_autograd_meta();
    meta.grad_fn = fn;
    meta.output_nr = 0;
    meta.requires_grad = true;
    return;
  }
  auto node = std::make_shared<CopySlices>(base, self, fn);
  node->next_edges.push_back(gradient_edge(base));
  for (size_t i = 1; i < fn->next_edges.size(); ++i) node->next_edges.push_back(fn->next_edges[i]);
  node->outputs.push_back({base.sizes(), base.dtype(), base.device()});
  AutogradMeta& base_meta = base.ensure_autograd_meta();
  base_meta.grad_fn = node;
  base_meta.output_nr = 0;
  base_meta.requires_grad = true;
  replay_view(self);  // the view's history is now that of a view of the rewritten base
}

namespace {

/// Stands in for another node's output as the `fn` of a CopySlices: the whole gradient of the
/// written region goes to that output (next edge 1), whose graph reaches self's old value, so
/// next edge 0 (self's old value, taken over by the base) gets none.
class ForwardToOutput : public Node {
 public:
  ForwardToOutput(const Edge& target, const OutputMeta& meta) : name_(target.fn->name()) {
    next_edges = {Edge{}, target};
    outputs.push_back(meta);
  }
  TensorList apply(TensorList&& grads) override { return {Tensor(), std::move(grads[0])}; }
  std::string name() const override { return name_; }

 private:
  std::string name_;
};

}  // namespace

void rebase_history_through(Tensor& self, const Edge& edge) {
  if (self.view_base().defined()) {
    rebase_history(self, std::make_shared<ForwardToOutput>(
                             edge, OutputMeta{self.sizes(), self.dtype(), self.device()}));
    return;
  }
  AutogradMeta& meta = self.ensure_autograd_meta();
  meta.grad_fn = edge.fn;
  meta.output_nr = edge.input_nr;
  meta.requires_grad = true;
}

void record_inplace(Tensor& self, const char* name, const TensorList& inputs,
                    std::vector<SavedTensor> saved, BackwardFn fn) {
  auto node = std::make_shared<FunctionNode>(name, std::move(saved), std::move(fn));
  for (const Tensor& t : inputs) node->next_edges.push_back(gradient_edge(t));
  node->outputs.push_back({self.sizes(), self.dtype(), self.device()});
  rebase_history(self, node);
}

}  // namespace ember
