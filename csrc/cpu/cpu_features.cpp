#include "cpu/cpu_features.h"

#include <cstdlib>
#include <cstring>

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
#else
bool cpu_has_avx2_fma() { return false; }
bool cpu_use_avx512() { return false; }
#endif

}  // namespace ember::cpu
