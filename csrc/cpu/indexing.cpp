// CPU gather/scatter, index linearisation, masked fill and nonzero. Gather and scatter only move
// elements, so they switch on the element size (1, 4 or 8 bytes) rather than on the dtype.
#include <cstring>

#include "cpu/loops.h"
#include "ops/indexing.h"

namespace ember::cpu {
namespace {

template <typename F>
void dispatch_itemsize(size_t itemsize, F&& f) {
  switch (itemsize) {
    case 1: return f(TypeTag<uint8_t>{});
    case 4: return f(TypeTag<uint32_t>{});
    default: return f(TypeTag<uint64_t>{});
  }
}

inline int64_t load_index(const char* p) { return *reinterpret_cast<const int64_t*>(p); }

void gather_cpu(const Tensor& out, const Tensor& src, const Tensor& index, const IndexSpec& spec) {
  StridedLoop loop{out, src, index};
  IndexSpec bytes = spec;
  bytes.stride *= static_cast<int64_t>(out.itemsize());
  // A bad index throws from whichever thread meets it; parallel_for rethrows it here and the
  // half-written output is dropped.
  dispatch_itemsize(out.itemsize(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    loop.for_each([&](char** d, const int64_t* s, int64_t n) {
      if (s[2] == 0) {  // one index for the whole row (index_select, x[rows]): a row copy
        const char* from = d[1] + index_offset(load_index(d[2]), bytes);
        if (s[0] == int64_t(sizeof(T)) && s[1] == int64_t(sizeof(T))) {
          std::memcpy(d[0], from, n * sizeof(T));
        } else {
          for (int64_t i = 0; i < n; ++i)
            *reinterpret_cast<T*>(d[0] + i * s[0]) = *reinterpret_cast<const T*>(from + i * s[1]);
        }
        return;
      }
      for (int64_t i = 0; i < n; ++i) {
        int64_t off = index_offset(load_index(d[2] + i * s[2]), bytes);
        *reinterpret_cast<T*>(d[0] + i * s[0]) = *reinterpret_cast<const T*>(d[1] + i * s[1] + off);
      }
    });
  });
}

// Every index is checked before the first write, so a bad one leaves dst untouched.
void check_indices(const Tensor& index, const IndexSpec& spec) {
  StridedLoop loop{index};
  loop.for_each([&](char** d, const int64_t* s, int64_t n) {
    for (int64_t i = 0; i < n; ++i) index_offset(load_index(d[0] + i * s[0]), spec);
  });
}

void scatter_cpu(ScatterMode mode, const Tensor& dst, const Tensor& src, const Tensor& index,
                 const IndexSpec& spec) {
  check_indices(index, spec);
  // Walk in src's memory order; serial, because several indices may name one element of dst.
  StridedLoop loop({dst, src, index}, /*order_by=*/1);
  const int64_t stride = spec.stride * static_cast<int64_t>(dst.itemsize());
  auto run = [&](auto tag, auto combine) {
    using T = typename decltype(tag)::type;
    loop.serial_for(0, loop.numel(), [&](char** d, const int64_t* s, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        int64_t idx = load_index(d[2] + i * s[2]);
        if (idx < 0) idx += spec.size;  // checked above
        T* p = reinterpret_cast<T*>(d[0] + i * s[0] + idx * stride);
        *p = combine(*p, *reinterpret_cast<const T*>(d[1] + i * s[1]));
      }
    });
  };
  if (mode == ScatterMode::Assign) {
    dispatch_itemsize(dst.itemsize(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      run(tag, [](T, T v) { return v; });
    });
  } else {
    dispatch_all(dst.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      run(tag, [](T a, T v) { return static_cast<T>(a + v); });
    });
  }
}

void index_offsets_cpu(const Tensor& offsets, const Tensor& index, const IndexSpec& spec) {
  StridedLoop loop{offsets, offsets, index};
  elementwise_loop<int64_t, int64_t, int64_t>(
      loop, [&spec](int64_t o, int64_t i) { return o + index_offset(i, spec); });
}

void masked_fill_cpu(const Tensor& out, const Tensor& self, const Tensor& mask, const Tensor& value) {
  StridedLoop loop{out, self, mask, value};
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    elementwise_loop<T, T, bool, T>(loop, [](T a, bool m, T v) { return m ? v : a; });
  });
}

// self is contiguous. Counts, then writes the coordinates while stepping a multi-index.
Tensor nonzero_cpu(const Tensor& self) {
  const int64_t numel = self.numel();
  const int ndim = self.dim();
  return dispatch_all(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* p = self.data<T>();
    int64_t count = 0;
    for (int64_t i = 0; i < numel; ++i) count += p[i] != T(0);
    Tensor out = empty({count, ndim}, DType::Int64, self.device());
    int64_t* o = out.data<int64_t>();
    int64_t idx[kMaxDims] = {};
    for (int64_t i = 0; i < numel; ++i) {
      if (p[i] != T(0)) {
        for (int d = 0; d < ndim; ++d) *o++ = idx[d];
      }
      for (int d = ndim - 1; d >= 0; --d) {
        if (++idx[d] < self.sizes()[d]) break;
        idx[d] = 0;
      }
    }
    return out;
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(gather_kernel, CPU, &gather_cpu);
EMBER_REGISTER_KERNEL(scatter_kernel, CPU, &scatter_cpu);
EMBER_REGISTER_KERNEL(index_offsets_kernel, CPU, &index_offsets_cpu);
EMBER_REGISTER_KERNEL(masked_fill_kernel, CPU, &masked_fill_cpu);
EMBER_REGISTER_KERNEL(nonzero_kernel, CPU, &nonzero_cpu);

}  // namespace ember::cpu
