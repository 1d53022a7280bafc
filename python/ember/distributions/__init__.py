"""ember.distributions: probability distributions with sampling, log_prob and entropy."""
from ember.distributions.distribution import Distribution  # noqa: F401
from ember.distributions.bernoulli import Bernoulli  # noqa: F401
from ember.distributions.categorical import Categorical  # noqa: F401
from ember.distributions.normal import Normal  # noqa: F401
