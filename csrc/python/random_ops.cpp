// Random numbers from Python: ember.Generator, the default generator's seeding and state, the
// sampling factories (rand, randn, randint, randperm, normal, bernoulli, multinomial, *_like) and
// the in-place samplers (uniform_, normal_, bernoulli_, exponential_, random_).
#include <limits>
#include <random>

#include "ops/ops.h"
#include "ops/random.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace ember::python {
namespace {

using GeneratorPtr = std::shared_ptr<Generator>;

/// The default generator as a Python object; it lives for the whole process, so the holder
/// must never delete it.
GeneratorPtr default_generator_ptr() {
  static GeneratorPtr ptr(&default_generator(), [](Generator*) {});
  return ptr;
}

/// The `generator=` argument: None means the default generator (a null pointer to the ops).
Generator* generator_arg(const py::object& g) {
  if (g.is_none()) return nullptr;
  EMBER_CHECK_TYPE(py::isinstance<Generator>(g), "generator must be an ember.Generator, not ", Py_TYPE(g.ptr())->tp_name);
  return g.cast<Generator*>();
}

/// PyTorch accepts seeds in [-2^63, 2^64) and reinterprets negative ones as unsigned.
uint64_t seed_arg(const py::int_& seed) {
  if (PyObject_RichCompareBool(seed.ptr(), py::int_(0).ptr(), Py_LT))
    return static_cast<uint64_t>(seed.cast<int64_t>());
  return seed.cast<uint64_t>();
}

Tensor state_tensor(const Generator& g) {
  std::vector<uint8_t> bytes = g.get_state();
  Tensor t = empty({static_cast<int64_t>(bytes.size())}, DType::UInt8);
  std::copy(bytes.begin(), bytes.end(), t.data<uint8_t>());
  return t;
}

void set_state_from(Generator& g, const Tensor& state) {
  EMBER_CHECK_TYPE(state.dtype() == DType::UInt8, "expected a ember.ByteTensor (uint8) RNG state, but got ",
                   dtype_name(state.dtype()));
  Tensor c = contiguous(to_device(state, Device{}));
  std::vector<uint8_t> bytes(c.data<uint8_t>(), c.data<uint8_t>() + c.numel());
  try {
    g.set_state(bytes);
  } catch (const std::invalid_argument& e) {
    throw RuntimeError(str("Invalid RNG state: ", e.what()));
  }
}

Tensor finish(Tensor t, bool requires_grad) {
  if (requires_grad) t.set_requires_grad(true);
  return t;
}

/// randint(high, size) or randint(low, high, size), with size also accepted as a keyword.
Tensor randint_from_args(const py::args& args, std::optional<Shape> size, Generator* gen, DType dtype,
                         Device device) {
  const size_t n = args.size();
  EMBER_CHECK_TYPE(n >= 1 && n <= 3, "randint() expects (high, size) or (low, high, size)");
  const bool has_size = size.has_value();
  EMBER_CHECK_TYPE(has_size ? n <= 2 : n >= 2, "randint() missing or duplicate argument 'size'");
  const size_t bounds = has_size ? n : n - 1;
  Shape s = has_size ? *size : args[n - 1].cast<Shape>();
  int64_t low = bounds == 2 ? args[0].cast<int64_t>() : 0;
  int64_t high = args[bounds - 1].cast<int64_t>();
  return randint(low, high, s, dtype, device, gen);
}

void def_sampling_factory(py::module_& m, const char* name,
                          Tensor (*make)(const Shape&, DType, Device, Generator*)) {
  m.def(name, [make, name](py::args size, std::optional<Shape> size_kw, py::object generator,
                           std::optional<DType> dtype, std::optional<Device> device, bool requires_grad) {
    Shape s = size_kw ? *size_kw : shape_from_args(size, name);
    return finish(make(s, dtype.value_or(default_dtype()), device.value_or(Device{}), generator_arg(generator)),
                  requires_grad);
  }, py::kw_only(), py::arg("size") = py::none(), py::arg("generator") = py::none(), py::arg("dtype") = py::none(),
        py::arg("device") = py::none(), py::arg("requires_grad") = false);
  std::string like = std::string(name) + "_like";
  m.def(like.c_str(), [make](const Tensor& t, std::optional<DType> dtype, std::optional<Device> device,
                             bool requires_grad) {
    return finish(make(t.sizes(), dtype.value_or(t.dtype()), device.value_or(t.device()), nullptr), requires_grad);
  }, py::arg("input"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
        py::arg("requires_grad") = false);
}

/// ember.normal's four forms: (Tensor, Tensor), (Tensor, float), (float, Tensor), (float, float, size).
Tensor normal_from_args(py::handle mean, py::handle stddev, std::optional<Shape> size, Generator* gen,
                        std::optional<DType> dtype, std::optional<Device> device) {
  const bool mt = py::isinstance<TensorImpl>(mean), st = py::isinstance<TensorImpl>(stddev);
  if (!mt && !st) {
    EMBER_CHECK_TYPE(size.has_value(), "normal() with float mean and std needs a size argument");
    Tensor out = empty(*size, dtype.value_or(default_dtype()), device.value_or(Device{}));
    return normal_(out, mean.cast<double>(), stddev.cast<double>(), gen);
  }
  EMBER_CHECK_TYPE(!size.has_value(), "normal() takes no size argument when mean or std is a Tensor");
  Tensor m = mt ? mean.cast<Tensor>() : Tensor();
  Tensor s = st ? stddev.cast<Tensor>() : Tensor();
  if (!mt) m = full({}, mean.cast<double>(), s.dtype(), s.device());
  if (!st) s = full({}, stddev.cast<double>(), m.dtype(), m.device());
  return normal(m, s, gen);
}

// The exclusive upper bound of random_() without arguments.
int64_t full_random_range(DType dtype) {
  switch (dtype) {
    case DType::Bool: return 2;
    case DType::UInt8: return 256;
    case DType::Int32: return int64_t{1} << 31;
    case DType::Int64: return std::numeric_limits<int64_t>::max();
    case DType::Float32: return (int64_t{1} << 24) + 1;
    default: return (int64_t{1} << 53) + 1;
  }
}

}  // namespace

void init_random_ops(py::module_& m, TensorClass& cls) {
  py::class_<Generator, GeneratorPtr>(m, "Generator")
      .def(py::init([](Device device) {
        EMBER_CHECK(device.is_cpu(), "ember.Generator: only 'cpu' generators exist in this build");
        return std::make_shared<Generator>();
      }), py::arg("device") = Device{})
      .def("manual_seed", [](py::object self, const py::int_& seed) {
        self.cast<Generator&>().manual_seed(seed_arg(seed));
        return self;
      }, py::arg("seed"))
      .def("seed", &Generator::seed)
      .def("initial_seed", &Generator::initial_seed)
      .def("get_state", &state_tensor)
      .def("set_state", [](py::object self, const Tensor& state) {
        set_state_from(self.cast<Generator&>(), state);
        return self;
      }, py::arg("new_state"))
      .def_property_readonly("device", [](const Generator&) { return Device{}; });

  m.attr("default_generator") = default_generator_ptr();
  m.def("manual_seed", [](const py::int_& seed) {
    default_generator().manual_seed(seed_arg(seed));
    return default_generator_ptr();
  }, py::arg("seed"));
  m.def("seed", [] { return default_generator().seed(); });
  m.def("initial_seed", [] { return default_generator().initial_seed(); });
  m.def("get_rng_state", [] { return state_tensor(default_generator()); });
  m.def("set_rng_state", [](const Tensor& state) { set_state_from(default_generator(), state); }, py::arg("new_state"));

  def_sampling_factory(m, "rand", [](const Shape& s, DType d, Device dev, Generator* g) { return rand(s, d, dev, g); });
  def_sampling_factory(m, "randn", [](const Shape& s, DType d, Device dev, Generator* g) { return randn(s, d, dev, g); });

  m.def("randint", [](py::args args, std::optional<Shape> size, py::object generator, DType dtype,
                      std::optional<Device> device, bool requires_grad) {
    return finish(randint_from_args(args, size, generator_arg(generator), dtype, device.value_or(Device{})),
                  requires_grad);
  }, py::kw_only(), py::arg("size") = py::none(), py::arg("generator") = py::none(), py::arg("dtype") = DType::Int64,
        py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def("randint_like", [](const Tensor& t, int64_t a, std::optional<int64_t> b, std::optional<DType> dtype,
                           std::optional<Device> device, bool requires_grad) {
    int64_t low = b ? a : 0, high = b ? *b : a;
    return finish(randint(low, high, t.sizes(), dtype.value_or(t.dtype()), device.value_or(t.device())),
                  requires_grad);
  }, py::arg("input"), py::arg("low"), py::arg("high") = py::none(), py::kw_only(), py::arg("dtype") = py::none(),
        py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def("randperm", [](int64_t n, py::object generator, DType dtype, std::optional<Device> device, bool requires_grad) {
    return finish(randperm(n, dtype, device.value_or(Device{}), generator_arg(generator)), requires_grad);
  }, py::arg("n"), py::kw_only(), py::arg("generator") = py::none(), py::arg("dtype") = DType::Int64,
        py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def("normal", [](py::object mean, py::object stddev, std::optional<Shape> size, py::object generator,
                     std::optional<DType> dtype, std::optional<Device> device, bool requires_grad) {
    return finish(normal_from_args(mean, stddev, size, generator_arg(generator), dtype, device), requires_grad);
  }, py::arg("mean"), py::arg("std") = 1.0, py::arg("size") = py::none(), py::kw_only(),
        py::arg("generator") = py::none(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
        py::arg("requires_grad") = false);

  def_function_and_method(m, cls, "bernoulli", [](const Tensor& p, py::object generator) {
    return bernoulli(p, generator_arg(generator));
  }, py::kw_only(), py::arg("generator") = py::none());
  def_function_and_method(m, cls, "multinomial", [](const Tensor& probs, int64_t n, bool replacement,
                                                    py::object generator) {
    return multinomial(probs, n, replacement, generator_arg(generator));
  }, py::arg("num_samples"), py::arg("replacement") = false, py::kw_only(), py::arg("generator") = py::none());

  cls.def("uniform_", [](Tensor& self, double from, double to, py::object generator) {
    return uniform_(self, from, to, generator_arg(generator));
  }, py::arg("from") = 0.0, py::arg("to") = 1.0, py::kw_only(), py::arg("generator") = py::none());
  cls.def("normal_", [](Tensor& self, double mean, double stddev, py::object generator) {
    return normal_(self, mean, stddev, generator_arg(generator));
  }, py::arg("mean") = 0.0, py::arg("std") = 1.0, py::kw_only(), py::arg("generator") = py::none());
  cls.def("exponential_", [](Tensor& self, double lambd, py::object generator) {
    return exponential_(self, lambd, generator_arg(generator));
  }, py::arg("lambd") = 1.0, py::kw_only(), py::arg("generator") = py::none());
  cls.def("bernoulli_", [](Tensor& self, py::object p, py::object generator) {
    Generator* g = generator_arg(generator);
    return py::isinstance<TensorImpl>(p) ? bernoulli_(self, p.cast<Tensor>(), g) : bernoulli_(self, p.cast<double>(), g);
  }, py::arg("p") = 0.5, py::kw_only(), py::arg("generator") = py::none());
  // random_(to) draws [0, to); random_(from, to) draws [from, to); random_() draws from [0, n) with n
  // the count of consecutive integers the dtype holds exactly (2^24 for float32), as PyTorch.
  cls.def("random_", [](Tensor& self, std::optional<int64_t> a, std::optional<int64_t> b, py::object generator) {
    Generator* g = generator_arg(generator);
    if (b) return random_(self, a.value_or(0), *b, g);
    return random_(self, 0, a ? *a : full_random_range(self.dtype()), g);
  }, py::arg("from") = py::none(), py::arg("to") = py::none(), py::kw_only(), py::arg("generator") = py::none());
}

}  // namespace ember::python
