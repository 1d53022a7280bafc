#include "autograd/node.h"

#include <atomic>

#include "ops/copy.h"
#include "ops/elementwise.h"
#include "ops/view.h"

namespace ember {

static std::atomic<uint64_t> g_next_sequence_nr{0};
static std::atomic<int64_t> g_live_nodes{0};

Node::Node() : sequence_nr(g_next_sequence_nr++) { ++g_live_nodes; }

// Note [Iterative graph teardown]
// A node owns the nodes behind it through next_edges, so letting shared_ptr free a 100,000-op
// chain would recurse once per node and overflow the stack. Instead a dying node hands each
// predecessor it alone owns to the outermost dying node on this thread, which frees them one by
// one in a loop; their own predecessors join the same list. (A derived node's saved tensors are
// already gone when this runs, so no saved input still shares ownership of a predecessor.)
static thread_local std::vector<std::shared_ptr<Node>>* t_dying = nullptr;

Node::~Node() {
  --g_live_nodes;
  if (t_dying) {
    for (Edge& e : next_edges)
      if (e.fn && e.fn.use_count() == 1) t_dying->push_back(std::move(e.fn));
    return;
  }
  std::vector<std::shared_ptr<Node>> dying;
  for (Edge& e : next_edges)
    if (e.fn && e.fn.use_count() == 1) dying.push_back(std::move(e.fn));
  if (dying.empty()) return;
  t_dying = &dying;
  while (!dying.empty()) {
    std::shared_ptr<Node> last = std::move(dying.back());
    dying.pop_back();
    last.reset();  // may push its predecessors onto `dying`
  }
  t_dying = nullptr;
}

void Node::run_tensor_hooks(TensorList& grads) {
  for (auto* hooks : {&pre_hooks, &retain_grad_hooks}) {
    for (auto& [output_nr, hook] : *hooks) {
      if (!grads[output_nr].defined()) continue;
      Tensor replaced = hook(grads[output_nr]);
      if (replaced.defined()) grads[output_nr] = std::move(replaced);
    }
  }
}

int64_t live_node_count() { return g_live_nodes.load(); }

// ---- SavedTensor -----------------------------------------------------------------------------

SavedTensor::SavedTensor(const Tensor& t, bool is_output, uint32_t output_nr) : output_nr_(output_nr) {
  if (!t.defined()) return;
  version_ = t.version();
  is_output_ = is_output;
  // Keeping an output with its grad_fn would make a cycle node -> output -> node.
  data_ = is_output ? detach(t) : t;
}

Tensor SavedTensor::unpack(const std::shared_ptr<Node>& owner) const {
  if (!data_.defined()) return Tensor();
  if (data_.version() != version_) {
    throw RuntimeError(str(
        "one of the variables needed for gradient computation has been modified by an inplace "
        "operation: [", dtype_name(data_.dtype()), " ", data_.sizes(), "]",
        owner ? ", which is used by " + owner->name() : std::string(), ", is at version ",
        data_.version(), "; expected version ", version_,
        " instead. Hint: the operation that failed was an inplace edit of a tensor saved for "
        "backward; use .clone() before modifying it."));
  }
  // A saved output belongs to `owner`, which made it, whatever it looked like when saved.
  if (!is_output_) return data_;
  if (!owner) return data_;
  Tensor out = detach(data_);
  AutogradMeta& meta = out.ensure_autograd_meta();
  meta.requires_grad = true;
  meta.grad_fn = owner;
  meta.output_nr = output_nr_;
  return out;
}

// ---- FunctionNode ----------------------------------------------------------------------------

const char* kReleasedSavedError =
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward.";

TensorList FunctionNode::apply(TensorList&& grads) {
  EMBER_CHECK(!released_, kReleasedSavedError);
  TensorList saved;
  saved.reserve(saved_.size());
  auto self = shared_from_this();
  for (const SavedTensor& s : saved_) saved.push_back(s.unpack(self));
  return fn_(grads, saved);
}

void FunctionNode::release_saved() {
  // Only a node that held tensors refuses a second backward (PyTorch: x + 1 backs up twice).
  for (SavedTensor& s : saved_) {
    released_ = released_ || s.defined();
    s.reset();
  }
}

// ---- AccumulateGrad --------------------------------------------------------------------------

AccumulateGrad::AccumulateGrad(Tensor variable) : variable_(std::move(variable)) {
  next_edges = {};
  outputs.push_back({variable_.sizes(), variable_.dtype(), variable_.device()});
}

void AccumulateGrad::run_tensor_hooks(TensorList& grads) {
  AutogradMeta* meta = variable_.autograd_meta();
  if (!meta || !grads[0].defined()) return;
  for (const Hook& hook : meta->hooks) {
    Tensor replaced = hook(grads[0]);
    if (replaced.defined()) grads[0] = std::move(replaced);
  }
}

TensorList AccumulateGrad::apply(TensorList&& grads) {
  Tensor g = std::move(grads[0]);
  if (!g.defined()) return {};
  AutogradMeta& meta = variable_.ensure_autograd_meta();
  if (GradMode::is_enabled()) {  // create_graph: the gradient keeps its own graph
    meta.grad = meta.grad.defined() ? add(meta.grad, g) : g;
  } else if (!meta.grad.defined()) {
    // Steal the incoming buffer when nothing else can see it; otherwise the user could change
    // .grad by writing to a tensor they still hold.
    bool exclusive = g.use_count() == 1 && g.storage().use_count() == 1 && g.is_contiguous() &&
                     !g.requires_grad();
    meta.grad = exclusive ? g : clone(detach(g));
  } else {
    add_(meta.grad, g);
  }
  for (const Hook& hook : meta.post_accumulate_hooks)
    EMBER_CHECK(!hook(variable_).defined(), "Tensor post accumulate grad hooks should return None.");
  return {};
}

// ---- recording -------------------------------------------------------------------------------

Edge gradient_edge(const Tensor& t) {
  if (!t.defined() || !t.requires_grad()) return Edge{};
  AutogradMeta& meta = *t.autograd_meta();
  if (meta.grad_fn) return Edge{meta.grad_fn, meta.output_nr};
  std::shared_ptr<Node> acc = meta.grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(t);
    meta.grad_accumulator = acc;
  }
  return Edge{acc, 0};
}

void connect(const std::shared_ptr<Node>& fn, const TensorList& inputs, const TensorList& outputs) {
  fn->next_edges.reserve(inputs.size());
  for (const Tensor& t : inputs) fn->next_edges.push_back(gradient_edge(t));
  fn->outputs.reserve(outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    fn->outputs.push_back({out.sizes(), out.dtype(), out.device()});
    AutogradMeta& meta = const_cast<Tensor&>(out).ensure_autograd_meta();
    meta.requires_grad = true;
    meta.grad_fn = fn;
    meta.output_nr = static_cast<uint32_t>(i);
  }
}

void record(const char* name, const TensorList& inputs, const Tensor& out,
            std::vector<SavedTensor> saved, BackwardFn fn) {
  record_multi(name, inputs, TensorList{out}, std::move(saved), std::move(fn));
}

void record_multi(const char* name, const TensorList& inputs, const TensorList& outs,
                  std::vector<SavedTensor> saved, BackwardFn fn) {
  auto node = std::make_shared<FunctionNode>(name, std::move(saved), std::move(fn));
  connect(node, inputs, outs);
}

}  // namespace ember
