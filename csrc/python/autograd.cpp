// Autograd from Python: requires_grad/grad/grad_fn, backward and autograd.grad, grad modes, hooks,
// and custom autograd.Function ops (PyFunctionNode).
#include <algorithm>
#include <atomic>
#include <sstream>

#include "autograd/engine.h"
#include "autograd/inplace.h"
#include "ops/ops.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace ember::python {
namespace {

TensorList tensors_from(py::handle obj) {
  TensorList out;
  if (obj.is_none()) return out;
  if (py::isinstance<TensorImpl>(obj)) return {obj.cast<Tensor>()};
  for (py::handle h : obj) out.push_back(h.is_none() ? Tensor() : h.cast<Tensor>());
  return out;
}

py::object tensor_or_none(const Tensor& t) { return t.defined() ? py::cast(t) : py::none(); }

// Drops a Python reference from C++ code that may run without the GIL (a graph freed by C++).
void release_with_gil(py::object& obj) {
  if (!obj || !Py_IsInitialized()) return;
  py::gil_scoped_acquire gil;
  obj = py::object();
}

// ---- hooks -----------------------------------------------------------------------------------

std::atomic<uint64_t> g_next_hook_id{1};

/// A Python callable as a tensor hook. The id lets a RemovableHandle find it again.
struct PyHook {
  py::object fn;
  uint64_t id;

  PyHook(py::object f, uint64_t i) : fn(std::move(f)), id(i) {}
  PyHook(const PyHook& o) : id(o.id) {
    py::gil_scoped_acquire gil;
    fn = o.fn;
  }
  ~PyHook() { release_with_gil(fn); }

  Tensor operator()(const Tensor& grad) const {
    py::gil_scoped_acquire gil;
    py::object r = fn(grad);
    if (r.is_none()) return Tensor();
    EMBER_CHECK_TYPE(py::isinstance<TensorImpl>(r), "hook returned an object of type ",
                     Py_TYPE(r.ptr())->tp_name, "; expected a Tensor or None");
    Tensor replaced = r.cast<Tensor>();
    EMBER_CHECK(replaced.sizes() == grad.sizes(), "hook '", name(), "' has changed the size of value");
    return replaced;
  }

  std::string name() const {
    py::object n = py::getattr(fn, "__name__", py::none());
    return n.is_none() ? std::string(py::str(py::type::handle_of(fn).attr("__name__"))) : n.cast<std::string>();
  }
};

bool has_id(const Hook& h, uint64_t id) {
  const PyHook* p = h.target<PyHook>();
  return p && p->id == id;
}

/// What register_hook returns: remove() takes the hook off again (torch.utils.hooks.RemovableHandle).
struct RemovableHandle {
  std::weak_ptr<AutogradMeta> leaf;  // a leaf's hooks live on the tensor,
  std::weak_ptr<Node> node;          // a non-leaf's on its grad_fn
  uint64_t id;

  void remove() const {
    auto matches = [&](const Hook& h) { return has_id(h, id); };
    if (auto meta = leaf.lock()) {
      for (std::vector<Hook>* hooks : {&meta->hooks, &meta->post_accumulate_hooks})
        hooks->erase(std::remove_if(hooks->begin(), hooks->end(), matches), hooks->end());
    }
    if (auto fn = node.lock())
      fn->pre_hooks.erase(std::remove_if(fn->pre_hooks.begin(), fn->pre_hooks.end(),
                                         [&](const auto& p) { return matches(p.second); }),
                          fn->pre_hooks.end());
  }
};

RemovableHandle register_hook(Tensor& t, py::function fn) {
  EMBER_CHECK(t.requires_grad(), "cannot register a hook on a tensor that doesn't require gradient");
  RemovableHandle handle{{}, {}, g_next_hook_id++};
  if (t.is_leaf()) {
    t.autograd_meta()->hooks.push_back(PyHook(std::move(fn), handle.id));
    handle.leaf = t->autograd;
  } else {
    t.grad_fn()->pre_hooks.emplace_back(t.output_nr(), PyHook(std::move(fn), handle.id));
    handle.node = t.grad_fn();
  }
  return handle;
}

/// The hook runs after the leaf's .grad has been updated by a backward pass (an optimizer can
/// step that parameter right away), with the leaf as its argument.
RemovableHandle register_post_accumulate_grad_hook(Tensor& t, py::function fn) {
  EMBER_CHECK(t.requires_grad(), "cannot register a hook on a tensor that doesn't require gradient");
  EMBER_CHECK(t.is_leaf(), "post accumulate grad hooks cannot be registered on non-leaf tensors");
  RemovableHandle handle{t->autograd, {}, g_next_hook_id++};
  t.autograd_meta()->post_accumulate_hooks.push_back(PyHook(std::move(fn), handle.id));
  return handle;
}

void retain_grad(Tensor& t) {
  EMBER_CHECK(t.requires_grad(), "can't retain_grad on Tensor that has requires_grad=False");
  if (t.is_leaf() || t.autograd_meta()->retains_grad) return;
  AutogradMeta& meta = *t.autograd_meta();
  meta.retains_grad = true;
  // Weak: the node must not keep the tensor (and so itself) alive.
  std::weak_ptr<AutogradMeta> weak = t->autograd;
  meta.grad_fn->retain_grad_hooks.emplace_back(meta.output_nr, [weak](const Tensor& g) {
    if (auto target = weak.lock()) {
      GradModeGuard no_grad(false);
      target->grad = target->grad.defined() ? add(target->grad, g) : clone(g);
    }
    return Tensor();
  });
}

// ---- custom Functions ------------------------------------------------------------------------

class PyFunctionNode;

/// The `ctx` of a custom Function: what forward tells backward. Python code may set any attribute
/// on it. The node owns its ctx; the ctx only points back weakly, so no cycle forms.
struct FunctionCtx {
  py::tuple needs_input_grad;
  TensorList to_save;            // until apply() turns them into the node's SavedTensors
  TensorList non_differentiable; // until apply() has wrapped the outputs
  TensorList dirty;              // inputs forward wrote in place (mark_dirty)
  bool materialize_grads = true;
  bool has_node = false;
  std::weak_ptr<PyFunctionNode> node;

  py::tuple saved_tensors() const;
};

/// The graph node of a custom Function: backward is the Python staticmethod cls.backward,
/// called with the GIL held.
class PyFunctionNode : public Node {
 public:
  PyFunctionNode(py::object cls, py::object ctx, std::vector<int> edge_of_arg,
                 std::vector<size_t> output_position, size_t num_outputs)
      : cls_(std::move(cls)), ctx_(std::move(ctx)), edge_of_arg_(std::move(edge_of_arg)),
        output_position_(std::move(output_position)), num_outputs_(num_outputs) {
    name_ = py::str(cls_.attr("__name__")).cast<std::string>() + "Backward";
  }
  ~PyFunctionNode() override {
    release_with_gil(ctx_);
    release_with_gil(cls_);
  }

  std::string name() const override { return name_; }

  void release_saved() override {
    for (SavedTensor& s : saved) {
      released_ = released_ || s.defined();
      s.reset();
    }
  }

  py::tuple unpack_saved() {
    EMBER_CHECK(!released_, kReleasedSavedError);
    auto self = shared_from_this();
    py::tuple out(saved.size());
    for (size_t i = 0; i < saved.size(); ++i) out[i] = tensor_or_none(saved[i].unpack(self));
    return out;
  }

  TensorList apply(TensorList&& grads) override {
    py::gil_scoped_acquire gil;
    // One argument per forward output; a non-tensor output gets None, as in PyTorch.
    py::tuple args(num_outputs_ + 1);
    args[0] = ctx_;
    for (size_t i = 1; i <= num_outputs_; ++i) args[i] = py::none();
    for (size_t k = 0; k < grads.size(); ++k) args[output_position_[k] + 1] = tensor_or_none(grads[k]);
    py::object r = cls_.attr("backward")(*args);
    return gradients_of_inputs(py::isinstance<py::tuple>(r) ? py::tuple(r) : py::make_tuple(r));
  }

  std::vector<SavedTensor> saved;

 private:
  // backward returns one gradient per forward argument; tensor arguments map to next_edges.
  TensorList gradients_of_inputs(const py::tuple& grads) const {
    size_t n = edge_of_arg_.size(), got = grads.size();
    bool extra_all_none = true;
    for (size_t i = n; i < got; ++i) extra_all_none = extra_all_none && grads[i].is_none();
    EMBER_CHECK(got == n || (got > n && extra_all_none), "function ", name_,
                " returned an incorrect number of gradients (expected ", n, ", got ", got, ")");
    TensorList out(next_edges.size());
    for (size_t i = 0; i < n; ++i) {
      py::handle g = grads[i];
      if (g.is_none()) continue;
      EMBER_CHECK(edge_of_arg_[i] >= 0, "function ", name_, " returned a gradient different than "
                  "None at position ", i + 1, ", but the corresponding forward input was not a "
                  "Variable");
      EMBER_CHECK_TYPE(py::isinstance<TensorImpl>(g), "function ", name_, " returned an object of "
                       "type ", Py_TYPE(g.ptr())->tp_name, " as gradient ", i + 1,
                       "; expected a Tensor or None");
      out[edge_of_arg_[i]] = g.cast<Tensor>();
    }
    return out;
  }

  py::object cls_;
  py::object ctx_;
  std::vector<int> edge_of_arg_;  // forward argument -> index into next_edges (-1: not a tensor)
  std::vector<size_t> output_position_;  // tensor output k -> its position in forward's result
  size_t num_outputs_;
  std::string name_;
  bool released_ = false;
};

py::tuple FunctionCtx::saved_tensors() const {
  if (!has_node) {  // nothing needed a graph: what forward saved is all there is
    py::tuple out(to_save.size());
    for (size_t i = 0; i < to_save.size(); ++i) out[i] = tensor_or_none(to_save[i]);
    return out;
  }
  auto fn = node.lock();
  EMBER_CHECK(fn, kReleasedSavedError);
  return fn->unpack_saved();
}

bool contains(const TensorList& list, const Tensor& t) {
  for (const Tensor& x : list)
    if (x.is_same(t)) return true;
  return false;
}

int index_of(const TensorList& list, const Tensor& t) {
  for (size_t i = 0; i < list.size(); ++i)
    if (list[i].is_same(t)) return static_cast<int>(i);
  return -1;
}

/// mark_dirty's rules (PyTorch's): every dirty tensor is returned; a dirty leaf that requires
/// grad is an error, as for any in-place op; the write bumps each dirty tensor's version.
void check_dirty(const TensorList& dirty, const TensorList& inputs, const TensorList& outputs) {
  for (const Tensor& t : dirty) {
    EMBER_CHECK(contains(outputs, t), "Some elements marked as dirty during the forward method were "
                "not returned as output. The inputs that are modified inplace must all be outputs of "
                "the Function.");
    EMBER_CHECK(!(GradMode::is_enabled() && t.is_leaf() && t.requires_grad()),
                "a leaf Variable that requires grad has been used in an in-place operation.");
    const Tensor& base = t.view_base();
    EMBER_CHECK(!(GradMode::is_enabled() && base.defined() && base.is_leaf() && base.requires_grad()),
                "a view of a leaf Variable that requires grad is being used in an in-place operation.");
    if (!contains(inputs, t) &&
        PyErr_WarnEx(PyExc_UserWarning, "ctx.mark_dirty() received a tensor that was not an input. "
                     "Only input Tensors that have been mutated should be passed to "
                     "ctx.mark_dirty().", 1) < 0)
      throw py::error_already_set();
    t.bump_version();
  }
}

/// Function.apply: runs cls.forward without recording and, when some input requires grad,
/// makes a PyFunctionNode the grad_fn of the tensor outputs. `setup_context`: forward takes no
/// ctx and cls.setup_context(ctx, inputs, output) fills it (PyTorch 2 style).
py::object function_apply(py::object cls, py::tuple args, bool setup_context) {
  size_t n = args.size();
  TensorList inputs;
  std::vector<int> edge_of_arg(n, -1);
  py::tuple needs(n);
  bool executable = false;
  for (size_t i = 0; i < n; ++i) {
    bool need = false;
    if (py::isinstance<TensorImpl>(args[i])) {
      Tensor t = args[i].cast<Tensor>();
      edge_of_arg[i] = static_cast<int>(inputs.size());
      inputs.push_back(t);
      need = GradMode::is_enabled() && t.requires_grad();
    }
    needs[i] = py::bool_(need);
    executable = executable || need;
  }
  py::object ctx_obj = py::cast(FunctionCtx());
  FunctionCtx& ctx = ctx_obj.cast<FunctionCtx&>();
  ctx.needs_input_grad = needs;

  py::object result;
  {
    GradModeGuard no_grad(false);
    if (setup_context) {
      result = cls.attr("forward")(*args);
      cls.attr("setup_context")(ctx_obj, args, result);
    } else {
      result = cls.attr("forward")(ctx_obj, *args);
    }
  }
  bool is_tuple = py::isinstance<py::tuple>(result);
  py::list items = is_tuple ? py::list(result) : py::list(py::make_tuple(result));

  // Tensor outputs, each a fresh alias when forward returned an input or a tensor with history
  // of its own, so that attaching the new grad_fn changes nothing the caller already holds. A
  // dirty input is returned as itself: it was written in place, so its history moves to the node.
  TensorList originals, outputs;
  std::vector<size_t> position;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!py::isinstance<TensorImpl>(items[i])) continue;
    Tensor t = items[i].cast<Tensor>();
    originals.push_back(t);
    if (!contains(ctx.dirty, t) && (contains(inputs, t) || t.requires_grad())) t = detach(t);
    outputs.push_back(t);
    position.push_back(i);
  }
  check_dirty(ctx.dirty, inputs, originals);

  if (executable) {
    auto node = std::make_shared<PyFunctionNode>(cls, ctx_obj, std::move(edge_of_arg), position,
                                                 items.size());
    node->next_edges.reserve(inputs.size());
    for (const Tensor& t : inputs) node->next_edges.push_back(gradient_edge(t));
    node->materialize_grads = ctx.materialize_grads;
    for (size_t k = 0; k < outputs.size(); ++k) {
      Tensor& out = outputs[k];
      node->outputs.push_back({out.sizes(), out.dtype(), out.device()});
      if (contains(ctx.non_differentiable, originals[k]) || !is_floating(out.dtype())) continue;
      if (contains(ctx.dirty, out)) {
        rebase_history_through(out, Edge{node, static_cast<uint32_t>(k)});
        continue;
      }
      AutogradMeta& meta = out.ensure_autograd_meta();
      meta.requires_grad = true;
      meta.grad_fn = node;
      meta.output_nr = static_cast<uint32_t>(k);
    }
    // Saved outputs are kept without their grad_fn (SavedTensor), so the node never owns them;
    // a dirty input is an output too.
    for (const Tensor& t : ctx.to_save) {
      bool output = t.defined() && (!contains(inputs, t) || contains(ctx.dirty, t));
      int k = output ? index_of(originals, t) : -1;
      node->saved.push_back(k >= 0 ? save_output(outputs[k], k) : save(t));
    }
    ctx.to_save.clear();
    ctx.has_node = true;
    ctx.node = node;
  }
  ctx.non_differentiable.clear();
  ctx.dirty.clear();

  for (size_t k = 0; k < outputs.size(); ++k) items[position[k]] = py::cast(outputs[k]);
  return is_tuple ? py::object(py::tuple(items)) : py::object(items[0]);
}

void init_function(py::module_& m) {
  py::class_<FunctionCtx>(m, "FunctionCtx", py::dynamic_attr())
      .def("save_for_backward", [](FunctionCtx& c, py::args tensors) {
        c.to_save.clear();
        for (py::handle h : tensors) {
          EMBER_CHECK_TYPE(h.is_none() || py::isinstance<TensorImpl>(h), "save_for_backward can "
                           "only save variables, but argument is of type ", Py_TYPE(h.ptr())->tp_name);
          c.to_save.push_back(h.is_none() ? Tensor() : h.cast<Tensor>());
        }
      })
      .def_property_readonly("saved_tensors", &FunctionCtx::saved_tensors)
      .def_property_readonly("needs_input_grad", [](const FunctionCtx& c) { return c.needs_input_grad; })
      .def("mark_non_differentiable", [](FunctionCtx& c, py::args tensors) {
        for (py::handle h : tensors) c.non_differentiable.push_back(h.cast<Tensor>());
      })
      .def("mark_dirty", [](FunctionCtx& c, py::args tensors) {
        c.dirty.clear();
        for (size_t i = 0; i < tensors.size(); ++i) {
          EMBER_CHECK(py::isinstance<TensorImpl>(tensors[i]), "mark_dirty can only accept variables, "
                      "but argument ", i, " is of type ", Py_TYPE(tensors[i].ptr())->tp_name);
          c.dirty.push_back(tensors[i].cast<Tensor>());
        }
      })
      .def("set_materialize_grads", [](FunctionCtx& c, bool value) { c.materialize_grads = value; },
           py::arg("value"));
  m.def("_function_apply", &function_apply);
}

}  // namespace

void init_autograd(py::module_& m, TensorClass& cls) {
  py::class_<Node, std::shared_ptr<Node>>(m, "Node")
      .def("name", &Node::name)
      .def_property_readonly("next_functions", [](const Node& n) {
        py::tuple out(n.next_edges.size());
        for (size_t i = 0; i < n.next_edges.size(); ++i) {
          const Edge& e = n.next_edges[i];
          out[i] = py::make_tuple(e.fn ? py::cast(e.fn) : py::none(), e.input_nr);
        }
        return out;
      })
      .def_property_readonly("variable", [](const Node& n) -> py::object {
        auto* acc = dynamic_cast<const AccumulateGrad*>(&n);
        if (!acc) throw py::attribute_error("'" + n.name() + "' object has no attribute 'variable'");
        return py::cast(acc->variable());
      })
      .def("__repr__", [](const Node& n) {
        std::ostringstream os;
        os << "<" << n.name() << " object at " << static_cast<const void*>(&n) << ">";
        return os.str();
      });

  py::class_<RemovableHandle>(m, "RemovableHandle")
      .def("remove", &RemovableHandle::remove)
      .def_readonly("id", &RemovableHandle::id)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](const RemovableHandle& h, py::args) { h.remove(); });

  init_function(m);

  // PyTorch lets requires_grad=True through on a non-leaf (it already requires grad); only
  // turning it off there is an error.
  auto set_requires_grad = [](Tensor& t, bool r) {
    if (!(r && t.requires_grad())) t.set_requires_grad(r);
  };
  cls.def_property("requires_grad", [](const Tensor& t) { return t.requires_grad(); },
                   set_requires_grad)
      .def("requires_grad_", [set_requires_grad](Tensor& t, bool r) {
        set_requires_grad(t, r);
        return t;
      }, py::arg("requires_grad") = true)
      .def_property("grad", [](const Tensor& t) { return t.grad(); }, [](Tensor& t, py::object g) {
        EMBER_CHECK_TYPE(g.is_none() || py::isinstance<TensorImpl>(g), "assigned grad expected "
                         "to be a Tensor or None but got grad of type ", Py_TYPE(g.ptr())->tp_name);
        t.set_grad(g.is_none() ? Tensor() : g.cast<Tensor>());
      })
      .def_property_readonly("grad_fn", [](const Tensor& t) { return t.grad_fn(); })
      .def_property_readonly("is_leaf", [](const Tensor& t) { return t.is_leaf(); })
      .def_property_readonly("_version", [](const Tensor& t) { return t.version(); })
      .def_property_readonly("_base", [](const Tensor& t) { return tensor_or_none(t.view_base()); })
      .def("_is_view", [](const Tensor& t) { return t.view_base().defined(); })
      .def_property_readonly("retains_grad", [](const Tensor& t) {
        return t.autograd_meta() && t.autograd_meta()->retains_grad;
      })
      .def_property("data", [](const Tensor& t) { return detach(t); },
                    [](Tensor& t, const Tensor& src) {
                      t->storage = src.storage();
                      t->sizes = src.sizes();
                      t->strides = src.strides();
                      t->offset = src.storage_offset();
                      t->dtype = src.dtype();
                      t->refresh_geometry();
                      // New memory: no longer a view of the old base (Note [Stale views]).
                      t->view_base = Tensor();
                      t->tracks_base = false;
                    })
      .def("detach", &detach)
      .def("detach_", [](Tensor& t) { return detach_(t); })
      .def("retain_grad", &retain_grad)
      .def("register_hook", &register_hook, py::arg("hook"))
      .def("register_post_accumulate_grad_hook", &register_post_accumulate_grad_hook, py::arg("hook"))
      .def_property_readonly("output_nr", [](const Tensor& t) { return t.output_nr(); })
      .def("backward", [](const Tensor& t, py::object gradient, std::optional<bool> retain_graph,
                          bool create_graph, py::object inputs) {
        backward({t}, gradient.is_none() ? TensorList{} : TensorList{gradient.cast<Tensor>()},
                 retain_graph.value_or(create_graph), create_graph, tensors_from(inputs));
      }, py::arg("gradient") = py::none(), py::arg("retain_graph") = py::none(),
           py::arg("create_graph") = false, py::arg("inputs") = py::none());

  m.def("_backward", [](py::object tensors, py::object grads, std::optional<bool> retain_graph,
                        bool create_graph, py::object inputs) {
    TensorList ts = tensors_from(tensors), gs = tensors_from(grads);
    backward(ts, gs, retain_graph.value_or(create_graph), create_graph, tensors_from(inputs));
  });
  m.def("_grad", [](py::object outputs, py::object inputs, py::object grad_outputs,
                    std::optional<bool> retain_graph, bool create_graph, bool allow_unused) {
    TensorList outs = tensors_from(outputs);
    TensorList gs = tensors_from(grad_outputs);
    py::list result;
    for (const Tensor& g : grad(outs, gs, tensors_from(inputs), retain_graph.value_or(create_graph),
                                create_graph, allow_unused))
      result.append(tensor_or_none(g));
    return py::tuple(result);
  });
  m.def("is_grad_enabled", &GradMode::is_enabled);
  m.def("_set_grad_enabled", &GradMode::set_enabled);
  m.def("is_inference_mode_enabled", &GradMode::is_inference);
  m.def("_set_inference_mode", &GradMode::set_inference);
  m.def("_live_node_count", &live_node_count);
  m.def("_set_anomaly_enabled", &set_anomaly_enabled, py::arg("enabled"), py::arg("check_nan") = true);
  m.def("is_anomaly_enabled", &anomaly_enabled);
  m.def("is_anomaly_check_nan_enabled", &anomaly_check_nan);
}

}  // namespace ember::python
