#include "ops/elementwise.h"

#include <optional>

#include "autograd/inplace.h"
#include "autograd/node.h"
#include "ops/copy.h"
#include "ops/factory.h"
#include "ops/reduce.h"
#include "ops/view.h"

namespace ember {

EMBER_DEFINE_KERNEL(unary_kernel, void(UnaryOp op, const Tensor& out, const Tensor& in));
EMBER_DEFINE_KERNEL(binary_kernel,
                    void(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b));

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

// ---- the shared forward of each family ---------------------------------------------------------

static void check_same_device(const Tensor& a, const Tensor& b, const char* op) {
  EMBER_CHECK(a.device() == b.device() || b->wrapped_number || a->wrapped_number, "[", op,
              "] Expected all tensors to be on the same device, but found at least two devices, ",
              a.device().str(), " and ", b.device().str(), "!");
}

/// out = op(a, b) computed in `compute` and stored as `out_dtype`.
static Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, DType compute, DType out_dtype,
                     const char* name) {
  check_same_device(a, b, name);
  Shape shape = a.sizes() == b.sizes() ? a.sizes() : broadcast_shapes(a.sizes(), b.sizes(), name);
  Device device = a->wrapped_number ? b.device() : a.device();
  Tensor out = empty(shape, out_dtype, device);
  binary_kernel(device, op, out, expand_raw(to_dtype(a, compute), shape),
                expand_raw(to_dtype(b, compute), shape));
  return out;
}

static Tensor unary(UnaryOp op, const Tensor& a, DType compute) {
  Tensor in = to_dtype(a, compute);
  Tensor out = empty(a.sizes(), compute, a.device());
  unary_kernel(a.device(), op, out, in);
  return out;
}

/// The dtype a floating-only op computes in: integers and bools go to the default float.
static DType float_type(DType t) { return is_floating(t) ? t : default_dtype(); }

// The gradient of a broadcast operand: summed to its shape, in its dtype.
static Tensor reduce_grad(const Tensor& g, const Shape& sizes, DType dtype) {
  return to_dtype(sum_to(g, sizes), dtype);
}

Tensor sum_to(const Tensor& grad, const Shape& sizes) {
  if (grad.sizes() == sizes) return grad;
  int lead = grad.dim() - sizes.size();
  Shape dims;
  for (int i = 0; i < grad.dim(); ++i)
    if (i < lead || (sizes[i - lead] == 1 && grad.sizes()[i] != 1)) dims.push_back(i);
  Tensor r = dims.empty() ? grad : sum(grad, dims, /*keepdim=*/true);
  return lead > 0 || r.sizes() != sizes ? reshape(r, sizes) : r;
}

// ---- arithmetic ------------------------------------------------------------------------------

// What a backward needs of an operand it does not save: where its gradient must end up.
struct OperandMeta {
  Shape sizes;
  DType dtype;
};

Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  if (alpha.to_double() != 1.0) return add(a, mul(b, alpha));
  DType t = result_type(a, b);
  Tensor out = binary(BinaryOp::Add, a, b, t, t, "add");
  if (should_record({&a, &b})) {
    OperandMeta ma{a.sizes(), a.dtype()}, mb{b.sizes(), b.dtype()};
    record("AddBackward0", {a, b}, out, {}, [ma, mb](const TensorList& g, const TensorList&) {
      return TensorList{reduce_grad(g[0], ma.sizes, ma.dtype), reduce_grad(g[0], mb.sizes, mb.dtype)};
    });
  }
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  EMBER_CHECK(a.dtype() != DType::Bool || b.dtype() != DType::Bool,
              "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
              "`logical_xor()` operator instead.");
  if (alpha.to_double() != 1.0) return sub(a, mul(b, alpha));
  DType t = result_type(a, b);
  Tensor out = binary(BinaryOp::Sub, a, b, t, t, "sub");
  if (should_record({&a, &b})) {
    OperandMeta ma{a.sizes(), a.dtype()}, mb{b.sizes(), b.dtype()};
    record("SubBackward0", {a, b}, out, {}, [ma, mb](const TensorList& g, const TensorList&) {
      return TensorList{reduce_grad(g[0], ma.sizes, ma.dtype), reduce_grad(neg(g[0]), mb.sizes, mb.dtype)};
    });
  }
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  DType t = result_type(a, b);
  Tensor out = binary(BinaryOp::Mul, a, b, t, t, "mul");
  if (should_record({&a, &b})) {
    OperandMeta ma{a.sizes(), a.dtype()}, mb{b.sizes(), b.dtype()};
    bool need_a = b.requires_grad(), need_b = a.requires_grad();
    record("MulBackward0", {a, b}, out, {need_a ? save(a) : SavedTensor(), need_b ? save(b) : SavedTensor()},
           [ma, mb](const TensorList& g, const TensorList& s) {
             return TensorList{s[1].defined() ? reduce_grad(mul(g[0], s[1]), ma.sizes, ma.dtype) : Tensor(),
                               s[0].defined() ? reduce_grad(mul(g[0], s[0]), mb.sizes, mb.dtype) : Tensor()};
           });
  }
  return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
  DType t = float_type(result_type(a, b));
  Tensor out = binary(BinaryOp::Div, a, b, t, t, "div");
  if (should_record({&a, &b})) {
    OperandMeta ma{a.sizes(), a.dtype()}, mb{b.sizes(), b.dtype()};
    record("DivBackward0", {a, b}, out, {save(a), save(b)},
           [ma, mb](const TensorList& g, const TensorList& s) {
             Tensor ga = div(g[0], s[1]);
             Tensor gb = neg(mul(ga, div(s[0], s[1])));
             return TensorList{reduce_grad(ga, ma.sizes, ma.dtype), reduce_grad(gb, mb.sizes, mb.dtype)};
           });
  }
  return out;
}

Tensor add(const Tensor& a, const Scalar& b) { return add(a, wrap_scalar(b, result_type(a, b), a.device())); }
Tensor sub(const Tensor& a, const Scalar& b) { return sub(a, wrap_scalar(b, result_type(a, b), a.device())); }
Tensor rsub(const Tensor& a, const Scalar& b) { return sub(wrap_scalar(b, result_type(a, b), a.device()), a); }
Tensor mul(const Tensor& a, const Scalar& b) { return mul(a, wrap_scalar(b, result_type(a, b), a.device())); }
Tensor div(const Tensor& a, const Scalar& b) { return div(a, wrap_scalar(b, result_type(a, b), a.device())); }
Tensor rdiv(const Tensor& a, const Scalar& b) { return div(wrap_scalar(b, result_type(a, b), a.device()), a); }

// ---- comparisons -----------------------------------------------------------------------------

#define EMBER_COMPARISON(name, Op)                                                   \
  Tensor name(const Tensor& a, const Tensor& b) {                                    \
    return binary(BinaryOp::Op, a, b, result_type(a, b), DType::Bool, #name);        \
  }
EMBER_COMPARISON(eq, Eq)
EMBER_COMPARISON(ne, Ne)
EMBER_COMPARISON(lt, Lt)
EMBER_COMPARISON(le, Le)
EMBER_COMPARISON(gt, Gt)
EMBER_COMPARISON(ge, Ge)
#undef EMBER_COMPARISON

// ---- unary -----------------------------------------------------------------------------------

Tensor neg(const Tensor& a) {
  EMBER_CHECK(a.dtype() != DType::Bool, "Negation, the `-` operator, on a bool tensor is not "
              "supported. If you are trying to invert a mask, use the `~` or `logical_not()` "
              "operator instead.");
  Tensor out = unary(UnaryOp::Neg, a, a.dtype());
  if (should_record({&a}))
    record("NegBackward0", {a}, out, {}, [](const TensorList& g, const TensorList&) {
      return TensorList{neg(g[0])};
    });
  return out;
}

Tensor exp(const Tensor& a) {
  Tensor out = unary(UnaryOp::Exp, a, float_type(a.dtype()));
  if (should_record({&a}))
    record("ExpBackward0", {a}, out, {save_output(out)}, [](const TensorList& g, const TensorList& s) {
      return TensorList{mul(g[0], s[0])};
    });
  return out;
}

Tensor log(const Tensor& a) {
  Tensor out = unary(UnaryOp::Log, a, float_type(a.dtype()));
  if (should_record({&a}))
    record("LogBackward0", {a}, out, {save(a)}, [](const TensorList& g, const TensorList& s) {
      return TensorList{div(g[0], s[0])};
    });
  return out;
}

Tensor sqrt(const Tensor& a) {
  Tensor out = unary(UnaryOp::Sqrt, a, float_type(a.dtype()));
  if (should_record({&a}))
    record("SqrtBackward0", {a}, out, {save_output(out)}, [](const TensorList& g, const TensorList& s) {
      return TensorList{div(g[0], mul(s[0], 2))};
    });
  return out;
}

Tensor abs(const Tensor& a) {
  Tensor out = unary(UnaryOp::Abs, a, a.dtype());
  if (should_record({&a}))
    record("AbsBackward0", {a}, out, {save(a)}, [](const TensorList& g, const TensorList& s) {
      Tensor sign = sub(to_dtype(gt(s[0], zeros_like(s[0])), g[0].dtype()),
                        to_dtype(lt(s[0], zeros_like(s[0])), g[0].dtype()));
      return TensorList{mul(g[0], sign)};
    });
  return out;
}

Tensor tanh(const Tensor& a) {
  Tensor out = unary(UnaryOp::Tanh, a, float_type(a.dtype()));
  if (should_record({&a}))
    record("TanhBackward0", {a}, out, {save_output(out)}, [](const TensorList& g, const TensorList& s) {
      return TensorList{mul(g[0], rsub(mul(s[0], s[0]), 1))};
    });
  return out;
}

Tensor sigmoid(const Tensor& a) {
  Tensor out = unary(UnaryOp::Sigmoid, a, float_type(a.dtype()));
  if (should_record({&a}))
    record("SigmoidBackward0", {a}, out, {save_output(out)}, [](const TensorList& g, const TensorList& s) {
      return TensorList{mul(g[0], mul(s[0], rsub(s[0], 1)))};
    });
  return out;
}

Tensor relu(const Tensor& a) {
  Tensor out = unary(UnaryOp::Relu, a, a.dtype());
  if (should_record({&a}))
    record("ReluBackward0", {a}, out, {save_output(out)}, [](const TensorList& g, const TensorList& s) {
      return TensorList{mul(g[0], to_dtype(gt(s[0], zeros_like(s[0])), g[0].dtype()))};
    });
  return out;
}

// ---- in-place ----------------------------------------------------------------------------------

// self = op(self, other). Without autograd the kernel writes straight into self. When recording,
// the out-of-place op runs on a clone of self (so what it saves is not the memory about to be
// overwritten), and its node becomes self's new history, as PyTorch "rebases" it.
static Tensor& inplace(Tensor& self, const Tensor& other, BinaryOp op, const char* name,
                       Tensor (*out_of_place)(const Tensor&, const Tensor&)) {
  check_inplace(self, name);
  DType t = op == BinaryOp::Div ? float_type(result_type(self, other)) : result_type(self, other);
  EMBER_CHECK(category(t) <= category(self.dtype()), "result type ", dtype_name(t),
              " can't be cast to the desired output type ", dtype_name(self.dtype()));
  if (self.sizes() != other.sizes())
    EMBER_CHECK(broadcast_shapes(self.sizes(), other.sizes(), name) == self.sizes(),
                "output with shape ", self.sizes(), " doesn't match the broadcast shape ",
                broadcast_shapes(self.sizes(), other.sizes(), name));
  check_same_device(self, other, name);
  if (!should_record({&self, &other})) {
    binary_kernel(self.device(), op, self, self, expand_raw(to_dtype(other, self.dtype()), self.sizes()));
    self.bump_version();
    return self;
  }
  Tensor result = out_of_place(clone(self), other);
  copy_kernel(self.device(), self, result);
  self.bump_version();
  rebase_history(self, result.grad_fn());
  return self;
}

Tensor& add_(Tensor& self, const Tensor& other, const Scalar& alpha) {
  Tensor scaled = alpha.to_double() == 1.0 ? other : mul(other, alpha);
  return inplace(self, scaled, BinaryOp::Add, "add_", [](const Tensor& a, const Tensor& b) { return add(a, b); });
}
Tensor& sub_(Tensor& self, const Tensor& other, const Scalar& alpha) {
  Tensor scaled = alpha.to_double() == 1.0 ? other : mul(other, alpha);
  return inplace(self, scaled, BinaryOp::Sub, "sub_", [](const Tensor& a, const Tensor& b) { return sub(a, b); });
}
Tensor& mul_(Tensor& self, const Tensor& other) {
  return inplace(self, other, BinaryOp::Mul, "mul_", [](const Tensor& a, const Tensor& b) { return mul(a, b); });
}
Tensor& div_(Tensor& self, const Tensor& other) {
  return inplace(self, other, BinaryOp::Div, "div_", [](const Tensor& a, const Tensor& b) { return div(a, b); });
}

}  // namespace ember
