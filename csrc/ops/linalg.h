#pragma once
// Linear algebra: matrix products (mm, bmm, matmul, mv, dot, addmm family, linear) built on one
// strided gemm per matrix, and the ops composed from them (outer, trace, kron, tensordot, einsum).
#include <string>

#include "core/kernel.h"
#include "core/tensor.h"

namespace ember {

/// out = beta*out + alpha * a @ b for 2-d a (MxK), b (KxN), out (MxN), any strides, one dtype;
/// beta == 0 means out is not read.
EMBER_DECLARE_KERNEL(gemm_kernel, void(const Tensor& out, const Tensor& a, const Tensor& b,
                                       const Scalar& alpha, const Scalar& beta));
/// gemm_kernel for every batch index: out (*B, M, N), a (*B, M, K), b (*B, K, N) share the batch
/// dims B (a and b may be expanded views with stride 0 there); out does not overlap itself.
EMBER_DECLARE_KERNEL(bmm_kernel, void(const Tensor& out, const Tensor& a, const Tensor& b,
                                      const Scalar& alpha, const Scalar& beta));

/// Matrix product of two 2-d tensors.
Tensor mm(const Tensor& self, const Tensor& mat2);
/// Batched matrix product of two 3-d tensors with the same batch size.
Tensor bmm(const Tensor& self, const Tensor& mat2);
/// NumPy-style matmul: dot, mv, mm or a product broadcast over batch dims, by the operands' dims.
Tensor matmul(const Tensor& self, const Tensor& other);
/// Matrix-vector product.
Tensor mv(const Tensor& self, const Tensor& vec);
/// Inner product of two 1-d tensors (vdot is the same for real dtypes).
Tensor dot(const Tensor& self, const Tensor& other);
/// Outer product of two 1-d tensors (promotes dtypes like mul).
Tensor outer(const Tensor& self, const Tensor& vec2);
/// beta*self + alpha*(mat1 @ mat2), self broadcast to the product's shape.
Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta = 1,
             const Scalar& alpha = 1);
/// beta*self + alpha*(mat @ vec).
Tensor addmv(const Tensor& self, const Tensor& mat, const Tensor& vec, const Scalar& beta = 1,
             const Scalar& alpha = 1);
/// beta*self + alpha*bmm(batch1, batch2).
Tensor baddbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2,
               const Scalar& beta = 1, const Scalar& alpha = 1);
/// beta*self + alpha * sum over the batch of batch1[i] @ batch2[i].
Tensor addbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2,
              const Scalar& beta = 1, const Scalar& alpha = 1);
/// input @ weight^T + bias in one product (the bias, when given, is gemm's beta=1 operand).
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor());
/// Sum of the main diagonal of a 2-d tensor.
Tensor trace(const Tensor& self);
/// Kronecker product.
Tensor kron(const Tensor& self, const Tensor& other);
/// Contracts dims_a of a with dims_b of b (same length), as torch.tensordot.
Tensor tensordot(const Tensor& a, const Tensor& b, const Shape& dims_a, const Shape& dims_b);
/// tensordot over the last `dims` dims of a and the first `dims` of b.
Tensor tensordot(const Tensor& a, const Tensor& b, int64_t dims);
/// Einstein summation: explicit ('ij,jk->ik') and implicit ('ij,jk') modes and '...'.
Tensor einsum(const std::string& equation, const TensorList& operands);

}  // namespace ember
