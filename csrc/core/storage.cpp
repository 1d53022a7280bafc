#include "core/storage.h"

#include "core/error.h"

namespace ember {

static Allocator* g_allocators[2] = {nullptr, nullptr};

void register_allocator(DeviceType type, Allocator* allocator) {
  g_allocators[static_cast<int>(type)] = allocator;
}

Allocator& allocator_for(Device device) {
  Allocator* a = g_allocators[static_cast<int>(device.type)];
  EMBER_CHECK(a, "device '", device.str(),
              "' is not available: this build of ember was compiled without CUDA support");
  return *a;
}

Storage::Storage(size_t nbytes, Device device)
    : data_(allocator_for(device).allocate(nbytes)), nbytes_(nbytes), device_(device) {}

Storage::Storage(void* data, size_t nbytes, Device device, std::function<void()> release)
    : data_(data), nbytes_(nbytes), device_(device), release_(std::move(release)) {}

Storage::~Storage() {
  if (release_)
    release_();
  else
    allocator_for(device_).deallocate(data_, nbytes_);
}

}  // namespace ember
