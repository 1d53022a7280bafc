"""ember.nn.functional: the functional forms of layers, activations and losses."""
from ember.nn.functional.activation import *  # noqa: F401,F403
from ember.nn.functional.conv import *  # noqa: F401,F403
from ember.nn.functional.layers import *  # noqa: F401,F403
from ember.nn.functional.loss import *  # noqa: F401,F403
from ember.nn.functional.loss import pairwise_distance, logsigmoid  # noqa: F401
from ember.nn.functional.attention import multi_head_attention_forward, scaled_dot_product_attention  # noqa: F401
from ember.nn.functional.extra_layers import *  # noqa: F401,F403
from ember.nn.functional.conv_nd import *  # noqa: F401,F403
from ember.nn.functional.pooling import *  # noqa: F401,F403
from ember.nn.functional.sampling import *  # noqa: F401,F403
from ember.functional import pdist  # noqa: F401,E402  (torch.nn.functional.pdist is torch.pdist)
