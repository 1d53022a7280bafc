"""Bernoulli: 1 with probability p, else 0."""
import ember
from ember.distributions.distribution import Distribution, broadcast_all, logits_to_probs, probs_to_logits
from ember.nn.functional.loss import binary_cross_entropy_with_logits


class Bernoulli(Distribution):
    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            (self._probs,) = broadcast_all(probs)
            if validate_args is not False and ((self._probs < 0) | (self._probs > 1)).any().item():
                raise ValueError("Expected parameter probs to satisfy the constraint Interval(lower_bound=0.0, "
                                 "upper_bound=1.0), but found invalid values")
            self._logits = None
        else:
            (self._logits,) = broadcast_all(logits)
            self._probs = None
        super().__init__((self._probs if probs is not None else self._logits).shape, (), validate_args)

    @property
    def probs(self):
        if self._probs is None:
            self._probs = logits_to_probs(self._logits, is_binary=True)
        return self._probs

    @property
    def logits(self):
        if self._logits is None:
            self._logits = probs_to_logits(self._probs, is_binary=True)
        return self._logits

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        return (self.probs >= 0.5).to(self.probs.dtype)

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        with ember.no_grad():
            return ember.bernoulli(self.probs.detach().expand(shape))

    def log_prob(self, value):
        logits, value = ember.broadcast_tensors(self.logits, value.to(self.logits.dtype))
        return -binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self):
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand=True):
        values = ember.arange(2, dtype=self.probs.dtype).reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values

    def _repr_params(self):
        return {"probs": self.probs} if self._logits is None else {"logits": self.logits}
