#include "cpu/cpu_features.h"

#include <cstdlib>
#include <cstring>

#ifdef EMBER_HAVE_X86
#include <immintrin.h>
#endif

namespace ember::cpu {

#ifdef EMBER_HAVE_X86
bool cpu_has_avx2_fma() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}

bool cpu_use_avx512() {
  static const bool yes = [] {
    const char* disable = std::getenv("EMBER_DISABLE_AVX512");
    const bool disabled = disable && *disable && std::strcmp(disable, "0") != 0;
    return __builtin_cpu_supports("avx512f") && cpu_has_avx2_fma() && !disabled;
  }();
  return yes;
}

bool set_flush_denormal(bool on) {
  // SSE3 brought DAZ; FTZ is older. Both are bits of the MXCSR control register.
  static const bool has_daz = __builtin_cpu_supports("sse3");
  if (!has_daz) return false;
  constexpr unsigned kFlushToZero = 0x8000, kDenormalsAreZero = 0x0040;
  const unsigned csr = _mm_getcsr();
  _mm_setcsr(on ? csr | kFlushToZero | kDenormalsAreZero : csr & ~(kFlushToZero | kDenormalsAreZero));
  return true;
}
#else
bool cpu_has_avx2_fma() { return false; }
bool cpu_use_avx512() { return false; }
bool set_flush_denormal(bool) { return false; }
#endif

}  // namespace ember::cpu
