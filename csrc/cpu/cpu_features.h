#pragma once
// What the running CPU can execute, asked once: the SIMD kernels (files named *_avx2.cpp and
// *_avx512.cpp) are compiled for instruction sets the build machine's compiler knows, and chosen
// at run time only when these say the CPU has them.

namespace ember::cpu {

/// AVX2 and FMA (Haswell and later).
bool cpu_has_avx2_fma();

/// AVX-512F, unless EMBER_DISABLE_AVX512 is set to something other than 0 (to test or compare the
/// AVX2 kernels on an AVX-512 machine).
bool cpu_use_avx512();

/// Sets (or clears) flush-to-zero and denormals-are-zero for the calling thread's SSE/AVX math,
/// as torch.set_flush_denormal: subnormal results and inputs become 0, which avoids the slow
/// microcode path for them. Returns false where the CPU has no such mode (then nothing changes).
bool set_flush_denormal(bool on);

}  // namespace ember::cpu
