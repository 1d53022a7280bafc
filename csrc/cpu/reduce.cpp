// CPU reductions. The output arrives expanded to the input's shape (stride 0 on reduced dims), so
// the shared StridedLoop walks the input in memory order and each inner row either reduces into
// one output element (stride 0) or accumulates into a row of outputs (vertical reduction).
#include "cpu/loops.h"
#include "ops/reduce.h"

namespace ember::cpu {
namespace {

template <typename T>
void sum_rows(char** data, const int64_t* s, int64_t n) {
  T* out = reinterpret_cast<T*>(data[0]);
  const char* in = data[1];
  if (s[0] == 0) {
    // Four partial sums: vectorisable without reassociation flags, and more accurate.
    T acc[4] = {0, 0, 0, 0};
    int64_t i = 0;
    if (s[1] == sizeof(T)) {
      const T* p = reinterpret_cast<const T*>(in);
      for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; ++k) acc[k] += p[i + k];
      for (; i < n; ++i) acc[0] += p[i];
    } else {
      for (; i < n; ++i) acc[0] += *reinterpret_cast<const T*>(in + i * s[1]);
    }
    *out += (acc[0] + acc[1]) + (acc[2] + acc[3]);
  } else {
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<T*>(data[0] + i * s[0]) += *reinterpret_cast<const T*>(in + i * s[1]);
  }
}

void reduce_cpu(ReduceOp op, const Tensor& out, const Tensor& in) {
  StridedLoop loop({out, in}, /*order_by=*/1);
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    switch (op) {
      case ReduceOp::Sum:
        // Serial: two threads must never add into the same output element.
        loop.serial_for(0, loop.numel(), sum_rows<T>);
        break;
    }
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(reduce_kernel, CPU, &reduce_cpu);

}  // namespace ember::cpu
