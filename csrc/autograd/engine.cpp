#include "autograd/engine.h"

#include <queue>
#include <unordered_map>

#include "ops/elementwise.h"
#include "ops/factory.h"

namespace ember {
namespace {

struct NodeState {
  int dependencies = 0;
  TensorList grads;  // one slot per output of the node
};

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

class GraphTask {
 public:
  GraphTask(bool keep_graph, bool create_graph) : keep_graph_(keep_graph), create_graph_(create_graph) {}

  void add_root(const Edge& edge, Tensor grad) {
    roots_.push_back(edge.fn.get());
    deliver(edge, std::move(grad), /*count=*/false);
  }
  /// Only nodes that lead to a captured input run; leaves are not accumulated into.
  void capture(const Edge& edge) { captures_.push_back({edge.fn.get(), edge.input_nr, Tensor()}); }

  void run() {
    count_dependencies();
    std::priority_queue<Node*, std::vector<Node*>, NewestFirst> ready;
    for (Node* r : roots_)
      if (state_[r].dependencies == 0 && !queued_[r]) ready.push(r), queued_[r] = true;
    GradModeGuard mode(create_graph_);
    while (!ready.empty()) {
      Node* node = ready.top();
      ready.pop();
      TensorList grads = std::move(state_[node].grads);
      for (Capture& c : captures_)
        if (c.node == node && grads[c.output_nr].defined()) c.grad = grads[c.output_nr];
      TensorList results;
      if (should_execute(node)) {
        run_pre_hooks(node, grads);
        results = call(node, std::move(grads));
      }
      if (!keep_graph_) node->release_saved();
      for (size_t i = 0; i < node->next_edges.size(); ++i) {
        const Edge& e = node->next_edges[i];
        if (!e.fn) continue;
        deliver(e, i < results.size() ? std::move(results[i]) : Tensor(), true);
        if (--state_[e.fn.get()].dependencies == 0) ready.push(e.fn.get());
      }
    }
  }

  const std::vector<Capture>& captures() const { return captures_; }

 private:
  // Counts, for every node reachable from the roots, how many edges point at it.
  void count_dependencies() {
    std::vector<Node*> stack(roots_.begin(), roots_.end());
    std::unordered_map<Node*, bool> seen;
    for (Node* r : roots_) seen[r] = true;
    while (!stack.empty()) {
      Node* n = stack.back();
      stack.pop_back();
      for (const Edge& e : n->next_edges) {
        if (!e.fn) continue;
        ++state_[e.fn.get()].dependencies;
        if (!seen[e.fn.get()]) {
          seen[e.fn.get()] = true;
          stack.push_back(e.fn.get());
        }
      }
    }
    if (!captures_.empty()) mark_needed();
  }

  // With captures, a node runs only if a captured node is reachable from it.
  void mark_needed() {
    std::unordered_map<Node*, std::vector<Node*>> parents;
    std::vector<Node*> stack(roots_.begin(), roots_.end());
    std::unordered_map<Node*, bool> seen;
    while (!stack.empty()) {
      Node* n = stack.back();
      stack.pop_back();
      if (seen[n]) continue;
      seen[n] = true;
      for (const Edge& e : n->next_edges)
        if (e.fn) parents[e.fn.get()].push_back(n), stack.push_back(e.fn.get());
    }
    for (const Capture& c : captures_) stack.push_back(c.node);
    while (!stack.empty()) {
      Node* n = stack.back();
      stack.pop_back();
      if (needed_[n]) continue;
      needed_[n] = true;
      for (Node* p : parents[n]) stack.push_back(p);
    }
  }

  bool should_execute(Node* node) {
    if (captures_.empty()) return true;
    if (dynamic_cast<AccumulateGrad*>(node)) return false;
    return needed_[node];
  }

  void run_pre_hooks(Node* node, TensorList& grads) {
    for (auto& [output_nr, hook] : node->pre_hooks) {
      if (!grads[output_nr].defined()) continue;
      Tensor replaced = hook(grads[output_nr]);
      if (replaced.defined()) grads[output_nr] = replaced;
    }
  }

  static TensorList call(Node* node, TensorList&& grads) {
    bool any = false;
    for (const Tensor& g : grads) any = any || g.defined();
    if (!any) return {};
    for (size_t i = 0; i < grads.size(); ++i)
      if (!grads[i].defined())
        grads[i] = zeros(node->outputs[i].sizes, node->outputs[i].dtype, node->outputs[i].device);
    TensorList results = node->apply(std::move(grads));
    EMBER_CHECK(results.empty() || results.size() == node->next_edges.size(), "function ",
                node->name(), " returned ", results.size(), " gradients, expected ",
                node->next_edges.size());
    return results;
  }

  // Adds a gradient into the input slot of the node it is for, checking its shape.
  void deliver(const Edge& e, Tensor grad, bool count) {
    NodeState& s = state_[e.fn.get()];
    if (s.grads.empty()) s.grads.resize(e.fn->outputs.size());
    if (!grad.defined()) return;
    const OutputMeta& meta = e.fn->outputs[e.input_nr];
    EMBER_CHECK(grad.sizes() == meta.sizes, "backward produced a gradient of shape ", grad.sizes(),
                " for a tensor of shape ", meta.sizes, " (flowing into ", e.fn->name(), ")");
    Tensor& slot = s.grads[e.input_nr];
    slot = slot.defined() ? add(slot, grad) : std::move(grad);
  }

  bool keep_graph_;
  bool create_graph_;
  std::vector<Node*> roots_;
  std::vector<Capture> captures_;
  std::unordered_map<Node*, NodeState> state_;
  std::unordered_map<Node*, bool> queued_;
  std::unordered_map<Node*, bool> needed_;
};

// Validates one root and the gradient it starts with.
Tensor root_grad(const Tensor& t, const Tensor& g, size_t i) {
  EMBER_CHECK(t.requires_grad(), "element ", i,
              " of tensors does not require grad and does not have a grad_fn");
  if (!g.defined()) {
    EMBER_CHECK(t.numel() == 1, "grad can be implicitly created only for scalar outputs (got a "
                "tensor of shape ", t.sizes(), ")");
    return ones_like(t);
  }
  EMBER_CHECK(g.sizes() == t.sizes(), "Mismatch in shape: grad_output[", i, "] has a shape of ",
              g.sizes(), " and output[", i, "] has a shape of ", t.sizes(), ".");
  return g;
}

void add_roots(GraphTask& task, const TensorList& tensors, const TensorList& grads) {
  EMBER_CHECK(grads.empty() || grads.size() == tensors.size(), "got ", grads.size(),
              " gradients for ", tensors.size(), " tensors");
  for (size_t i = 0; i < tensors.size(); ++i)
    task.add_root(gradient_edge(tensors[i]),
                  root_grad(tensors[i], grads.empty() ? Tensor() : grads[i], i));
}

}  // namespace

void backward(const TensorList& tensors, const TensorList& grads, bool retain_graph,
              bool create_graph, const TensorList& inputs) {
  if (!inputs.empty()) {
    // backward(inputs=...) accumulates only into these tensors.
    TensorList result = grad(tensors, grads, inputs, retain_graph, create_graph, true);
    GradModeGuard mode(create_graph);
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!result[i].defined()) continue;
      Tensor g = inputs[i].grad();
      const_cast<Tensor&>(inputs[i]).set_grad(g.defined() ? add(g, result[i]) : result[i]);
    }
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
    EMBER_CHECK(inputs[i].requires_grad(), "One of the differentiated Tensors (input ", i,
                ") does not require grad");
    task.capture(gradient_edge(inputs[i]));
  }
  add_roots(task, outputs, grad_outputs);
  task.run();
  TensorList result;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& g = task.captures()[i].grad;
    EMBER_CHECK(g.defined() || allow_unused, "One of the differentiated Tensors (input ", i,
                ") appears to not have been used in the graph. Set allow_unused=True if this is "
                "the desired behavior.");
    result.push_back(g);
  }
  return result;
}

}  // namespace ember
