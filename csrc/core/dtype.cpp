#include "core/dtype.h"

namespace ember {

const char* dtype_name(DType t) {
  static const char* names[kNumDTypes] = {"bool", "uint8", "int32", "int64", "float32", "float64"};
  return names[static_cast<int>(t)];
}

const char* scalar_type_name(DType t) {
  static const char* names[kNumDTypes] = {"Bool", "Byte", "Int", "Long", "Float", "Double"};
  return names[static_cast<int>(t)];
}

static DType g_default_dtype = DType::Float32;
DType default_dtype() { return g_default_dtype; }
void set_default_dtype(DType t) {
  EMBER_CHECK_TYPE(is_floating(t), "set_default_dtype only supports floating point dtypes, got ",
                   dtype_name(t));
  g_default_dtype = t;
}

}  // namespace ember
