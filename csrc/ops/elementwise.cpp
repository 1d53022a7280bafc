#include "ops/elementwise.h"

#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "autograd/inplace.h"
#include "autograd/node.h"
#include "ops/copy.h"
#include "ops/factory.h"
#include "ops/reduce.h"
#include "ops/view.h"

namespace ember {

EMBER_DEFINE_KERNEL(unary_kernel,
                    void(UnaryOp op, const Tensor& out, const Tensor& in, const UnaryArgs& args));
EMBER_DEFINE_KERNEL(binary_kernel,
                    void(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b));
EMBER_DEFINE_KERNEL(ternary_kernel, void(TernaryOp op, const Tensor& out, const Tensor& a,
                                         const Tensor& b, const Tensor& c));

// ---- type promotion --------------------------------------------------------------------------

namespace {

// PyTorch ranks operands: tensors with dims, then 0-d tensors, then Python numbers. A lower rank
// changes the result only when it is of a higher category (bool < integer < floating).
struct Promotion {
  std::optional<DType> dimensioned, zero_dim, number;

  void add(const Tensor& t) {
    auto& slot = t->wrapped_number ? number : t.dim() == 0 ? zero_dim : dimensioned;
    DType d = t->wrapped_number && is_floating(t.dtype()) ? default_dtype() : t.dtype();
    slot = slot ? promote_types(*slot, d) : d;
  }
  static std::optional<DType> combine(std::optional<DType> higher, std::optional<DType> lower) {
    if (!higher) return lower;
    if (!lower) return higher;
    return category(*lower) > category(*higher) ? promote_types(*higher, *lower) : *higher;
  }
  DType result() const { return *combine(combine(dimensioned, zero_dim), number); }
};

}  // namespace

DType result_type(const TensorList& operands) {
  Promotion p;
  for (const Tensor& t : operands)
    if (t.defined()) p.add(t);
  return p.result();
}

DType result_type(const Tensor& a, const Tensor& b) {
  Promotion p;
  p.add(a);
  p.add(b);
  return p.result();
}

DType result_type(const Tensor& a, const Scalar& b) {
  DType number = b.natural_dtype();
  return category(number) > category(a.dtype()) ? promote_types(a.dtype(), number) : a.dtype();
}

/// The dtype a floating-only op computes in: integers and bools go to the default float.
static DType float_type(DType t) { return is_floating(t) ? t : default_dtype(); }

/// PyTorch's canCast for in-place results: never to a lower category (float -> int, int -> bool).
static bool can_cast(DType from, DType to) { return category(from) <= category(to); }

/// The error PyTorch raises for a dtype an op has no kernel for.
static void check_dtype(bool ok, const char* op, DType t) {
  EMBER_CHECK(ok, "\"", op, "\" not implemented for '", dtype_name(t), "'");
}

// ---- the shared forward of each family ---------------------------------------------------------

static void check_same_device(const Tensor& a, const Tensor& b, const char* op) {
  EMBER_CHECK(a.device() == b.device() || b->wrapped_number || a->wrapped_number, "[", op,
              "] Expected all tensors to be on the same device, but found at least two devices, ",
              a.device().str(), " and ", b.device().str(), "!");
}

/// A kernel operand: t in dtype `d`, expanded to `shape`. The conversion is not part of the
/// graph (the op records its own node for the original operand).
static Tensor operand(const Tensor& t, DType d, const Shape& shape) {
  if (t.dtype() == d) return expand_raw(t, shape);
  GradModeGuard no_grad(false);
  return expand_raw(to_dtype(t, d), shape);
}

/// The compute and output dtypes of a binary op, raising PyTorch's error for unsupported dtypes.
struct Types {
  DType compute, out;
};

static Types binary_types(BinaryOp op, const Tensor& a, const Tensor& b, const char* name) {
  DType t = result_type(a, b);
  switch (op) {
    case BinaryOp::Sub:
      EMBER_CHECK(t != DType::Bool, "Subtraction, the `-` operator, with a bool tensor is not "
                  "supported. If you are trying to invert a mask, use the `~` or `logical_not()` "
                  "operator instead.");
      return {t, t};
    case BinaryOp::Div:
    case BinaryOp::Atan2: return {float_type(t), float_type(t)};
    case BinaryOp::DivTrunc:
    case BinaryOp::DivFloor:
    case BinaryOp::Remainder:
    case BinaryOp::Fmod:
    case BinaryOp::Pow: check_dtype(t != DType::Bool, name, t); return {t, t};
    case BinaryOp::BitwiseAnd:
    case BinaryOp::BitwiseOr:
    case BinaryOp::BitwiseXor: check_dtype(!is_floating(t), name, t); return {t, t};
    case BinaryOp::Eq: case BinaryOp::Ne: case BinaryOp::Lt: case BinaryOp::Le: case BinaryOp::Gt:
    case BinaryOp::Ge: case BinaryOp::LogicalAnd: case BinaryOp::LogicalOr:
    case BinaryOp::LogicalXor: return {t, DType::Bool};
    case BinaryOp::Hypot: case BinaryOp::LogAddExp: case BinaryOp::LogAddExp2: case BinaryOp::NextAfter:
    case BinaryOp::Igamma: case BinaryOp::Igammac: check_dtype(is_floating(t), name, t); return {t, t};
    case BinaryOp::Xlogy: case BinaryOp::Xlog1py: case BinaryOp::Copysign:
    case BinaryOp::Zeta: case BinaryOp::ChebyshevT: case BinaryOp::ChebyshevU: case BinaryOp::ChebyshevV:
    case BinaryOp::ChebyshevW: case BinaryOp::ShiftedChebyshevT: case BinaryOp::ShiftedChebyshevU:
    case BinaryOp::ShiftedChebyshevV: case BinaryOp::ShiftedChebyshevW: case BinaryOp::HermiteH:
    case BinaryOp::HermiteHe: case BinaryOp::LaguerreL: case BinaryOp::LegendreP:
      return {float_type(t), float_type(t)};
    case BinaryOp::Gcd: case BinaryOp::Lcm: case BinaryOp::LeftShift: case BinaryOp::RightShift:
      check_dtype(!is_floating(t) && t != DType::Bool, name, t);
      return {t, t};
    case BinaryOp::Heaviside:
      EMBER_CHECK(a.dtype() == b.dtype() || a->wrapped_number || b->wrapped_number,
                  "heaviside is not yet implemented for tensors with different dtypes.");
      return {t, t};
    default: return {t, t};
  }
}

/// out = op(a, b), broadcast, with PyTorch's promotion.
static Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, const char* name) {
  check_same_device(a, b, name);
  Types types = binary_types(op, a, b, name);
  Shape shape = a.sizes() == b.sizes() ? a.sizes() : broadcast_shapes(a.sizes(), b.sizes(), name);
  Device device = a->wrapped_number ? b.device() : a.device();
  Tensor out = empty(shape, types.out, device);
  binary_kernel(device, op, out, operand(a, types.compute, shape), operand(b, types.compute, shape));
  return out;
}

static Types unary_types(UnaryOp op, DType d, const char* name) {
  switch (op) {
    case UnaryOp::Neg:
      EMBER_CHECK(d != DType::Bool, "Negation, the `-` operator, on a bool tensor is not "
                  "supported. If you are trying to invert a mask, use the `~` or `logical_not()` "
                  "operator instead.");
      return {d, d};
    case UnaryOp::Abs: check_dtype(d != DType::Bool, name, d); return {d, d};
    case UnaryOp::Relu:
      EMBER_CHECK(d != DType::Bool, "Boolean inputs not supported for relu");
      return {d, d};
    case UnaryOp::Sign: case UnaryOp::Floor: case UnaryOp::Ceil: case UnaryOp::Trunc:
    case UnaryOp::NanToNum: return {d, d};
    case UnaryOp::Round: return {d, d};
    case UnaryOp::Square: return d == DType::Bool ? Types{DType::Int64, DType::Int64} : Types{d, d};
    case UnaryOp::Frac: case UnaryOp::Gelu: case UnaryOp::GeluTanh: case UnaryOp::Silu:
    case UnaryOp::Softplus: check_dtype(is_floating(d), name, d); return {d, d};
    case UnaryOp::BitwiseNot: check_dtype(!is_floating(d), name, d); return {d, d};
    case UnaryOp::LogicalNot: case UnaryOp::IsNan: case UnaryOp::IsInf: case UnaryOp::IsFinite:
    case UnaryOp::Signbit: case UnaryOp::IsPosInf: case UnaryOp::IsNegInf: return {d, DType::Bool};
    case UnaryOp::FrexpMantissa: case UnaryOp::FrexpExponent:
      EMBER_CHECK(is_floating(d), "torch.frexp() only supports floating-point dtypes");
      return {d, op == UnaryOp::FrexpExponent ? DType::Int32 : d};
    default: return {float_type(d), float_type(d)};
  }
}

static const char* unary_name(UnaryOp op) {
  static const char* const names[] = {
      "neg", "exp", "exp2", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "abs",
      "sign", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "sigmoid",
      "relu", "gelu", "gelu", "silu", "softplus", "erf", "erfc", "erfinv", "floor", "ceil", "round",
      "trunc", "frac", "reciprocal", "square", "nan_to_num", "bitwise_not", "logical_not",
      "isnan", "isinf", "isfinite", "asinh", "acosh", "atanh", "lgamma", "digamma", "polygamma", "i0",
      "special_i0e", "special_i1", "special_i1e", "sinc", "logit", "special_erfcx", "special_ndtr",
      "special_ndtri", "special_log_ndtr", "special_entr", "angle", "frexp", "frexp", "signbit",
      "isposinf", "isneginf", "special_bessel_j0", "special_bessel_j1", "special_bessel_y0", "special_bessel_y1", "special_modified_bessel_k0", "special_modified_bessel_k1", "special_scaled_modified_bessel_k0", "special_scaled_modified_bessel_k1", "special_spherical_bessel_j0", "special_airy_ai"};
  return names[static_cast<int>(op)];
}

static Tensor unary(UnaryOp op, const Tensor& a, const UnaryArgs& args = {}) {
  Types types = unary_types(op, a.dtype(), unary_name(op));
  Tensor out = empty(a.sizes(), types.out, a.device());
  unary_kernel(a.device(), op, out, operand(a, types.compute, a.sizes()), args);
  return out;
}

/// out = op(a, b, c) in `compute` (Where's condition stays bool).
static Tensor ternary(TernaryOp op, const Tensor& a, const Tensor& b, const Tensor& c,
                      DType compute, const char* name) {
  check_same_device(a, b, name);
  check_same_device(a, c, name);
  Shape shape = broadcast_shapes(broadcast_shapes(a.sizes(), b.sizes(), name), c.sizes(), name);
  Tensor out = empty(shape, compute, a.device());
  ternary_kernel(a.device(), op, out, operand(a, op == TernaryOp::Where ? DType::Bool : compute, shape),
                 operand(b, compute, shape), operand(c, compute, shape));
  return out;
}

// ---- recording backward ------------------------------------------------------------------------

Tensor sum_to(const Tensor& grad, const Shape& sizes) {
  if (grad.sizes() == sizes) return grad;
  int lead = grad.dim() - sizes.size();
  Shape dims;
  for (int i = 0; i < grad.dim(); ++i)
    if (i < lead || (sizes[i - lead] == 1 && grad.sizes()[i] != 1)) dims.push_back(i);
  Tensor r = dims.empty() ? grad : sum(grad, dims, /*keepdim=*/true);
  return lead > 0 || r.sizes() != sizes ? reshape(r, sizes) : r;
}

// What a backward needs of an operand it does not save: where its gradient must end up.
struct OperandMeta {
  Shape sizes;
  DType dtype;
  bool needs_grad;
  explicit OperandMeta(const Tensor& t)
      : sizes(t.defined() ? t.sizes() : Shape{}), dtype(t.defined() ? t.dtype() : DType::Float32),
        needs_grad(t.defined() && t.requires_grad()) {}
  /// The gradient of this operand: summed over broadcast dims, in its dtype (undefined if unneeded).
  Tensor reduce(const Tensor& g) const {
    return needs_grad && g.defined() ? to_dtype(sum_to(g, sizes), dtype) : Tensor();
  }
};

// What a backward saves. Like PyTorch, an operand that is only needed for the other operand's
// gradient is saved only when that gradient is needed: x * 3 does not save x (so x may then be
// written in place).
enum Save : int {
  kSaveNone = 0,
  kSaveInputs = 1,  // unary: the input; binary: both inputs
  kSaveOutput = 2,
  kSaveAIfB = 4,  // binary: a, when b needs a gradient
  kSaveBIfA = 8,  // binary: b, when a needs a gradient
  kSaveB = 16,    // binary: b
};

/// Records a unary op: grad(g, x, out) with x/out saved per `saves` (undefined otherwise).
template <typename F>
static Tensor record_unary(const char* name, const Tensor& a, const Tensor& out, int saves, F grad) {
  if (!should_record({&a})) return out;
  record(name, {a}, out,
         {saves & kSaveInputs ? save(a) : SavedTensor(), saves & kSaveOutput ? save_output(out) : SavedTensor()},
         [grad](const TensorList& g, const TensorList& s) { return TensorList{grad(g[0], s[0], s[1])}; });
  return out;
}

/// Records a binary op: grad(g, a, b, out, need_a, need_b) returns the unreduced pair.
template <typename F>
static Tensor record_binary(const char* name, const Tensor& a, const Tensor& b, const Tensor& out,
                            int saves, F grad) {
  if (!should_record({&a, &b})) return out;
  OperandMeta ma(a), mb(b);
  bool in = saves & kSaveInputs;
  bool save_a = in || ((saves & kSaveAIfB) && mb.needs_grad);
  bool save_b = in || (saves & kSaveB) || ((saves & kSaveBIfA) && ma.needs_grad);
  record(name, {a, b}, out,
         {save_a ? save(a) : SavedTensor(), save_b ? save(b) : SavedTensor(),
          saves & kSaveOutput ? save_output(out) : SavedTensor()},
         [ma, mb, grad](const TensorList& g, const TensorList& s) {
           std::pair<Tensor, Tensor> r = grad(g[0], s[0], s[1], s[2], ma.needs_grad, mb.needs_grad);
           return TensorList{ma.reduce(r.first), mb.reduce(r.second)};
         });
  return out;
}

/// g where mask, else 0 (NaN-safe, unlike multiplying by the mask).
static Tensor keep(const Tensor& mask, const Tensor& g) {
  return where(mask, g, wrap_scalar(0, g.dtype(), g.device()));
}
static Tensor scalar_like(const Scalar& v, const Tensor& t) { return wrap_scalar(v, t.dtype(), t.device()); }
static Tensor zero_grad(const Tensor& g) { return zeros_like(g); }

// ---- arithmetic ------------------------------------------------------------------------------

static void check_alpha(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  EMBER_CHECK(is_floating(result_type(a, b)) || !alpha.is_floating(),
              "For integral input tensors, argument alpha must not be a floating point number.");
}

Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  check_alpha(a, b, alpha);
  if (alpha.to_double() != 1.0) return add(a, mul(b, alpha));
  Tensor out = binary(BinaryOp::Add, a, b, "add");
  return record_binary("AddBackward0", a, b, out, kSaveNone,
                       [](const Tensor& g, const Tensor&, const Tensor&, const Tensor&, bool, bool) {
                         return std::make_pair(g, g);
                       });
}

Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  check_alpha(a, b, alpha);
  if (alpha.to_double() != 1.0) return sub(a, mul(b, alpha));
  Tensor out = binary(BinaryOp::Sub, a, b, "sub");
  return record_binary("SubBackward0", a, b, out, kSaveNone,
                       [](const Tensor& g, const Tensor&, const Tensor&, const Tensor&, bool, bool nb) {
                         return std::make_pair(g, nb ? neg(g) : Tensor());
                       });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary(BinaryOp::Mul, a, b, "mul");
  return record_binary("MulBackward0", a, b, out, kSaveAIfB | kSaveBIfA,
                       [](const Tensor& g, const Tensor& x, const Tensor& y, const Tensor&, bool na, bool nb) {
                         return std::make_pair(na ? mul(g, y) : Tensor(), nb ? mul(g, x) : Tensor());
                       });
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = binary(BinaryOp::Div, a, b, "div");
  return record_binary("DivBackward0", a, b, out, kSaveAIfB | kSaveB,
                       [](const Tensor& g, const Tensor& x, const Tensor& y, const Tensor&, bool, bool nb) {
                         Tensor ga = div(g, y);
                         return std::make_pair(ga, nb ? neg(mul(ga, div(x, y))) : Tensor());
                       });
}

// Rounding divisions, remainders: piecewise constant in the divisor's gradient sense only where
// PyTorch says so (div with rounding: zero for both; remainder/fmod: 1 and -quotient).
static Tensor rounding_div(BinaryOp op, const Tensor& a, const Tensor& b, const char* name) {
  Tensor out = binary(op, a, b, name);
  return record_binary("DivBackward1", a, b, out, kSaveNone,
                       [](const Tensor& g, const Tensor&, const Tensor&, const Tensor&, bool, bool) {
                         return std::make_pair(zero_grad(g), zero_grad(g));
                       });
}

static BinaryOp rounding_op(const std::string& mode) {
  if (mode == "trunc") return BinaryOp::DivTrunc;
  if (mode == "floor") return BinaryOp::DivFloor;
  throw RuntimeError(str("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '",
                         mode, "'"));
}

Tensor div(const Tensor& a, const Tensor& b, const std::string& rounding_mode) {
  BinaryOp op = rounding_op(rounding_mode);
  return rounding_div(op, a, b, op == BinaryOp::DivTrunc ? "div_trunc" : "div_floor");
}

Tensor floor_divide(const Tensor& a, const Tensor& b) { return div(a, b, "floor"); }

Tensor remainder(const Tensor& a, const Tensor& b) {
  Tensor out = binary(BinaryOp::Remainder, a, b, "remainder");
  return record_binary("RemainderBackward0", a, b, out, kSaveInputs,
                       [](const Tensor& g, const Tensor& x, const Tensor& y, const Tensor&, bool, bool nb) {
                         return std::make_pair(g, nb ? neg(mul(g, div(x, y, "floor"))) : Tensor());
                       });
}

Tensor fmod(const Tensor& a, const Tensor& b) {
  Tensor out = binary(BinaryOp::Fmod, a, b, "fmod");
  return record_binary("FmodBackward1", a, b, out, kSaveInputs,
                       [](const Tensor& g, const Tensor& x, const Tensor& y, const Tensor&, bool, bool nb) {
                         return std::make_pair(g, nb ? neg(mul(g, div(x, y, "trunc"))) : Tensor());
                       });
}

Tensor pow(const Tensor& a, const Tensor& exponent) {
  Tensor out = binary(BinaryOp::Pow, a, exponent, "pow");
  return record_binary(
      "PowBackward1", a, exponent, out, kSaveInputs | kSaveOutput,
      [](const Tensor& g, const Tensor& x, const Tensor& e, const Tensor& out, bool na, bool nb) {
        Tensor zero = scalar_like(0, g);
        Tensor ga, gb;
        // d/dx x^e = e x^(e-1), taken as 0 where e == 0 (also at x == 0).
        if (na) ga = where(eq(e, zero), zero, mul(mul(g, e), pow(x, sub(e, scalar_like(1, e)))));
        // d/de x^e = x^e log x, taken as 0 at x == 0 for e >= 0.
        if (nb) gb = where(logical_and(eq(x, zero), ge(e, zero)), zero, mul(g, mul(out, log(x))));
        return std::make_pair(ga, gb);
      });
}

static void check_pow_scalar(DType t, const Scalar& exponent) {
  check_dtype(t != DType::Bool, "pow", t);
  EMBER_CHECK(is_floating(t) || exponent.is_floating() || exponent.to<int64_t>() >= 0,
              "Integers to negative integer powers are not allowed.");
}

Tensor pow(const Tensor& a, const Scalar& exponent) {
  DType t = result_type(a, exponent);
  check_pow_scalar(t, exponent);
  double e = exponent.to_double();
  Tensor out;
  // The common exponents as cheaper exact kernels (as PyTorch does): x*x, sqrt, 1/x.
  if (is_floating(t) && (e == 2 || e == 0.5 || e == -1 || e == -0.5)) {
    UnaryOp op = e == 2 ? UnaryOp::Square : e == 0.5 ? UnaryOp::Sqrt : e == -1 ? UnaryOp::Reciprocal : UnaryOp::Rsqrt;
    out = unary(op, to_dtype(detach(a), t));
  } else {
    out = binary(BinaryOp::Pow, a, wrap_scalar(exponent, t, a.device()), "pow");
  }
  return record_unary("PowBackward0", a, out, kSaveInputs, [exponent, e](const Tensor& g, const Tensor& x, const Tensor&) {
    if (e == 0) return zero_grad(g);
    if (e == 2) return mul(g, mul(x, 2));
    return mul(g, mul(pow(x, e - 1), exponent));
  });
}

Tensor pow(const Scalar& base, const Tensor& exponent) {
  return pow(wrap_scalar(base, result_type(exponent, base), exponent.device()), exponent);
}

/// d max(a, b): the larger operand takes the gradient; ties split it equally (as PyTorch).
static std::pair<Tensor, Tensor> max_min_grad(const Tensor& g, const Tensor& a, const Tensor& b,
                                              bool is_max, bool na, bool nb) {
  Tensor half = div(g, scalar_like(2, g));
  Tensor tie = eq(a, b);
  Tensor ga, gb;
  if (na) ga = where(tie, half, keep(is_max ? gt(a, b) : lt(a, b), g));
  if (nb) gb = where(tie, half, keep(is_max ? lt(a, b) : gt(a, b), g));
  return {ga, gb};
}

Tensor maximum(const Tensor& a, const Tensor& b) {
  Tensor out = binary(BinaryOp::Maximum, a, b, "maximum");
  return record_binary("MaximumBackward0", a, b, out, kSaveInputs,
                       [](const Tensor& g, const Tensor& x, const Tensor& y, const Tensor&, bool na, bool nb) {
                         return max_min_grad(g, x, y, true, na, nb);
                       });
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  Tensor out = binary(BinaryOp::Minimum, a, b, "minimum");
  return record_binary("MinimumBackward0", a, b, out, kSaveInputs,
                       [](const Tensor& g, const Tensor& x, const Tensor& y, const Tensor&, bool na, bool nb) {
                         return max_min_grad(g, x, y, false, na, nb);
                       });
}

/// d fmax(a, b): a takes the gradient where it was chosen (ties go to a; a NaN b picks a).
static std::pair<Tensor, Tensor> fmax_fmin_grad(const Tensor& g, const Tensor& a, const Tensor& b, bool is_max) {
  Tensor picked_a = logical_or(is_max ? ge(a, b) : le(a, b), isnan(b));
  return {keep(picked_a, g), keep(logical_not(picked_a), g)};
}

Tensor fmax(const Tensor& a, const Tensor& b) {
  Tensor out = binary(BinaryOp::Fmax, a, b, "fmax");
  return record_binary("FmaxBackward0", a, b, out, kSaveInputs,
                       [](const Tensor& g, const Tensor& x, const Tensor& y, const Tensor&, bool, bool) {
                         return fmax_fmin_grad(g, x, y, true);
                       });
}

Tensor fmin(const Tensor& a, const Tensor& b) {
  Tensor out = binary(BinaryOp::Fmin, a, b, "fmin");
  return record_binary("FminBackward0", a, b, out, kSaveInputs,
                       [](const Tensor& g, const Tensor& x, const Tensor& y, const Tensor&, bool, bool) {
                         return fmax_fmin_grad(g, x, y, false);
                       });
}

Tensor atan2(const Tensor& a, const Tensor& b) {
  Tensor out = binary(BinaryOp::Atan2, a, b, "atan2");
  return record_binary("Atan2Backward0", a, b, out, kSaveInputs,
                       [](const Tensor& g, const Tensor& y, const Tensor& x, const Tensor&, bool na, bool nb) {
                         Tensor scale = div(g, add(mul(x, x), mul(y, y)));
                         return std::make_pair(na ? mul(scale, x) : Tensor(), nb ? neg(mul(scale, y)) : Tensor());
                       });
}

Tensor add(const Tensor& a, const Scalar& b) { return add(a, wrap_scalar(b, result_type(a, b), a.device())); }
Tensor sub(const Tensor& a, const Scalar& b) { return sub(a, wrap_scalar(b, result_type(a, b), a.device())); }
Tensor rsub(const Tensor& a, const Scalar& b) { return sub(wrap_scalar(b, result_type(a, b), a.device()), a); }
Tensor mul(const Tensor& a, const Scalar& b) { return mul(a, wrap_scalar(b, result_type(a, b), a.device())); }
Tensor div(const Tensor& a, const Scalar& b) { return div(a, wrap_scalar(b, result_type(a, b), a.device())); }
Tensor rdiv(const Tensor& a, const Scalar& b) { return div(wrap_scalar(b, result_type(a, b), a.device()), a); }

// ---- comparisons, logical, bitwise and integer ops (not differentiable) ----------------------------------

#define EMBER_NON_DIFFERENTIABLE_BINARY(name, Op) \
  Tensor name(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Op, a, b, #name); }
EMBER_NON_DIFFERENTIABLE_BINARY(eq, Eq)
EMBER_NON_DIFFERENTIABLE_BINARY(ne, Ne)
EMBER_NON_DIFFERENTIABLE_BINARY(lt, Lt)
EMBER_NON_DIFFERENTIABLE_BINARY(le, Le)
EMBER_NON_DIFFERENTIABLE_BINARY(gt, Gt)
EMBER_NON_DIFFERENTIABLE_BINARY(ge, Ge)
EMBER_NON_DIFFERENTIABLE_BINARY(logical_and, LogicalAnd)
EMBER_NON_DIFFERENTIABLE_BINARY(logical_or, LogicalOr)
EMBER_NON_DIFFERENTIABLE_BINARY(logical_xor, LogicalXor)
EMBER_NON_DIFFERENTIABLE_BINARY(bitwise_and, BitwiseAnd)
EMBER_NON_DIFFERENTIABLE_BINARY(bitwise_or, BitwiseOr)
EMBER_NON_DIFFERENTIABLE_BINARY(bitwise_xor, BitwiseXor)
// PyTorch has no derivative for these either.
EMBER_NON_DIFFERENTIABLE_BINARY(nextafter, NextAfter)
EMBER_NON_DIFFERENTIABLE_BINARY(gcd, Gcd)
EMBER_NON_DIFFERENTIABLE_BINARY(lcm, Lcm)
EMBER_NON_DIFFERENTIABLE_BINARY(bitwise_left_shift, LeftShift)
EMBER_NON_DIFFERENTIABLE_BINARY(bitwise_right_shift, RightShift)
EMBER_NON_DIFFERENTIABLE_BINARY(heaviside, Heaviside)
EMBER_NON_DIFFERENTIABLE_BINARY(chebyshev_polynomial_t, ChebyshevT)
EMBER_NON_DIFFERENTIABLE_BINARY(chebyshev_polynomial_u, ChebyshevU)
EMBER_NON_DIFFERENTIABLE_BINARY(chebyshev_polynomial_v, ChebyshevV)
EMBER_NON_DIFFERENTIABLE_BINARY(chebyshev_polynomial_w, ChebyshevW)
EMBER_NON_DIFFERENTIABLE_BINARY(shifted_chebyshev_polynomial_t, ShiftedChebyshevT)
EMBER_NON_DIFFERENTIABLE_BINARY(shifted_chebyshev_polynomial_u, ShiftedChebyshevU)
EMBER_NON_DIFFERENTIABLE_BINARY(shifted_chebyshev_polynomial_v, ShiftedChebyshevV)
EMBER_NON_DIFFERENTIABLE_BINARY(shifted_chebyshev_polynomial_w, ShiftedChebyshevW)
EMBER_NON_DIFFERENTIABLE_BINARY(hermite_polynomial_h, HermiteH)
EMBER_NON_DIFFERENTIABLE_BINARY(hermite_polynomial_he, HermiteHe)
EMBER_NON_DIFFERENTIABLE_BINARY(laguerre_polynomial_l, LaguerreL)
EMBER_NON_DIFFERENTIABLE_BINARY(legendre_polynomial_p, LegendreP)
#undef EMBER_NON_DIFFERENTIABLE_BINARY

// ---- unary -----------------------------------------------------------------------------------

// A differentiable unary op: forward kernel, then grad(g, x, out) with x/out saved per `saves`.
#define EMBER_UNARY(name, Op, Node, saves, ...)                                          \
  Tensor name(const Tensor& a) {                                                         \
    return record_unary(Node, a, unary(UnaryOp::Op, a), saves,                           \
                        [](const Tensor& g, const Tensor& x, const Tensor& out) {        \
                          (void)x;                                                        \
                          (void)out;                                                      \
                          return __VA_ARGS__;                                            \
                        });                                                              \
  }
static constexpr double kLn2 = 0.69314718055994530942, kLn10 = 2.30258509299404568402;
static constexpr double kTwoOverSqrtPi = 1.12837916709551257390, kSqrtPiOverTwo = 0.88622692545275801365;
static constexpr double kSqrtTwoPi = 2.50662827463100050242, kInvSqrtTwoPi = 0.39894228040143267794;
static constexpr double kPi = 3.14159265358979323846;

static Tensor bessel_i1_grad(const Tensor& g, const Tensor& x, const Tensor& out, bool scaled) {
  // At (or next to) 0 the formula is 0/0: the limit 1/2 is used, and the other branch is evaluated at
  // a safe point so no NaN reaches the gradient (where's backward would multiply it by 0).
  double eps = x.dtype() == DType::Float32 ? std::numeric_limits<float>::epsilon() : std::numeric_limits<double>::epsilon();
  Tensor not_tiny = gt(abs(x), scalar_like(eps, x));
  Tensor safe_x = where(not_tiny, x, scalar_like(eps, x));
  Tensor safe_out = where(not_tiny, out, scalar_like(0, out));
  Tensor d = scaled ? sub(i0e(safe_x), mul(safe_out, add(sign(safe_x), reciprocal(safe_x))))
                    : sub(i0(safe_x), div(safe_out, safe_x));
  return mul(g, where(not_tiny, d, scalar_like(0.5, d)));
}

/// g * (order_zero - out / x) for J1: at (or next to) 0, where that is 0/0, the limit at_zero.
static Tensor bessel_order_one_grad(const Tensor& g, const Tensor& x, const Tensor& out,
                                    const Tensor& order_zero, double at_zero) {
  double eps = x.dtype() == DType::Float32 ? std::numeric_limits<float>::epsilon() : std::numeric_limits<double>::epsilon();
  Tensor not_tiny = gt(abs(x), scalar_like(eps, x));
  Tensor safe_x = where(not_tiny, x, scalar_like(1, x));
  Tensor d = sub(order_zero, div(out, safe_x));
  return mul(g, where(not_tiny, d, scalar_like(at_zero, d)));
}

/// The spherical Bessel j1(x) = (j0(x) - cos x) / x, -d j0 / dx, given j0 = sin(x) / x: its Taylor
/// series x/3 - x^3/30 + x^5/840 - x^7/45360 + x^9/3991680 below |x| = 0.1, where the difference
/// would cancel (the next term is below 1e-15 relative there).
static Tensor spherical_bessel_j1(const Tensor& x, const Tensor& j0) {
  Tensor small = lt(abs(x), scalar_like(0.1, x));
  Tensor x2 = mul(x, x);
  Tensor series = mul(x, add(mul(x2, add(mul(x2, add(mul(x2, add(mul(x2, 1.0 / 3991680), -1.0 / 45360)),
                                                       1.0 / 840)), -1.0 / 30)), 1.0 / 3));
  Tensor safe_x = where(small, scalar_like(1, x), x);
  return where(small, series, div(sub(j0, cos(safe_x)), safe_x));
}

/// d sinc(x) = (cos(pi x) pi x - sin(pi x)) / (pi x^2), 0 at 0.
static Tensor sinc_grad(const Tensor& g, const Tensor& x) {
  Tensor is_zero = eq(x, scalar_like(0, x));
  Tensor safe_x = where(is_zero, scalar_like(1, x), x);
  Tensor pi_x = mul(safe_x, kPi);
  Tensor d = div(sub(mul(cos(pi_x), pi_x), sin(pi_x)), mul(pi_x, safe_x));
  return mul(g, where(is_zero, scalar_like(0, d), d));
}
EMBER_UNARY(neg, Neg, "NegBackward0", kSaveNone, neg(g))
EMBER_UNARY(exp, Exp, "ExpBackward0", kSaveOutput, mul(g, out))
EMBER_UNARY(exp2, Exp2, "Exp2Backward0", kSaveOutput, mul(g, mul(out, kLn2)))
EMBER_UNARY(log, Log, "LogBackward0", kSaveInputs, div(g, x))
EMBER_UNARY(log2, Log2, "Log2Backward0", kSaveInputs, div(g, mul(x, kLn2)))
EMBER_UNARY(log10, Log10, "Log10Backward0", kSaveInputs, div(g, mul(x, kLn10)))
EMBER_UNARY(log1p, Log1p, "Log1pBackward0", kSaveInputs, div(g, add(x, 1)))
EMBER_UNARY(expm1, Expm1, "Expm1Backward0", kSaveOutput, mul(g, add(out, 1)))
EMBER_UNARY(sqrt, Sqrt, "SqrtBackward0", kSaveOutput, div(g, mul(out, 2)))
EMBER_UNARY(rsqrt, Rsqrt, "RsqrtBackward0", kSaveOutput, mul(g, mul(mul(out, mul(out, out)), -0.5)))
EMBER_UNARY(abs, Abs, "AbsBackward0", kSaveInputs, mul(g, sign(x)))
EMBER_UNARY(sign, Sign, "SignBackward0", kSaveNone, zero_grad(g))
EMBER_UNARY(sin, Sin, "SinBackward0", kSaveInputs, mul(g, cos(x)))
EMBER_UNARY(cos, Cos, "CosBackward0", kSaveInputs, mul(g, neg(sin(x))))
EMBER_UNARY(tan, Tan, "TanBackward0", kSaveOutput, mul(g, add(mul(out, out), 1)))
EMBER_UNARY(asin, Asin, "AsinBackward0", kSaveInputs, mul(g, rsqrt(rsub(mul(x, x), 1))))
EMBER_UNARY(acos, Acos, "AcosBackward0", kSaveInputs, neg(mul(g, rsqrt(rsub(mul(x, x), 1)))))
EMBER_UNARY(atan, Atan, "AtanBackward0", kSaveInputs, div(g, add(mul(x, x), 1)))
EMBER_UNARY(sinh, Sinh, "SinhBackward0", kSaveInputs, mul(g, cosh(x)))
EMBER_UNARY(cosh, Cosh, "CoshBackward0", kSaveInputs, mul(g, sinh(x)))
EMBER_UNARY(tanh, Tanh, "TanhBackward0", kSaveOutput, mul(g, rsub(mul(out, out), 1)))
EMBER_UNARY(sigmoid, Sigmoid, "SigmoidBackward0", kSaveOutput, mul(g, mul(out, rsub(out, 1))))
// relu'(0) = 0; NaN passes the gradient, as PyTorch's threshold_backward.
EMBER_UNARY(relu, Relu, "ReluBackward0", kSaveOutput, where(le(out, scalar_like(0, out)), scalar_like(0, g), g))
EMBER_UNARY(silu, Silu, "SiluBackward0", kSaveInputs,
            [&] { Tensor s = sigmoid(x); return mul(g, mul(s, add(mul(x, rsub(s, 1)), 1))); }())
EMBER_UNARY(erf, Erf, "ErfBackward0", kSaveInputs, mul(g, mul(exp(neg(mul(x, x))), kTwoOverSqrtPi)))
EMBER_UNARY(erfc, Erfc, "ErfcBackward0", kSaveInputs, mul(g, mul(exp(neg(mul(x, x))), -kTwoOverSqrtPi)))
// d erfinv(y) = sqrt(pi) / 2 * exp(erfinv(y)^2) dy.
EMBER_UNARY(erfinv, Erfinv, "ErfinvBackward0", kSaveOutput, mul(g, mul(exp(mul(out, out)), kSqrtPiOverTwo)))
EMBER_UNARY(floor, Floor, "FloorBackward0", kSaveNone, zero_grad(g))
EMBER_UNARY(ceil, Ceil, "CeilBackward0", kSaveNone, zero_grad(g))
EMBER_UNARY(trunc, Trunc, "TruncBackward0", kSaveNone, zero_grad(g))
EMBER_UNARY(frac, Frac, "FracBackward0", kSaveNone, g)
EMBER_UNARY(reciprocal, Reciprocal, "ReciprocalBackward0", kSaveOutput, neg(mul(g, mul(out, out))))
EMBER_UNARY(square, Square, "PowBackward0", kSaveInputs, mul(g, mul(x, 2)))
EMBER_UNARY(asinh, Asinh, "AsinhBackward0", kSaveInputs, mul(g, rsqrt(add(mul(x, x), 1))))
EMBER_UNARY(acosh, Acosh, "AcoshBackward0", kSaveInputs, mul(g, rsqrt(sub(mul(x, x), 1))))
EMBER_UNARY(atanh, Atanh, "AtanhBackward0", kSaveInputs, div(g, rsub(mul(x, x), 1)))
EMBER_UNARY(lgamma, Lgamma, "LgammaBackward0", kSaveInputs, mul(g, digamma(x)))
EMBER_UNARY(digamma, Digamma, "DigammaBackward0", kSaveInputs, mul(g, polygamma(1, x)))
EMBER_UNARY(i0, I0, "I0Backward0", kSaveInputs, mul(g, i1(x)))
EMBER_UNARY(i0e, I0e, "SpecialI0EBackward0", kSaveInputs | kSaveOutput, mul(g, sub(i1e(x), mul(sign(x), out))))
// d I1 = I0 - I1 / x and d I1e = I0e - I1e (sign(x) + 1 / x), both 1/2 at 0 (the limit).
EMBER_UNARY(i1, I1, "SpecialI1Backward0", kSaveInputs | kSaveOutput, bessel_i1_grad(g, x, out, false))
EMBER_UNARY(i1e, I1e, "SpecialI1EBackward0", kSaveInputs | kSaveOutput, bessel_i1_grad(g, x, out, true))
EMBER_UNARY(sinc, Sinc, "SincBackward0", kSaveInputs, sinc_grad(g, x))
// J0' = -J1, Y0' = -Y1, K0' = -K1, J1' = J0 - J1/x, Y1' = Y0 - Y1/x, K1' = -K0 - K1/x; the scaled
// forms add their own value (d exp(x) K = exp(x) K + exp(x) K').
EMBER_UNARY(bessel_j0, BesselJ0, "SpecialBesselJ0Backward0", kSaveInputs, mul(g, neg(bessel_j1(x))))
EMBER_UNARY(bessel_j1, BesselJ1, "SpecialBesselJ1Backward0", kSaveInputs | kSaveOutput,
            bessel_order_one_grad(g, x, out, bessel_j0(x), 0.5))
EMBER_UNARY(bessel_y0, BesselY0, "SpecialBesselY0Backward0", kSaveInputs, mul(g, neg(bessel_y1(x))))
EMBER_UNARY(bessel_y1, BesselY1, "SpecialBesselY1Backward0", kSaveInputs | kSaveOutput,
            mul(g, sub(bessel_y0(x), div(out, x))))
EMBER_UNARY(modified_bessel_k0, BesselK0, "SpecialModifiedBesselK0Backward0", kSaveInputs,
            mul(g, neg(modified_bessel_k1(x))))
EMBER_UNARY(modified_bessel_k1, BesselK1, "SpecialModifiedBesselK1Backward0", kSaveInputs | kSaveOutput,
            mul(g, neg(add(modified_bessel_k0(x), div(out, x)))))
EMBER_UNARY(scaled_modified_bessel_k0, BesselK0e, "SpecialScaledModifiedBesselK0Backward0", kSaveInputs | kSaveOutput,
            mul(g, sub(out, scaled_modified_bessel_k1(x))))
EMBER_UNARY(scaled_modified_bessel_k1, BesselK1e, "SpecialScaledModifiedBesselK1Backward0", kSaveInputs | kSaveOutput,
            mul(g, sub(sub(out, scaled_modified_bessel_k0(x)), div(out, x))))
EMBER_UNARY(spherical_bessel_j0, SphericalBesselJ0, "SpecialSphericalBesselJ0Backward0", kSaveInputs | kSaveOutput,
            mul(g, neg(spherical_bessel_j1(x, out))))
EMBER_UNARY(erfcx, Erfcx, "SpecialErfcxBackward0", kSaveInputs | kSaveOutput,
            mul(g, sub(mul(mul(x, out), 2), kTwoOverSqrtPi)))
EMBER_UNARY(ndtr, Ndtr, "SpecialNdtrBackward0", kSaveInputs, mul(g, mul(exp(mul(mul(x, x), -0.5)), kInvSqrtTwoPi)))
EMBER_UNARY(ndtri, Ndtri, "SpecialNdtriBackward0", kSaveOutput, mul(g, mul(exp(mul(mul(out, out), 0.5)), kSqrtTwoPi)))
// d log ndtr(x) = phi(x) / ndtr(x) = exp(-(log_ndtr(x) + x^2 / 2)) / sqrt(2 pi): no underflow.
EMBER_UNARY(log_ndtr, LogNdtr, "SpecialLogNdtrBackward0", kSaveInputs | kSaveOutput,
            mul(g, mul(exp(neg(add(out, mul(mul(x, x), 0.5)))), kInvSqrtTwoPi)))
EMBER_UNARY(entr, Entr, "SpecialEntrBackward0", kSaveInputs, mul(g, neg(add(log(x), 1))))
EMBER_UNARY(angle, Angle, "AngleBackward0", kSaveNone, zero_grad(g))
#undef EMBER_UNARY

Tensor round(const Tensor& a, int64_t decimals) {
  if (decimals != 0) check_dtype(is_floating(a.dtype()), "round", a.dtype());
  Tensor out = unary(UnaryOp::Round, a, UnaryArgs{double(decimals)});
  return record_unary("RoundBackward0", a, out, kSaveNone,
                      [](const Tensor& g, const Tensor&, const Tensor&) { return zero_grad(g); });
}

Tensor gelu(const Tensor& a, const std::string& approximate) {
  EMBER_CHECK(approximate == "none" || approximate == "tanh",
              "approximate argument must be either none or tanh.");
  bool use_tanh = approximate == "tanh";
  Tensor out = unary(use_tanh ? UnaryOp::GeluTanh : UnaryOp::Gelu, a);
  return record_unary("GeluBackward0", a, out, kSaveInputs, [use_tanh](const Tensor& g, const Tensor& x, const Tensor&) {
    if (!use_tanh) {  // Phi(x) + x phi(x)
      Tensor cdf = mul(add(erf(mul(x, 0.70710678118654752440)), 1), 0.5);
      Tensor pdf = mul(exp(mul(mul(x, x), -0.5)), 0.39894228040143267794);
      return mul(g, add(cdf, mul(x, pdf)));
    }
    const double beta = 0.79788456080286535588, kappa = 0.044715;
    Tensor x_sq = mul(x, x);
    Tensor t = tanh(mul(add(x, mul(mul(x_sq, x), kappa)), beta));
    Tensor left_derivative = mul(add(t, 1), 0.5);
    Tensor right_derivative = mul(rsub(mul(t, t), 1), mul(add(mul(x_sq, 3 * kappa), 1), beta));
    return mul(g, add(left_derivative, mul(mul(x, 0.5), right_derivative)));
  });
}

Tensor softplus(const Tensor& a, const Scalar& beta, const Scalar& threshold) {
  double b = beta.to_double(), th = threshold.to_double();
  Tensor out = unary(UnaryOp::Softplus, a, UnaryArgs{b, th});
  return record_unary("SoftplusBackward0", a, out, kSaveInputs, [b, th](const Tensor& g, const Tensor& x, const Tensor&) {
    Tensor bx = mul(x, b);
    return where(gt(bx, scalar_like(th, bx)), g, mul(g, sigmoid(bx)));
  });
}

Tensor nan_to_num(const Tensor& a, double nan, std::optional<double> posinf, std::optional<double> neginf) {
  double big = a.dtype() == DType::Float32 ? std::numeric_limits<float>::max() : std::numeric_limits<double>::max();
  Tensor out = unary(UnaryOp::NanToNum, a, UnaryArgs{nan, posinf.value_or(big), neginf.value_or(-big)});
  return record_unary("NanToNumBackward0", a, out, kSaveInputs,
                      [](const Tensor& g, const Tensor& x, const Tensor&) { return keep(isfinite(x), g); });
}

Tensor bitwise_not(const Tensor& a) { return unary(UnaryOp::BitwiseNot, a); }
Tensor logical_not(const Tensor& a) { return unary(UnaryOp::LogicalNot, a); }
Tensor isnan(const Tensor& a) { return unary(UnaryOp::IsNan, a); }
Tensor isinf(const Tensor& a) { return unary(UnaryOp::IsInf, a); }
Tensor isfinite(const Tensor& a) { return unary(UnaryOp::IsFinite, a); }

// ---- special functions and more unary math ----------------------------------------------------

/// An integer or bool tensor in the default float dtype (floats unchanged), for the composite ops.
static Tensor to_float(const Tensor& a) { return is_floating(a.dtype()) ? a : to_dtype(a, default_dtype()); }

Tensor deg2rad(const Tensor& a) { return mul(to_float(a), kPi / 180); }
Tensor rad2deg(const Tensor& a) { return mul(to_float(a), 180 / kPi); }

static void check_polygamma_order(int64_t n) {
  EMBER_CHECK(n >= 0, "polygamma(n, x) does not support negative n.");
}

Tensor polygamma(int64_t n, const Tensor& a) {
  check_polygamma_order(n);
  Tensor out = unary(UnaryOp::Polygamma, a, UnaryArgs{double(n)});
  return record_unary("PolygammaBackward0", a, out, kSaveInputs, [n](const Tensor& g, const Tensor& x, const Tensor&) {
    return mul(g, polygamma(n + 1, x));
  });
}

Tensor mvlgamma(const Tensor& a, int64_t p) {
  EMBER_CHECK(p >= 1, "p has to be greater than or equal to 1");
  Tensor x = to_float(a);
  Tensor sum = lgamma(x);
  for (int64_t i = 1; i < p; ++i) sum = add(sum, lgamma(sub(x, 0.5 * double(i))));
  return add(sum, double(p) * double(p - 1) / 4 * std::log(kPi));
}

Tensor logit(const Tensor& a, std::optional<double> eps) {
  double e = eps && *eps >= 0 ? *eps : -1;  // a negative eps means none, as in PyTorch
  Tensor out = unary(UnaryOp::Logit, a, UnaryArgs{e});
  return record_unary("LogitBackward0", a, out, kSaveInputs, [e](const Tensor& g, const Tensor& x, const Tensor&) {
    Tensor d = div(g, mul(x, rsub(x, 1)));
    if (e < 0) return d;
    Tensor clamped = logical_or(lt(x, scalar_like(e, x)), gt(x, scalar_like(1 - e, x)));
    return where(clamped, scalar_like(0, d), d);
  });
}

Tensor positive(const Tensor& a) {
  EMBER_CHECK(a.dtype() != DType::Bool, "The `+` operator, on a bool tensor is not supported.");
  return a;
}

Tensor signbit(const Tensor& a) { return unary(UnaryOp::Signbit, a); }
Tensor isposinf(const Tensor& a) { return unary(UnaryOp::IsPosInf, a); }
Tensor isneginf(const Tensor& a) { return unary(UnaryOp::IsNegInf, a); }
// PyTorch has no derivative of Ai either (it would need Ai').
Tensor airy_ai(const Tensor& a) { return unary(UnaryOp::AiryAi, a); }
Tensor isreal(const Tensor& a) { return full(a.sizes(), true, DType::Bool, a.device()); }

std::pair<Tensor, Tensor> frexp(const Tensor& a) {
  Tensor exponent = unary(UnaryOp::FrexpExponent, a);
  Tensor mantissa = unary(UnaryOp::FrexpMantissa, a);
  record_unary("FrexpBackward0", a, mantissa, kSaveInputs, [](const Tensor& g, const Tensor& x, const Tensor&) {
    return div(g, exp2(to_dtype(unary(UnaryOp::FrexpExponent, x), g.dtype())));
  });
  return {mantissa, exponent};
}

// ---- more binary math ----------------------------------------------------------------------------

using GradPair = std::pair<Tensor, Tensor>;

Tensor hypot(const Tensor& a, const Tensor& b) {
  Tensor out = binary(BinaryOp::Hypot, a, b, "hypot");
  return record_binary("HypotBackward0", a, b, out, kSaveInputs | kSaveOutput,
                       [](const Tensor& g, const Tensor& x, const Tensor& y, const Tensor& out, bool na, bool nb) {
                         Tensor scale = div(g, out);
                         return GradPair(na ? mul(scale, x) : Tensor(), nb ? mul(scale, y) : Tensor());
                       });
}

/// d log(e^a + e^b) / da = 1 / (1 + e^(b - a)); base 2 alike.
static Tensor logaddexp_common(BinaryOp op, const Tensor& a, const Tensor& b, const char* name, const char* node) {
  Tensor out = binary(op, a, b, name);
  bool base2 = op == BinaryOp::LogAddExp2;
  return record_binary(node, a, b, out, kSaveInputs,
                       [base2](const Tensor& g, const Tensor& x, const Tensor& y, const Tensor&, bool na, bool nb) {
                         auto share = [&](const Tensor& from, const Tensor& to) {
                           Tensor d = sub(to, from);
                           return div(g, add(base2 ? exp2(d) : exp(d), 1));
                         };
                         return GradPair(na ? share(x, y) : Tensor(), nb ? share(y, x) : Tensor());
                       });
}
Tensor logaddexp(const Tensor& a, const Tensor& b) { return logaddexp_common(BinaryOp::LogAddExp, a, b, "logaddexp", "LogaddexpBackward0"); }
Tensor logaddexp2(const Tensor& a, const Tensor& b) { return logaddexp_common(BinaryOp::LogAddExp2, a, b, "logaddexp2", "Logaddexp2Backward0"); }

Tensor xlogy(const Tensor& x, const Tensor& y) {
  Tensor out = binary(BinaryOp::Xlogy, x, y, "xlogy");
  return record_binary("XlogyBackward0", x, y, out, kSaveInputs,
                       [](const Tensor& g, const Tensor& a, const Tensor& b, const Tensor&, bool na, bool nb) {
                         Tensor ga, gb;
                         // As PyTorch: 0 for x == 0 where log(y) is not finite.
                         if (na) ga = where(logical_and(eq(a, scalar_like(0, a)), le(b, scalar_like(0, b))),
                                            scalar_like(0, g), xlogy(g, b));
                         if (nb) gb = div(mul(g, a), b);
                         return GradPair(ga, gb);
                       });
}

Tensor xlog1py(const Tensor& x, const Tensor& y) {
  Tensor out = binary(BinaryOp::Xlog1py, x, y, "xlog1py");
  return record_binary("SpecialXlog1pyBackward0", x, y, out, kSaveInputs,
                       [](const Tensor& g, const Tensor& a, const Tensor& b, const Tensor&, bool na, bool nb) {
                         Tensor ga, gb;
                         if (na) ga = where(logical_and(eq(a, scalar_like(0, a)), le(b, scalar_like(-1, b))),
                                            scalar_like(0, g), xlog1py(g, b));
                         if (nb) gb = div(mul(g, a), add(b, 1));
                         return GradPair(ga, gb);
                       });
}

Tensor copysign(const Tensor& a, const Tensor& b) {
  Tensor out = binary(BinaryOp::Copysign, a, b, "copysign");
  return record_binary("CopysignBackward0", a, b, out, kSaveInputs | kSaveOutput,
                       [](const Tensor& g, const Tensor& x, const Tensor&, const Tensor& out, bool na, bool nb) {
                         // d copysign(x, y) / dx = copysign(x, y) / x (+-1), taken as 0 at x == 0.
                         Tensor ga = na ? where(eq(x, scalar_like(0, x)), scalar_like(0, g), mul(g, div(out, x))) : Tensor();
                         return GradPair(ga, nb ? zero_grad(g) : Tensor());
                       });
}

/// The backward of an op PyTorch gives no derivative for in this operand.
static void not_differentiable(bool needed, const char* what) {
  EMBER_CHECK(!needed, "the derivative for '", what, "' is not implemented.");
}

/// d P(a, x) / dx = x^(a-1) e^-x / Gamma(a) = -d Q(a, x) / dx.
static Tensor incomplete_gamma(BinaryOp op, const Tensor& a, const Tensor& x, const char* name, const char* node,
                               const char* a_name) {
  Tensor out = binary(op, a, x, name);
  double sign = op == BinaryOp::Igamma ? 1 : -1;
  return record_binary(node, a, x, out, kSaveInputs,
                       [sign, a_name](const Tensor& g, const Tensor& s, const Tensor& t, const Tensor&, bool na, bool nb) {
                         not_differentiable(na, a_name);
                         if (!nb) return GradPair();
                         Tensor log_density = sub(sub(mul(sub(s, 1), log(t)), t), lgamma(s));
                         return GradPair(Tensor(), mul(g, mul(exp(log_density), sign)));
                       });
}
Tensor igamma(const Tensor& a, const Tensor& x) {
  return incomplete_gamma(BinaryOp::Igamma, a, x, "igamma", "IgammaBackward0", "igamma: input");
}
Tensor igammac(const Tensor& a, const Tensor& x) {
  return incomplete_gamma(BinaryOp::Igammac, a, x, "igammac", "IgammacBackward0", "igammac: input");
}

Tensor zeta(const Tensor& s, const Tensor& q) {
  Tensor out = binary(BinaryOp::Zeta, s, q, "zeta");
  return record_binary("SpecialZetaBackward0", s, q, out, kSaveInputs,
                       [](const Tensor& g, const Tensor& x, const Tensor& y, const Tensor&, bool na, bool nb) {
                         not_differentiable(na, "zeta");
                         // d zeta(s, q) / dq = -s zeta(s + 1, q).
                         return GradPair(Tensor(), nb ? mul(g, neg(mul(x, zeta(add(x, 1), y)))) : Tensor());
                       });
}

Tensor ldexp(const Tensor& a, const Tensor& b) { return mul(a, exp2(b)); }

Tensor float_power(const Tensor& a, const Tensor& exponent) {
  return pow(to_dtype(a, DType::Float64), to_dtype(exponent, DType::Float64));
}
Tensor float_power(const Tensor& a, const Scalar& exponent) { return pow(to_dtype(a, DType::Float64), exponent); }
Tensor float_power(const Scalar& base, const Tensor& exponent) {
  return pow(wrap_scalar(base, DType::Float64, exponent.device()), to_dtype(exponent, DType::Float64));
}

// ---- ternary and parametrised ------------------------------------------------------------------

Tensor clamp(const Tensor& a, const Tensor& min, const Tensor& max) {
  EMBER_CHECK(min.defined() || max.defined(), "torch.clamp: At least one of 'min' or 'max' must not be None");
  DType t = result_type({a, min, max});
  Tensor out;
  if (min.defined() && max.defined()) {
    out = ternary(TernaryOp::Clamp, a, min, max, t, "clamp");
  } else {
    GradModeGuard no_grad(false);  // the node below is clamp's, not maximum's
    Tensor ca = operand(a, t, a.sizes());
    out = min.defined() ? maximum(ca, operand(min, t, min.sizes())) : minimum(ca, operand(max, t, max.sizes()));
  }
  if (!should_record({&a, &min, &max})) return out;
  OperandMeta ma(a), mlo(min), mhi(max);
  record("ClampBackward1", {a, min, max}, out, {save(a), min.defined() ? save(min) : SavedTensor(), max.defined() ? save(max) : SavedTensor()},
         [ma, mlo, mhi](const TensorList& gs, const TensorList& s) {
           const Tensor &g = gs[0], &x = s[0], &lo = s[1], &hi = s[2];
           // PyTorch's clamp_backward_min_max: x gets the gradient where lo <= x <= hi; a bound gets
           // it where it was the value taken (lo when x < lo <= hi... hi whenever hi < lo).
           Tensor gx, glo, ghi;
           if (lo.defined() && hi.defined()) {
             if (ma.needs_grad) gx = keep(logical_and(ge(x, lo), le(x, hi)), g);
             if (mlo.needs_grad) glo = keep(logical_and(lt(x, lo), lt(lo, hi)), g);
             if (mhi.needs_grad) ghi = keep(logical_or(gt(x, hi), lt(hi, lo)), g);
           } else if (lo.defined()) {
             if (ma.needs_grad) gx = keep(ge(x, lo), g);
             if (mlo.needs_grad) glo = keep(lt(x, lo), g);
           } else {
             if (ma.needs_grad) gx = keep(le(x, hi), g);
             if (mhi.needs_grad) ghi = keep(gt(x, hi), g);
           }
           return TensorList{ma.reduce(gx), mlo.reduce(glo), mhi.reduce(ghi)};
         });
  return out;
}

Tensor clamp(const Tensor& a, std::optional<Scalar> min, std::optional<Scalar> max) {
  auto bound = [&](const std::optional<Scalar>& v) {
    return v ? wrap_scalar(*v, result_type(a, *v), a.device()) : Tensor();
  };
  return clamp(a, bound(min), bound(max));
}

Tensor clamp_min(const Tensor& a, const Tensor& min) { return clamp(a, min, Tensor()); }
Tensor clamp_max(const Tensor& a, const Tensor& max) { return clamp(a, Tensor(), max); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  EMBER_CHECK(cond.dtype() == DType::Bool, "where expected condition to be a boolean tensor, but got a "
              "tensor with dtype ", dtype_name(cond.dtype()));
  Tensor out = ternary(TernaryOp::Where, cond, a, b, result_type(a, b), "where");
  if (!should_record({&a, &b})) return out;
  OperandMeta ma(a), mb(b);
  record("WhereBackward0", {a, b}, out, {save(cond)}, [ma, mb](const TensorList& g, const TensorList& s) {
    return TensorList{ma.needs_grad ? ma.reduce(keep(s[0], g[0])) : Tensor(),
                      mb.needs_grad ? mb.reduce(keep(logical_not(s[0]), g[0])) : Tensor()};
  });
  return out;
}

static void check_lerp(const Tensor& start, const Tensor& end, const Tensor& weight) {
  check_dtype(is_floating(start.dtype()), "lerp", start.dtype());
  EMBER_CHECK(end.dtype() == start.dtype(), "expected dtype ", dtype_name(start.dtype()),
              " for `end` but got dtype ", dtype_name(end.dtype()));
  EMBER_CHECK(weight.dtype() == start.dtype() || weight->wrapped_number, "expected dtype ",
              dtype_name(start.dtype()), " for `weight` but got dtype ", dtype_name(weight.dtype()));
}

Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight) {
  check_lerp(start, end, weight);
  Tensor out = ternary(TernaryOp::Lerp, start, end, weight, start.dtype(), "lerp");
  if (!should_record({&start, &end, &weight})) return out;
  OperandMeta ms(start), me(end), mw(weight);
  record("LerpBackward1", {start, end, weight}, out, {save(start), save(end), save(weight)},
         [ms, me, mw](const TensorList& gs, const TensorList& s) {
           const Tensor& g = gs[0];
           return TensorList{ms.needs_grad ? ms.reduce(mul(g, rsub(s[2], 1))) : Tensor(),
                             me.needs_grad ? me.reduce(mul(g, s[2])) : Tensor(),
                             mw.needs_grad ? mw.reduce(mul(g, sub(s[1], s[0]))) : Tensor()};
         });
  return out;
}

Tensor lerp(const Tensor& start, const Tensor& end, const Scalar& weight) {
  return lerp(start, end, wrap_scalar(weight, start.dtype(), start.device()));
}

Tensor addcmul(const Tensor& a, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  return add(a, mul(mul(t1, t2), value));
}

static void check_addcdiv(const Tensor& t1, const Tensor& t2) {
  EMBER_CHECK(is_floating(t1.dtype()) || is_floating(t2.dtype()),
              "Integer division with addcdiv is no longer supported, and in a future release addcdiv "
              "will perform a true division of tensor1 and tensor2. The current addcdiv behavior can "
              "be replicated using floor_divide for integral inputs (self + value * tensor1 // tensor2) "
              "and division for float inputs (self + value * tensor1 / tensor2).");
}

Tensor addcdiv(const Tensor& a, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  check_addcdiv(t1, t2);
  return add(a, mul(div(t1, t2), value));
}

// ---- in-place ----------------------------------------------------------------------------------

// self = op(self, others...), the one path of every in-place op. `result` is the dtype the
// out-of-place op would give. Without autograd, `direct()` writes into self when that dtype is
// self's; otherwise the out-of-place op computes the values that are copied into self. When
// recording, the out-of-place op runs on a clone of self (so what it saves is not the memory about
// to be overwritten), and its node becomes self's new history (rebase_history handles views).
template <typename Direct, typename OutOfPlace>
static Tensor& inplace(Tensor& self, const char* name, DType result, std::initializer_list<Tensor> others,
                       const Direct& direct, const OutOfPlace& out_of_place) {
  check_inplace(self, name);
  EMBER_CHECK(can_cast(result, self.dtype()), "result type ", dtype_name(result),
              " can't be cast to the desired output type ", dtype_name(self.dtype()));
  bool record_grad = GradMode::is_enabled() && self.requires_grad();
  for (const Tensor& o : others) {
    if (!o.defined()) continue;
    check_same_device(self, o, name);
    if (o.sizes() != self.sizes()) {
      Shape s = broadcast_shapes(self.sizes(), o.sizes(), name);
      EMBER_CHECK(s == self.sizes(), "output with shape ", self.sizes(),
                  " doesn't match the broadcast shape ", s);
    }
    record_grad = record_grad || (GradMode::is_enabled() && o.requires_grad());
  }
  if (!record_grad) {
    if (result == self.dtype()) direct();
    else copy_kernel(self.device(), self, out_of_place(self));
    self.bump_version();
    return self;
  }
  Tensor r = to_dtype(out_of_place(clone(self)), self.dtype());
  copy_kernel(self.device(), self, r);
  self.bump_version();
  // Computed in a wider dtype, the op's node sits behind the cast back to self's dtype.
  if (result == self.dtype())
    rebase_history(self, r.grad_fn());
  else
    rebase_history_through(self, gradient_edge(r));
  return self;
}

/// self = op(self, other) through the binary kernel.
template <typename OutOfPlace>
static Tensor& binary_(Tensor& self, const Tensor& other, BinaryOp op, const char* name, const OutOfPlace& fn) {
  DType result = binary_types(op, self, other, name).out;
  return inplace(self, name, result, {other}, [&] {
    binary_kernel(self.device(), op, self, self, operand(other, self.dtype(), self.sizes()));
  }, [&](const Tensor& s) { return fn(s, other); });
}

Tensor& add_(Tensor& self, const Tensor& other, const Scalar& alpha) {
  check_alpha(self, other, alpha);
  Tensor scaled = alpha.to_double() == 1.0 ? other : mul(other, alpha);
  return binary_(self, scaled, BinaryOp::Add, "add_", [](const Tensor& a, const Tensor& b) { return add(a, b); });
}
Tensor& sub_(Tensor& self, const Tensor& other, const Scalar& alpha) {
  check_alpha(self, other, alpha);
  Tensor scaled = alpha.to_double() == 1.0 ? other : mul(other, alpha);
  return binary_(self, scaled, BinaryOp::Sub, "sub_", [](const Tensor& a, const Tensor& b) { return sub(a, b); });
}

#define EMBER_BINARY_INPLACE(name, Op, out_of_place)                                      \
  Tensor& name##_(Tensor& self, const Tensor& other) {                                   \
    return binary_(self, other, BinaryOp::Op, #name "_",                                 \
                   [](const Tensor& a, const Tensor& b) { return out_of_place(a, b); }); \
  }
EMBER_BINARY_INPLACE(mul, Mul, mul)
EMBER_BINARY_INPLACE(div, Div, div)
EMBER_BINARY_INPLACE(floor_divide, DivFloor, floor_divide)
EMBER_BINARY_INPLACE(remainder, Remainder, remainder)
EMBER_BINARY_INPLACE(fmod, Fmod, fmod)
EMBER_BINARY_INPLACE(pow, Pow, pow)
EMBER_BINARY_INPLACE(atan2, Atan2, atan2)
EMBER_BINARY_INPLACE(bitwise_and, BitwiseAnd, bitwise_and)
EMBER_BINARY_INPLACE(bitwise_or, BitwiseOr, bitwise_or)
EMBER_BINARY_INPLACE(bitwise_xor, BitwiseXor, bitwise_xor)

EMBER_BINARY_INPLACE(hypot, Hypot, hypot)
EMBER_BINARY_INPLACE(xlogy, Xlogy, xlogy)
EMBER_BINARY_INPLACE(copysign, Copysign, copysign)
EMBER_BINARY_INPLACE(nextafter, NextAfter, nextafter)
EMBER_BINARY_INPLACE(igamma, Igamma, igamma)
EMBER_BINARY_INPLACE(igammac, Igammac, igammac)
EMBER_BINARY_INPLACE(gcd, Gcd, gcd)
EMBER_BINARY_INPLACE(lcm, Lcm, lcm)
EMBER_BINARY_INPLACE(bitwise_left_shift, LeftShift, bitwise_left_shift)
EMBER_BINARY_INPLACE(bitwise_right_shift, RightShift, bitwise_right_shift)
EMBER_BINARY_INPLACE(heaviside, Heaviside, heaviside)
#undef EMBER_BINARY_INPLACE

// self = op(self, other) for a comparison or logical op: the bool result in self's dtype.
template <typename Fn>
static Tensor& comparison_(Tensor& self, const Tensor& other, BinaryOp op, const char* name, const char* node,
                           const Fn& fn) {
  Types types = binary_types(op, self, other, name);
  return inplace(self, name, types.out, {other}, [&] {
    // self is bool here; only a comparison of bools can run on it directly.
    if (types.compute == DType::Bool)
      binary_kernel(self.device(), op, self, self, operand(other, DType::Bool, self.sizes()));
    else
      copy_kernel(self.device(), self, fn(self, other));
  }, [&](const Tensor& s) {
    // As in PyTorch, self keeps a history through the write, with a zero gradient.
    return record_binary(node, s, other, to_dtype(fn(s, other), s.dtype()), kSaveNone,
                         [](const Tensor& g, const Tensor&, const Tensor&, const Tensor&, bool, bool) {
                           return GradPair(zero_grad(g), zero_grad(g));
                         });
  });
}

#define EMBER_COMPARISON_INPLACE(name, Op, Node)                                                  \
  Tensor& name##_(Tensor& self, const Tensor& other) {                                           \
    return comparison_(self, other, BinaryOp::Op, #name "_", Node,                               \
                       [](const Tensor& a, const Tensor& b) { return name(a, b); });             \
  }
EMBER_COMPARISON_INPLACE(eq, Eq, "EqBackward0")
EMBER_COMPARISON_INPLACE(ne, Ne, "NeBackward0")
EMBER_COMPARISON_INPLACE(lt, Lt, "LtBackward0")
EMBER_COMPARISON_INPLACE(le, Le, "LeBackward0")
EMBER_COMPARISON_INPLACE(gt, Gt, "GtBackward0")
EMBER_COMPARISON_INPLACE(ge, Ge, "GeBackward0")
EMBER_COMPARISON_INPLACE(logical_and, LogicalAnd, "LogicalAndBackward0")
EMBER_COMPARISON_INPLACE(logical_or, LogicalOr, "LogicalOrBackward0")
EMBER_COMPARISON_INPLACE(logical_xor, LogicalXor, "LogicalXorBackward0")
#undef EMBER_COMPARISON_INPLACE

Tensor& ldexp_(Tensor& self, const Tensor& other) { return mul_(self, exp2(other)); }

static void check_float_power_(const Tensor& self) {
  EMBER_CHECK(self.dtype() == DType::Float64, "the base given to float_power_ has dtype ", dtype_name(self.dtype()),
              " but the operation's result requires dtype float64");
}
Tensor& float_power_(Tensor& self, const Tensor& exponent) {
  check_float_power_(self);
  return pow_(self, to_dtype(exponent, DType::Float64));
}
Tensor& float_power_(Tensor& self, const Scalar& exponent) {
  check_float_power_(self);
  return pow_(self, exponent);
}

Tensor& polygamma_(Tensor& self, int64_t n) {
  check_polygamma_order(n);
  return unary_inplace(self, UnaryOp::Polygamma, UnaryArgs{double(n)});
}

Tensor& mvlgamma_(Tensor& self, int64_t p) {
  return inplace(self, "mvlgamma_", float_type(self.dtype()), {},
                 [&] { copy_kernel(self.device(), self, mvlgamma(self, p)); },
                 [&](const Tensor& s) { return mvlgamma(s, p); });
}

Tensor& div_(Tensor& self, const Tensor& other, const std::string& rounding_mode) {
  BinaryOp op = rounding_op(rounding_mode);
  return binary_(self, other, op, "div_", [&](const Tensor& a, const Tensor& b) { return div(a, b, rounding_mode); });
}

Tensor& pow_(Tensor& self, const Scalar& exponent) {
  DType t = result_type(self, exponent);
  check_pow_scalar(t, exponent);
  Tensor e = wrap_scalar(exponent, t, self.device());
  return binary_(self, e, BinaryOp::Pow, "pow_", [&](const Tensor& a, const Tensor&) { return pow(a, exponent); });
}

Tensor& clamp_(Tensor& self, const Tensor& min, const Tensor& max) {
  EMBER_CHECK(min.defined() || max.defined(), "torch.clamp: At least one of 'min' or 'max' must not be None");
  DType result = result_type({self, min, max});
  return inplace(self, "clamp_", result, {min, max}, [&] {
    DType t = self.dtype();
    if (min.defined() && max.defined())
      ternary_kernel(self.device(), TernaryOp::Clamp, self, self, operand(min, t, self.sizes()), operand(max, t, self.sizes()));
    else if (min.defined())
      binary_kernel(self.device(), BinaryOp::Maximum, self, self, operand(min, t, self.sizes()));
    else
      binary_kernel(self.device(), BinaryOp::Minimum, self, self, operand(max, t, self.sizes()));
  }, [&](const Tensor& s) { return clamp(s, min, max); });
}

Tensor& lerp_(Tensor& self, const Tensor& end, const Tensor& weight) {
  check_lerp(self, end, weight);
  return inplace(self, "lerp_", self.dtype(), {end, weight}, [&] {
    ternary_kernel(self.device(), TernaryOp::Lerp, self, self, operand(end, self.dtype(), self.sizes()),
                   operand(weight, self.dtype(), self.sizes()));
  }, [&](const Tensor& s) { return lerp(s, end, weight); });
}

Tensor& addcmul_(Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  return add_(self, mul(mul(t1, t2), value));
}
Tensor& addcdiv_(Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  check_addcdiv(t1, t2);
  return add_(self, mul(div(t1, t2), value));
}

/// The out-of-place op of each unary op, for the recording path of unary_inplace.
static Tensor unary_out_of_place(UnaryOp op, const Tensor& a, const UnaryArgs& args) {
  switch (op) {
    case UnaryOp::Neg: return neg(a);
    case UnaryOp::Exp: return exp(a);
    case UnaryOp::Exp2: return exp2(a);
    case UnaryOp::Log: return log(a);
    case UnaryOp::Log2: return log2(a);
    case UnaryOp::Log10: return log10(a);
    case UnaryOp::Log1p: return log1p(a);
    case UnaryOp::Expm1: return expm1(a);
    case UnaryOp::Sqrt: return sqrt(a);
    case UnaryOp::Rsqrt: return rsqrt(a);
    case UnaryOp::Abs: return abs(a);
    case UnaryOp::Sign: return sign(a);
    case UnaryOp::Sin: return sin(a);
    case UnaryOp::Cos: return cos(a);
    case UnaryOp::Tan: return tan(a);
    case UnaryOp::Asin: return asin(a);
    case UnaryOp::Acos: return acos(a);
    case UnaryOp::Atan: return atan(a);
    case UnaryOp::Sinh: return sinh(a);
    case UnaryOp::Cosh: return cosh(a);
    case UnaryOp::Tanh: return tanh(a);
    case UnaryOp::Sigmoid: return sigmoid(a);
    case UnaryOp::Relu: return relu(a);
    case UnaryOp::Gelu: return gelu(a, "none");
    case UnaryOp::GeluTanh: return gelu(a, "tanh");
    case UnaryOp::Silu: return silu(a);
    case UnaryOp::Softplus: return softplus(a, args.a, args.b);
    case UnaryOp::Erf: return erf(a);
    case UnaryOp::Erfc: return erfc(a);
    case UnaryOp::Erfinv: return erfinv(a);
    case UnaryOp::Floor: return floor(a);
    case UnaryOp::Ceil: return ceil(a);
    case UnaryOp::Round: return round(a, static_cast<int64_t>(args.a));
    case UnaryOp::Trunc: return trunc(a);
    case UnaryOp::Frac: return frac(a);
    case UnaryOp::Reciprocal: return reciprocal(a);
    case UnaryOp::Square: return square(a);
    case UnaryOp::NanToNum: return nan_to_num(a, args.a, args.b, args.c);
    case UnaryOp::BitwiseNot: return bitwise_not(a);
    case UnaryOp::LogicalNot: return logical_not(a);
    case UnaryOp::IsNan: return isnan(a);
    case UnaryOp::IsInf: return isinf(a);
    case UnaryOp::IsFinite: return isfinite(a);
    case UnaryOp::Asinh: return asinh(a);
    case UnaryOp::Acosh: return acosh(a);
    case UnaryOp::Atanh: return atanh(a);
    case UnaryOp::Lgamma: return lgamma(a);
    case UnaryOp::Digamma: return digamma(a);
    case UnaryOp::Polygamma: return polygamma(static_cast<int64_t>(args.a), a);
    case UnaryOp::I0: return i0(a);
    case UnaryOp::I0e: return i0e(a);
    case UnaryOp::I1: return i1(a);
    case UnaryOp::I1e: return i1e(a);
    case UnaryOp::Sinc: return sinc(a);
    case UnaryOp::Logit: return logit(a, args.a < 0 ? std::nullopt : std::optional<double>(args.a));
    case UnaryOp::Erfcx: return erfcx(a);
    case UnaryOp::Ndtr: return ndtr(a);
    case UnaryOp::Ndtri: return ndtri(a);
    case UnaryOp::LogNdtr: return log_ndtr(a);
    case UnaryOp::Entr: return entr(a);
    case UnaryOp::Angle: return angle(a);
    case UnaryOp::FrexpMantissa: return frexp(a).first;
    case UnaryOp::FrexpExponent: return frexp(a).second;
    case UnaryOp::Signbit: return signbit(a);
    case UnaryOp::IsPosInf: return isposinf(a);
    case UnaryOp::IsNegInf: return isneginf(a);
    case UnaryOp::BesselJ0: return bessel_j0(a);
    case UnaryOp::BesselJ1: return bessel_j1(a);
    case UnaryOp::BesselY0: return bessel_y0(a);
    case UnaryOp::BesselY1: return bessel_y1(a);
    case UnaryOp::BesselK0: return modified_bessel_k0(a);
    case UnaryOp::BesselK1: return modified_bessel_k1(a);
    case UnaryOp::BesselK0e: return scaled_modified_bessel_k0(a);
    case UnaryOp::BesselK1e: return scaled_modified_bessel_k1(a);
    case UnaryOp::SphericalBesselJ0: return spherical_bessel_j0(a);
    case UnaryOp::AiryAi: return airy_ai(a);
  }
  return Tensor();
}

Tensor& unary_inplace(Tensor& self, UnaryOp op, const UnaryArgs& args) {
  const char* name = unary_name(op);
  Types types = unary_types(op, self.dtype(), name);
  if (op == UnaryOp::Round && args.a != 0) check_dtype(is_floating(self.dtype()), name, self.dtype());
  return inplace(self, name, types.out, {}, [&] {
    if (types.compute == self.dtype() && types.out == self.dtype()) unary_kernel(self.device(), op, self, self, args);
    else copy_kernel(self.device(), self, unary_out_of_place(op, self, args));
  }, [&](const Tensor& s) { return unary_out_of_place(op, s, args); });
}

}  // namespace ember
