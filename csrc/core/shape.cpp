#include "core/shape.h"

namespace ember {

std::ostream& operator<<(std::ostream& os, const Shape& s) {
  os << "[";
  for (int i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  return os << "]";
}

int64_t numel_of(const Shape& sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return n;
}

Shape contiguous_strides(const Shape& sizes) {
  Shape strides = Shape::filled(sizes.size(), 1);
  for (int i = sizes.size() - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * (sizes[i + 1] > 1 ? sizes[i + 1] : 1);
  return strides;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  int n = a.size() > b.size() ? a.size() : b.size();
  Shape out = Shape::filled(n, 1);
  for (int i = 0; i < n; ++i) {
    int ia = a.size() - n + i, ib = b.size() - n + i;
    int64_t sa = ia >= 0 ? a[ia] : 1, sb = ib >= 0 ? b[ib] : 1;
    EMBER_CHECK(sa == sb || sa == 1 || sb == 1, "[", op, "] shapes ", a, " and ", b,
                " cannot be broadcast: size ", sa, " vs ", sb, " at dimension ", i);
    out[i] = sa == 1 ? sb : sa;
  }
  return out;
}

int wrap_dim(int64_t dim, int ndim) {
  int64_t n = ndim == 0 ? 1 : ndim;  // a 0-d tensor accepts dim 0 and -1, like PyTorch
  EMBER_CHECK_INDEX(dim >= -n && dim < n, "Dimension out of range (expected to be in range of [",
                    -n, ", ", n - 1, "], but got ", dim, ")");
  return static_cast<int>(dim < 0 ? dim + n : dim);
}

uint32_t dim_mask(const Shape& dims, int ndim, const char* op) {
  uint32_t mask = 0;
  for (int64_t d : dims) {
    int w = wrap_dim(d, ndim);
    EMBER_CHECK(!(mask & (1u << w)), "[", op, "] dim ", w, " appears multiple times in the list of dims");
    mask |= 1u << w;
  }
  return mask;
}

}  // namespace ember
