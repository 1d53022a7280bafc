// CPU kernels of the unary and binary families: one switch per call picks the functor, the
// shared loop in loops.h does the rest.
#include "cpu/functors.h"
#include "cpu/loops.h"
#include "ops/elementwise.h"

namespace ember::cpu {
namespace {

template <typename Op>
void unary_typed(const Tensor& out, const Tensor& in) {
  StridedLoop loop{out, in};
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    elementwise_loop<T, T>(loop, Op{});
  });
}

void unary_cpu(UnaryOp op, const Tensor& out, const Tensor& in) {
  switch (op) {
    case UnaryOp::Neg: return unary_typed<NegOp>(out, in);
    case UnaryOp::Exp: return unary_typed<ExpOp>(out, in);
    case UnaryOp::Log: return unary_typed<LogOp>(out, in);
    case UnaryOp::Sqrt: return unary_typed<SqrtOp>(out, in);
    case UnaryOp::Abs: return unary_typed<AbsOp>(out, in);
    case UnaryOp::Tanh: return unary_typed<TanhOp>(out, in);
    case UnaryOp::Sigmoid: return unary_typed<SigmoidOp>(out, in);
    case UnaryOp::Relu: return unary_typed<ReluOp>(out, in);
  }
}

// Arithmetic: output has the input type.
template <typename Op>
void arithmetic(const Tensor& out, const Tensor& a, const Tensor& b) {
  StridedLoop loop{out, a, b};
  dispatch_all(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    elementwise_loop<T, T, T>(loop, Op{});
  });
}

// Comparisons: bool output.
template <typename Op>
void comparison(const Tensor& out, const Tensor& a, const Tensor& b) {
  StridedLoop loop{out, a, b};
  dispatch_all(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    elementwise_loop<bool, T, T>(loop, Op{});
  });
}

void binary_cpu(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  switch (op) {
    case BinaryOp::Add: return arithmetic<AddOp>(out, a, b);
    case BinaryOp::Sub: return arithmetic<SubOp>(out, a, b);
    case BinaryOp::Mul: return arithmetic<MulOp>(out, a, b);
    case BinaryOp::Div: return arithmetic<DivOp>(out, a, b);
    case BinaryOp::Eq: return comparison<EqOp>(out, a, b);
    case BinaryOp::Ne: return comparison<NeOp>(out, a, b);
    case BinaryOp::Lt: return comparison<LtOp>(out, a, b);
    case BinaryOp::Le: return comparison<LeOp>(out, a, b);
    case BinaryOp::Gt: return comparison<GtOp>(out, a, b);
    case BinaryOp::Ge: return comparison<GeOp>(out, a, b);
  }
}

}  // namespace

EMBER_REGISTER_KERNEL(unary_kernel, CPU, &unary_cpu);
EMBER_REGISTER_KERNEL(binary_kernel, CPU, &binary_cpu);

}  // namespace ember::cpu
