"""ember.multiprocessing: Python's multiprocessing, as torch.multiprocessing is for CPU tensors.
ember tensors pickle by value (their bytes travel through the pipe), so the standard module
needs no tensor-sharing reducers."""
from multiprocessing import *  # noqa: F401,F403
from multiprocessing import get_all_start_methods, get_context, get_start_method, set_start_method  # noqa: F401
