"""ember.special: PyTorch's torch.special names for the special functions ember implements
(each the same C++ op as its ember.<name> counterpart, or the ember._C._special_<name> kernel for
the names only torch.special has)."""
import ember
from ember import _C

erf = ember.erf
erfc = ember.erfc
erfinv = ember.erfinv
erfcx = _C._special_erfcx
expit = ember.sigmoid
exp2 = ember.exp2
expm1 = ember.expm1
log1p = ember.log1p
logit = ember.logit
xlogy = ember.xlogy
xlog1py = _C._special_xlog1py
entr = _C._special_entr
gammaln = ember.lgamma
digamma = ember.digamma
psi = ember.digamma
polygamma = ember.polygamma
multigammaln = ember.mvlgamma
ndtr = _C._special_ndtr
ndtri = _C._special_ndtri
log_ndtr = _C._special_log_ndtr
i0 = ember.i0
i0e = _C._special_i0e
i1 = _C._special_i1
i1e = _C._special_i1e
sinc = ember.sinc
zeta = _C._special_zeta
gammainc = ember.igamma
gammaincc = ember.igammac
round = ember.round  # noqa: A001  (torch.special.round shadows the builtin too)
softmax = ember.softmax
log_softmax = ember.log_softmax
logsumexp = ember.logsumexp
modified_bessel_i0 = ember.i0
modified_bessel_i1 = _C._special_i1
_KERNEL_NAMES = ["bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_k0", "modified_bessel_k1",
                 "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "spherical_bessel_j0", "airy_ai",
                 "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
                 "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
                 "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "hermite_polynomial_h",
                 "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p"]
globals().update({name: getattr(_C, "_special_" + name) for name in _KERNEL_NAMES})

__all__ = ["erf", "erfc", "erfcx", "erfinv", "expit", "exp2", "expm1", "log1p", "logit", "xlogy", "xlog1py",
           "entr", "gammaln", "digamma", "psi", "polygamma", "multigammaln", "ndtr", "ndtri", "log_ndtr", "i0",
           "i0e", "i1", "i1e", "sinc", "zeta", "gammainc", "gammaincc", "round", "softmax", "log_softmax",
           "logsumexp", "modified_bessel_i0", "modified_bessel_i1"] + _KERNEL_NAMES
