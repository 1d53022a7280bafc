"""ember: a small, fast autodiff engine with PyTorch's API.

`import ember as torch` runs PyTorch tutorial code: tensors, autograd, nn, optim and data loading,
with storage, kernels and the backward pass in C++.
"""
from ember._C import *  # noqa: F401,F403
from ember._C import Tensor, Size, device, dtype  # noqa: F401
from ember import autograd  # noqa: F401
from ember.autograd import no_grad, enable_grad, set_grad_enabled, inference_mode  # noqa: F401
from ember import optim  # noqa: F401,E402
from ember._tensor_str import set_printoptions, get_printoptions, printoptions, tensor_repr as _tensor_repr  # noqa: F401
from ember._tensor_types import FloatTensor, DoubleTensor, LongTensor, IntTensor, ByteTensor, BoolTensor  # noqa: F401

float = float32  # noqa: A001  (PyTorch's aliases)
double = float64
long = int64
int = int32  # noqa: A001
from ember import linalg  # noqa: F401,E402
from ember import special  # noqa: F401,E402
Tensor.__repr__ = _tensor_repr
Tensor.__str__ = _tensor_repr
from ember import nn  # noqa: F401,E402
from ember.nn._torch_functions import *  # noqa: F401,F403,E402
from ember import utils, distributions, cuda  # noqa: F401,E402
from ember import func  # noqa: F401,E402
from ember.serialization import save, load  # noqa: F401,E402
