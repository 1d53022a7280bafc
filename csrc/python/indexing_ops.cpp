// Indexing: Tensor.__getitem__/__setitem__ (the whole index is parsed here, in C++, so x[0] and
// x[:, 1] cost one view op each), iteration, and the gather/scatter/mask/nonzero family.
#include <climits>

#include "ops/ops.h"
#include "python/bindings.h"
#include "python/numpy_interop.h"

namespace py = pybind11;

namespace ember::python {
namespace {

bool is_mask(const Tensor& t) { return t.dtype() == DType::Bool || t.dtype() == DType::UInt8; }

/// A list, tuple or array used as an index, as a tensor: ints become int64, bools a mask.
Tensor sequence_index(py::handle obj) {
  py::array arr = py::module_::import("numpy").attr("asarray")(obj);
  char kind = arr.dtype().kind();
  if (arr.size() == 0) kind = 'i';  // [] indexes nothing: an empty int64 index
  EMBER_CHECK_INDEX(kind == 'b' || kind == 'i' || kind == 'u',
                    "tensors used as indices must be long, int, byte or bool tensors");
  Tensor t = from_numpy(arr);
  return to_dtype(t, kind == 'b' ? DType::Bool : DType::Int64, /*copy=*/true);
}

/// One element of an index tuple, classified once.
struct Item {
  enum Kind { Int, Slice, None, Ellipsis, BoolScalar, TensorIndex } kind;
  int64_t value = 0;  // Int; BoolScalar (0 or 1)
  Py_ssize_t start = 0, stop = 0, step = 1;
  Tensor tensor;
};

Item classify(py::handle obj) {
  PyObject* o = obj.ptr();
  if (PyLong_CheckExact(o)) return {Item::Int, PyLong_AsLongLong(o)};
  if (PySlice_Check(o)) {
    Item it{Item::Slice};
    if (PySlice_Unpack(o, &it.start, &it.stop, &it.step) < 0) throw py::error_already_set();
    EMBER_CHECK_VALUE(it.step > 0, "step must be greater than zero");
    return it;
  }
  if (o == Py_None) return {Item::None};
  if (o == Py_Ellipsis) return {Item::Ellipsis};
  if (PyBool_Check(o)) return {Item::BoolScalar, o == Py_True};
  Tensor t;
  if (py::isinstance<TensorImpl>(obj)) {
    t = obj.cast<Tensor>();
  } else if (PyLong_Check(o) || (PyIndex_Check(o) && !PySequence_Check(o))) {
    return {Item::Int, PyNumber_AsSsize_t(o, PyExc_IndexError)};  // int subclasses, NumPy ints
  } else if (PyList_Check(o) || PyTuple_Check(o) || py::isinstance<py::array>(obj)) {
    t = sequence_index(obj);
  } else {
    throw IndexError(str("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                         "are valid indices (got ", Py_TYPE(o)->tp_name, ")"));
  }
  // A 0-d integer tensor is an int (a view); a 0-d mask adds a dim of size 1 or 0.
  if (t.dim() == 0 && is_integral(t.dtype(), true)) {
    int64_t v = dispatch_all(t.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      return static_cast<int64_t>(*to_device(t, Device{}).data<T>());
    });
    return {is_mask(t) ? Item::BoolScalar : Item::Int, is_mask(t) ? v != 0 : v};
  }
  Item it{Item::TensorIndex};
  it.tensor = t;
  return it;
}

/// An index applied to self: the basic part as views, the advanced part (one entry per dim of
/// `view`, undefined where a dim is not indexed) left for index()/index_put_().
struct Parsed {
  Tensor view;
  TensorList advanced;
};

Parsed apply_index(const Tensor& self, py::handle index) {
  // The common x[i] skips building the item list.
  if (PyLong_CheckExact(index.ptr()) && self.dim() > 0)
    return {select(self, 0, PyLong_AsLongLong(index.ptr())), {}};
  std::vector<Item> items;
  if (PyTuple_Check(index.ptr())) {
    for (py::handle h : py::reinterpret_borrow<py::tuple>(index)) items.push_back(classify(h));
  } else {
    items.push_back(classify(index));
  }
  int64_t specified = 0;
  for (const Item& it : items) {
    if (it.kind == Item::Int || it.kind == Item::Slice) ++specified;
    if (it.kind == Item::TensorIndex) specified += is_mask(it.tensor) ? it.tensor.dim() : 1;
  }
  EMBER_CHECK_INDEX(self.dim() > 0 || items.size() != 1 || items[0].kind != Item::Int,
                    "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in "
                    "C++ to convert a 0-dim tensor to a number");
  EMBER_CHECK_INDEX(specified <= self.dim(), "too many indices for tensor of dimension ", self.dim());
  Tensor r = self;
  TensorList advanced;
  auto add_advanced = [&](int64_t d, const Tensor& t) {
    if (static_cast<int64_t>(advanced.size()) <= d) advanced.resize(d + 1);
    advanced[d] = t;
  };
  int64_t dim = 0;
  for (const Item& it : items) {
    switch (it.kind) {
      case Item::Int: r = select(r, dim, it.value); break;
      case Item::Slice:
        if (it.start != 0 || it.stop != PY_SSIZE_T_MAX || it.step != 1) r = slice(r, dim, it.start, it.stop, it.step);
        ++dim;
        break;
      case Item::None: r = unsqueeze(r, dim++); break;
      case Item::Ellipsis: dim += self.dim() - specified; break;
      case Item::BoolScalar:
        r = unsqueeze(r, dim);
        add_advanced(dim++, full({1}, it.value != 0, DType::Bool));
        break;
      case Item::TensorIndex:
        add_advanced(dim, it.tensor);
        dim += is_mask(it.tensor) ? it.tensor.dim() : 1;
        break;
    }
  }
  return {r, advanced};
}

Tensor getitem(const Tensor& self, py::handle index) {
  Parsed p = apply_index(self, index);
  if (!p.advanced.empty()) return ember::index(p.view, p.advanced);
  // x[...] and x[:] are new views (aliases), never self itself.
  return p.view.is_same(self) ? view(self, self.sizes()) : p.view;
}

/// Drops leading size-1 dims of a value that has more dims than its destination, as PyTorch does.
Tensor strip_leading_ones(Tensor value, int ndim) {
  while (value.dim() > ndim && value.sizes()[0] == 1) value = squeeze(value, {0});
  return value;
}

void setitem(Tensor& self, py::handle index, py::handle value) {
  Parsed p = apply_index(self, index);
  Tensor& dst = p.view;
  py::detail::make_caster<Scalar> scalar;
  Tensor v;
  if (py::isinstance<TensorImpl>(value)) {
    v = value.cast<Tensor>();
  } else if (scalar.load(value, false)) {
    Scalar s = py::detail::cast_op<Scalar>(scalar);
    if (p.advanced.empty()) {
      fill_(dst, s);
      return;
    }
    v = scalar_tensor(s, dst.dtype(), dst.device());
  } else if (PyList_Check(value.ptr()) || PyTuple_Check(value.ptr()) || py::isinstance<py::array>(value)) {
    v = from_numpy(py::module_::import("numpy").attr("asarray")(value));
  } else {
    throw TypeError(str("can't assign a ", Py_TYPE(value.ptr())->tp_name, " to a ember.Tensor"));
  }
  v = to_dtype(v, dst.dtype());
  if (p.advanced.empty()) {
    copy_(dst, strip_leading_ones(v, dst.dim()));
  } else {
    index_put_(dst, p.advanced, strip_leading_ones(v, dst.dim()), false);
  }
}

TensorList index_list(py::handle indices) {
  TensorList out;
  for (py::handle h : indices) out.push_back(h.is_none() ? Tensor() : h.cast<Tensor>());
  return out;
}

py::tuple as_tuple(const TensorList& ts) {
  py::tuple out(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) out[i] = py::cast(ts[i]);
  return out;
}

/// A value argument given as a tensor or a Python number.
template <typename TensorFn, typename ScalarFn>
Tensor with_value(py::handle value, const char* op, TensorFn on_tensor, ScalarFn on_scalar) {
  if (py::isinstance<TensorImpl>(value)) return on_tensor(value.cast<Tensor>());
  py::detail::make_caster<Scalar> scalar;
  EMBER_CHECK_TYPE(scalar.load(value, false), op, "(): argument 'value' must be Tensor or Number, not ",
                   Py_TYPE(value.ptr())->tp_name);
  return on_scalar(py::detail::cast_op<Scalar>(scalar));
}

}  // namespace

void init_indexing_ops(py::module_& m, TensorClass& cls) {
  cls.def("__getitem__", &getitem)
      .def("__setitem__", &setitem)
      .def("__iter__", [](const Tensor& t) {
        EMBER_CHECK_TYPE(t.dim() > 0, "iteration over a 0-d tensor");
        py::list rows;
        for (int64_t i = 0; i < t.sizes()[0]; ++i) rows.append(py::cast(select(t, 0, i)));
        return py::iter(rows);
      });

  def_function_and_method(m, cls, "gather", &gather, py::arg("dim"), py::arg("index"));
  auto scatter_fn = [](const Tensor& self, int64_t dim, const Tensor& index, py::object src, py::object value) {
    EMBER_CHECK_TYPE(src.is_none() != value.is_none(), "scatter(): expected exactly one of 'src' and 'value'");
    return with_value(src.is_none() ? value : src, "scatter",
                      [&](const Tensor& s) { return scatter(self, dim, index, s); },
                      [&](const Scalar& s) { return scatter(self, dim, index, s); });
  };
  def_function_and_method(m, cls, "scatter", scatter_fn, py::arg("dim"), py::arg("index"),
                          py::arg("src") = py::none(), py::kw_only(), py::arg("value") = py::none());
  cls.def("scatter_", [](Tensor& self, int64_t dim, const Tensor& index, py::object src, py::object value) {
    EMBER_CHECK_TYPE(src.is_none() != value.is_none(), "scatter_(): expected exactly one of 'src' and 'value'");
    with_value(src.is_none() ? value : src, "scatter_",
               [&](const Tensor& s) { return scatter_(self, dim, index, s); },
               [&](const Scalar& s) { return scatter_(self, dim, index, s); });
    return self;
  }, py::arg("dim"), py::arg("index"), py::arg("src") = py::none(), py::kw_only(), py::arg("value") = py::none());
  def_function_and_method(m, cls, "scatter_add", &scatter_add, py::arg("dim"), py::arg("index"), py::arg("src"));
  cls.def("scatter_add_", &scatter_add_, py::arg("dim"), py::arg("index"), py::arg("src"));
  def_function_and_method(m, cls, "index_select", &index_select, py::arg("dim"), py::arg("index"));
  def_function_and_method(m, cls, "index_add", &index_add, py::arg("dim"), py::arg("index"), py::arg("source"),
                          py::kw_only(), py::arg("alpha") = 1);
  cls.def("index_add_", &index_add_, py::arg("dim"), py::arg("index"), py::arg("source"), py::kw_only(),
          py::arg("alpha") = 1);
  def_function_and_method(m, cls, "masked_fill", [](const Tensor& self, const Tensor& mask, py::handle value) {
    return with_value(value, "masked_fill", [&](const Tensor& v) { return masked_fill(self, mask, v); },
                      [&](const Scalar& v) { return masked_fill(self, mask, v); });
  }, py::arg("mask"), py::arg("value"));
  cls.def("masked_fill_", [](Tensor& self, const Tensor& mask, py::handle value) {
    with_value(value, "masked_fill_", [&](const Tensor& v) { return masked_fill_(self, mask, v); },
               [&](const Scalar& v) { return masked_fill_(self, mask, v); });
    return self;
  }, py::arg("mask"), py::arg("value"));
  def_function_and_method(m, cls, "masked_select", &masked_select, py::arg("mask"));
  def_function_and_method(m, cls, "nonzero", [](const Tensor& self, bool tuple) -> py::object {
    return tuple ? py::object(as_tuple(nonzero_tuple(self))) : py::cast(nonzero(self));
  }, py::kw_only(), py::arg("as_tuple") = false);
  m.def("where", [](const Tensor& condition) { return as_tuple(nonzero_tuple(condition)); }, py::arg("condition"));
  def_function_and_method(m, cls, "take_along_dim", &take_along_dim, py::arg("indices"), py::arg("dim") = py::none());
  def_function_and_method(m, cls, "take", &take, py::arg("index"));
  // index_fill's value: a number or a 0-d tensor (read as its number).
  auto fill_value = [](py::object v) { return (py::isinstance<TensorImpl>(v) ? v.attr("item")() : v).cast<Scalar>(); };
  def_function_and_method(m, cls, "index_copy", &index_copy, py::arg("dim"), py::arg("index"), py::arg("source"));
  cls.def("index_copy_", &index_copy_, py::arg("dim"), py::arg("index"), py::arg("source"));
  def_function_and_method(m, cls, "index_fill", [fill_value](const Tensor& self, int64_t dim, const Tensor& index, py::object value) {
    return index_fill(self, dim, index, fill_value(value));
  }, py::arg("dim"), py::arg("index"), py::arg("value"));
  cls.def("index_fill_", [fill_value](Tensor& self, int64_t dim, const Tensor& index, py::object value) -> Tensor& {
    return index_fill_(self, dim, index, fill_value(value));
  }, py::arg("dim"), py::arg("index"), py::arg("value"));
  def_function_and_method(m, cls, "index_put", [](const Tensor& self, py::tuple indices, const Tensor& values,
                                                  bool accumulate) {
    return index_put(self, index_list(indices), values, accumulate);
  }, py::arg("indices"), py::arg("values"), py::arg("accumulate") = false);
  def_function_and_method(m, cls, "index_put_", [](Tensor& self, py::tuple indices, const Tensor& values,
                                                   bool accumulate) {
    return index_put_(self, index_list(indices), values, accumulate);
  }, py::arg("indices"), py::arg("values"), py::arg("accumulate") = false);
}

}  // namespace ember::python
