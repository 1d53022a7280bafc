// Views: geometry (sizes, strides, offset, contiguity) and storage sharing, checked against the
// values PyTorch gives for the same calls. See Note [Strides are in elements].
#include <gtest/gtest.h>

#include "ops/ops.h"

namespace ember {
namespace {

// A contiguous float32 tensor holding 0, 1, 2, ... so views can be checked by value too.
Tensor iota(const Shape& sizes) {
  Tensor t = empty(sizes, DType::Float32);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(i);
  return t;
}

// The element at multi-index idx, read through the view's own strides and offset.
float at(const Tensor& t, std::initializer_list<int64_t> idx) {
  int64_t off = 0;
  int d = 0;
  for (int64_t i : idx) off += i * t.strides()[d++];
  return t.data<float>()[off];
}

TEST(Views, ContiguousStridesAreRowMajor) {
  Tensor t = iota({2, 3, 4});
  EXPECT_EQ(t.strides(), Shape({12, 4, 1}));
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(contiguous_strides({}), Shape());
  // A size-1 dim takes the stride of the dim inside it, as in PyTorch.
  EXPECT_EQ(contiguous_strides({3, 1, 4}), Shape({4, 4, 1}));
}

TEST(Views, TransposeSwapsStridesAndSharesStorage) {
  Tensor t = iota({2, 3});
  Tensor tt = transpose(t, 0, 1);
  EXPECT_EQ(tt.sizes(), Shape({3, 2}));
  EXPECT_EQ(tt.strides(), Shape({1, 3}));
  EXPECT_FALSE(tt.is_contiguous());
  EXPECT_EQ(tt.storage().get(), t.storage().get());
  EXPECT_EQ(at(tt, {2, 1}), 5.0f);
  // The version counter lives on the shared storage.
  uint64_t v = t.version();
  tt.bump_version();
  EXPECT_EQ(t.version(), v + 1);
}

TEST(Views, SizeOneDimsDoNotBreakContiguity) {
  Tensor t = iota({3, 1, 4});
  Tensor odd = as_strided(t, {3, 1, 4}, {4, 99, 1});
  EXPECT_TRUE(odd.is_contiguous());
}

TEST(Views, EmptyTensorsAreContiguous) {
  // PyTorch: torch.empty(0, 3).t().is_contiguous() is True; there is no element to be out of order.
  Tensor t = iota({0, 3});
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_TRUE(transpose(t, 0, 1).is_contiguous());
}

TEST(Views, SliceSelectNarrowMoveTheOffset) {
  Tensor t = iota({4, 6});
  Tensor s = slice(t, 1, 1, 6, 2);  // t[:, 1::2]
  EXPECT_EQ(s.sizes(), Shape({4, 3}));
  EXPECT_EQ(s.strides(), Shape({6, 2}));
  EXPECT_EQ(s.storage_offset(), 1);
  EXPECT_FALSE(s.is_contiguous());
  EXPECT_EQ(at(s, {2, 1}), 15.0f);

  Tensor r = select(t, 0, -1);  // t[-1]
  EXPECT_EQ(r.sizes(), Shape({6}));
  EXPECT_EQ(r.strides(), Shape({1}));
  EXPECT_EQ(r.storage_offset(), 18);
  EXPECT_TRUE(r.is_contiguous());

  Tensor n = narrow(t, 0, 1, 2);
  EXPECT_EQ(n.sizes(), Shape({2, 6}));
  EXPECT_EQ(n.storage_offset(), 6);
  EXPECT_TRUE(n.is_contiguous());

  Tensor clamped = slice(t, 0, -100, 100, 1);  // Python slice bounds clamp
  EXPECT_EQ(clamped.sizes(), t.sizes());
  EXPECT_EQ(slice(t, 0, 3, 1, 1).sizes(), Shape({0, 6}));
  EXPECT_THROW(select(t, 1, 6), IndexError);
  EXPECT_THROW(slice(t, 0, 0, 4, 0), ValueError);
}

TEST(Views, UnsqueezeSqueezeStrides) {
  Tensor t = iota({2, 3});
  EXPECT_EQ(unsqueeze(t, 0).strides(), Shape({6, 3, 1}));
  EXPECT_EQ(unsqueeze(t, 2).strides(), Shape({3, 1, 1}));
  EXPECT_EQ(unsqueeze(t, -1).sizes(), Shape({2, 3, 1}));
  EXPECT_EQ(squeeze(unsqueeze(t, 1)).sizes(), Shape({2, 3}));
  EXPECT_THROW(unsqueeze(t, 3), IndexError);
}

// view() succeeds exactly when the new shape can be expressed with strides over the same memory.
TEST(Views, ViewOfContiguousTensor) {
  Tensor t = iota({2, 3, 4});
  EXPECT_EQ(view(t, {6, 4}).strides(), Shape({4, 1}));
  EXPECT_EQ(view(t, {24}).strides(), Shape({1}));
  Tensor inferred = view(t, {4, -1});
  EXPECT_EQ(inferred.sizes(), Shape({4, 6}));
  EXPECT_EQ(inferred.storage().get(), t.storage().get());
  EXPECT_THROW(view(t, {5, -1}), RuntimeError);
  EXPECT_THROW(view(t, {-1, -1}), RuntimeError);
}

TEST(Views, ViewOfPermutedTensorMergesOnlyAdjacentMemory) {
  Tensor p = permute(iota({2, 3, 4}), {2, 0, 1});  // sizes [4, 2, 3], strides [1, 12, 4]
  ASSERT_EQ(p.strides(), Shape({1, 12, 4}));
  EXPECT_EQ(view(p, {4, 6}).strides(), Shape({1, 4}));      // dims 1, 2 are one block
  EXPECT_EQ(view(p, {2, 2, 6}).strides(), Shape({2, 1, 4}));  // dim 0 splits
  EXPECT_THROW(view(p, {24}), RuntimeError);
  try {
    view(transpose(iota({2, 3}), 0, 1), {6});
    FAIL() << "viewing a transposed matrix as a vector must fail";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("Use .reshape(...) instead"), std::string::npos);
  }
}

TEST(Views, ViewOfSlicedAndExpandedTensors) {
  Tensor cols = slice(iota({4, 6}), 1, 0, 3, 1);  // sizes [4, 3], strides [6, 1]
  EXPECT_EQ(view(cols, {2, 2, 3}).strides(), Shape({12, 6, 1}));
  EXPECT_EQ(view(cols, {4, 3, 1}).sizes(), Shape({4, 3, 1}));
  EXPECT_THROW(view(cols, {12}), RuntimeError);

  Tensor e = expand(iota({1, 3}), {4, 3});
  EXPECT_EQ(view(e, {2, 2, 3}).strides(), Shape({0, 0, 1}));

  // One element or none: any shape of that size is a view.
  EXPECT_EQ(view(iota({1, 1}), {}).sizes(), Shape());
  EXPECT_EQ(view(iota({}), {1, 1}).strides(), Shape({1, 1}));
  EXPECT_EQ(view(iota({0, 3}), {3, 0}).sizes(), Shape({3, 0}));
}

TEST(Views, ReshapeCopiesOnlyWhenViewCannot) {
  Tensor t = iota({2, 3});
  EXPECT_EQ(reshape(t, {3, 2}).storage().get(), t.storage().get());
  Tensor tt = transpose(t, 0, 1);
  Tensor flat = reshape(tt, {6});
  EXPECT_NE(flat.storage().get(), t.storage().get());
  EXPECT_TRUE(flat.is_contiguous());
  const float want[] = {0, 3, 1, 4, 2, 5};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(flat.data<float>()[i], want[i]);
}

TEST(Views, ExpandUsesStrideZero) {
  Tensor t = iota({3, 1});
  Tensor e = expand(t, {2, 3, 4});
  EXPECT_EQ(e.sizes(), Shape({2, 3, 4}));
  EXPECT_EQ(e.strides(), Shape({0, 1, 0}));
  EXPECT_FALSE(e.is_contiguous());
  EXPECT_EQ(e.storage().get(), t.storage().get());
  EXPECT_EQ(at(e, {1, 2, 3}), 2.0f);
  EXPECT_EQ(expand(t, {-1, 5}).sizes(), Shape({3, 5}));  // -1 keeps a size
  EXPECT_EQ(expand(t, {3, 1}).strides(), t.strides());
  EXPECT_THROW(expand(t, {4, 4}), RuntimeError);   // 3 is not a singleton
  EXPECT_THROW(expand(t, {4}), RuntimeError);      // fewer sizes than dims
  EXPECT_THROW(expand(t, {-1, 3, 1}), RuntimeError);  // -1 in a new leading dim
}

TEST(Views, AsStridedChecksTheStorageBounds) {
  Tensor t = iota({6});
  Tensor ok = as_strided(t, {2, 3}, {1, 2}, 0);
  EXPECT_EQ(at(ok, {1, 2}), 5.0f);
  EXPECT_EQ(as_strided(t, {2, 2}, {2, 1}, 2).storage_offset(), 2);
  // Overlapping windows are allowed: that is how unfold is built.
  EXPECT_EQ(as_strided(t, {4, 3}, {1, 1}).sizes(), Shape({4, 3}));
  try {
    as_strided(t, {3, 3}, {3, 1});
    FAIL() << "a view past the end of the storage must fail";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("require a storage of at least 9 elements"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(as_strided(t, {2}, {1}, 5), RuntimeError);  // offset 5 + 1 element is past 6
  EXPECT_THROW(as_strided(t, {2, 3}, {1}), RuntimeError);  // stride list too short
  EXPECT_THROW(as_strided(t, {2}, {-1}), RuntimeError);    // negative strides are not views
  // A view with no elements needs no storage at all.
  EXPECT_EQ(as_strided(t, {0, 100}, {100, 1}, 0).numel(), 0);
}

}  // namespace
}  // namespace ember
