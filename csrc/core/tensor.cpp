#include "core/tensor.h"

#include <sstream>

#include "autograd/inplace.h"
#include "autograd/node.h"

namespace ember {

TensorImpl::TensorImpl(StoragePtr storage_, const Shape& sizes_, const Shape& strides_,
                       int64_t offset_, DType dtype_)
    : storage(std::move(storage_)), sizes(sizes_), strides(strides_), offset(offset_),
      dtype(dtype_) {
  refresh_geometry();
}

void TensorImpl::refresh_geometry() {
  numel = numel_of(sizes);
  contiguous = true;
  if (numel == 0) return;  // no element can be out of order (PyTorch agrees)
  int64_t expected = 1;
  for (int i = sizes.size() - 1; i >= 0; --i) {
    if (sizes[i] == 1) continue;
    if (strides[i] != expected) {
      contiguous = false;
      break;
    }
    expected *= sizes[i];
  }
}

static const std::shared_ptr<Node> kNoNode;

const std::shared_ptr<Node>& Tensor::grad_fn() const {
  if (impl_->tracks_base && impl_->view_version != version()) refresh_view_history(*this);
  return impl_->autograd ? impl_->autograd->grad_fn : kNoNode;
}

Tensor Tensor::grad() const { return impl_->autograd ? impl_->autograd->grad : Tensor(); }

void Tensor::set_grad(const Tensor& g) {
  if (!g.defined() && !impl_->autograd) return;
  if (g.defined()) {
    EMBER_CHECK(g.sizes() == sizes(), "assigned grad has data of a different size: expected ",
                sizes(), ", got ", g.sizes());
    EMBER_CHECK(g.dtype() == dtype(), "assigned grad has data of a different type: expected ",
                dtype_name(dtype()), ", got ", dtype_name(g.dtype()));
    EMBER_CHECK(g.device() == device(), "assigned grad has data located on a different device");
  }
  ensure_autograd_meta().grad = g;
}

AutogradMeta& Tensor::ensure_autograd_meta() {
  if (!impl_->autograd) impl_->autograd = std::make_shared<AutogradMeta>();
  return *impl_->autograd;
}

void Tensor::set_requires_grad(bool r) {
  if (!r && !requires_grad()) return;
  EMBER_CHECK(is_leaf(),
              "you can only change requires_grad flags of leaf variables. If you want to use a "
              "computed variable in a subgraph that doesn't require differentiation use "
              "var_no_grad = var.detach().");
  EMBER_CHECK(!r || is_floating(dtype()),
              "only Tensors of floating point dtype can require gradients, got ",
              dtype_name(dtype()));
  ensure_autograd_meta().requires_grad = r;
}

Tensor empty(const Shape& sizes, DType dtype, Device device) {
  for (int64_t s : sizes)
    EMBER_CHECK(s >= 0, "Trying to create tensor with negative dimension ", s, ": ", sizes);
  auto storage = std::make_shared<Storage>(numel_of(sizes) * itemsize(dtype), device);
  return make_tensor(std::move(storage), sizes, contiguous_strides(sizes), 0, dtype);
}

Tensor make_tensor(StoragePtr storage, const Shape& sizes, const Shape& strides, int64_t offset,
                   DType dtype) {
  return Tensor(new TensorImpl(std::move(storage), sizes, strides, offset, dtype));
}

Tensor make_view(const Tensor& base, const Shape& sizes, const Shape& strides, int64_t offset) {
  Tensor v = make_tensor(base.storage(), sizes, strides, offset, base.dtype());
  v->view_base = base.view_base().defined() ? base.view_base() : base;
  v->tracks_base = GradMode::is_enabled();
  v->view_version = base.version();
  return v;
}

std::string describe(const Tensor& t) {
  std::ostringstream os;
  os << dtype_name(t.dtype()) << t.sizes();
  return os.str();
}

}  // namespace ember
