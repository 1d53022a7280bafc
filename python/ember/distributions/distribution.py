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


class Constraint:
    """A named predicate on tensor values, as torch.distributions.constraints: check() gives a bool
    tensor that is False where a value breaks the constraint."""

    def __init__(self, name, check):
        self.name, self.check = name, check

    def __repr__(self):
        return self.name


real = Constraint("Real()", lambda v: v == v)  # everything but NaN
positive = Constraint("GreaterThan(lower_bound=0.0)", lambda v: v > 0)
unit_interval = Constraint("Interval(lower_bound=0.0, upper_bound=1.0)", lambda v: (v >= 0) & (v <= 1))
boolean = Constraint("Boolean()", lambda v: (v == 0) | (v == 1))
simplex = Constraint("Simplex()", lambda v: (v >= 0).all(-1) & ((v.sum(-1) - 1).abs() < 1e-6))


def integer_interval(low, high):
    return Constraint(f"IntegerInterval(lower_bound={low}, upper_bound={high})",
                      lambda v: (v % 1 == 0) & (v >= low) & (v <= high))


class Distribution:
    """Base class: batch_shape/event_shape, sample/rsample, log_prob, entropy.

    As in PyTorch, arguments are validated unless validate_args=False: parameters against
    arg_constraints when constructed, values against support in log_prob.
    """

    has_rsample = False
    arg_constraints = {}
    support = None

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape = ember.Size(tuple(batch_shape))
        self._event_shape = ember.Size(tuple(event_shape))
        self._validate_args = validate_args is not False
        if self._validate_args:
            for name, constraint in self.arg_constraints.items():
                value = self.__dict__.get(name, self.__dict__.get("_" + name))
                if value is not None and not constraint.check(value).all().item():
                    raise ValueError(f"Expected parameter {name} ({type(value).__name__} of shape "
                                     f"{tuple(value.shape)}) of distribution {self!r} to satisfy the constraint "
                                     f"{constraint!r}, but found invalid values:\n{value}")

    def _validate_sample(self, value):
        if not isinstance(value, ember.Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        if self._validate_args and not self.support.check(value).all().item():
            raise ValueError(f"Expected value argument ({type(value).__name__} of shape {tuple(value.shape)}) to be "
                             f"within the support ({self.support!r}) of the distribution {self!r}, but found "
                             f"invalid values:\n{value}")

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
        # As PyTorch: a 0-d parameter as its number, another single value as a tensor, else the shape.
        params = ", ".join(f"{k}: {v.item() if v.dim() == 0 else v if v.numel() == 1 else v.shape}"
                           for k, v in self._repr_params().items())
        return f"{type(self).__name__}({params})"

    def _repr_params(self):
        return {}
