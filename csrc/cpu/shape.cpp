// CPU kernels of the shape ops that are not a copy: sorting and selection by order, triangle
// masks, and the accumulating copy behind the backward of overlapping views. Row kernels walk
// the rows along `dim` with for_each_row (cpu/row_loops.h). See Note [Strides are in elements].
#include <algorithm>
#include <type_traits>
#include <utility>
#include <vector>

#include "cpu/row_loops.h"
#include "ops/shape.h"

namespace ember::cpu {
namespace {

/// Calls f(EntryGreater{}) or f(EntryLess{}): the order is chosen once per call.
template <typename F>
void with_order(bool greater, const F& f) {
  if (greater) f(EntryGreater{}); else f(EntryLess{});
}

// The first n entries of buf to a values row and an indices row.
template <typename T>
void store_row(const std::vector<Entry<T>>& buf, int64_t n, T* v, int64_t vs, int64_t* ix, int64_t is) {
  for (int64_t j = 0; j < n; ++j) {
    v[j * vs] = buf[j].first;
    ix[j * is] = buf[j].second;
  }
}

// Orders each row along d with arrange(begin, end) and writes its first `keep` entries: the
// shared body of sort (keep = n) and topk (keep = k, a partial sort).
template <typename T, typename Arrange>
void arrange_rows(const Tensor& values, const Tensor& indices, const Tensor& in, int d, int64_t keep,
                  const Arrange& arrange) {
  int64_t n = in.sizes()[d];
  int64_t vs = values.strides()[d], is = indices.strides()[d], xs = in.strides()[d];
  for_each_row(d, n, [&](auto rows, int64_t count) {
    std::vector<Entry<T>> buf;
    for (int64_t r = 0; r < count; ++r) {
      load_row(buf, reinterpret_cast<const T*>(rows(r, 2)), xs, n);
      arrange(buf.begin(), buf.end());
      store_row(buf, keep, reinterpret_cast<T*>(rows(r, 0)), vs, reinterpret_cast<int64_t*>(rows(r, 1)), is);
    }
  }, values, indices, in);
}

void sort_cpu(const Tensor& values, const Tensor& indices, const Tensor& in, int d, bool descending, bool stable) {
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_order(descending, [&](auto cmp) {
      arrange_rows<T>(values, indices, in, d, in.sizes()[d], [&](auto begin, auto end) {
        if (stable) std::stable_sort(begin, end, cmp); else std::sort(begin, end, cmp);
      });
    });
  });
}

void topk_cpu(const Tensor& values, const Tensor& indices, const Tensor& in, int d, int64_t k, bool largest) {
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_order(largest, [&](auto cmp) {
      arrange_rows<T>(values, indices, in, d, k, [&](auto begin, auto end) { std::partial_sort(begin, begin + k, end, cmp); });
    });
  });
}

void kthvalue_cpu(const Tensor& values, const Tensor& indices, const Tensor& in, int d, int64_t k,
                  bool nan_propagates) {
  int64_t n = in.sizes()[d], xs = in.strides()[d];
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    for_each_row(d, n, [&](auto rows, int64_t count) {
      std::vector<Entry<T>> buf;
      for (int64_t r = 0; r < count; ++r) {
        const T* x = reinterpret_cast<const T*>(rows(r, 2));
        T* v = reinterpret_cast<T*>(rows(r, 0));
        int64_t* ix = reinterpret_cast<int64_t*>(rows(r, 1));
        int64_t first_nan = -1;
        if (nan_propagates)
          for (int64_t j = 0; j < n && first_nan < 0; ++j)
            if (is_nan(x[j * xs])) first_nan = j;
        if (first_nan >= 0) {
          *v = x[first_nan * xs];
          *ix = first_nan;
          continue;
        }
        load_row(buf, x, xs, n);
        std::nth_element(buf.begin(), buf.begin() + k, buf.end(), EntryLess{});
        *v = buf[k].first;
        *ix = buf[k].second;
      }
    }, values, indices, in);
  });
}

void trilu_cpu(const Tensor& out, int64_t diagonal, bool upper) {
  int64_t rows = out.sizes()[out.dim() - 2], cols = out.sizes()[out.dim() - 1];
  int64_t total_rows = out.numel() / cols;
  // Past these bounds every row is kept or cleared whole; clamping keeps i + diagonal finite.
  diagonal = std::min(std::max(diagonal, -rows - 1), cols + 1);
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* base = out.data<T>();
    parallel_for(0, total_rows, std::max<int64_t>(1, kParallelGrain / cols), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        int64_t i = r % rows;
        T* row = base + r * cols;
        int64_t edge = std::min(std::max(i + diagonal + (upper ? 0 : 1), int64_t(0)), cols);
        if (upper)
          std::fill(row, row + edge, T(0));
        else
          std::fill(row + edge, row + cols, T(0));
      }
    });
  });
}

void accumulate_cpu(const Tensor& dst, const Tensor& src) {
  StridedLoop loop{dst, src};
  dispatch_all(dst.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    // Serial on purpose: elements of dst may share memory, and every contribution must land.
    loop.serial_for(0, loop.numel(), [](char** data, const int64_t* s, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        T* o = reinterpret_cast<T*>(data[0] + i * s[0]);
        *o = static_cast<T>(*o + *reinterpret_cast<const T*>(data[1] + i * s[1]));
      }
    });
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(sort_kernel, CPU, &sort_cpu);
EMBER_REGISTER_KERNEL(topk_kernel, CPU, &topk_cpu);
EMBER_REGISTER_KERNEL(kthvalue_kernel, CPU, &kthvalue_cpu);
EMBER_REGISTER_KERNEL(trilu_kernel, CPU, &trilu_cpu);
EMBER_REGISTER_KERNEL(accumulate_kernel, CPU, &accumulate_cpu);

}  // namespace ember::cpu
