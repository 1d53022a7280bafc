#pragma once
// Sizes and strides. Note [Strides are in elements]: every stride in ember counts elements, not
// bytes; kernels multiply by itemsize where they need bytes.
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <vector>

#include "core/error.h"

namespace ember {

/// Most tensors have few dims; keeping them inline saves two heap allocations per tensor.
constexpr int kMaxDims = 16;

/// A small fixed-capacity vector of int64 used for sizes, strides and dim lists.
class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> v) { assign(v.begin(), v.end()); }
  explicit Shape(const std::vector<int64_t>& v) { assign(v.begin(), v.end()); }
  template <typename It>
  Shape(It first, It last) { assign(first, last); }
  /// n copies of value.
  static Shape filled(int n, int64_t value) {
    Shape s;
    for (int i = 0; i < n; ++i) s.push_back(value);
    return s;
  }

  int size() const { return n_; }
  bool empty() const { return n_ == 0; }
  int64_t operator[](int i) const { return d_[i]; }
  int64_t& operator[](int i) { return d_[i]; }
  const int64_t* begin() const { return d_; }
  const int64_t* end() const { return d_ + n_; }
  int64_t* begin() { return d_; }
  int64_t* end() { return d_ + n_; }
  const int64_t* data() const { return d_; }
  int64_t back() const { return d_[n_ - 1]; }
  void push_back(int64_t v) {
    EMBER_CHECK(n_ < kMaxDims, "ember supports at most ", kMaxDims, " dimensions");
    d_[n_++] = v;
  }
  void pop_back() { --n_; }
  void insert(int pos, int64_t v) {
    push_back(0);
    for (int i = n_ - 1; i > pos; --i) d_[i] = d_[i - 1];
    d_[pos] = v;
  }
  void erase(int pos) {
    for (int i = pos; i + 1 < n_; ++i) d_[i] = d_[i + 1];
    --n_;
  }
  void resize(int n, int64_t fill = 0) {
    EMBER_CHECK(n <= kMaxDims, "ember supports at most ", kMaxDims, " dimensions");
    for (int i = n_; i < n; ++i) d_[i] = fill;
    n_ = static_cast<int8_t>(n);
  }
  std::vector<int64_t> vec() const { return {begin(), end()}; }
  bool operator==(const Shape& o) const {
    if (n_ != o.n_) return false;
    for (int i = 0; i < n_; ++i)
      if (d_[i] != o.d_[i]) return false;
    return true;
  }
  bool operator!=(const Shape& o) const { return !(*this == o); }

 private:
  template <typename It>
  void assign(It first, It last) {
    for (; first != last; ++first) push_back(static_cast<int64_t>(*first));
  }
  int64_t d_[kMaxDims];
  int8_t n_ = 0;
};

/// Prints like PyTorch's sizes: [2, 3].
std::ostream& operator<<(std::ostream& os, const Shape& s);

/// Product of sizes (1 for a 0-d shape).
int64_t numel_of(const Shape& sizes);
/// Row-major strides for `sizes`.
Shape contiguous_strides(const Shape& sizes);
/// The shape two operands broadcast to, or a RuntimeError naming `op` and both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
/// Wraps a possibly negative dim into [0, ndim); IndexError when out of range.
int wrap_dim(int64_t dim, int ndim);
/// Wraps and checks a list of dims; a repeated dim is a RuntimeError. Returns a bitmask.
uint32_t dim_mask(const Shape& dims, int ndim, const char* op);

}  // namespace ember
