// Shape and data-movement ops: cat/stack, split/chunk/unbind, flip/roll, repeat/tile,
// sort/topk/kthvalue/median, tril/triu, meshgrid, broadcast helpers.
#include "ops/ops.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace ember::python {
namespace {

py::tuple to_tuple(const TensorList& ts) {
  py::tuple out(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) out[i] = py::cast(ts[i]);
  return out;
}

// f(a, b) and f([a, b]) both name a list of tensors (meshgrid, broadcast_tensors, atleast_*).
TensorList tensors_from_args(const py::args& args) {
  if (args.size() == 1 && !py::isinstance<TensorImpl>(args[0])) return args[0].cast<TensorList>();
  return args.cast<TensorList>();
}

// The (values, indices) named tuple types, ember.return_types.<name> like torch.return_types.
py::object return_type(py::module_& m, const char* name) {
  py::module_ types = py::hasattr(m, "return_types") ? m.attr("return_types").cast<py::module_>()
                                                      : m.def_submodule("return_types");
  if (!py::hasattr(types, name)) {
    py::object nt = py::module_::import("collections").attr("namedtuple")(name, py::make_tuple("values", "indices"));
    nt.attr("__module__") = "ember.return_types";
    types.attr(name) = nt;
  }
  return types.attr(name);
}

// An int or a sequence of ints (dims=None is the empty Shape).
Shape shape_or_none(const py::object& o) { return o.is_none() ? Shape{} : o.cast<Shape>(); }

TensorList split_any(const Tensor& t, const py::object& size_or_sizes, int64_t dim) {
  if (PyLong_Check(size_or_sizes.ptr())) return split(t, size_or_sizes.cast<int64_t>(), dim);
  return split_with_sizes(t, size_or_sizes.cast<Shape>(), dim);
}

TensorList tensor_split_any(const Tensor& t, const py::object& arg, int64_t dim) {
  if (py::isinstance<TensorImpl>(arg)) {
    Tensor idx = arg.cast<Tensor>();
    EMBER_CHECK(idx.dim() <= 1 && is_integral(idx.dtype(), false),
                "tensor_split expected tensor_indices_or_sections to be a zero-dimensional or one-dimensional "
                "tensor with an integral dtype, but got a ", idx.dim(), "-dimensional ", dtype_name(idx.dtype()), " tensor");
    Tensor c = contiguous(to_dtype(to_device(idx, Device{}), DType::Int64));
    if (idx.dim() == 0) return tensor_split(t, *c.data<int64_t>(), dim);
    return tensor_split(t, Shape(c.data<int64_t>(), c.data<int64_t>() + c.numel()), dim);
  }
  if (PyLong_Check(arg.ptr())) return tensor_split(t, arg.cast<int64_t>(), dim);
  return tensor_split(t, arg.cast<Shape>(), dim);
}

// output_size is PyTorch's hint for the result's length along dim; a wrong hint is an error.
Tensor repeat_interleave_any(const Tensor& t, const py::object& repeats, std::optional<int64_t> dim,
                             std::optional<int64_t> output_size) {
  Tensor out = py::isinstance<TensorImpl>(repeats) ? repeat_interleave(t, repeats.cast<Tensor>(), dim)
                                                   : repeat_interleave(t, repeats.cast<int64_t>(), dim);
  int64_t n = dim && t.dim() > 0 ? out.size(*dim) : out.numel();
  EMBER_CHECK(!output_size || *output_size == n, "repeat_interleave: Invalid output_size, expected ", n,
              " but got ", *output_size);
  return out;
}

// atleast_Nd(x) is a tensor; atleast_Nd(x, y) and atleast_Nd([x, y]) a tuple.
template <Tensor (*Fn)(const Tensor&)>
py::object atleast(py::args args) {
  if (args.size() == 1 && py::isinstance<TensorImpl>(args[0])) return py::cast(Fn(args[0].cast<Tensor>()));
  TensorList out;
  for (const Tensor& t : tensors_from_args(args)) out.push_back(Fn(t));
  return to_tuple(out);
}

}  // namespace

void init_shape_ops(py::module_& m, TensorClass& cls) {
  // ---- joining
  auto cat_fn = [](const TensorList& ts, int64_t dim) { return cat(ts, dim); };
  m.def("cat", cat_fn, py::arg("tensors"), py::arg("dim") = 0);
  m.def("concat", cat_fn, py::arg("tensors"), py::arg("dim") = 0);
  m.def("concatenate", cat_fn, py::arg("tensors"), py::arg("axis") = 0);
  m.def("stack", [](const TensorList& ts, int64_t dim) { return stack(ts, dim); }, py::arg("tensors"), py::arg("dim") = 0);
  m.def("hstack", &hstack, py::arg("tensors"));
  m.def("vstack", &vstack, py::arg("tensors"));
  m.def("row_stack", &vstack, py::arg("tensors"));
  m.def("dstack", &dstack, py::arg("tensors"));
  m.def("atleast_1d", &atleast<&atleast_1d>);
  m.def("atleast_2d", &atleast<&atleast_2d>);
  m.def("atleast_3d", &atleast<&atleast_3d>);

  // ---- splitting (tuples of views, as in PyTorch)
  m.def("split", [](const Tensor& t, py::object s, int64_t dim) { return to_tuple(split_any(t, s, dim)); },
        py::arg("tensor"), py::arg("split_size_or_sections"), py::arg("dim") = 0);
  cls.def("split", [](const Tensor& t, py::object s, int64_t dim) { return to_tuple(split_any(t, s, dim)); },
          py::arg("split_size"), py::arg("dim") = 0);
  def_function_and_method(m, cls, "split_with_sizes", [](const Tensor& t, const Shape& sizes, int64_t dim) {
    return to_tuple(split_with_sizes(t, sizes, dim));
  }, py::arg("split_sizes"), py::arg("dim") = 0);
  def_function_and_method(m, cls, "chunk", [](const Tensor& t, int64_t chunks, int64_t dim) {
    return to_tuple(chunk(t, chunks, dim));
  }, py::arg("chunks"), py::arg("dim") = 0);
  def_function_and_method(m, cls, "tensor_split", [](const Tensor& t, py::object arg, int64_t dim) {
    return to_tuple(tensor_split_any(t, arg, dim));
  }, py::arg("indices_or_sections"), py::arg("dim") = 0);
  def_function_and_method(m, cls, "unbind", [](const Tensor& t, int64_t dim) { return to_tuple(unbind(t, dim)); },
                          py::arg("dim") = 0);

  // ---- reordering
  m.def("flip", &flip, py::arg("input"), py::arg("dims"));
  cls.def("flip", [](const Tensor& t, py::args dims) { return flip(t, shape_from_args(dims, "flip")); });
  def_function_and_method(m, cls, "fliplr", &fliplr);
  def_function_and_method(m, cls, "flipud", &flipud);
  def_function_and_method(m, cls, "roll", [](const Tensor& t, const Shape& shifts, py::object dims) {
    return roll(t, shifts, shape_or_none(dims));
  }, py::arg("shifts"), py::arg("dims") = py::none());
  def_function_and_method(m, cls, "movedim", &movedim, py::arg("source"), py::arg("destination"));
  def_function_and_method(m, cls, "moveaxis", &movedim, py::arg("source"), py::arg("destination"));
  def_function_and_method(m, cls, "swapdims", &transpose, py::arg("dim0"), py::arg("dim1"));

  // ---- replication
  cls.def("repeat", [](const Tensor& t, py::args sizes) { return repeat(t, shape_from_args(sizes, "repeat")); });
  m.def("tile", &tile, py::arg("input"), py::arg("dims"));
  cls.def("tile", [](const Tensor& t, py::args dims) { return tile(t, shape_from_args(dims, "tile")); });
  m.def("repeat_interleave", [](const Tensor& t, py::object repeats, std::optional<int64_t> dim,
                                std::optional<int64_t> output_size) {
    return repeats.is_none() ? repeat_interleave(t) : repeat_interleave_any(t, repeats, dim, output_size);
  }, py::arg("input"), py::arg("repeats") = py::none(), py::arg("dim") = py::none(), py::kw_only(),
        py::arg("output_size") = py::none());
  cls.def("repeat_interleave", [](const Tensor& t, py::object repeats, std::optional<int64_t> dim,
                                  std::optional<int64_t> output_size) {
    return repeat_interleave_any(t, repeats, dim, output_size);
  }, py::arg("repeats"), py::arg("dim") = py::none(), py::kw_only(), py::arg("output_size") = py::none());

  // ---- ordering
  py::object sort_type = return_type(m, "sort"), topk_type = return_type(m, "topk");
  py::object kthvalue_type = return_type(m, "kthvalue"), median_type = return_type(m, "median");
  def_function_and_method(m, cls, "sort", [sort_type](const Tensor& t, int64_t dim, bool descending, bool stable) {
    auto [v, i] = sort(t, dim, descending, stable);
    return sort_type(v, i);
  }, py::arg("dim") = -1, py::arg("descending") = false, py::kw_only(), py::arg("stable") = false);
  def_function_and_method(m, cls, "argsort", &argsort, py::arg("dim") = -1, py::arg("descending") = false,
                          py::kw_only(), py::arg("stable") = false);
  def_function_and_method(m, cls, "msort", [](const Tensor& t) { return sort(t, 0).first; });
  def_function_and_method(m, cls, "topk", [topk_type](const Tensor& t, int64_t k, int64_t dim, bool largest, bool sorted) {
    auto [v, i] = topk(t, k, dim, largest, sorted);
    return topk_type(v, i);
  }, py::arg("k"), py::arg("dim") = -1, py::arg("largest") = true, py::arg("sorted") = true);
  def_function_and_method(m, cls, "kthvalue", [kthvalue_type](const Tensor& t, int64_t k, int64_t dim, bool keepdim) {
    auto [v, i] = kthvalue(t, k, dim, keepdim);
    return kthvalue_type(v, i);
  }, py::arg("k"), py::arg("dim") = -1, py::arg("keepdim") = false);
  def_function_and_method(m, cls, "median", [median_type](const Tensor& t, py::object dim, bool keepdim) -> py::object {
    if (dim.is_none()) return py::cast(median(t));
    auto [v, i] = median(t, dim.cast<int64_t>(), keepdim);
    return median_type(v, i);
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false);

  // ---- masking and grids
  def_function_and_method(m, cls, "tril", &tril, py::arg("diagonal") = 0);
  def_function_and_method(m, cls, "triu", &triu, py::arg("diagonal") = 0);
  cls.def("tril_", [](Tensor& t, int64_t diagonal) { return tril_(t, diagonal); }, py::arg("diagonal") = 0);
  cls.def("triu_", [](Tensor& t, int64_t diagonal) { return triu_(t, diagonal); }, py::arg("diagonal") = 0);
  m.def("meshgrid", [](py::args args, std::string indexing) { return to_tuple(meshgrid(tensors_from_args(args), indexing)); },
        py::kw_only(), py::arg("indexing") = "ij");
  m.def("broadcast_tensors", [](py::args args) { return to_tuple(broadcast_tensors(tensors_from_args(args))); });
  m.def("broadcast_shapes", [](py::args shapes) {
    Shape out;
    for (py::handle s : shapes) out = broadcast_shapes(out, s.cast<Shape>(), "broadcast_shapes");
    return out;
  });
}

}  // namespace ember::python
