#pragma once
#include <cstdint>
#include <string>

namespace ember {

enum class DeviceType : uint8_t { CPU, CUDA };

/// Where a storage lives: a device type and an index (always 0 for the CPU).
struct Device {
  DeviceType type = DeviceType::CPU;
  int8_t index = 0;
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  bool is_cpu() const { return type == DeviceType::CPU; }
  /// "cpu" or "cuda:0".
  std::string str() const;
};

/// Parses "cpu", "cuda", "cuda:1"; a ValueError names the string otherwise.
Device parse_device(const std::string& s);

}  // namespace ember
