#include "core/device.h"

#include "core/error.h"

namespace ember {

std::string Device::str() const {
  return type == DeviceType::CPU ? "cpu" : "cuda:" + std::to_string(index);
}

Device parse_device(const std::string& s) {
  if (s == "cpu") return Device{};
  if (s.rfind("cuda", 0) == 0) {
    if (s == "cuda") return Device{DeviceType::CUDA, 0};
    if (s.size() > 5 && s[4] == ':') {
      try {
        return Device{DeviceType::CUDA, static_cast<int8_t>(std::stoi(s.substr(5)))};
      } catch (const std::exception&) {
      }
    }
  }
  throw RuntimeError(str("Expected one of cpu, cuda device type at start of device string: ", s));
}

}  // namespace ember
