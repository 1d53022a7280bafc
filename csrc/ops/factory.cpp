#include "ops/factory.h"

#include <cmath>

#include "ops/copy.h"
#include "ops/view.h"

namespace ember {

EMBER_DEFINE_KERNEL(arange_kernel, void(const Tensor& out, const Scalar& start, const Scalar& step));
EMBER_DEFINE_KERNEL(linspace_kernel, void(const Tensor& out, double start, double end, double log_base));

Tensor full(const Shape& sizes, const Scalar& value, DType dtype, Device device) {
  Tensor t = empty(sizes, dtype, device);
  fill_kernel(device, t, value);
  return t;
}
Tensor zeros(const Shape& sizes, DType dtype, Device device) { return full(sizes, 0, dtype, device); }
Tensor ones(const Shape& sizes, DType dtype, Device device) { return full(sizes, 1, dtype, device); }
Tensor empty_like(const Tensor& t) { return empty(t.sizes(), t.dtype(), t.device()); }
Tensor zeros_like(const Tensor& t) { return zeros(t.sizes(), t.dtype(), t.device()); }
Tensor ones_like(const Tensor& t) { return ones(t.sizes(), t.dtype(), t.device()); }
Tensor full_like(const Tensor& t, const Scalar& value) {
  return full(t.sizes(), value, t.dtype(), t.device());
}

Tensor scalar_tensor(const Scalar& value, DType dtype, Device device) {
  return full({}, value, dtype, device);
}

Tensor wrap_scalar(const Scalar& value, DType dtype, Device device) {
  Tensor t = scalar_tensor(value, dtype, device);
  t->wrapped_number = true;
  return t;
}

DType arange_dtype(const Scalar& start, const Scalar& end, const Scalar& step) {
  bool floating = start.is_floating() || end.is_floating() || step.is_floating();
  return floating ? default_dtype() : DType::Int64;
}

Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, DType dtype, Device device) {
  const double s = start.to_double(), e = end.to_double(), st = step.to_double();
  EMBER_CHECK(std::isfinite(s) && std::isfinite(e), "[arange] unsupported range: ", s, " -> ", e);
  EMBER_CHECK(st != 0, "[arange] step must be nonzero");
  EMBER_CHECK((st > 0 && e >= s) || (st < 0 && e <= s),
              "[arange] upper bound and larger bound inconsistent with step sign");
  // PyTorch sizes the range in double precision, whatever the dtype.
  const double n = std::ceil((e - s) / st);
  EMBER_CHECK(n >= 0 && n < 9.2e18, "[arange] invalid size, possible overflow?");
  Tensor out = empty({static_cast<int64_t>(n)}, dtype, device);
  if (out.numel() > 0) arange_kernel(device, out, start, step);
  return out;
}

Tensor linspace(double start, double end, int64_t steps, DType dtype, Device device) {
  EMBER_CHECK(steps >= 0, "[linspace] number of steps must be non-negative");
  Tensor out = empty({steps}, dtype, device);
  if (steps > 0) linspace_kernel(device, out, start, end, 0.0);
  return out;
}

Tensor logspace(double start, double end, int64_t steps, double base, DType dtype, Device device) {
  EMBER_CHECK(steps >= 0, "[logspace] number of steps must be non-negative");
  EMBER_CHECK(base > 0, "[logspace] base must be positive, got ", base);
  Tensor out = empty({steps}, dtype, device);
  if (steps > 0) linspace_kernel(device, out, start, end, base);
  return out;
}

Tensor eye(int64_t n, int64_t m, DType dtype, Device device) {
  EMBER_CHECK(n >= 0, "[eye] n must be greater or equal to 0, got ", n);
  EMBER_CHECK(m >= 0, "[eye] m must be greater or equal to 0, got ", m);
  Tensor out = zeros({n, m}, dtype, device);
  fill_kernel(device, diagonal(out), 1);
  return out;
}

Tensor empty_strided(const Shape& sizes, const Shape& strides, DType dtype, Device device) {
  EMBER_CHECK(sizes.size() == strides.size(), "[empty_strided] mismatch in length of strides and shape");
  int64_t span = 1;
  for (int i = 0; i < sizes.size(); ++i) {
    EMBER_CHECK(sizes[i] >= 0 && strides[i] >= 0, "[empty_strided] sizes and strides must be non-negative, got ",
                sizes, " and ", strides);
    if (sizes[i] == 0) span = 0;
    if (span > 0) span += (sizes[i] - 1) * strides[i];
  }
  auto storage = std::make_shared<Storage>(span * itemsize(dtype), device);
  return make_tensor(std::move(storage), sizes, strides, 0, dtype);
}

}  // namespace ember
