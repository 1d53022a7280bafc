"""Categorical: a distribution over {0, ..., K-1}, parametrised by probs or logits.

Built on log_softmax, so -inf logits (impossible categories) and tiny probabilities stay finite in
log_prob and entropy, and a zero-probability category is never sampled.
"""
import ember
from ember.distributions.distribution import (Distribution, integer_interval, logits_to_probs, probs_to_logits, real,
                                              simplex)


class Categorical(Distribution):
    arg_constraints = {"probs": simplex, "logits": real}

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self._probs = probs / probs.sum(-1, keepdim=True)
            self._logits = None
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self._logits = logits - ember.logsumexp(logits, -1, keepdim=True)
            self._probs = None
        param = probs if probs is not None else logits
        self._num_events = param.shape[-1]
        super().__init__(param.shape[:-1], (), validate_args)

    @property
    def support(self):
        return integer_interval(0, self._num_events - 1)

    @property
    def logits(self):
        if self._logits is None:
            self._logits = probs_to_logits(self._probs)
        return self._logits

    @property
    def probs(self):
        if self._probs is None:
            self._probs = logits_to_probs(self._logits)
        return self._probs

    @property
    def param_shape(self):
        return ember.Size(tuple(self._batch_shape) + (self._num_events,))

    @property
    def mean(self):
        return ember.full(self._extended_shape(), float("nan"), dtype=self.probs.dtype)

    @property
    def mode(self):
        return self.probs.argmax(-1)

    @property
    def variance(self):
        return ember.full(self._extended_shape(), float("nan"), dtype=self.probs.dtype)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        n = 1
        for s in shape[: len(shape) - len(self._batch_shape)]:
            n *= s
        with ember.no_grad():
            probs_2d = self.probs.detach().reshape(-1, self._num_events)
            draws = ember.multinomial(probs_2d, n, True)  # (batch, n)
        return draws.T.reshape(shape)

    def log_prob(self, value):
        self._validate_sample(value)
        value = value.long()
        value, logits = ember.broadcast_tensors(value.unsqueeze(-1), self.logits)
        return logits.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self):
        # Impossible categories have logits -inf and probs 0: clamp so 0 * -inf counts as 0.
        logits = ember.clamp(self.logits, min=ember.finfo(self.logits.dtype).min)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        values = ember.arange(self._num_events).reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values

    def _repr_params(self):
        return {"probs": self.probs} if self._logits is None else {"logits": self.logits}
