"""ember.special: PyTorch's torch.special names for the special functions ember implements
(each the same C++ op as its ember.<name> counterpart)."""
import ember

erf = ember.erf
erfc = ember.erfc
erfinv = ember.erfinv
expit = ember.sigmoid
exp2 = ember.exp2
expm1 = ember.expm1
log1p = ember.log1p
round = ember.round  # noqa: A001  (torch.special.round shadows the builtin too)
softmax = ember.softmax
log_softmax = ember.log_softmax
logsumexp = ember.logsumexp

__all__ = ["erf", "erfc", "erfinv", "expit", "exp2", "expm1", "log1p", "round", "softmax", "log_softmax",
           "logsumexp"]
