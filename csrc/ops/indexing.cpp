#include "ops/indexing.h"

#include <climits>
#include <sstream>

#include "autograd/inplace.h"
#include "autograd/node.h"
#include "ops/copy.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/reduce.h"
#include "ops/view.h"

namespace ember {

EMBER_DEFINE_KERNEL(gather_kernel, void(const Tensor& out, const Tensor& src, const Tensor& index,
                                        const IndexSpec& spec));
EMBER_DEFINE_KERNEL(scatter_kernel, void(ScatterMode mode, const Tensor& dst, const Tensor& src,
                                         const Tensor& index, const IndexSpec& spec));
EMBER_DEFINE_KERNEL(index_offsets_kernel,
                    void(const Tensor& offsets, const Tensor& index, const IndexSpec& spec));
EMBER_DEFINE_KERNEL(masked_fill_kernel, void(const Tensor& out, const Tensor& self,
                                             const Tensor& mask, const Tensor& value));
EMBER_DEFINE_KERNEL(nonzero_kernel, Tensor(const Tensor& self));

void throw_index_error(const IndexSpec& spec, int64_t index) {
  switch (spec.error) {
    case BoundsError::Gather:
      throw RuntimeError(str("index ", index, " is out of bounds for dimension ", spec.dim,
                             " with size ", spec.size));
    case BoundsError::Index:
      throw IndexError(str("index ", index, " is out of bounds for dimension ", spec.dim,
                           " with size ", spec.size));
    case BoundsError::Select: throw IndexError("index out of range in self");
    default:
      throw IndexError(str("out of range: tried to access index ", index, " on a tensor of ",
                           spec.size, " elements."));
  }
}

// ---- helpers -------------------------------------------------------------------------------

namespace {

/// A view for kernels (no autograd) with new geometry over t's storage.
Tensor raw_view(const Tensor& t, const Shape& sizes, const Shape& strides, int64_t offset) {
  return make_tensor(t.storage(), sizes, strides, offset, t.dtype());
}
Tensor raw_view(const Tensor& t, const Shape& sizes, const Shape& strides) {
  return raw_view(t, sizes, strides, t.storage_offset());
}

/// gather/scatter treat a 0-d tensor as 1-d with one element.
Tensor at_least_1d(const Tensor& t) { return t.dim() == 0 ? raw_view(t, {1}, {1}) : t; }

/// t viewed with `sizes` (<= its own) and stride 0 along dim: element i + index[i] * stride(dim)
/// is the one gather/scatter reads or writes.
Tensor restride(const Tensor& t, const Shape& sizes, int dim) {
  Shape strides = t.strides();
  strides[dim] = 0;
  return raw_view(t, sizes, strides);
}

/// A 1-d index as a view with `sizes`, varying along dim only.
Tensor spread_index(const Tensor& index, const Shape& sizes, int dim) {
  Shape strides = Shape::filled(sizes.size(), 0);
  strides[dim] = index.dim() == 0 ? 0 : index.strides()[0];
  return raw_view(index, sizes, strides);
}

Tensor long_index(const Tensor& index, const char* op) {
  EMBER_CHECK(index.dtype() == DType::Int64 || index.dtype() == DType::Int32, op,
              "(): Expected dtype int64 for index");
  return to_dtype(index, DType::Int64);
}

/// A copy of self without history, for an out-of-place op to write into.
Tensor fresh_copy(const Tensor& self) { return clone(detach(self)); }

/// Runs an in-place op (validated by the caller, check_inplace included): `direct` writes self
/// when nothing is recorded; otherwise the out-of-place op runs on a clone and its node becomes
/// self's history (Note [In-place writes into views]).
template <typename Direct, typename OutOfPlace>
Tensor& run_inplace(Tensor& self, const TensorList& inputs, Direct direct,
                    OutOfPlace out_of_place) {
  if (!should_record(inputs)) {
    direct();
    self.bump_version();
    return self;
  }
  Tensor result = out_of_place(clone(self));
  copy_kernel(self.device(), self, result);
  self.bump_version();
  rebase_history(self, result.grad_fn());
  return self;
}

/// g (a gradient for the leading part of a tensor shaped `sizes`) zero-padded to `sizes`.
Tensor pad_to(const Tensor& g, const Shape& sizes) {
  if (g.sizes() == sizes) return g;
  Tensor out = zeros(sizes, g.dtype(), g.device());
  Tensor region = out;
  for (int d = 0; d < g.dim(); ++d) region = narrow(region, d, 0, g.sizes()[d]);
  copy_(region, g);
  return out;
}

}  // namespace

// ---- gather / scatter ----------------------------------------------------------------------

namespace {

// Checks shared by gather and scatter; returns the wrapped dim.
int check_gather_scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor* src,
                         const char* op) {
  int d = wrap_dim(dim, std::max(self.dim(), 1));
  int n = std::max(self.dim(), 1);
  EMBER_CHECK(std::max(index.dim(), 1) == n, "Index tensor must have the same number of dimensions as ",
              src ? "self" : "input", " tensor");
  if (src) {
    EMBER_CHECK(std::max(src->dim(), 1) == n,
                "Index tensor must have the same number of dimensions as src tensor");
    EMBER_CHECK(src->dtype() == self.dtype(), op, "(): Expected self.dtype to be equal to src.dtype");
  }
  Tensor s = at_least_1d(self), i = at_least_1d(index);
  for (int k = 0; k < n; ++k) {
    bool ok = (k == d || i.sizes()[k] <= s.sizes()[k]) && (!src || i.sizes()[k] <= at_least_1d(*src).sizes()[k]);
    if (src)
      EMBER_CHECK(ok, "Expected index ", index.sizes(), " to be no larger than self ", self.sizes(),
                  " apart from dimension ", d, " and to be no larger size than src ", src->sizes());
    else
      EMBER_CHECK(ok, "Size does not match at dimension ", k, " expected index ", index.sizes(),
                  " to be no larger than self ", self.sizes(), " apart from dimension ", d);
  }
  return d;
}

IndexSpec dim_spec(const Tensor& t, int d, BoundsError error, bool wrap = false) {
  return IndexSpec{t.strides()[d], t.sizes()[d], d, wrap, error};
}

// dst (a 0-d tensor counts as 1-d) gets src at index along d.
void scatter_into(ScatterMode mode, const Tensor& dst, int d, const Tensor& index, const Tensor& src) {
  if (index.numel() == 0) return;
  Tensor t = at_least_1d(dst), i = at_least_1d(index), s = at_least_1d(src);
  Tensor src_part = s.sizes() == i.sizes() ? s : raw_view(s, i.sizes(), s.strides());
  scatter_kernel(dst.device(), mode, restride(t, i.sizes(), d), src_part, i,
                 dim_spec(t, d, BoundsError::Gather));
}

}  // namespace

Tensor gather(const Tensor& self, int64_t dim, const Tensor& index_in) {
  Tensor index = long_index(index_in, "gather");
  int d = check_gather_scatter(self, dim, index, nullptr, "gather");
  Tensor out = empty(index.sizes(), self.dtype(), self.device());
  if (index.numel() > 0) {
    Tensor s = at_least_1d(self), i = at_least_1d(index);
    gather_kernel(self.device(), at_least_1d(out), restride(s, i.sizes(), d), i,
                  dim_spec(s, d, BoundsError::Gather));
  }
  if (should_record({&self})) {
    Shape sizes = self.sizes();
    record("GatherBackward0", {self}, out, {save(index)}, [sizes, d](const TensorList& g, const TensorList& s) {
      return TensorList{scatter_add(zeros(sizes, g[0].dtype(), g[0].device()), d, s[0], g[0])};
    });
  }
  return out;
}

Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index_in, const Tensor& src) {
  Tensor index = long_index(index_in, "scatter");
  int d = check_gather_scatter(self, dim, index, &src, "scatter");
  Tensor out = fresh_copy(self);
  scatter_into(ScatterMode::Assign, out, d, index, src);
  if (should_record({&self, &src})) {
    Shape src_sizes = src.sizes();
    record("ScatterBackward0", {self, src}, out, {save(index)},
           [d, src_sizes](const TensorList& g, const TensorList& s) {
             return TensorList{scatter(g[0], d, s[0], Scalar(0)), pad_to(gather(g[0], d, s[0]), src_sizes)};
           });
  }
  return out;
}

Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index_in, const Scalar& value) {
  Tensor index = long_index(index_in, "scatter");
  int d = check_gather_scatter(self, dim, index, nullptr, "scatter");
  Tensor out = fresh_copy(self);
  scatter_into(ScatterMode::Assign, out, d, index,
               expand_raw(scalar_tensor(value, self.dtype(), self.device()), index.sizes()));
  if (should_record({&self}))
    record("ScatterBackward1", {self}, out, {save(index)}, [d](const TensorList& g, const TensorList& s) {
      return TensorList{scatter(g[0], d, s[0], Scalar(0))};
    });
  return out;
}

Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  check_inplace(self, "scatter_");
  return run_inplace(self, {self, src}, [&] {
    Tensor i = long_index(index, "scatter");
    scatter_into(ScatterMode::Assign, self, check_gather_scatter(self, dim, i, &src, "scatter"), i, src);
  }, [&](const Tensor& c) { return scatter(c, dim, index, src); });
}

Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Scalar& value) {
  check_inplace(self, "scatter_");
  return run_inplace(self, {self}, [&] {
    Tensor i = long_index(index, "scatter");
    int d = check_gather_scatter(self, dim, i, nullptr, "scatter");
    scatter_into(ScatterMode::Assign, self, d, i,
                 expand_raw(scalar_tensor(value, self.dtype(), self.device()), i.sizes()));
  }, [&](const Tensor& c) { return scatter(c, dim, index, value); });
}

Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index_in, const Tensor& src) {
  Tensor index = long_index(index_in, "scatter_add");
  int d = check_gather_scatter(self, dim, index, &src, "scatter_add");
  Tensor out = fresh_copy(self);
  scatter_into(ScatterMode::Add, out, d, index, src);
  if (should_record({&self, &src})) {
    Shape src_sizes = src.sizes();
    record("ScatterAddBackward0", {self, src}, out, {save(index)},
           [d, src_sizes](const TensorList& g, const TensorList& s) {
             return TensorList{g[0], pad_to(gather(g[0], d, s[0]), src_sizes)};
           });
  }
  return out;
}

Tensor& scatter_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  check_inplace(self, "scatter_add_");
  return run_inplace(self, {self, src}, [&] {
    Tensor i = long_index(index, "scatter_add");
    scatter_into(ScatterMode::Add, self, check_gather_scatter(self, dim, i, &src, "scatter_add"), i, src);
  }, [&](const Tensor& c) { return scatter_add(c, dim, index, src); });
}

// ---- index_select / index_add ----------------------------------------------------------------

namespace {

Tensor select_index(const Tensor& index, const char* op) {
  EMBER_CHECK_INDEX(index.dim() <= 1, op, "(): Index is supposed to be a vector");
  EMBER_CHECK_INDEX(index.dtype() == DType::Int64 || index.dtype() == DType::Int32, op,
                    "(): Expected dtype int32 or int64 for index");
  return to_dtype(index, DType::Int64);
}

}  // namespace

Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index_in) {
  Tensor index = select_index(index_in, "index_select");
  int d = wrap_dim(dim, std::max(self.dim(), 1));
  Tensor s = at_least_1d(self);
  Shape sizes = s.sizes();
  sizes[d] = index.numel();
  Tensor out = empty(sizes, self.dtype(), self.device());
  if (out.numel() > 0)
    gather_kernel(self.device(), out, restride(s, sizes, d), spread_index(index, sizes, d),
                  dim_spec(s, d, BoundsError::Select));
  if (self.dim() == 0 && index.dim() == 0) out = raw_view(out, {}, {});
  if (should_record({&self})) {
    Shape self_sizes = self.sizes();
    record("IndexSelectBackward0", {self}, out, {save(index)},
           [self_sizes, d](const TensorList& g, const TensorList& s) {
             return TensorList{index_add(zeros(self_sizes, g[0].dtype(), g[0].device()), d, s[0], g[0])};
           });
  }
  return out;
}

namespace {

int check_index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source) {
  int d = wrap_dim(dim, std::max(self.dim(), 1));
  EMBER_CHECK(source.dtype() == self.dtype(), "index_add_(): self (", dtype_name(self.dtype()),
              ") and source (", dtype_name(source.dtype()), ") must have the same scalar type");
  Tensor s = at_least_1d(self), src = at_least_1d(source);
  bool same = s.dim() == src.dim();
  for (int k = 0; same && k < s.dim(); ++k) same = k == d || s.sizes()[k] == src.sizes()[k];
  EMBER_CHECK(same, "source tensor shape must match self tensor shape, excluding the specified dimension. "
              "Got self.shape = ", self.sizes(), " source.shape = ", source.sizes());
  EMBER_CHECK(index.numel() == src.sizes()[d], "index_add_(): Number of indices (", index.numel(),
              ") should be equal to source.size(dim): (", src.sizes()[d], "), for dim: ", d);
  return d;
}

void index_add_into(const Tensor& dst, int d, const Tensor& index, const Tensor& source) {
  if (source.numel() == 0) return;
  Tensor t = at_least_1d(dst), src = at_least_1d(source);
  scatter_kernel(dst.device(), ScatterMode::Add, restride(t, src.sizes(), d), src,
                 spread_index(index, src.sizes(), d), dim_spec(t, d, BoundsError::Gather));
}

}  // namespace

Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index_in, const Tensor& source,
                 const Scalar& alpha) {
  Tensor index = select_index(index_in, "index_add");
  int d = check_index_add(self, dim, index, source);
  Tensor out = fresh_copy(self);
  bool unit = alpha.to_double() == 1.0;
  index_add_into(out, d, index, unit ? source : mul(detach(source), alpha));
  if (should_record({&self, &source})) {
    record("IndexAddBackward0", {self, source}, out, {save(index)},
           [d, alpha, unit](const TensorList& g, const TensorList& s) {
             Tensor gs = index_select(g[0], d, s[0]);
             return TensorList{g[0], unit ? gs : mul(gs, alpha)};
           });
  }
  return out;
}

Tensor& index_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                   const Scalar& alpha) {
  check_inplace(self, "index_add_");
  return run_inplace(self, {self, source}, [&] {
    Tensor i = select_index(index, "index_add");
    int d = check_index_add(self, dim, i, source);
    index_add_into(self, d, i, alpha.to_double() == 1.0 ? source : mul(source, alpha));
  }, [&](const Tensor& c) { return index_add(c, dim, index, source, alpha); });
}

// ---- index_copy / index_fill ----------------------------------------------------------------

namespace {

/// The int64 1-d (or 0-d) index of index_copy/index_fill, checked with PyTorch's words.
Tensor long_vector_index(const Tensor& index, const char* op) {
  EMBER_CHECK(index.dtype() == DType::Int64, op, "(): Expected a long tensor for index, but got ",
              scalar_type_name(index.dtype()));
  EMBER_CHECK(index.dim() <= 1, op, "(): Index should have dimension 1 or 0 (got ", index.dim(), ")");
  return index;
}

/// dst.select(d, index[i]) = src.select(d, i), src restrided like index_add's source; bad indices
/// raise IndexError "<op>(): index 5 is out of bounds for dimension 0 with size 3".
void index_assign_into(const Tensor& dst, int d, const Tensor& index, const Tensor& src, const char* op) {
  if (src.numel() == 0) return;
  Tensor t = at_least_1d(dst), s = at_least_1d(src);
  Tensor i = contiguous(reshape(index, {-1}));
  for (int64_t k = 0; k < i.numel(); ++k) {
    int64_t v = i.data<int64_t>()[k];
    EMBER_CHECK_INDEX(v >= -t.sizes()[d] && v < t.sizes()[d], op, "(): index ", v,
                      " is out of bounds for dimension ", d, " with size ", t.sizes()[d]);
  }
  scatter_kernel(dst.device(), ScatterMode::Assign, restride(t, s.sizes(), d), s, spread_index(i, s.sizes(), d),
                 IndexSpec{t.strides()[d], t.sizes()[d], d, true, BoundsError::Index});
}

int check_index_copy(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source) {
  int d = wrap_dim(dim, std::max(self.dim(), 1));
  EMBER_CHECK(source.dtype() == self.dtype(), "index_copy_(): self and source expected to have the same dtype, "
              "but got (self) ", scalar_type_name(self.dtype()), " and (source) ", scalar_type_name(source.dtype()));
  Tensor s = at_least_1d(self), src = at_least_1d(source);
  bool same = s.dim() == src.dim();
  for (int k = 0; same && k < s.dim(); ++k) same = k == d || s.sizes()[k] == src.sizes()[k];
  EMBER_CHECK(same, "index_copy_(): Source/destination tensor must have same slice shapes. Got self.shape = ",
              self.sizes(), " source.shape = ", source.sizes(), " at dimension ", d);
  EMBER_CHECK_INDEX(index.numel() == src.sizes()[d], "index_copy_(): Number of indices (", index.numel(),
                    ") should be equal to source.size(dim) (", src.sizes()[d], ")");
  return d;
}

}  // namespace

Tensor index_copy(const Tensor& self, int64_t dim, const Tensor& index_in, const Tensor& source) {
  Tensor index = long_vector_index(index_in, "index_copy_");
  int d = check_index_copy(self, dim, index, source);
  Tensor out = fresh_copy(self);
  index_assign_into(out, d, index, detach(source), "index_copy_");
  if (should_record({&self, &source})) {
    record("IndexCopyBackward0", {self, source}, out, {save(index)}, [d](const TensorList& g, const TensorList& s) {
      return TensorList{index_fill(g[0], d, s[0], Scalar(0)), index_select(g[0], d, s[0])};
    });
  }
  return out;
}

Tensor& index_copy_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source) {
  check_inplace(self, "index_copy_");
  return run_inplace(self, {self, source}, [&] {
    Tensor i = long_vector_index(index, "index_copy_");
    index_assign_into(self, check_index_copy(self, dim, i, source), i, source, "index_copy_");
  }, [&](const Tensor& c) { return index_copy(c, dim, index, source); });
}

Tensor index_fill(const Tensor& self, int64_t dim, const Tensor& index_in, const Scalar& value) {
  EMBER_CHECK_INDEX(index_in.dtype() == DType::Int64, "index_fill_(): Expected dtype int64 for index.");
  EMBER_CHECK(index_in.dim() <= 1, "Index has to be a vector/scalar");
  int d = wrap_dim(dim, std::max(self.dim(), 1));
  Tensor out = fresh_copy(self);
  Shape sizes = at_least_1d(out).sizes();
  sizes[d] = index_in.numel();
  index_assign_into(out, d, index_in, expand_raw(scalar_tensor(value, self.dtype(), self.device()), sizes),
                    "index_fill_");
  if (should_record({&self}))
    record("IndexFillBackward0", {self}, out, {save(index_in)}, [d](const TensorList& g, const TensorList& s) {
      return TensorList{index_fill(g[0], d, s[0], Scalar(0))};
    });
  return out;
}

Tensor& index_fill_(Tensor& self, int64_t dim, const Tensor& index, const Scalar& value) {
  check_inplace(self, "index_fill_");
  return run_inplace(self, {self}, [&] {
    EMBER_CHECK_INDEX(index.dtype() == DType::Int64, "index_fill_(): Expected dtype int64 for index.");
    EMBER_CHECK(index.dim() <= 1, "Index has to be a vector/scalar");
    int d = wrap_dim(dim, std::max(self.dim(), 1));
    Shape sizes = at_least_1d(self).sizes();
    sizes[d] = index.numel();
    index_assign_into(self, d, index, expand_raw(scalar_tensor(value, self.dtype(), self.device()), sizes),
                      "index_fill_");
  }, [&](const Tensor& c) { return index_fill(c, dim, index, value); });
}

// ---- masks -----------------------------------------------------------------------------------

namespace {

void check_mask_fill(const Tensor& mask, const Tensor& value) {
  EMBER_CHECK(mask.dtype() == DType::Bool, "masked_fill_ only supports boolean masks, but got mask with dtype ",
              dtype_name(mask.dtype()));
  EMBER_CHECK(value.dim() == 0, "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ",
              value.dim(), " dimension(s).");
}

}  // namespace

Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value) {
  check_mask_fill(mask, value);
  Shape sizes = broadcast_shapes(self.sizes(), mask.sizes(), "masked_fill");
  Tensor out = empty(sizes, self.dtype(), self.device());
  masked_fill_kernel(self.device(), out, expand_raw(self, sizes), expand_raw(mask, sizes),
                     expand_raw(to_dtype(detach(value), self.dtype()), sizes));
  if (should_record({&self, &value})) {
    Shape self_sizes = self.sizes();
    DType value_dtype = value.dtype();
    bool value_grad = value.requires_grad();
    record("MaskedFillBackward0", {self, value}, out, {save(mask)},
           [self_sizes, value_dtype, value_grad](const TensorList& g, const TensorList& s) {
             Tensor gs = sum_to(masked_fill(g[0], s[0], Scalar(0)), self_sizes);
             Tensor gv = value_grad ? to_dtype(sum(mul(g[0], to_dtype(s[0], g[0].dtype()))), value_dtype)
                                    : Tensor();
             return TensorList{gs, gv};
           });
  }
  return out;
}

Tensor masked_fill(const Tensor& self, const Tensor& mask, const Scalar& value) {
  return masked_fill(self, mask, scalar_tensor(value, self.dtype(), self.device()));
}

Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Tensor& value) {
  check_inplace(self, "masked_fill_");
  check_mask_fill(mask, value);
  Shape sizes = broadcast_shapes(self.sizes(), mask.sizes(), "masked_fill_");
  EMBER_CHECK(sizes == self.sizes(), "output with shape ", self.sizes(),
              " doesn't match the broadcast shape ", sizes);
  return run_inplace(self, {self, value}, [&] {
    masked_fill_kernel(self.device(), self, self, expand_raw(mask, sizes),
                       expand_raw(to_dtype(value, self.dtype()), sizes));
  }, [&](const Tensor& c) { return masked_fill(c, mask, value); });
}

Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Scalar& value) {
  return masked_fill_(self, mask, scalar_tensor(value, self.dtype(), self.device()));
}

Tensor masked_select(const Tensor& self, const Tensor& mask) {
  EMBER_CHECK(mask.dtype() == DType::Bool, "masked_select: expected BoolTensor for mask");
  Shape sizes = broadcast_shapes(self.sizes(), mask.sizes(), "masked_select");
  if (sizes.empty()) sizes = {1};
  return index(expand(reshape(self, self.dim() ? self.sizes() : Shape{1}), sizes),
               {expand_raw(mask.dim() ? mask : raw_view(mask, {1}, {1}), sizes)});
}

Tensor nonzero(const Tensor& self) {
  return nonzero_kernel(self.device(), contiguous(detach(self)));
}

TensorList nonzero_tuple(const Tensor& self) {
  Tensor nz = nonzero(self.dim() ? self : raw_view(self, {1}, {1}));
  TensorList out;
  for (int d = 0; d < nz.sizes()[1]; ++d) out.push_back(select(nz, 1, d));
  return out;
}

// ---- take ------------------------------------------------------------------------------------

Tensor take_along_dim(const Tensor& self, const Tensor& indices, std::optional<int64_t> dim) {
  EMBER_CHECK(indices.dtype() == DType::Int64 || indices.dtype() == DType::Int32,
              "torch.take_along_dim(): dtype of indices should be int64 but got ", dtype_name(indices.dtype()),
              " instead");
  if (!dim) return gather(reshape(self, {-1}), 0, reshape(indices, {-1}));
  EMBER_CHECK(self.dim() == indices.dim(), "torch.take_along_dim(): input and indices should have the same "
              "number of dimensions, but got ", self.dim(), " dimensions for input, and ", indices.dim(),
              " dimensions for indices");
  int d = wrap_dim(*dim, std::max(self.dim(), 1));
  if (self.dim() == 0) return gather(self, d, indices);
  Shape a = self.sizes(), b = indices.sizes();
  a[d] = 1;
  b[d] = 1;
  Shape common = broadcast_shapes(a, b, "take_along_dim");
  Shape self_sizes = common, index_sizes = common;
  self_sizes[d] = self.sizes()[d];
  index_sizes[d] = indices.sizes()[d];
  return gather(expand(self, self_sizes), d, expand_raw(indices, index_sizes));
}

Tensor take(const Tensor& self, const Tensor& index_in) {
  Tensor index = long_index(index_in, "take");
  Tensor flat = reshape(self, {-1});
  Tensor out = empty(index.sizes(), self.dtype(), self.device());
  if (index.numel() > 0) {
    IndexSpec spec{flat.strides()[0], flat.numel(), 0, true, BoundsError::Take};
    gather_kernel(self.device(), out, raw_view(flat, index.sizes(), Shape::filled(index.dim(), 0)), index, spec);
  }
  if (should_record({&self})) {
    Shape sizes = self.sizes();
    record("TakeBackward0", {self}, out, {save(index)}, [sizes](const TensorList& g, const TensorList& s) {
      Tensor flat_grad = zeros({numel_of(sizes)}, g[0].dtype(), g[0].device());
      return TensorList{reshape(index_put(flat_grad, {s[0]}, g[0], true), sizes)};
    });
  }
  return out;
}

// ---- advanced indexing -----------------------------------------------------------------------

namespace {

/// Advanced indices made ready for the kernels, relative to one target tensor: masks replaced by
/// their coordinates, int32 made int64, all broadcast together, the indexed dims made adjacent
/// (moved to the front when they are not, NumPy's rule) and linearised into element offsets.
struct AdvancedIndex {
  TensorList indices;  // one per dim of the target (undefined: not indexed)
  Shape perm;          // target dims in result order
  Shape dims;          // the indexed dims of the target
  int first = 0;       // where the broadcast index dims start in the result
  Shape index_shape, out_sizes;
  Tensor offsets;      // int64 shaped out_sizes, stride 0 outside the index dims
  IndexSpec spec;

  /// t (shaped like the target) viewed as out_sizes, with stride 0 along the index dims.
  Tensor restrided(const Tensor& t) const {
    Shape strides;
    int count = dims.size();
    for (int i = 0; i < first; ++i) strides.push_back(t.strides()[perm[i]]);
    for (int i = 0; i < index_shape.size(); ++i) strides.push_back(0);
    for (int i = first + count; i < perm.size(); ++i) strides.push_back(t.strides()[perm[i]]);
    return raw_view(t, out_sizes, strides);
  }
};

TensorList expand_masks(const Tensor& self, const TensorList& indices) {
  TensorList out;
  for (const Tensor& idx : indices) {
    int d = out.size();
    if (!idx.defined()) {
      out.push_back(idx);
    } else if (idx.dtype() == DType::Bool || idx.dtype() == DType::UInt8) {
      EMBER_CHECK_INDEX(d + idx.dim() <= self.dim(), "too many indices for tensor of dimension ", self.dim());
      for (int j = 0; j < idx.dim(); ++j)
        EMBER_CHECK_INDEX(idx.sizes()[j] == self.sizes()[d + j], "The shape of the mask ", idx.sizes(),
                          " at index ", j, " does not match the shape of the indexed tensor ", self.sizes(),
                          " at index ", d + j);
      Tensor nz = nonzero(idx);
      for (int j = 0; j < idx.dim(); ++j) out.push_back(select(nz, 1, j));
    } else {
      EMBER_CHECK_INDEX(idx.dtype() == DType::Int64 || idx.dtype() == DType::Int32,
                        "tensors used as indices must be long, int, byte or bool tensors");
      out.push_back(to_dtype(detach(idx), DType::Int64));
    }
  }
  EMBER_CHECK_INDEX(static_cast<int>(out.size()) <= self.dim(), "too many indices for tensor of dimension ",
                    self.dim());
  return out;
}

bool try_broadcast(const Shape& a, const Shape& b, Shape& out) {
  int n = std::max(a.size(), b.size());
  out = Shape::filled(n, 1);
  for (int i = 0; i < n; ++i) {
    int ia = i - (n - a.size()), ib = i - (n - b.size());
    int64_t x = ia >= 0 ? a[ia] : 1, y = ib >= 0 ? b[ib] : 1;
    if (x != y && x != 1 && y != 1) return false;
    out[i] = x == 1 ? y : x;
  }
  return true;
}

AdvancedIndex prepare(const Tensor& target, const TensorList& indices) {
  AdvancedIndex ai;
  ai.indices = expand_masks(target, indices);
  ai.indices.resize(target.dim());
  bool ok = true;
  for (int d = 0; d < target.dim(); ++d) {
    if (!ai.indices[d].defined()) continue;
    const Shape& s = ai.indices[d].sizes();
    Shape merged = s;
    ok = ok && (ai.dims.empty() || try_broadcast(ai.index_shape, s, merged));
    ai.index_shape = merged;
    ai.dims.push_back(d);
  }
  if (!ok) {
    std::ostringstream os;
    for (int d : ai.dims) os << (d == ai.dims[0] ? "" : ", ") << ai.indices[d].sizes();
    throw IndexError("shape mismatch: indexing tensors could not be broadcast together with shapes " + os.str());
  }
  const int count = ai.dims.size();
  bool adjacent = count == 0 || ai.dims.back() - ai.dims[0] + 1 == count;
  ai.first = adjacent && count ? ai.dims[0] : 0;
  for (int d : ai.dims) ai.perm.push_back(d);
  for (int d = 0; d < target.dim(); ++d)
    if (!ai.indices[d].defined()) ai.perm.push_back(d);
  if (adjacent) {
    ai.perm = Shape();
    for (int d = 0; d < target.dim(); ++d) ai.perm.push_back(d);
  }
  for (int i = 0; i < ai.first; ++i) ai.out_sizes.push_back(target.sizes()[ai.perm[i]]);
  for (int64_t s : ai.index_shape) ai.out_sizes.push_back(s);
  for (int i = ai.first + count; i < target.dim(); ++i) ai.out_sizes.push_back(target.sizes()[ai.perm[i]]);

  // One index reads its own values in the kernel; several are summed into offsets first.
  Tensor offsets;
  if (count == 1) {
    int d = ai.dims[0];
    offsets = expand_raw(ai.indices[d], ai.index_shape);
    ai.spec = IndexSpec{target.strides()[d], target.sizes()[d], d, true, BoundsError::Index};
  } else {
    offsets = zeros(ai.index_shape, DType::Int64, target.device());
    for (int d : ai.dims)
      if (offsets.numel() > 0)
        index_offsets_kernel(target.device(), offsets, expand_raw(ai.indices[d], ai.index_shape),
                             IndexSpec{target.strides()[d], target.sizes()[d], d, true, BoundsError::Index});
    ai.spec = IndexSpec{1, INT64_MAX, 0, false, BoundsError::Index};
  }
  Shape strides = Shape::filled(ai.out_sizes.size(), 0);
  for (int i = 0; i < ai.index_shape.size(); ++i) strides[ai.first + i] = offsets.strides()[i];
  ai.offsets = raw_view(offsets, ai.out_sizes, strides);
  return ai;
}

/// The saved indices (the defined ones, in dim order) back as one entry per dim of a tensor of ndim.
TensorList unpack_indices(const Shape& dims, const TensorList& saved, int ndim) {
  TensorList out(ndim);
  for (int i = 0; i < dims.size(); ++i) out[dims[i]] = saved[i];
  return out;
}

std::vector<SavedTensor> save_indices(const AdvancedIndex& ai) {
  std::vector<SavedTensor> saved;
  for (int d : ai.dims) saved.push_back(save(ai.indices[d]));
  return saved;
}

void check_values(const AdvancedIndex& ai, const Tensor& self, const Tensor& values) {
  EMBER_CHECK(values.dtype() == self.dtype(), "Index put requires the source and destination dtypes match, got ",
              dtype_name(self.dtype()), " for the destination and ", dtype_name(values.dtype()), " for the source.");
  Shape b;
  EMBER_CHECK(try_broadcast(values.sizes(), ai.out_sizes, b) && b == ai.out_sizes, "shape mismatch: value tensor of shape ",
              values.sizes(), " cannot be broadcast to indexing result of shape ", ai.out_sizes);
}

void put_into(const Tensor& dst, const AdvancedIndex& ai, const Tensor& values, bool accumulate) {
  if (numel_of(ai.out_sizes) == 0) return;
  scatter_kernel(dst.device(), accumulate ? ScatterMode::Add : ScatterMode::Assign, ai.restrided(dst),
                 expand_raw(values, ai.out_sizes), ai.offsets, ai.spec);
}

}  // namespace

Tensor index(const Tensor& self, const TensorList& indices) {
  AdvancedIndex ai = prepare(self, indices);
  Tensor out = empty(ai.out_sizes, self.dtype(), self.device());
  if (out.numel() > 0) gather_kernel(self.device(), out, ai.restrided(self), ai.offsets, ai.spec);
  if (should_record({&self})) {
    Shape sizes = self.sizes(), dims = ai.dims;
    record("IndexBackward0", {self}, out, save_indices(ai), [sizes, dims](const TensorList& g, const TensorList& s) {
      Tensor z = zeros(sizes, g[0].dtype(), g[0].device());
      return TensorList{index_put(z, unpack_indices(dims, s, sizes.size()), g[0], true)};
    });
  }
  return out;
}

Tensor index_put(const Tensor& self, const TensorList& indices, const Tensor& values, bool accumulate) {
  Tensor out = fresh_copy(self);
  AdvancedIndex ai = prepare(out, indices);
  check_values(ai, self, values);
  put_into(out, ai, values, accumulate);
  if (should_record({&self, &values})) {
    Shape sizes = self.sizes(), dims = ai.dims, value_sizes = values.sizes();
    bool value_grad = values.requires_grad();
    record("IndexPutBackward0", {self, values}, out, save_indices(ai),
           [sizes, dims, value_sizes, value_grad, accumulate](const TensorList& g, const TensorList& s) {
             TensorList idx = unpack_indices(dims, s, sizes.size());
             Tensor gs = accumulate ? g[0] : index_put(g[0], idx, zeros({}, g[0].dtype(), g[0].device()), false);
             Tensor gv = value_grad ? sum_to(index(g[0], idx), value_sizes) : Tensor();
             return TensorList{gs, gv};
           });
  }
  return out;
}

Tensor& index_put_(Tensor& self, const TensorList& indices, const Tensor& values, bool accumulate) {
  check_inplace(self, "index_put_");
  AdvancedIndex ai = prepare(self, indices);
  check_values(ai, self, values);
  return run_inplace(self, {self, values}, [&] { put_into(self, ai, values, accumulate); },
                     [&](const Tensor& c) { return index_put(c, indices, values, accumulate); });
}

}  // namespace ember
