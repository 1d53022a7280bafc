#include "ops/shape.h"

#include <algorithm>
#include <cmath>

#include "autograd/node.h"
#include "ops/copy.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/indexing.h"
#include "ops/reduce.h"
#include "ops/view.h"

namespace ember {

EMBER_DEFINE_KERNEL(sort_kernel, void(const Tensor& values, const Tensor& indices, const Tensor& in,
                                      int dim, bool descending, bool stable));
EMBER_DEFINE_KERNEL(topk_kernel, void(const Tensor& values, const Tensor& indices, const Tensor& in,
                                      int dim, int64_t k, bool largest));
EMBER_DEFINE_KERNEL(kthvalue_kernel, void(const Tensor& values, const Tensor& indices,
                                          const Tensor& in, int dim, int64_t k, bool nan_propagates));
EMBER_DEFINE_KERNEL(trilu_kernel, void(const Tensor& out, int64_t diagonal, bool upper));
EMBER_DEFINE_KERNEL(accumulate_kernel, void(const Tensor& dst, const Tensor& src));

namespace {

void check_same_devices(const TensorList& tensors, const char* op) {
  for (const Tensor& t : tensors)
    EMBER_CHECK(t.device() == tensors[0].device(), "[", op,
                "] Expected all tensors to be on the same device, but found at least two devices, ",
                tensors[0].device().str(), " and ", t.device().str(), "!");
}

DType promoted_dtype(const TensorList& tensors) {
  DType t = tensors[0].dtype();
  for (const Tensor& x : tensors) t = promote_types(t, x.dtype());
  return t;
}

// The gradient of an input that was cast up to the op's dtype goes back in its own dtype.
Tensor grad_as(const Tensor& g, DType dtype) { return g.dtype() == dtype ? g : to_dtype(g, dtype); }

// Several views of self sharing one node, whose backward joins their gradients: one node rather
// than one per view keeps the backward of split/unbind linear in the input size.
TensorList record_pieces(const char* name, const Tensor& self, TensorList pieces,
                         std::function<Tensor(const TensorList&)> join) {
  if (should_record({&self}))
    record_multi(name, {self}, pieces, {}, [join](const TensorList& g, const TensorList&) {
      return TensorList{join(g)};
    });
  return pieces;
}

// Pieces of self along d with the given sizes (views made without autograd; see record_pieces).
TensorList pieces_along(const char* name, const Tensor& self, int d, const std::vector<int64_t>& sizes) {
  TensorList out;
  {
    GradModeGuard no_grad(false);
    int64_t start = 0;
    for (int64_t s : sizes) {
      out.push_back(narrow(self, d, start, s));
      start += s;
    }
  }
  return record_pieces(name, self, std::move(out), [d](const TensorList& g) { return cat(g, d); });
}

}  // namespace

// ---- joining ---------------------------------------------------------------------------------

Tensor cat(const TensorList& tensors, int64_t dim) {
  EMBER_CHECK_VALUE(!tensors.empty(), "torch.cat(): expected a non-empty list of Tensors");
  check_same_devices(tensors, "cat");
  // PyTorch's legacy rule: 1-d empty tensors take no part in the shape checks.
  auto skipped = [](const Tensor& t) { return t.dim() == 1 && t.sizes()[0] == 0; };
  const Tensor* ref = nullptr;
  for (size_t i = 0; i < tensors.size(); ++i) {
    EMBER_CHECK(tensors[i].dim() > 0, "zero-dimensional tensor (at position ", i,
                ") cannot be concatenated");
    if (!ref && !skipped(tensors[i])) ref = &tensors[i];
  }
  DType dtype = promoted_dtype(tensors);
  if (!ref) return empty({0}, dtype, tensors[0].device());
  int d = wrap_dim(dim, ref->dim());
  Shape sizes = ref->sizes();
  sizes[d] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (skipped(t)) continue;
    EMBER_CHECK(t.dim() == ref->dim(), "Tensors must have same number of dimensions: got ", ref->dim(),
                " and ", t.dim());
    for (int k = 0; k < t.dim(); ++k)
      EMBER_CHECK(k == d || t.sizes()[k] == ref->sizes()[k], "Sizes of tensors must match except in dimension ",
                  d, ". Expected size ", ref->sizes()[k], " but got size ", t.sizes()[k], " for tensor number ",
                  i, " in the list.");
    sizes[d] += t.sizes()[d];
  }
  Tensor out = empty(sizes, dtype, ref->device());
  int64_t offset = 0;
  std::vector<int64_t> starts;
  for (const Tensor& t : tensors) {
    starts.push_back(offset);
    if (skipped(t)) continue;
    int64_t n = t.sizes()[d];
    if (n > 0 && t.numel() > 0) copy_kernel(out.device(), narrow(out, d, offset, n), t);
    offset += n;
  }
  if (should_record(tensors)) {
    std::vector<std::pair<Shape, DType>> metas;
    for (const Tensor& t : tensors) metas.emplace_back(t.sizes(), t.dtype());
    record("CatBackward0", tensors, out, {}, [metas, starts, d](const TensorList& g, const TensorList&) {
      TensorList grads;
      for (size_t i = 0; i < metas.size(); ++i) {
        const Shape& s = metas[i].first;
        bool skip = s.size() == 1 && s[0] == 0;
        grads.push_back(skip ? zeros(s, metas[i].second, g[0].device())
                             : grad_as(narrow(g[0], d, starts[i], s[d]), metas[i].second));
      }
      return grads;
    });
  }
  return out;
}

Tensor stack(const TensorList& tensors, int64_t dim) {
  EMBER_CHECK(!tensors.empty(), "stack expects a non-empty TensorList");
  check_same_devices(tensors, "stack");
  const Shape& shape = tensors[0].sizes();
  for (size_t i = 1; i < tensors.size(); ++i)
    EMBER_CHECK(tensors[i].sizes() == shape, "stack expects each tensor to be equal size, but got ", shape,
                " at entry 0 and ", tensors[i].sizes(), " at entry ", i);
  int d = wrap_dim(dim, shape.size() + 1);
  Shape sizes = shape;
  sizes.insert(d, static_cast<int64_t>(tensors.size()));
  Tensor out = empty(sizes, promoted_dtype(tensors), tensors[0].device());
  if (out.numel() > 0)
    for (size_t i = 0; i < tensors.size(); ++i) copy_kernel(out.device(), select(out, d, i), tensors[i]);
  if (should_record(tensors)) {
    std::vector<DType> dtypes;
    for (const Tensor& t : tensors) dtypes.push_back(t.dtype());
    record("StackBackward0", tensors, out, {}, [dtypes, d](const TensorList& g, const TensorList&) {
      TensorList grads;
      for (size_t i = 0; i < dtypes.size(); ++i) grads.push_back(grad_as(select(g[0], d, i), dtypes[i]));
      return grads;
    });
  }
  return out;
}

Tensor atleast_1d(const Tensor& self) { return self.dim() == 0 ? reshape(self, {1}) : self; }

Tensor atleast_2d(const Tensor& self) {
  if (self.dim() >= 2) return self;
  return self.dim() == 0 ? reshape(self, {1, 1}) : unsqueeze(self, 0);
}

Tensor atleast_3d(const Tensor& self) {
  switch (self.dim()) {
    case 0: return reshape(self, {1, 1, 1});
    case 1: return unsqueeze(unsqueeze(self, 0), -1);
    case 2: return unsqueeze(self, -1);
    default: return self;
  }
}

static TensorList map_tensors(const TensorList& tensors, Tensor (*fn)(const Tensor&)) {
  TensorList out;
  for (const Tensor& t : tensors) out.push_back(fn(t));
  return out;
}

Tensor hstack(const TensorList& tensors) {
  EMBER_CHECK(!tensors.empty(), "hstack expects a non-empty TensorList");
  TensorList ts = map_tensors(tensors, &atleast_1d);
  return cat(ts, ts[0].dim() == 1 ? 0 : 1);
}

Tensor vstack(const TensorList& tensors) {
  EMBER_CHECK(!tensors.empty(), "vstack expects a non-empty TensorList");
  return cat(map_tensors(tensors, &atleast_2d), 0);
}

Tensor dstack(const TensorList& tensors) {
  EMBER_CHECK(!tensors.empty(), "dstack expects a non-empty TensorList");
  return cat(map_tensors(tensors, &atleast_3d), 2);
}

// ---- splitting -------------------------------------------------------------------------------

TensorList split(const Tensor& self, int64_t split_size, int64_t dim) {
  EMBER_CHECK(self.dim() > 0, "split expects at least a 1-dimensional tensor");
  EMBER_CHECK(split_size >= 0, "split expects split_size be non-negative, but got split_size=", split_size);
  int d = wrap_dim(dim, self.dim());
  int64_t n = self.sizes()[d];
  EMBER_CHECK(split_size > 0 || n == 0, "split_size can only be 0 if dimension size is 0, but got dimension size of ", n);
  std::vector<int64_t> sizes;
  if (split_size == 0) sizes.push_back(0);
  for (int64_t start = 0; start < n || (n == 0 && sizes.empty()); start += split_size)
    sizes.push_back(std::min(split_size, n - start));
  return pieces_along("SplitBackward0", self, d, sizes);
}

TensorList split_with_sizes(const Tensor& self, const Shape& sizes, int64_t dim) {
  EMBER_CHECK(self.dim() > 0, "split expects at least a 1-dimensional tensor");
  int d = wrap_dim(dim, self.dim());
  int64_t total = 0;
  for (int64_t s : sizes) {
    EMBER_CHECK(s >= 0, "split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=",
                sizes);
    total += s;
  }
  EMBER_CHECK(total == self.sizes()[d], "split_with_sizes expects split_sizes to sum exactly to ", self.sizes()[d],
              " (input tensor's size at dimension ", d, "), but got split_sizes=", sizes);
  return pieces_along("SplitWithSizesBackward0", self, d, sizes.vec());
}

TensorList chunk(const Tensor& self, int64_t chunks, int64_t dim) {
  EMBER_CHECK(self.dim() > 0, "chunk expects at least a 1-dimensional tensor");
  EMBER_CHECK(chunks > 0, "chunk expects `chunks` to be greater than 0, got: ", chunks);
  int64_t n = self.size(dim);
  return split(self, (n + chunks - 1) / chunks, dim);
}

TensorList tensor_split(const Tensor& self, int64_t sections, int64_t dim) {
  EMBER_CHECK(self.dim() > 0, "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims");
  EMBER_CHECK(sections > 0, "number of sections must be larger than 0, got ", sections);
  int d = wrap_dim(dim, self.dim());
  int64_t n = self.sizes()[d];
  std::vector<int64_t> sizes;
  for (int64_t i = 0; i < sections; ++i) sizes.push_back(n / sections + (i < n % sections ? 1 : 0));
  return pieces_along("SplitWithSizesBackward0", self, d, sizes);
}

TensorList tensor_split(const Tensor& self, const Shape& indices, int64_t dim) {
  EMBER_CHECK(self.dim() > 0, "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims");
  int d = wrap_dim(dim, self.dim());
  int64_t n = self.sizes()[d];
  auto clamp = [n](int64_t i) { return std::min(std::max(i < 0 ? i + n : i, int64_t(0)), n); };
  std::vector<int64_t> sizes;
  int64_t start = 0;
  for (int64_t i : indices) {
    int64_t end = std::max(clamp(i), start);
    sizes.push_back(end - start);
    start = end;
  }
  sizes.push_back(n - start);
  return pieces_along("SplitWithSizesBackward0", self, d, sizes);
}

TensorList unbind(const Tensor& self, int64_t dim) {
  EMBER_CHECK_INDEX(self.dim() > 0, "Dimension specified as 0 but tensor has no dimensions");
  int d = wrap_dim(dim, self.dim());
  TensorList out;
  {
    GradModeGuard no_grad(false);
    for (int64_t i = 0; i < self.sizes()[d]; ++i) out.push_back(select(self, d, i));
  }
  return record_pieces("UnbindBackward0", self, std::move(out), [d](const TensorList& g) { return stack(g, d); });
}

// ---- reordering ------------------------------------------------------------------------------

Tensor flip(const Tensor& self, const Shape& dims) {
  uint32_t mask = dim_mask(dims, self.dim(), "flip");
  // A kernel-only view that walks the flipped dims backwards (negative strides never reach the
  // user), so the flip is a single copy.
  Shape strides = self.strides();
  int64_t offset = self.storage_offset();
  for (int i = 0; i < self.dim(); ++i) {
    if (!(mask >> i & 1) || self.sizes()[i] == 0) continue;
    offset += (self.sizes()[i] - 1) * strides[i];
    strides[i] = -strides[i];
  }
  Tensor out = empty(self.sizes(), self.dtype(), self.device());
  copy_kernel(self.device(), out, make_tensor(self.storage(), self.sizes(), strides, offset, self.dtype()));
  if (should_record({&self}))
    record("FlipBackward0", {self}, out, {}, [dims](const TensorList& g, const TensorList&) {
      return TensorList{flip(g[0], dims)};
    });
  return out;
}

Tensor fliplr(const Tensor& self) {
  EMBER_CHECK(self.dim() >= 2, "Input must be >= 2-d.");
  return flip(self, {1});
}

Tensor flipud(const Tensor& self) {
  EMBER_CHECK(self.dim() >= 1, "Input must be >= 1-d.");
  return flip(self, {0});
}

Tensor roll(const Tensor& self, const Shape& shifts, const Shape& dims) {
  EMBER_CHECK(!shifts.empty(), "`shifts` required");
  if (dims.empty() && shifts.size() == 1) {
    Tensor flat = flatten(self);
    return view(roll(contiguous(flat), shifts, {0}), self.sizes());
  }
  EMBER_CHECK(shifts.size() == dims.size(), "shifts and dimensions must align. shifts: ", shifts.size(),
              ", dims:", dims.size());
  Shape wrapped;
  for (int64_t d : dims) wrapped.push_back(wrap_dim(d, self.dim()));
  Tensor out = empty(self.sizes(), self.dtype(), self.device());
  // Each rolled dim splits into two blocks ([0, n-s) moves to [s, n), [n-s, n) to [0, s)), so the
  // roll is 2^k block copies, whatever the tensor's size.
  int k = wrapped.size();
  if (self.numel() > 0) {
    for (uint32_t blocks = 0; blocks < (1u << k); ++blocks) {
      Tensor src = self, dst = out;
      for (int i = 0; i < k; ++i) {
        int d = wrapped[i];
        int64_t n = self.sizes()[d];
        int64_t s = ((shifts[i] % n) + n) % n;
        bool tail = blocks >> i & 1;
        int64_t len = tail ? s : n - s;
        src = narrow(src, d, tail ? n - s : 0, len);
        dst = narrow(dst, d, tail ? 0 : s, len);
      }
      if (src.numel() > 0) copy_kernel(self.device(), dst, src);
    }
  }
  if (should_record({&self})) {
    Shape back;
    for (int64_t s : shifts) back.push_back(-s);
    record("RollBackward0", {self}, out, {}, [back, wrapped](const TensorList& g, const TensorList&) {
      return TensorList{roll(g[0], back, wrapped)};
    });
  }
  return out;
}

// ---- replication -----------------------------------------------------------------------------

Tensor repeat(const Tensor& self, const Shape& repeats) {
  EMBER_CHECK(repeats.size() >= self.dim(),
              "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor");
  int n = repeats.size(), lead = n - self.dim();
  for (int64_t r : repeats) EMBER_CHECK(r >= 0, "Trying to create tensor with negative dimension ", r, ": ", repeats);
  // View the output as [r0, s0, r1, s1, ...] and the input as [1, s0, 1, s1, ...] expanded to it:
  // the whole repeat is one copy.
  Shape sizes, interleaved, src_sizes;
  for (int i = 0; i < n; ++i) {
    int64_t s = i < lead ? 1 : self.sizes()[i - lead];
    sizes.push_back(s * repeats[i]);
    interleaved.push_back(repeats[i]);
    interleaved.push_back(s);
    src_sizes.push_back(1);
    src_sizes.push_back(s);
  }
  Tensor out = empty(sizes, self.dtype(), self.device());
  if (out.numel() > 0) {
    Tensor dst = make_tensor(out.storage(), interleaved, contiguous_strides(interleaved), 0, out.dtype());
    Tensor src = reshape(detach(self), src_sizes);
    copy_kernel(self.device(), dst, expand_raw(src, interleaved));
  }
  if (should_record({&self})) {
    Shape self_sizes = self.sizes(), rdims;
    for (int i = 0; i < n; ++i) rdims.push_back(2 * i);
    record("RepeatBackward0", {self}, out, {}, [interleaved, rdims, self_sizes](const TensorList& g, const TensorList&) {
      return TensorList{reshape(sum(reshape(g[0], interleaved), rdims), self_sizes)};
    });
  }
  return out;
}

Tensor tile(const Tensor& self, const Shape& reps) {
  Shape padded = reps;
  while (padded.size() < self.dim()) padded.insert(0, 1);
  return repeat(self, padded);
}

Tensor repeat_interleave(const Tensor& self, int64_t repeats, std::optional<int64_t> dim) {
  EMBER_CHECK(repeats >= 0, "Repeats must be non-negative");
  if (!dim) return repeat_interleave(flatten(self), repeats, 0);
  int d = wrap_dim(*dim, self.dim());
  if (self.dim() == 0) return repeat_interleave(reshape(self, {1}), repeats, 0);
  // [.., n, ..] -> [.., n, 1, ..] expanded to [.., n, r, ..] -> [.., n*r, ..]: views and one copy.
  Tensor x = unsqueeze(self, d + 1);
  Shape expanded = x.sizes();
  expanded[d + 1] = repeats;
  Shape sizes = self.sizes();
  sizes[d] *= repeats;
  return reshape(expand(x, expanded), sizes);
}

Tensor repeat_interleave(const Tensor& self, const Tensor& repeats, std::optional<int64_t> dim) {
  EMBER_CHECK(repeats.dim() <= 1, "repeats must be 0-dim or 1-dim tensor");
  EMBER_CHECK_TYPE(is_integral(repeats.dtype(), false), "repeats has to be Long or Int tensor");
  if (!dim) return repeat_interleave(flatten(self), repeats, 0);
  Tensor x = self.dim() == 0 ? reshape(self, {1}) : self;
  int d = wrap_dim(*dim, x.dim());
  Tensor counts = contiguous(to_dtype(to_device(repeats, Device{}), DType::Int64));
  if (counts.numel() == 1) return repeat_interleave(x, counts.data<int64_t>()[0], d);
  int64_t n = x.sizes()[d];
  EMBER_CHECK(counts.numel() == n, "repeats must have the same size as input along dim, but got repeats.size(0) = ",
              counts.numel(), " and input.size(", d, ") = ", n);
  // Element i becomes a length-1 slice expanded to repeats[i]; cat joins them (all views but one
  // copy, and differentiable through narrow/expand/cat).
  TensorList parts;
  for (int64_t i = 0; i < n; ++i) {
    int64_t r = counts.data<int64_t>()[i];
    EMBER_CHECK(r >= 0, "repeats can not be negative");
    if (r == 0) continue;
    Tensor piece = narrow(x, d, i, 1);
    Shape sizes = piece.sizes();
    sizes[d] = r;
    parts.push_back(expand(piece, sizes));
  }
  if (parts.empty()) return clone(narrow(x, d, 0, 0));
  return cat(parts, d);
}

Tensor repeat_interleave(const Tensor& repeats) {
  EMBER_CHECK(repeats.dim() == 1, "repeat_interleave only accept 1D vector as repeat");
  EMBER_CHECK_TYPE(is_integral(repeats.dtype(), false), "repeats has to be Long or Int tensor");
  Tensor counts = contiguous(to_dtype(to_device(repeats, Device{}), DType::Int64));
  int64_t total = 0;
  for (int64_t i = 0; i < counts.numel(); ++i) {
    EMBER_CHECK(counts.data<int64_t>()[i] >= 0, "repeats can not be negative");
    total += counts.data<int64_t>()[i];
  }
  Tensor out = empty({total}, DType::Int64);
  int64_t* o = out.data<int64_t>();
  for (int64_t i = 0; i < counts.numel(); ++i) o = std::fill_n(o, counts.data<int64_t>()[i], i);
  return to_device(out, repeats.device());
}

// ---- selecting by order ----------------------------------------------------------------------

void record_selected(const char* name, const Tensor& self, const Tensor& values, const Tensor& indices, int d,
                     bool squeezed) {
  if (!should_record({&self})) return;
  Shape sizes = self.sizes();
  record(name, {self}, values, {save(indices)}, [d, sizes, squeezed](const TensorList& g, const TensorList& s) {
    Tensor grad = squeezed ? unsqueeze(g[0], d) : g[0];
    Tensor index = squeezed ? unsqueeze(s[0], d) : s[0];
    return TensorList{scatter_add(zeros(sizes, grad.dtype(), grad.device()), d, index, grad)};
  });
}

namespace {

// Kernels see a 0-d tensor as a 1-element row.
Tensor as_row(const Tensor& t) { return t.dim() == 0 ? reshape(detach(t), {1}) : t; }

}  // namespace

std::pair<Tensor, Tensor> sort(const Tensor& self, int64_t dim, bool descending, bool stable) {
  int d = wrap_dim(dim, self.dim());
  Tensor values = empty(self.sizes(), self.dtype(), self.device());
  Tensor indices = empty(self.sizes(), DType::Int64, self.device());
  if (self.numel() > 0)
    sort_kernel(self.device(), as_row(values), as_row(indices), as_row(self), d, descending, stable);
  record_selected("SortBackward0", self, values, indices, d, false);
  return {values, indices};
}

Tensor argsort(const Tensor& self, int64_t dim, bool descending, bool stable) {
  GradModeGuard no_grad(false);
  return sort(self, dim, descending, stable).second;
}

std::pair<Tensor, Tensor> topk(const Tensor& self, int64_t k, int64_t dim, bool largest, bool sorted) {
  int d = wrap_dim(dim, self.dim());
  int64_t n = self.dim() == 0 ? 1 : self.sizes()[d];
  EMBER_CHECK(k >= 0 && k <= n, "selected index k out of range");
  Shape sizes = self.sizes();
  if (self.dim() > 0) sizes[d] = k;
  Tensor values = empty(sizes, self.dtype(), self.device());
  Tensor indices = empty(sizes, DType::Int64, self.device());
  // A 0-d input is its own top element (PyTorch returns it even for k = 0).
  if (values.numel() > 0)
    topk_kernel(self.device(), as_row(values), as_row(indices), as_row(self), d, self.dim() == 0 ? 1 : k, largest);
  record_selected("TopkBackward0", self, values, indices, d, false);
  return {values, indices};
}

// The k-th smallest (0-based) along d, the shared body of kthvalue and median.
static std::pair<Tensor, Tensor> select_kth(const char* name, const Tensor& self, int d, int64_t k,
                                            bool keepdim, bool nan_propagates) {
  Shape kept = self.sizes();
  if (self.dim() > 0) kept[d] = 1;
  Tensor values = empty(kept, self.dtype(), self.device());
  Tensor indices = empty(kept, DType::Int64, self.device());
  if (values.numel() > 0)
    kthvalue_kernel(self.device(), as_row(values), as_row(indices), as_row(self), d, k, nan_propagates);
  if (!keepdim && self.dim() > 0) {
    values = squeeze(values, {d});
    indices = squeeze(indices, {d});
  }
  record_selected(name, self, values, indices, d, !keepdim && self.dim() > 0);
  return {values, indices};
}

std::pair<Tensor, Tensor> kthvalue(const Tensor& self, int64_t k, int64_t dim, bool keepdim) {
  int d = wrap_dim(dim, self.dim());
  int64_t n = self.dim() == 0 ? 1 : self.sizes()[d];
  EMBER_CHECK(k >= 1 && k <= n, "kthvalue(): selected number k out of range for dimension ", d);
  return select_kth("KthvalueBackward0", self, d, k - 1, keepdim, false);
}

std::pair<Tensor, Tensor> median(const Tensor& self, int64_t dim, bool keepdim) {
  int d = wrap_dim(dim, self.dim());
  int64_t n = self.dim() == 0 ? 1 : self.sizes()[d];
  EMBER_CHECK_INDEX(n > 0, "median(): Expected reduction dim ", d, " to have non-zero size.");
  return select_kth("MedianBackward1", self, d, (n - 1) / 2, keepdim, true);
}

Tensor median(const Tensor& self) {
  // The median of nothing is NaN (integer types have no NaN: 0).
  if (self.numel() == 0) return full({}, is_floating(self.dtype()) ? Scalar(NAN) : Scalar(0), self.dtype(), self.device());
  Tensor values;
  {
    GradModeGuard no_grad(false);
    values = median(reshape(detach(self), {-1}), 0).first;
  }
  // Like PyTorch, the gradient is shared evenly among the elements equal to the median (all the
  // NaNs when the median is NaN).
  if (should_record({&self})) {
    Tensor as_double = to_device(to_dtype(values, DType::Float64), Device{});
    bool is_nan = *as_double.data<double>() != *as_double.data<double>();
    record("MedianBackward0", {self}, values, {save(self), save_output(values)},
           [is_nan](const TensorList& g, const TensorList& s) {
             Tensor mask = to_dtype(is_nan ? ne(s[0], s[0]) : eq(s[0], s[1]), g[0].dtype());
             return TensorList{div(mul(mask, g[0]), sum(mask))};
           });
  }
  return values;
}

// ---- masking ---------------------------------------------------------------------------------

static Tensor trilu(const char* name, const char* backward, const Tensor& self, int64_t diagonal, bool upper) {
  EMBER_CHECK(self.dim() >= 2, name, ": input tensor must have at least 2 dimensions");
  Tensor out = empty(self.sizes(), self.dtype(), self.device());
  if (out.numel() > 0) {
    copy_kernel(self.device(), out, self);
    trilu_kernel(self.device(), out, diagonal, upper);
  }
  if (should_record({&self}))
    record(backward, {self}, out, {}, [diagonal, upper](const TensorList& g, const TensorList&) {
      return TensorList{upper ? triu(g[0], diagonal) : tril(g[0], diagonal)};
    });
  return out;
}

Tensor tril(const Tensor& self, int64_t diagonal) { return trilu("tril", "TrilBackward0", self, diagonal, false); }
Tensor triu(const Tensor& self, int64_t diagonal) { return trilu("triu", "TriuBackward0", self, diagonal, true); }

// In place: a contiguous tensor outside autograd is masked where it lies; anything else goes
// through copy_, which handles views, strides and the autograd history.
static Tensor& trilu_(const char* name, Tensor& self, int64_t diagonal, bool upper) {
  EMBER_CHECK(self.dim() >= 2, name, ": input tensor must have at least 2 dimensions");
  if (self.is_contiguous() && !should_record({&self})) {
    check_inplace(self, name);
    if (self.numel() > 0) trilu_kernel(self.device(), self, diagonal, upper);
    self.bump_version();
    return self;
  }
  return copy_(self, upper ? triu(self, diagonal) : tril(self, diagonal));
}

Tensor& tril_(Tensor& self, int64_t diagonal) { return trilu_("tril", self, diagonal, false); }
Tensor& triu_(Tensor& self, int64_t diagonal) { return trilu_("triu", self, diagonal, true); }

// ---- grids -----------------------------------------------------------------------------------

TensorList meshgrid(const TensorList& tensors, const std::string& indexing) {
  EMBER_CHECK(!tensors.empty(), "torch.meshgrid: Expected at least one tensor in the tensor list");
  EMBER_CHECK(indexing == "ij" || indexing == "xy",
              "torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: ", indexing);
  Shape sizes;
  for (const Tensor& t : tensors) {
    EMBER_CHECK(t.dim() <= 1, "torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: ", t.sizes());
    sizes.push_back(t.numel());
  }
  check_same_devices(tensors, "meshgrid");
  // "xy" is "ij" with the first two inputs swapped and the first two output dims swapped back.
  bool swap = indexing == "xy" && tensors.size() >= 2;
  if (swap) std::swap(sizes[0], sizes[1]);
  TensorList out;
  for (size_t i = 0; i < tensors.size(); ++i) {
    int pos = swap && i < 2 ? 1 - static_cast<int>(i) : static_cast<int>(i);
    Shape shape = Shape::filled(sizes.size(), 1);
    shape[pos] = sizes[pos];
    out.push_back(expand(reshape(tensors[i], shape), sizes));
  }
  return out;
}

}  // namespace ember
