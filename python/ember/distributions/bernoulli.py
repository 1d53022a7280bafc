"""Bernoulli: 1 with probability p, else 0."""
import ember
from ember.distributions.distribution import (Distribution, boolean, broadcast_all, logits_to_probs, probs_to_logits,
                                              real, unit_interval)
from ember.nn.functional.loss import binary_cross_entropy_with_logits


class Bernoulli(Distribution):
    arg_constraints = {"probs": unit_interval, "logits": real}
    support = boolean

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            (self._probs,) = broadcast_all(probs)
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
        mode = (self.probs >= 0.5).to(self.probs.dtype)
        mode[self.probs == 0.5] = float("nan")  # both outcomes are equally likely: no mode, as PyTorch
        return mode

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        with ember.no_grad():
            return ember.bernoulli(self.probs.detach().expand(shape))

    def log_prob(self, value):
        self._validate_sample(value)
        logits, value = ember.broadcast_tensors(self.logits, value.to(self.logits.dtype))
        return -binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self):
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand=True):
        values = ember.arange(2, dtype=self.probs.dtype).reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values

    def _repr_params(self):
        return {"probs": self.probs} if self._logits is None else {"logits": self.logits}
