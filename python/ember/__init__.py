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
from ember import distributed  # noqa: F401,E402
from ember import func  # noqa: F401,E402
from ember.serialization import save, load  # noqa: F401,E402
from ember._runtime import (get_float32_matmul_precision, set_float32_matmul_precision,  # noqa: F401,E402
                            get_num_interop_threads, set_num_interop_threads, set_warn_always,
                            is_warn_always_enabled, typename, get_device, frombuffer,
                            use_deterministic_algorithms, are_deterministic_algorithms_enabled,
                            is_deterministic_algorithms_warn_only_enabled, set_deterministic_debug_mode,
                            get_deterministic_debug_mode, get_default_device, set_default_device)
from ember._numeric import gradient, unravel_index  # noqa: F401,E402
from ember._tensor_methods import addmv_  # noqa: F401,E402  (and the Tensor methods it attaches)
from ember._factories import empty_permuted  # noqa: F401,E402
from ember import accelerator, backends, cpu, multiprocessing, random, testing, version  # noqa: F401,E402
from ember.version import __version__  # noqa: F401,E402
from ember._compile import compile  # noqa: F401,E402,A001
from ember._compare import allclose, equal, isclose  # noqa: F401,E402
from ember.functional import *  # noqa: F401,F403,E402
from ember._tensor_utils import (is_nonzero, is_same_size, is_signed, is_complex, clone, ravel,  # noqa: F401,E402
                                 adjoint, scalar_tensor, rsub, fill, fill_, zero_, detach, detach_,
                                 set_default_tensor_type)
from ember._tensor_utils import range_ as range  # noqa: F401,E402,A001
from ember._windows import (bartlett_window, blackman_window, hamming_window, hann_window,  # noqa: F401,E402
                            kaiser_window)
from ember import onnx  # noqa: F401,E402  (ember.onnx.export; imports the onnx package only when called)
from ember import __config__  # noqa: F401,E402  (torch.__config__: show(), parallel_info())
