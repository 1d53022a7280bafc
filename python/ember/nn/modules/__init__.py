from ember.nn.modules.module import Module  # noqa: F401
from ember.nn.modules.container import (  # noqa: F401
    ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential)
from ember.nn.modules.linear import Bilinear, Flatten, Identity, Linear, Unflatten  # noqa: F401
from ember.nn.modules.activation import (  # noqa: F401
    CELU, ELU, GELU, GLU, Hardshrink, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax, Mish,
    PReLU, ReLU, ReLU6, SELU, SiLU, Sigmoid, Softmax, Softmax2d, Softmin, Softplus, Softshrink, Softsign, Tanh,
    Tanhshrink, Threshold)
from ember.nn.modules.loss import (  # noqa: F401
    BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CrossEntropyLoss, GaussianNLLLoss, HingeEmbeddingLoss,
    HuberLoss, KLDivLoss, L1Loss, MarginRankingLoss, MSELoss, MultiLabelMarginLoss, MultiLabelSoftMarginLoss,
    MultiMarginLoss, NLLLoss, PoissonNLLLoss, SmoothL1Loss, SoftMarginLoss, TripletMarginLoss)
from ember.nn.modules.dropout import AlphaDropout, Dropout, Dropout1d, Dropout2d  # noqa: F401
from ember.nn.modules.sparse import Embedding  # noqa: F401
from ember.nn.modules.normalization import (  # noqa: F401
    BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, LayerNorm,
)
from ember.nn.modules.rnn import GRU, GRUCell, LSTM, LSTMCell, RNN, RNNBase, RNNCell, RNNCellBase  # noqa: F401
from ember.nn.modules.conv import Conv1d, Conv2d  # noqa: F401
from ember.nn.modules.pooling import (  # noqa: F401
    AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AvgPool1d, AvgPool2d, MaxPool1d,
    MaxPool2d)
from ember.nn.modules.fold import Fold, Unfold  # noqa: F401
from ember.nn.modules.attention import MultiheadAttention  # noqa: F401
from ember.nn.modules.transformer import (  # noqa: F401
    Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer)
from ember.nn.modules.extra_layers import (  # noqa: F401
    CosineSimilarity, CrossMapLRN2d, Dropout3d, EmbeddingBag, FeatureAlphaDropout, LocalResponseNorm, PairwiseDistance, RMSNorm,
    RReLU)
from ember.nn.modules.loss import CTCLoss, TripletMarginWithDistanceLoss  # noqa: F401
from ember.nn.modules.lazy import *  # noqa: F401,F403
from ember.nn.modules.adaptive import AdaptiveLogSoftmaxWithLoss  # noqa: F401
from ember.nn.modules.conv import Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d  # noqa: F401
from ember.nn.modules.pooling import (  # noqa: F401
    AdaptiveAvgPool3d, AdaptiveMaxPool3d, AvgPool3d, LPPool1d, LPPool2d, LPPool3d, MaxPool3d, MaxUnpool1d,
    MaxUnpool2d, MaxUnpool3d)
from ember.nn.modules.upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d  # noqa: F401
from ember.nn.modules.pixelshuffle import ChannelShuffle, PixelShuffle, PixelUnshuffle  # noqa: F401
from ember.nn.modules.padding import *  # noqa: F401,F403
