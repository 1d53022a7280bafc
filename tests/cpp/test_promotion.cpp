// Type promotion and broadcasting, against the tables PyTorch 2.x gives (torch.promote_types,
// torch.result_type, torch.broadcast_shapes).
#include <gtest/gtest.h>

#include <string>

#include "ops/ops.h"

namespace ember {
namespace {

constexpr DType B = DType::Bool, U8 = DType::UInt8, I32 = DType::Int32, I64 = DType::Int64,
                F32 = DType::Float32, F64 = DType::Float64;
constexpr DType kAll[] = {B, U8, I32, I64, F32, F64};

// A 1-element tensor with dims ([1]) or without (0-d): PyTorch ranks the two differently.
Tensor dimensioned(DType t) { return zeros({1}, t); }
Tensor zero_dim(DType t) { return zeros({}, t); }

// Sets the default dtype for one test and restores it, so tests stay independent.
struct DefaultDTypeGuard {
  explicit DefaultDTypeGuard(DType t) : saved(default_dtype()) { set_default_dtype(t); }
  ~DefaultDTypeGuard() { set_default_dtype(saved); }
  DType saved;
};

TEST(Promotion, PromoteTypesMatchesPyTorchLattice) {
  // torch.promote_types over bool, uint8, int32, int64, float32, float64 (rows = first argument).
  const DType want[6][6] = {
      {B, U8, I32, I64, F32, F64},     {U8, U8, I32, I64, F32, F64},
      {I32, I32, I32, I64, F32, F64},  {I64, I64, I64, I64, F32, F64},
      {F32, F32, F32, F32, F32, F64},  {F64, F64, F64, F64, F64, F64},
  };
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j)
      EXPECT_EQ(promote_types(kAll[i], kAll[j]), want[i][j])
          << dtype_name(kAll[i]) << " with " << dtype_name(kAll[j]);
}

TEST(Promotion, CategoriesAndNames) {
  EXPECT_EQ(category(B), Category::Bool);
  EXPECT_EQ(category(U8), Category::Integer);
  EXPECT_EQ(category(I64), Category::Integer);
  EXPECT_EQ(category(F32), Category::Floating);
  EXPECT_STREQ(dtype_name(U8), "uint8");
  EXPECT_STREQ(dtype_name(F64), "float64");
  EXPECT_EQ(itemsize(B), 1u);
  EXPECT_EQ(itemsize(I32), 4u);
  EXPECT_EQ(itemsize(F64), 8u);
}

TEST(Promotion, ResultTypeOfTwoDimensionedTensorsIsPromoteTypes) {
  for (DType a : kAll)
    for (DType b : kAll) EXPECT_EQ(result_type(dimensioned(a), dimensioned(b)), promote_types(a, b));
}

TEST(Promotion, ZeroDimTensorOnlyWinsWithAHigherCategory) {
  // Same category: the dimensioned operand decides (uint8 stays uint8 next to a 0-d int64).
  EXPECT_EQ(result_type(dimensioned(U8), zero_dim(I64)), U8);
  EXPECT_EQ(result_type(zero_dim(I64), dimensioned(U8)), U8);
  EXPECT_EQ(result_type(dimensioned(F32), zero_dim(F64)), F32);
  // Higher category: the 0-d tensor's own dtype counts (not the default dtype).
  EXPECT_EQ(result_type(dimensioned(I32), zero_dim(F64)), F64);
  EXPECT_EQ(result_type(dimensioned(B), zero_dim(I32)), I32);
  EXPECT_EQ(result_type(dimensioned(F32), zero_dim(I64)), F32);
  // Two 0-d tensors promote normally.
  EXPECT_EQ(result_type(zero_dim(I32), zero_dim(I64)), I64);
}

TEST(Promotion, PythonNumbersPromoteByCategoryOnly) {
  EXPECT_EQ(result_type(dimensioned(U8), Scalar(int64_t{1000})), U8);
  EXPECT_EQ(result_type(dimensioned(B), Scalar(int64_t{2})), I64);
  EXPECT_EQ(result_type(dimensioned(I32), Scalar(true)), I32);
  EXPECT_EQ(result_type(dimensioned(I64), Scalar(2.5)), F32);
  EXPECT_EQ(result_type(dimensioned(F64), Scalar(2.5)), F64);
  EXPECT_EQ(result_type(zero_dim(I32), Scalar(2.5)), F32);
}

TEST(Promotion, WrappedNumbersRankBelowZeroDimTensors) {
  // A wrapped float number promotes as the default dtype whatever dtype it was stored in.
  EXPECT_EQ(result_type(dimensioned(F32), wrap_scalar(2.5, F64)), F32);
  EXPECT_EQ(result_type(dimensioned(I32), wrap_scalar(2.5, F64)), F32);
  EXPECT_EQ(result_type(wrap_scalar(2.5, F64), dimensioned(I32)), F32);
  EXPECT_EQ(result_type(zero_dim(I64), wrap_scalar(int64_t{3}, I64)), I64);
  EXPECT_EQ(result_type(dimensioned(U8), wrap_scalar(int64_t{3}, I64)), U8);
  // The same value as a plain 0-d float64 tensor is not a number: float64 wins over int32.
  EXPECT_EQ(result_type(dimensioned(I32), zero_dim(F64)), F64);
}

TEST(Promotion, DefaultDTypeDecidesFloatNumbers) {
  DefaultDTypeGuard guard(F64);
  EXPECT_EQ(result_type(dimensioned(I32), Scalar(2.5)), F64);
  EXPECT_EQ(result_type(dimensioned(F32), Scalar(2.5)), F32);
  EXPECT_EQ(result_type(dimensioned(I32), wrap_scalar(2.5, F32)), F64);
  EXPECT_THROW(set_default_dtype(I64), TypeError);
}

TEST(Promotion, OpsComputeInTheResultType) {
  EXPECT_EQ(add(dimensioned(U8), zero_dim(I64)).dtype(), U8);
  EXPECT_EQ(mul(dimensioned(I32), Scalar(0.5)).dtype(), F32);
  EXPECT_EQ(div(dimensioned(I64), dimensioned(I64)).dtype(), F32);  // true division
  EXPECT_EQ(lt(dimensioned(F64), dimensioned(I32)).dtype(), B);
}

TEST(Broadcast, ShapesAlignFromTheRight) {
  EXPECT_EQ(broadcast_shapes({2, 1, 4}, {3, 1}, "add"), Shape({2, 3, 4}));
  EXPECT_EQ(broadcast_shapes({}, {5, 2}, "add"), Shape({5, 2}));
  EXPECT_EQ(broadcast_shapes({5, 2}, {}, "add"), Shape({5, 2}));
  EXPECT_EQ(broadcast_shapes({1}, {0}, "add"), Shape({0}));  // 1 stretches to 0
  EXPECT_EQ(broadcast_shapes({4, 1, 3}, {1, 7, 1}, "add"), Shape({4, 7, 3}));
  EXPECT_EQ(add(zeros({3, 1}), zeros({4})).sizes(), Shape({3, 4}));
}

TEST(Broadcast, IncompatibleShapesNameTheOpAndShapes) {
  try {
    broadcast_shapes({2, 3}, {4, 3}, "mul");
    FAIL() << "[2, 3] and [4, 3] do not broadcast";
  } catch (const RuntimeError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("[mul]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[2, 3] and [4, 3]"), std::string::npos) << msg;
  }
  EXPECT_THROW(broadcast_shapes({0}, {2}, "add"), RuntimeError);
  EXPECT_THROW(add(zeros({3}), zeros({2, 2})), RuntimeError);
}

}  // namespace
}  // namespace ember
