#include "autograd/engine.h"

#include <atomic>
#include <queue>
#include <unordered_map>

#include "ops/copy.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/reduce.h"

namespace ember {
namespace {

/// What one backward pass knows about a node it can reach.
struct NodeState {
  Node* node;
  int dependencies = 0;   // edges from reachable nodes not yet run
  bool visited = false;   // reached by the dependency count (and, with captures, the post-order)
  bool captured = false;  // autograd.grad wants a gradient flowing into it
  bool execute = true;    // with captures: it leads to a captured node, so apply() must run
  TensorList grads;       // one slot per output of the node
};

/// Node -> NodeState. Most graphs a backward pass sees are small (a loss over a few ops), where
/// a linear scan beats hashing and allocates nothing more; past kLinearLimit nodes an index is
/// built. States live in a vector, so a reference stays valid only until the next insertion.
class NodeStates {
 public:
  NodeStates() { states_.reserve(kLinearLimit); }

  NodeState* find(Node* n) {
    if (index_.empty()) {
      for (auto it = states_.rbegin(); it != states_.rend(); ++it)
        if (it->node == n) return &*it;
      return nullptr;
    }
    auto it = index_.find(n);
    return it == index_.end() ? nullptr : &states_[it->second];
  }

  NodeState& get(Node* n) {
    if (NodeState* s = find(n)) return *s;
    states_.emplace_back();
    states_.back().node = n;
    states_.back().grads.resize(n->outputs.size());
    if (!index_.empty()) {
      index_.emplace(n, states_.size() - 1);
    } else if (states_.size() > kLinearLimit) {
      index_.reserve(2 * states_.size());
      for (size_t i = 0; i < states_.size(); ++i) index_.emplace(states_[i].node, i);
    }
    return states_.back();
  }

 private:
  static constexpr size_t kLinearLimit = 16;
  std::vector<NodeState> states_;
  std::unordered_map<Node*, size_t> index_;
};

std::atomic<bool> anomaly_mode{false};
std::atomic<bool> anomaly_nan_check{true};

// Anomaly mode's check of what a node returned: PyTorch's message, with the output's position.
void check_no_nan(const Node& node, const TensorList& results) {
  for (size_t i = 0; i < results.size(); ++i) {
    const Tensor& r = results[i];
    if (!r.defined() || !is_floating(r.dtype())) continue;
    Tensor found = to_device(any(isnan(r)), Device{DeviceType::CPU, 0});
    EMBER_CHECK(!*found.data<bool>(), "Function '", node.name(), "' returned nan values in its ", i,
                "th output.");
  }
}

/// Newest node first among ready ones, like PyTorch, so hooks fire in a familiar order.
struct NewestFirst {
  bool operator()(Node* a, Node* b) const { return a->sequence_nr < b->sequence_nr; }
};

/// Where autograd.grad wants a gradient: output `output_nr` of `node`.
struct Capture {
  Node* node;
  uint32_t output_nr;
  Tensor grad;
};

// A gradient some node returned must fit the tensor it is for; a dtype mismatch is cast, as
// PyTorch's validate_outputs does (a hook or custom Function may return float64 for float32).
Tensor validate(Tensor grad, const Node& producer, size_t index, const OutputMeta& meta) {
  EMBER_CHECK(grad.sizes() == meta.sizes, "Function ", producer.name(),
              " returned an invalid gradient at index ", index, " - got ", grad.sizes(),
              " but expected shape compatible with ", meta.sizes);
  if (grad.dtype() != meta.dtype) grad = to_dtype(grad, meta.dtype);
  return grad;
}

class GraphTask {
 public:
  GraphTask(bool keep_graph, bool create_graph) : keep_graph_(keep_graph), create_graph_(create_graph) {}

  void add_root(const Edge& edge, Tensor grad) {
    roots_.push_back(edge.fn.get());
    accumulate(states_.get(edge.fn.get()).grads[edge.input_nr], std::move(grad));
  }
  /// With captures, only nodes leading to a captured input run, and no leaf is accumulated into.
  void capture(const Edge& edge) { captures_.push_back({edge.fn.get(), edge.input_nr, Tensor()}); }

  void run() {
    count_dependencies();
    if (!captures_.empty()) mark_needed();
    std::priority_queue<Node*, std::vector<Node*>, NewestFirst> ready;
    for (Node* r : roots_) {
      NodeState& s = *states_.find(r);
      // dependencies == -1 marks a root already queued (backward([y, y]) lists it twice).
      if (s.dependencies == 0) ready.push(r), s.dependencies = -1;
    }
    GradModeGuard mode(create_graph_);
    while (!ready.empty()) {
      Node* node = ready.top();
      ready.pop();
      NodeState& state = *states_.find(node);
      TensorList grads = std::move(state.grads);
      bool execute = state.execute;
      TensorList results;
      if (execute || state.captured) {
        node->run_tensor_hooks(grads);
        if (state.captured) take_captures(node, grads);
        if (execute) results = call(node, std::move(grads));
      }
      if (execute && !keep_graph_) node->release_saved();
      for (size_t i = 0; i < node->next_edges.size(); ++i) {
        const Edge& e = node->next_edges[i];
        if (!e.fn) continue;
        NodeState& next = *states_.find(e.fn.get());
        if (i < results.size() && results[i].defined())
          accumulate(next.grads[e.input_nr],
                     validate(std::move(results[i]), *node, i, e.fn->outputs[e.input_nr]));
        if (--next.dependencies == 0) ready.push(e.fn.get());
      }
    }
  }

  const std::vector<Capture>& captures() const { return captures_; }

 private:
  // Counts, for every node reachable from the roots, how many edges point at it.
  void count_dependencies() {
    std::vector<Node*> stack;
    for (Node* r : roots_) {
      NodeState& s = *states_.find(r);
      if (!s.visited) s.visited = true, stack.push_back(r);
    }
    while (!stack.empty()) {
      Node* n = stack.back();
      stack.pop_back();
      for (const Edge& e : n->next_edges) {
        if (!e.fn) continue;
        NodeState& s = states_.get(e.fn.get());
        ++s.dependencies;
        if (!s.visited) s.visited = true, stack.push_back(e.fn.get());
      }
    }
  }

  // A node must run when a captured node lies behind it; decided children-first by an
  // iterative post-order walk (each node's edges are scanned once).
  void mark_needed() {
    for (const Capture& c : captures_)
      if (NodeState* s = states_.find(c.node)) s->captured = true;
    std::vector<std::pair<Node*, size_t>> stack;
    for (Node* r : roots_) {
      NodeState& rs = *states_.find(r);
      if (!rs.visited) continue;
      rs.visited = false;  // from here on, visited == false means "reached by this walk"
      stack.push_back({r, 0});
      while (!stack.empty()) {
        auto [n, i] = stack.back();
        if (i < n->next_edges.size()) {
          ++stack.back().second;
          Node* child = n->next_edges[i].fn.get();
          if (!child) continue;
          NodeState& cs = *states_.find(child);
          if (cs.visited) cs.visited = false, stack.push_back({child, 0});
          continue;
        }
        stack.pop_back();
        bool leads = false;
        for (const Edge& e : n->next_edges) {
          if (!e.fn) continue;
          NodeState& cs = *states_.find(e.fn.get());
          leads = leads || cs.captured || cs.execute;
        }
        states_.find(n)->execute = leads;
      }
    }
  }

  void take_captures(Node* node, const TensorList& grads) {
    for (Capture& c : captures_)
      if (c.node == node && grads[c.output_nr].defined()) c.grad = grads[c.output_nr];
  }

  static TensorList call(Node* node, TensorList&& grads) {
    bool any = false;
    for (const Tensor& g : grads) any = any || g.defined();
    if (!any) return {};
    if (node->materialize_grads) {
      for (size_t i = 0; i < grads.size(); ++i)
        if (!grads[i].defined())
          grads[i] = zeros(node->outputs[i].sizes, node->outputs[i].dtype, node->outputs[i].device);
    }
    TensorList results = node->apply(std::move(grads));
    EMBER_CHECK(results.empty() || results.size() == node->next_edges.size(), "function ",
                node->name(), " returned an incorrect number of gradients (expected ",
                node->next_edges.size(), ", got ", results.size(), ")");
    if (anomaly_mode.load(std::memory_order_relaxed) && anomaly_nan_check.load(std::memory_order_relaxed))
      check_no_nan(*node, results);
    return results;
  }

  static void accumulate(Tensor& slot, Tensor grad) {
    if (!grad.defined()) return;
    slot = slot.defined() ? add(slot, grad) : std::move(grad);
  }

  bool keep_graph_;
  bool create_graph_;
  std::vector<Node*> roots_;
  std::vector<Capture> captures_;
  NodeStates states_;
};

// Validates one root and the gradient it starts with.
Tensor root_grad(const Tensor& t, const Tensor& g, size_t i) {
  EMBER_CHECK(t.requires_grad(), "element ", i,
              " of tensors does not require grad and does not have a grad_fn");
  if (!g.defined()) {
    EMBER_CHECK(t.numel() == 1, "grad can be implicitly created only for scalar outputs");
    return ones_like(t);
  }
  EMBER_CHECK(g.sizes() == t.sizes(), "Mismatch in shape: grad_output[", i, "] has a shape of ",
              g.sizes(), " and output[", i, "] has a shape of ", t.sizes(), ".");
  return g;
}

void add_roots(GraphTask& task, const TensorList& tensors, const TensorList& grads) {
  EMBER_CHECK(grads.empty() || grads.size() == tensors.size(), "Mismatch in number of "
              "gradients: got ", grads.size(), " gradients for ", tensors.size(), " tensors");
  for (size_t i = 0; i < tensors.size(); ++i)
    task.add_root(gradient_edge(tensors[i]),
                  root_grad(tensors[i], grads.empty() ? Tensor() : grads[i], i));
}

}  // namespace

void backward(const TensorList& tensors, const TensorList& grads, bool retain_graph,
              bool create_graph, const TensorList& inputs) {
  if (!inputs.empty()) {
    // backward(inputs=...) accumulates only into these tensors, leaf or not, the way a leaf's
    // AccumulateGrad would (the captured gradients have been through the tensors' hooks).
    TensorList result = grad(tensors, grads, inputs, retain_graph, create_graph, true);
    GradModeGuard mode(create_graph);
    for (size_t i = 0; i < inputs.size(); ++i)
      if (result[i].defined()) AccumulateGrad(inputs[i]).apply({std::move(result[i])});
    return;
  }
  GraphTask task(retain_graph, create_graph);
  add_roots(task, tensors, grads);
  task.run();
}

TensorList grad(const TensorList& outputs, const TensorList& grad_outputs, const TensorList& inputs,
                bool retain_graph, bool create_graph, bool allow_unused) {
  GraphTask task(retain_graph, create_graph);
  for (size_t i = 0; i < inputs.size(); ++i) {
    EMBER_CHECK(inputs[i].defined() && inputs[i].requires_grad(), "One of the differentiated "
                "Tensors does not require grad");
    task.capture(gradient_edge(inputs[i]));
  }
  add_roots(task, outputs, grad_outputs);
  task.run();
  TensorList result;
  result.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& g = task.captures()[i].grad;
    EMBER_CHECK(g.defined() || allow_unused, "One of the differentiated Tensors appears to not "
                "have been used in the graph. Set allow_unused=True if this is the desired "
                "behavior.");
    result.push_back(g);
  }
  return result;
}

void set_anomaly_enabled(bool enabled, bool check_nan) {
  anomaly_mode.store(enabled);
  anomaly_nan_check.store(check_nan);
}
bool anomaly_enabled() { return anomaly_mode.load(); }
bool anomaly_check_nan() { return anomaly_nan_check.load(); }

}  // namespace ember
