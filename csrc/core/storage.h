#pragma once
// A refcounted buffer on one device, shared by a tensor and all its views.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "core/device.h"

namespace ember {

/// Allocates and frees raw device memory. One per device type, registered by its backend.
class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(size_t nbytes) = 0;
  virtual void deallocate(void* ptr, size_t nbytes) = 0;
};

/// Installs the allocator for a device type (the CPU one is built in; CUDA registers its own).
void register_allocator(DeviceType type, Allocator* allocator);
/// The allocator for a device; a RuntimeError explains when the device is not built in.
Allocator& allocator_for(Device device);

class Storage {
 public:
  /// Allocates nbytes on `device`.
  Storage(size_t nbytes, Device device);
  /// Wraps memory owned elsewhere (a NumPy array, a DLPack capsule); `release` runs on destruction.
  Storage(void* data, size_t nbytes, Device device, std::function<void()> release);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }
  /// Bumped by every in-place write through any view; autograd compares it with the value it
  /// saved to detect a saved tensor modified before backward.
  uint64_t version() const { return version_; }
  void bump_version() { ++version_; }

 private:
  void* data_;
  size_t nbytes_;
  Device device_;
  uint64_t version_ = 0;
  std::function<void()> release_;  // empty when the allocator owns data_
};

using StoragePtr = std::shared_ptr<Storage>;

}  // namespace ember
