// Autograd from Python: requires_grad/grad/grad_fn, backward and autograd.grad, grad modes, hooks.
#include <sstream>

#include "autograd/engine.h"
#include "ops/ops.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace ember::python {

static TensorList tensors_from(py::handle obj) {
  TensorList out;
  if (obj.is_none()) return out;
  if (py::isinstance<TensorImpl>(obj)) return {obj.cast<Tensor>()};
  for (py::handle h : obj) out.push_back(h.is_none() ? Tensor() : h.cast<Tensor>());
  return out;
}

// A Python callable as a C++ hook; the engine runs with the GIL held, so calling it is safe.
static Hook python_hook(py::function fn) {
  return [fn](const Tensor& g) -> Tensor {
    py::object r = fn(g);
    return r.is_none() ? Tensor() : r.cast<Tensor>();
  };
}

void init_autograd(py::module_& m, TensorClass& cls) {
  py::class_<Node, std::shared_ptr<Node>>(m, "Node")
      .def("name", &Node::name)
      .def_property_readonly("next_functions", [](const Node& n) {
        py::list out;
        for (const Edge& e : n.next_edges)
          out.append(py::make_tuple(e.fn ? py::cast(e.fn) : py::none(), e.input_nr));
        return py::tuple(out);
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

  cls.def_property("requires_grad", [](const Tensor& t) { return t.requires_grad(); },
                   [](Tensor& t, bool r) { t.set_requires_grad(r); })
      .def("requires_grad_", [](Tensor& t, bool r) { t.set_requires_grad(r); return t; },
           py::arg("requires_grad") = true)
      .def_property("grad", [](const Tensor& t) { return t.grad(); }, [](Tensor& t, py::object g) {
        t.set_grad(g.is_none() ? Tensor() : g.cast<Tensor>());
      })
      .def_property_readonly("grad_fn", [](const Tensor& t) { return t.grad_fn(); })
      .def_property_readonly("is_leaf", [](const Tensor& t) { return t.is_leaf(); })
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
                    })
      .def("detach", &detach)
      .def("detach_", [](Tensor& t) { return detach_(t); })
      .def("retain_grad", [](Tensor& t) {
        EMBER_CHECK(t.requires_grad(), "can't retain_grad on Tensor that has requires_grad=False");
        if (t.is_leaf() || t.autograd_meta()->retains_grad) return;
        AutogradMeta& meta = *t.autograd_meta();
        meta.retains_grad = true;
        std::weak_ptr<AutogradMeta> weak = t->autograd;
        meta.grad_fn->pre_hooks.emplace_back(meta.output_nr, [weak](const Tensor& g) {
          if (auto target = weak.lock()) {
            GradModeGuard no_grad(false);
            target->grad = target->grad.defined() ? add(target->grad, g) : clone(g);
          }
          return Tensor();
        });
      })
      .def("register_hook", [](Tensor& t, py::function fn) {
        EMBER_CHECK(t.requires_grad(), "cannot register a hook on a tensor that doesn't require gradient");
        if (t.is_leaf())
          t.autograd_meta()->hooks.push_back(python_hook(fn));
        else
          t.grad_fn()->pre_hooks.emplace_back(t.output_nr(), python_hook(fn));
      })
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
    return grad(outs, gs, tensors_from(inputs), retain_graph.value_or(create_graph), create_graph,
                allow_unused);
  });
  m.def("is_grad_enabled", &GradMode::is_enabled);
  m.def("_set_grad_enabled", &GradMode::set_enabled);
  m.def("is_inference_mode_enabled", &GradMode::is_inference);
  m.def("_set_inference_mode", &GradMode::set_inference);
  m.def("_live_node_count", &live_node_count);
}

}  // namespace ember::python
