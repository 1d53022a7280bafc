// Seedable, counter-based random numbers (Philox4x32-10, Salmon et al., SC'11).
//
// Note [Philox counter layout]
// A draw reserves a range of 128-bit counters [base, base + k) from a Generator. Counter c is
// encrypted under key = seed as ctr = {lo32(c), hi32(c), 0, 0}, key = {lo32(seed), hi32(seed)},
// giving one block of four 32-bit words. Element i of a draw reads only the block(s) for its own
// index (4 elements per block for 32-bit draws, 2 per block for 64-bit draws), so its value is a
// pure function of (seed, base, i): the result does not depend on how many threads fill the
// buffer, in what order, or how the range is chunked.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <vector>

namespace ember {

/// One Philox4x32-10 block: 10 rounds of the Feistel-like mulhilo network over `ctr` under `key`.
inline std::array<uint32_t, 4> philox4x32_10(std::array<uint32_t, 4> ctr,
                                             std::array<uint32_t, 2> key) {
  constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = uint64_t{kMul0} * ctr[0];
    const uint64_t p1 = uint64_t{kMul1} * ctr[2];
    ctr = {uint32_t(p1 >> 32) ^ ctr[1] ^ key[0], uint32_t(p1),
           uint32_t(p0 >> 32) ^ ctr[3] ^ key[1], uint32_t(p0)};
    key = {key[0] + kWeyl0, key[1] + kWeyl1};
  }
  return ctr;
}

/// A reserved counter range: the stateless view kernels use inside parallel loops.
/// See Note [Philox counter layout].
struct PhiloxStream {
  uint64_t seed;
  uint64_t base;

  /// The four words of counter `base + i`.
  std::array<uint32_t, 4> block(uint64_t i) const {
    const uint64_t c = base + i;
    return philox4x32_10({uint32_t(c), uint32_t(c >> 32), 0u, 0u},
                         {uint32_t(seed), uint32_t(seed >> 32)});
  }
  /// Word `lane` (0..3) of counter `base + i`.
  uint32_t u32(uint64_t i, int lane) const { return block(i)[lane]; }
  /// 64-bit word `half` (0..1) of counter `base + i`: lanes 2*half (low) and 2*half+1 (high).
  uint64_t u64(uint64_t i, int half) const {
    const auto w = block(i);
    return uint64_t{w[2 * half]} | (uint64_t{w[2 * half + 1]} << 32);
  }
};

/// Maps 32 random bits to [0, 1) with 24 bits, so every value rounds to a float below 1.
inline float unit_float(uint32_t w) { return float(w >> 8) * 0x1.0p-24f; }
/// Maps 64 random bits to [0, 1) with 53 bits, so every value is a double below 1.
inline double unit_double(uint64_t w) { return double(w >> 11) * 0x1.0p-53; }

/// A seed plus a counter offset; draws reserve counters so that no two draws overlap.
/// All members are thread-safe.
class Generator {
 public:
  /// Starts at offset 0 with `seed` (the default matches PyTorch's default CPU seed).
  explicit Generator(uint64_t seed = 67280421310721ULL);

  /// Sets the seed and resets the offset to 0.
  void manual_seed(uint64_t seed);
  /// The seed set by the constructor, manual_seed, seed() or set_state.
  uint64_t initial_seed() const;
  /// Re-seeds from std::random_device (offset reset to 0) and returns the new seed.
  uint64_t seed();
  /// The key current draws use; the same value as initial_seed(), named for kernel code.
  uint64_t seed_value() const;

  /// Serialises seed and offset: 4 magic bytes "PHX1", then both as little-endian uint64.
  std::vector<uint8_t> get_state() const;
  /// Restores a get_state() result; throws std::invalid_argument on a malformed state.
  void set_state(const std::vector<uint8_t>& state);

  /// Reserves `n` counters for one draw and returns the first.
  uint64_t reserve(uint64_t n);
  /// Reserves `n` counters and returns them with the seed, read under the same lock so a
  /// concurrent manual_seed cannot pair one seed with another seed's offset.
  PhiloxStream stream(uint64_t n);

 private:
  mutable std::mutex mutex_;
  uint64_t seed_;
  uint64_t offset_ = 0;
};

/// The process-wide generator behind ember.manual_seed and every draw given no generator.
Generator& default_generator();

/// Fills out[0..n) with uniform values in [low, high) (float, double). low == high gives low.
template <typename T>
void fill_uniform(Generator& gen, T* out, int64_t n, double low, double high);

/// Fills out[0..n) with normal values (Box-Muller; float, double); never inf or NaN for finite
/// mean and std.
template <typename T>
void fill_normal(Generator& gen, T* out, int64_t n, double mean, double stddev);

/// Fills out[0..n) with integers in [low, high) by 64-bit multiply-shift (bias below
/// (high-low)/2^64); T is int64_t, int32_t, uint8_t, float or double.
template <typename T>
void fill_randint(Generator& gen, T* out, int64_t n, int64_t low, int64_t high);

/// out[i] = (u_i < p[i * p_stride]) with u_i uniform in [0, 1); each p must lie in [0, 1].
/// T is float, double, int64_t, int32_t, uint8_t or bool.
template <typename T>
void fill_bernoulli(Generator& gen, T* out, int64_t n, const double* p, int64_t p_stride);

/// Writes a uniformly random permutation of 0..n-1 (Fisher-Yates, one counter half per swap).
void randperm(Generator& gen, int64_t* out, int64_t n);

/// Draws `num_samples` category indices per row into out[row * num_samples + s]. Row r holds
/// `n_categories` non-negative, finite, not necessarily normalised weights at
/// probs + r * row_stride. Without replacement the samples of a row are distinct and come in
/// draw order; at most as many as the row has non-zero weights. Zero-weight categories are never
/// drawn. Throws std::invalid_argument on bad weights or counts.
void multinomial(Generator& gen, const double* probs, int64_t rows, int64_t n_categories,
                 int64_t row_stride, int64_t num_samples, bool replacement, int64_t* out);

}  // namespace ember
