"""The Distribution base class and helpers shared by the concrete distributions."""
import ember


def as_tensor(value, like=None):
    """A Python number as a tensor of the default (or `like`'s) floating dtype."""
    if isinstance(value, ember.Tensor):
        return value
    return ember.tensor(float(value), dtype=like.dtype if like is not None else ember.get_default_dtype())


def broadcast_all(*values):
    """Tensors of one broadcast shape from tensors and numbers."""
    like = next((v for v in values if isinstance(v, ember.Tensor)), None)
    tensors = [as_tensor(v, like) for v in values]
    return ember.broadcast_tensors(*tensors)


def logits_to_probs(logits, is_binary=False):
    return ember.sigmoid(logits) if is_binary else ember.softmax(logits, -1)


def probs_to_logits(probs, is_binary=False):
    """log(p) (or log-odds), with p clamped away from 0 and 1 so the result stays finite."""
    eps = ember.finfo(probs.dtype).eps
    clamped = ember.clamp(probs, min=eps, max=1 - eps)
    return ember.log(clamped) - ember.log1p(-clamped) if is_binary else ember.log(clamped)


class Distribution:
    """Base class: batch_shape/event_shape, sample/rsample, log_prob, entropy."""

    has_rsample = False

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape = ember.Size(tuple(batch_shape))
        self._event_shape = ember.Size(tuple(event_shape))

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    def _extended_shape(self, sample_shape=()):
        if isinstance(sample_shape, int):
            sample_shape = (sample_shape,)
        return tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape)

    def sample(self, sample_shape=()):
        with ember.no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=()):
        raise NotImplementedError(f"{type(self).__name__} does not support reparameterized sampling (rsample)")

    def sample_n(self, n):
        return self.sample((n,))

    @property
    def stddev(self):
        return ember.sqrt(self.variance)

    def perplexity(self):
        return ember.exp(self.entropy())

    def __repr__(self):
        params = ", ".join(f"{k}: {v.shape if isinstance(v, ember.Tensor) and v.numel() > 1 else v}"
                           for k, v in self._repr_params().items())
        return f"{type(self).__name__}({params})"

    def _repr_params(self):
        return {}
