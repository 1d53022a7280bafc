#include "ops/view.h"

#include <algorithm>
#include <functional>

#include "autograd/node.h"
#include "ops/copy.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace ember {

// Not a view for autograd: writing into a detached tensor leaves the original's history alone.
Tensor detach(const Tensor& self) {
  return make_tensor(self.storage(), self.sizes(), self.strides(), self.storage_offset(),
                     self.dtype());
}

Tensor& detach_(Tensor& self) {
  EMBER_CHECK(!self.view_base().defined(), "Can't detach views in-place. Use detach() instead.");
  if (AutogradMeta* meta = self.autograd_meta()) {
    meta->grad_fn.reset();
    meta->requires_grad = false;
    meta->output_nr = 0;
  }
  return self;
}

// The version moves, as in PyTorch, so other views of this memory replay their history off the
// new geometry (Note [Stale views]).
Tensor& become_view(Tensor& self, const Tensor& view, const char* op) {
  EMBER_CHECK(!(GradMode::is_enabled() && self.requires_grad() && self.is_leaf()),
              "a leaf Variable that requires grad is being used in an in-place operation (", op, ")");
  std::shared_ptr<Node> fn = view.grad_fn();  // before the bump, which would make it stale
  self->sizes = view.sizes();
  self->strides = view.strides();
  self->refresh_geometry();
  self.bump_version();
  if (fn) {
    AutogradMeta& meta = self.ensure_autograd_meta();
    meta.grad_fn = std::move(fn);
    meta.output_nr = 0;
  }
  self->view_version = self.version();
  return self;
}

Tensor expand_raw(const Tensor& self, const Shape& sizes) {
  if (self.sizes() == sizes) return self;
  Shape strides = Shape::filled(sizes.size(), 0);
  int lead = sizes.size() - self.dim();
  for (int i = 0; i < self.dim(); ++i)
    strides[lead + i] = self.sizes()[i] == 1 && sizes[lead + i] != 1 ? 0 : self.strides()[i];
  return make_tensor(self.storage(), sizes, strides, self.storage_offset(), self.dtype());
}

// ---- the backward of views that pick a sub-range ---------------------------------------------

using ViewFn = std::function<Tensor(const Tensor&)>;

// The gradient of a view's base: zeros shaped like the base with `grad` written into the region
// `view_fn` selects of it. Views whose elements may share memory (unfold windows, as_strided)
// pass `overlapping` so that every contribution is added. Recorded like any op so that
// create_graph works: its own backward is the view again.
static Tensor view_backward(const char* name, const Tensor& grad, const Shape& base_sizes,
                            const ViewFn& view_fn, bool overlapping) {
  Tensor out = zeros(base_sizes, grad.dtype(), grad.device());
  Tensor region;
  {
    GradModeGuard no_grad(false);
    region = view_fn(out);
  }
  if (region.numel() > 0) {
    if (overlapping)
      accumulate_kernel(grad.device(), region, grad);
    else
      copy_kernel(grad.device(), region, grad);
  }
  if (should_record({&grad}))
    record(name, {grad}, out, {}, [view_fn](const TensorList& g, const TensorList&) {
      return TensorList{view_fn(g[0])};
    });
  return out;
}

// Elements [offset, offset + extent) of storage hold the tensor with this geometry.
static int64_t extent(const Shape& sizes, const Shape& strides) {
  int64_t last = 0;
  for (int i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == 0) return 0;
    last += (sizes[i] - 1) * strides[i];
  }
  return last + 1;
}

// as_strided's geometry is relative to the storage, so its gradient is built in a buffer laid
// out like the storage span both the base and the view touch, then viewed as the base.
static Tensor as_strided_backward(const Tensor& grad, const Shape& base_sizes, const Shape& base_strides,
                                  int64_t base_offset, const Shape& sizes, const Shape& strides, int64_t offset) {
  int64_t lo = std::min(base_offset, offset);
  int64_t hi = std::max(base_offset + extent(base_sizes, base_strides), offset + extent(sizes, strides));
  int64_t rel = offset - lo;
  Tensor buffer = view_backward("AsStridedBackward0", grad, {hi - lo}, [sizes, strides, rel](const Tensor& x) {
    Tensor flat = contiguous(x);
    return as_strided(flat, sizes, strides, flat.storage_offset() + rel);
  }, /*overlapping=*/true);
  Tensor flat = contiguous(buffer);
  return as_strided(flat, base_sizes, base_strides, flat.storage_offset() + base_offset - lo);
}

Tensor as_strided(const Tensor& self, const Shape& sizes, const Shape& strides,
                  int64_t storage_offset) {
  EMBER_CHECK(sizes.size() == strides.size(), "[as_strided] mismatch in length of strides and shape: ",
              sizes, " vs ", strides);
  int64_t offset = storage_offset < 0 ? self.storage_offset() : storage_offset;
  int64_t last = offset;
  for (int i = 0; i < sizes.size(); ++i) {
    EMBER_CHECK(sizes[i] >= 0 && strides[i] >= 0, "[as_strided] negative size or stride: ", sizes,
                " ", strides);
    if (sizes[i] > 0) last += (sizes[i] - 1) * strides[i];
  }
  int64_t capacity = static_cast<int64_t>(self.storage()->nbytes() / self.itemsize());
  EMBER_CHECK(numel_of(sizes) == 0 || last < capacity, "[as_strided] setStorage: sizes ", sizes,
              ", strides ", strides, ", storage offset ", offset,
              " require a storage of at least ", last + 1, " elements, but it has ", capacity);
  Tensor out = make_view(self, sizes, strides, offset);
  if (should_record({&self})) {
    Shape bs = self.sizes(), bst = self.strides();
    int64_t bo = self.storage_offset();
    record("AsStridedBackward0", {self}, out, {},
           [bs, bst, bo, sizes, strides, offset](const TensorList& g, const TensorList&) {
             return TensorList{as_strided_backward(g[0], bs, bst, bo, sizes, strides, offset)};
           });
  }
  return out;
}

// ---- reshaping ------------------------------------------------------------------------------

Shape infer_size(const Shape& shape, int64_t numel) {
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      EMBER_CHECK(infer < 0, "only one dimension can be inferred");
      infer = i;
    } else {
      EMBER_CHECK(shape[i] >= 0, "invalid shape dimension ", shape[i]);
      known *= shape[i];
    }
  }
  Shape out = shape;
  if (infer >= 0) {
    EMBER_CHECK(known != 0, "cannot reshape tensor of 0 elements into shape ", shape,
                " because the unspecified dimension size -1 can be any value and is ambiguous");
    EMBER_CHECK(numel % known == 0, "shape '", shape, "' is invalid for input of size ", numel);
    out[infer] = numel / known;
  } else {
    EMBER_CHECK(known == numel, "shape '", shape, "' is invalid for input of size ", numel);
  }
  return out;
}

// Strides for viewing `self` as `shape` without a copy, or false when impossible. Walks both
// shapes in chunks of dims that are contiguous with each other in self.
static bool view_strides(const Tensor& self, const Shape& shape, Shape& out) {
  const Shape& old_sizes = self.sizes();
  const Shape& old_strides = self.strides();
  out = Shape::filled(shape.size(), 1);
  if (self.numel() <= 1) {
    out = contiguous_strides(shape);
    return true;
  }
  int64_t view_d = shape.size() - 1;
  int64_t chunk_base_stride = old_strides.size() ? old_strides.back() : 1;
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t tensor_d = old_sizes.size() - 1; tensor_d >= 0; --tensor_d) {
    tensor_numel *= old_sizes[tensor_d];
    if (tensor_d == 0 ||
        (old_sizes[tensor_d - 1] != 1 &&
         old_strides[tensor_d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (tensor_d > 0) {
        chunk_base_stride = old_strides[tensor_d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

// Reshape-like views route the gradient back by reshaping it.
static void record_reshape(const char* name, const Tensor& self, const Tensor& out) {
  if (!should_record({&self})) return;
  Shape sizes = self.sizes();
  record(name, {self}, out, {}, [sizes](const TensorList& g, const TensorList&) {
    return TensorList{reshape(g[0], sizes)};
  });
}

Tensor view(const Tensor& self, const Shape& shape) {
  Shape sizes = infer_size(shape, self.numel());
  Shape strides;
  EMBER_CHECK(view_strides(self, sizes, strides),
              "view size is not compatible with input tensor's size and stride (at least one "
              "dimension spans across two contiguous subspaces). Use .reshape(...) instead.");
  Tensor out = make_view(self, sizes, strides, self.storage_offset());
  record_reshape("ViewBackward0", self, out);
  return out;
}

Tensor reshape(const Tensor& self, const Shape& shape) {
  Shape sizes = infer_size(shape, self.numel());
  Shape strides;
  if (view_strides(self, sizes, strides)) {
    Tensor out = make_view(self, sizes, strides, self.storage_offset());
    record_reshape("ViewBackward0", self, out);
    return out;
  }
  return view(clone(self), sizes);
}

Tensor flatten(const Tensor& self, int64_t start_dim, int64_t end_dim) {
  if (self.dim() == 0) return reshape(self, {1});
  int s = wrap_dim(start_dim, self.dim()), e = wrap_dim(end_dim, self.dim());
  EMBER_CHECK(s <= e, "flatten() has invalid args: start_dim cannot come after end_dim");
  Shape shape;
  for (int i = 0; i < s; ++i) shape.push_back(self.sizes()[i]);
  int64_t n = 1;
  for (int i = s; i <= e; ++i) n *= self.sizes()[i];
  shape.push_back(n);
  for (int i = e + 1; i < self.dim(); ++i) shape.push_back(self.sizes()[i]);
  return reshape(self, shape);
}

Tensor unflatten(const Tensor& self, int64_t dim, const Shape& sizes) {
  int d = wrap_dim(dim, self.dim());
  EMBER_CHECK(!sizes.empty(), "unflatten: sizes must be non-empty");
  int64_t known = 1;
  for (int64_t s : sizes) known *= s == -1 ? 1 : s;
  bool inferred = std::find(sizes.begin(), sizes.end(), -1) != sizes.end();
  EMBER_CHECK(inferred ? known != 0 && self.sizes()[d] % known == 0 : known == self.sizes()[d],
              "unflatten: Provided sizes ", sizes, " don't multiply up to the size of dim ", d, " (",
              self.sizes()[d], ") in the input tensor");
  Shape inner = infer_size(sizes, self.sizes()[d]);
  Shape shape;
  for (int i = 0; i < d; ++i) shape.push_back(self.sizes()[i]);
  for (int64_t s : inner) shape.push_back(s);
  for (int i = d + 1; i < self.dim(); ++i) shape.push_back(self.sizes()[i]);
  return view(self, shape);
}

// ---- dimension shuffles ----------------------------------------------------------------------

Tensor expand(const Tensor& self, const Shape& sizes) {
  EMBER_CHECK(sizes.size() >= self.dim(), "[expand] the number of sizes provided (", sizes.size(),
              ") must be greater or equal to the number of dimensions in the tensor (", self.dim(), ")");
  Shape target = sizes;
  int lead = sizes.size() - self.dim();
  Shape strides = Shape::filled(sizes.size(), 0);
  for (int i = 0; i < sizes.size(); ++i) {
    int j = i - lead;
    int64_t have = j >= 0 ? self.sizes()[j] : 1;
    if (target[i] == -1) {
      EMBER_CHECK(j >= 0, "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension ", i);
      target[i] = have;
    }
    EMBER_CHECK(target[i] >= 0, "[expand] invalid size ", target[i], " at dimension ", i, " (sizes must be >= 0, or -1 to keep a dimension)");
    EMBER_CHECK(have == target[i] || have == 1, "The expanded size of the tensor (", target[i],
                ") must match the existing size (", have, ") at non-singleton dimension ", i,
                ".  Target sizes: ", sizes, ".  Tensor sizes: ", self.sizes());
    strides[i] = j >= 0 && have == target[i] ? self.strides()[j] : 0;
  }
  Tensor out = make_view(self, target, strides, self.storage_offset());
  if (should_record({&self})) {
    Shape from = self.sizes();
    record("ExpandBackward0", {self}, out, {}, [from](const TensorList& g, const TensorList&) {
      return TensorList{sum_to(g[0], from)};
    });
  }
  return out;
}

Tensor permute(const Tensor& self, const Shape& dims) {
  EMBER_CHECK(dims.size() == self.dim(), "permute(sparse_coo): number of dimensions in the tensor input "
              "does not match the length of the desired ordering of dimensions i.e. input.dim() = ",
              self.dim(), " is not equal to len(dims) = ", dims.size());
  dim_mask(dims, self.dim(), "permute");
  Shape sizes, strides, inverse = Shape::filled(self.dim(), 0);
  for (int i = 0; i < dims.size(); ++i) {
    int d = wrap_dim(dims[i], self.dim());
    sizes.push_back(self.sizes()[d]);
    strides.push_back(self.strides()[d]);
    inverse[d] = i;
  }
  Tensor out = make_view(self, sizes, strides, self.storage_offset());
  if (should_record({&self}))
    record("PermuteBackward0", {self}, out, {}, [inverse](const TensorList& g, const TensorList&) {
      return TensorList{permute(g[0], inverse)};
    });
  return out;
}

Tensor transpose(const Tensor& self, int64_t dim0, int64_t dim1) {
  Shape dims;
  for (int i = 0; i < self.dim(); ++i) dims.push_back(i);
  if (self.dim() == 0) return permute(self, dims);
  int a = wrap_dim(dim0, self.dim()), b = wrap_dim(dim1, self.dim());
  std::swap(dims[a], dims[b]);
  return permute(self, dims);
}

Tensor movedim(const Tensor& self, const Shape& source, const Shape& destination) {
  EMBER_CHECK(source.size() == destination.size(), "movedim: Invalid source or destination dims: source (",
              source, " dims) should contain the same number of dims as destination (", destination, " dims)");
  int n = self.dim();
  Shape order = Shape::filled(n, -1);
  uint32_t used_src = 0, used_dst = 0;
  for (int i = 0; i < source.size(); ++i) {
    int s = wrap_dim(source[i], n), d = wrap_dim(destination[i], n);
    EMBER_CHECK(!(used_src >> s & 1), "movedim: repeated dim in `source` (", source, ")");
    EMBER_CHECK(!(used_dst >> d & 1), "movedim: repeated dim in `destination` (", destination, ")");
    used_src |= 1u << s;
    used_dst |= 1u << d;
    order[d] = s;
  }
  // The dims not moved keep their relative order in the free slots.
  int next = 0;
  for (int i = 0; i < n; ++i) {
    if (order[i] >= 0) continue;
    while (used_src >> next & 1) ++next;
    order[i] = next++;
  }
  return permute(self, order);
}

Tensor t(const Tensor& self) {
  EMBER_CHECK(self.dim() <= 2, "t() expects a tensor with <= 2 dimensions, but self is ", self.dim(), "D");
  return self.dim() < 2 ? transpose(self, 0, 0) : transpose(self, 0, 1);
}

Tensor squeeze(const Tensor& self) {
  Shape dims;
  for (int i = 0; i < self.dim(); ++i)
    if (self.sizes()[i] == 1) dims.push_back(i);
  return squeeze(self, dims);
}

Tensor squeeze(const Tensor& self, const Shape& dims) {
  uint32_t mask = dim_mask(dims, self.dim(), "squeeze");
  Shape sizes, strides;
  for (int i = 0; i < self.dim(); ++i) {
    if ((mask >> i & 1) && self.sizes()[i] == 1) continue;
    sizes.push_back(self.sizes()[i]);
    strides.push_back(self.strides()[i]);
  }
  Tensor out = make_view(self, sizes, strides, self.storage_offset());
  record_reshape("SqueezeBackward0", self, out);
  return out;
}

Tensor unsqueeze(const Tensor& self, int64_t dim) {
  int d = wrap_dim(dim, self.dim() + 1);
  Shape sizes = self.sizes(), strides = self.strides();
  int64_t stride = d < self.dim() ? sizes[d] * strides[d] : 1;
  sizes.insert(d, 1);
  strides.insert(d, stride);
  Tensor out = make_view(self, sizes, strides, self.storage_offset());
  record_reshape("UnsqueezeBackward0", self, out);
  return out;
}

TensorList broadcast_tensors(const TensorList& tensors) {
  Shape shape;
  for (const Tensor& t : tensors) shape = broadcast_shapes(shape, t.sizes(), "broadcast_tensors");
  TensorList out;
  for (const Tensor& t : tensors) out.push_back(t.sizes() == shape ? t : expand(t, shape));
  return out;
}

// ---- sub-ranges ------------------------------------------------------------------------------

// Views that pick a sub-range of the base: the gradient is the same view taken of zeros.
static void record_subrange(const char* name, const Tensor& self, const Tensor& out, ViewFn view_fn,
                            bool overlapping = false) {
  if (!should_record({&self})) return;
  Shape sizes = self.sizes();
  record(name, {self}, out, {}, [name, sizes, view_fn, overlapping](const TensorList& g, const TensorList&) {
    return TensorList{view_backward(name, g[0], sizes, view_fn, overlapping)};
  });
}

Tensor select(const Tensor& self, int64_t dim, int64_t index) {
  EMBER_CHECK_INDEX(self.dim() > 0, "select() cannot be applied to a 0-dim tensor.");
  int d = wrap_dim(dim, self.dim());
  int64_t size = self.sizes()[d];
  // x[i] (the common path here) words it this way in PyTorch; x.select(0, i) words it differently.
  EMBER_CHECK_INDEX(index >= -size && index < size, "index ", index, " is out of bounds for dimension ", d,
                    " with size ", size);
  if (index < 0) index += size;
  Shape sizes = self.sizes(), strides = self.strides();
  int64_t offset = self.storage_offset() + index * strides[d];
  sizes.erase(d);
  strides.erase(d);
  Tensor out = make_view(self, sizes, strides, offset);
  record_subrange("SelectBackward0", self, out, [d, index](const Tensor& x) { return select(x, d, index); });
  return out;
}

Tensor slice(const Tensor& self, int64_t dim, int64_t start, int64_t end, int64_t step) {
  EMBER_CHECK_VALUE(step > 0, "slice step must be positive");
  int d = wrap_dim(dim, self.dim());
  int64_t size = self.sizes()[d];
  auto clamp_index = [size](int64_t i) {
    if (i < 0) i += size;
    return i < 0 ? 0 : i > size ? size : i;
  };
  start = clamp_index(start);
  end = clamp_index(end);
  int64_t len = end > start ? (end - start + step - 1) / step : 0;
  Shape sizes = self.sizes(), strides = self.strides();
  int64_t offset = self.storage_offset() + start * strides[d];
  sizes[d] = len;
  strides[d] *= step;
  Tensor out = make_view(self, sizes, strides, offset);
  record_subrange("SliceBackward0", self, out,
                  [d, start, end, step](const Tensor& x) { return slice(x, d, start, end, step); });
  return out;
}

Tensor narrow(const Tensor& self, int64_t dim, int64_t start, int64_t length) {
  EMBER_CHECK(self.dim() > 0, "narrow() cannot be applied to a 0-dim tensor.");
  int d = wrap_dim(dim, self.dim());
  int64_t size = self.sizes()[d];
  EMBER_CHECK_INDEX(start >= -size && start <= size, "start out of range (expected to be in range of [", -size,
                    ", ", size, "], but got ", start, ")");
  if (start < 0) start += size;
  EMBER_CHECK(length >= 0 && start + length <= size, "start (", start, ") + length (", length,
              ") exceeds dimension size (", size, ").");
  return slice(self, d, start, start + length, 1);
}

Tensor diagonal(const Tensor& self, int64_t offset, int64_t dim1, int64_t dim2) {
  int a = wrap_dim(dim1, self.dim()), b = wrap_dim(dim2, self.dim());
  EMBER_CHECK(a != b, "diagonal dimensions cannot be identical ", dim1, ", ", dim2);
  int64_t storage_offset = self.storage_offset();
  int64_t len;
  if (offset >= 0) {
    len = std::max<int64_t>(std::min(self.sizes()[a], self.sizes()[b] - offset), 0);
    if (len > 0) storage_offset += offset * self.strides()[b];
  } else {
    len = std::max<int64_t>(std::min(self.sizes()[a] + offset, self.sizes()[b]), 0);
    if (len > 0) storage_offset -= offset * self.strides()[a];
  }
  Shape sizes, strides;
  for (int i = 0; i < self.dim(); ++i)
    if (i != a && i != b) sizes.push_back(self.sizes()[i]), strides.push_back(self.strides()[i]);
  sizes.push_back(len);
  strides.push_back(self.strides()[a] + self.strides()[b]);
  Tensor out = make_view(self, sizes, strides, storage_offset);
  record_subrange("DiagonalBackward0", self, out,
                  [offset, a, b](const Tensor& x) { return diagonal(x, offset, a, b); });
  return out;
}

Tensor unfold(const Tensor& self, int64_t dim, int64_t size, int64_t step) {
  int d = self.dim() == 0 ? 0 : wrap_dim(dim, self.dim());
  int64_t dim_size = self.dim() == 0 ? 1 : self.sizes()[d];
  EMBER_CHECK(size <= dim_size, "maximum size for tensor at dimension ", d, " is ", dim_size,
              " but size is ", size);
  EMBER_CHECK(size >= 0, "size is ", size, " but must be >= 0");
  EMBER_CHECK(step > 0, "step is ", step, " but must be > 0");
  Shape sizes = self.sizes(), strides = self.strides();
  if (self.dim() > 0) {
    sizes[d] = (dim_size - size) / step + 1;
    strides[d] = self.strides()[d] * step;
  }
  sizes.push_back(size);
  strides.push_back(self.dim() == 0 ? 1 : self.strides()[d]);
  Tensor out = make_view(self, sizes, strides, self.storage_offset());
  // Windows may overlap, so the backward adds.
  record_subrange("UnfoldBackward0", self, out,
                  [dim, size, step](const Tensor& x) { return unfold(x, dim, size, step); }, /*overlapping=*/true);
  return out;
}

}  // namespace ember
