#pragma once
// Tensor: a handle to a TensorImpl, which is a strided view (sizes, strides, offset, dtype) of a
// refcounted Storage plus optional autograd metadata. See Note [Strides are in elements].
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "core/device.h"
#include "core/dtype.h"
#include "core/shape.h"
#include "core/storage.h"

namespace ember {

class TensorImpl;
class Node;
struct AutogradMeta;

/// An intrusively refcounted handle: copying a Tensor is one atomic increment and never copies
/// data. A default-constructed Tensor is undefined (Python: None).
class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(TensorImpl* impl);  // takes a new reference
  Tensor(const Tensor& o);
  Tensor(Tensor&& o) noexcept : impl_(o.impl_) { o.impl_ = nullptr; }
  Tensor& operator=(const Tensor& o);
  Tensor& operator=(Tensor&& o) noexcept;
  ~Tensor();

  bool defined() const { return impl_ != nullptr; }
  TensorImpl* get() const { return impl_; }
  TensorImpl* operator->() const { return impl_; }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }
  /// References held to the impl (1 means this handle is the only owner).
  int use_count() const;

  // Geometry.
  const Shape& sizes() const;
  const Shape& strides() const;
  int dim() const;
  int64_t size(int64_t d) const;
  int64_t stride(int64_t d) const;
  int64_t numel() const;
  int64_t storage_offset() const;
  bool is_contiguous() const;
  DType dtype() const;
  Device device() const;
  size_t itemsize() const { return ember::itemsize(dtype()); }
  const StoragePtr& storage() const;
  /// Address of element 0 (storage start + offset).
  char* data_ptr() const;
  template <typename T>
  T* data() const { return reinterpret_cast<T*>(data_ptr()); }

  // Autograd.
  bool requires_grad() const;
  /// Sets requires_grad on a leaf; RuntimeError on a non-leaf or non-floating tensor.
  void set_requires_grad(bool r);
  bool is_leaf() const;
  const std::shared_ptr<Node>& grad_fn() const;
  uint32_t output_nr() const;
  Tensor grad() const;
  void set_grad(const Tensor& g);
  AutogradMeta* autograd_meta() const;
  /// Creates the autograd metadata on first use.
  AutogradMeta& ensure_autograd_meta();
  /// The base this tensor is a view of (undefined when it owns its geometry).
  const Tensor& view_base() const;
  uint64_t version() const { return storage()->version(); }
  void bump_version() const { storage()->bump_version(); }

 private:
  TensorImpl* impl_ = nullptr;
};

using TensorList = std::vector<Tensor>;
using Hook = std::function<Tensor(const Tensor&)>;

/// What autograd knows about a tensor. Only tensors that take part in autograd have one, so a
/// plain tensor pays nothing for it.
struct AutogradMeta {
  Tensor grad;
  std::shared_ptr<Node> grad_fn;       // the node that produced this tensor (null for leaves)
  std::weak_ptr<Node> grad_accumulator; // a leaf's AccumulateGrad node, while a graph uses it
  uint32_t output_nr = 0;              // which output of grad_fn this tensor is
  bool requires_grad = false;
  bool retains_grad = false;
  std::vector<Hook> hooks;             // a leaf's hooks (a non-leaf's live on its grad_fn)
  std::vector<Hook> post_accumulate_hooks;  // a leaf's, called with the leaf once .grad is updated
};

class TensorImpl {
 public:
  TensorImpl(StoragePtr storage, const Shape& sizes, const Shape& strides, int64_t offset,
             DType dtype);

  std::atomic<int32_t> refcount{0};
  StoragePtr storage;
  Shape sizes;
  Shape strides;
  int64_t offset;
  int64_t numel;
  DType dtype;
  bool contiguous;
  /// A 0-d tensor made from a Python number; it promotes like a number (tensor([1]) + 2.5 is float32).
  bool wrapped_number = false;
  std::shared_ptr<AutogradMeta> autograd;
  Tensor view_base;
  /// A view made by a view op with grad mode on: its history follows its base's. When the
  /// storage version moved since `view_version` (some write through the base or another view),
  /// grad_fn() first replays the view off the base's current history; see Note [Stale views].
  bool tracks_base = false;
  uint64_t view_version = 0;

  /// Recomputes numel and the contiguity flag after the geometry changed.
  void refresh_geometry();
};

// ---- inline definitions --------------------------------------------------------------------

inline Tensor::Tensor(TensorImpl* impl) : impl_(impl) {
  if (impl_) impl_->refcount.fetch_add(1, std::memory_order_relaxed);
}
inline Tensor::Tensor(const Tensor& o) : Tensor(o.impl_) {}
inline Tensor& Tensor::operator=(const Tensor& o) {
  Tensor copy(o);
  std::swap(impl_, copy.impl_);
  return *this;
}
inline Tensor& Tensor::operator=(Tensor&& o) noexcept {
  if (this != &o) {
    Tensor old(std::move(*this));
    impl_ = o.impl_;
    o.impl_ = nullptr;
  }
  return *this;
}
inline Tensor::~Tensor() {
  if (impl_ && impl_->refcount.fetch_sub(1, std::memory_order_acq_rel) == 1) delete impl_;
}
inline int Tensor::use_count() const { return impl_ ? impl_->refcount.load() : 0; }
inline const Shape& Tensor::sizes() const { return impl_->sizes; }
inline const Shape& Tensor::strides() const { return impl_->strides; }
inline int Tensor::dim() const { return impl_->sizes.size(); }
inline int64_t Tensor::size(int64_t d) const { return impl_->sizes[wrap_dim(d, dim())]; }
inline int64_t Tensor::stride(int64_t d) const { return impl_->strides[wrap_dim(d, dim())]; }
inline int64_t Tensor::numel() const { return impl_->numel; }
inline int64_t Tensor::storage_offset() const { return impl_->offset; }
inline bool Tensor::is_contiguous() const { return impl_->contiguous; }
inline DType Tensor::dtype() const { return impl_->dtype; }
inline Device Tensor::device() const { return impl_->storage->device(); }
inline const StoragePtr& Tensor::storage() const { return impl_->storage; }
inline char* Tensor::data_ptr() const {
  return static_cast<char*>(impl_->storage->data()) + impl_->offset * ember::itemsize(impl_->dtype);
}
inline AutogradMeta* Tensor::autograd_meta() const { return impl_->autograd.get(); }
inline bool Tensor::requires_grad() const {
  if (impl_->tracks_base && impl_->view_version != version()) grad_fn();  // refreshes the history
  return impl_->autograd && impl_->autograd->requires_grad;
}
inline bool Tensor::is_leaf() const { return !grad_fn(); }
inline uint32_t Tensor::output_nr() const {
  return impl_->autograd ? impl_->autograd->output_nr : 0;
}
inline const Tensor& Tensor::view_base() const { return impl_->view_base; }

// ---- construction ----------------------------------------------------------------------------

/// A new contiguous tensor with uninitialised data.
Tensor empty(const Shape& sizes, DType dtype, Device device = Device{});
/// A tensor over existing storage (a view when the storage is shared).
Tensor make_tensor(StoragePtr storage, const Shape& sizes, const Shape& strides, int64_t offset,
                   DType dtype);
/// A view of `base` with new geometry over the same storage (remembers its base for autograd).
Tensor make_view(const Tensor& base, const Shape& sizes, const Shape& strides, int64_t offset);

/// "[2, 3] float32" style description for error messages.
std::string describe(const Tensor& t);

}  // namespace ember
