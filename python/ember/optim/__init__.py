"""ember.optim: optimizers (as torch.optim) and learning-rate schedules (ember.optim.lr_scheduler)."""
from ember.optim import lr_scheduler  # noqa: F401
from ember.optim.adadelta import Adadelta
from ember.optim.adafactor import Adafactor
from ember.optim.adagrad import Adagrad
from ember.optim.adam import Adam
from ember.optim.adamax import Adamax
from ember.optim.adamw import AdamW
from ember.optim.asgd import ASGD
from ember.optim.lbfgs import LBFGS
from ember.optim.nadam import NAdam
from ember.optim.optimizer import Optimizer
from ember.optim.radam import RAdam
from ember.optim.rmsprop import RMSprop
from ember.optim.rprop import Rprop
from ember.optim.sgd import SGD
from ember.optim.sparse_adam import SparseAdam

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Adadelta", "Adamax", "ASGD", "Rprop", "LBFGS",
           "NAdam", "RAdam", "Adafactor", "SparseAdam", "lr_scheduler", "swa_utils"]


def __getattr__(name):
    # swa_utils builds on ember.nn, which is imported after ember.optim: load it on first use.
    if name == "swa_utils":
        import importlib
        return importlib.import_module("ember.optim.swa_utils")
    raise AttributeError(f"module 'ember.optim' has no attribute '{name}'")
