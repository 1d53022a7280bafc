"""ember.__version__/version, backends, accelerator, cpu, random and multiprocessing: the
module-level questions device-selection and seeding boilerplate asks, answered for this build."""
import multiprocessing as std_multiprocessing
import re

import ember
from conftest import torch


def test_version():
    assert re.match(r"^\d+\.\d+\.\d+", ember.__version__)
    assert ember.version.__version__ == ember.__version__
    assert ember.version.cuda is None  # this build has no CUDA backend
    assert ember.backends.cuda.is_built() is False


def test_device_selection_boilerplate_picks_cpu():
    device = ember.device("cuda" if ember.cuda.is_available() else
                          "mps" if ember.backends.mps.is_available() else "cpu")
    assert device.type == "cpu"
    quickstart = ember.accelerator.current_accelerator().type if ember.accelerator.is_available() else "cpu"
    assert quickstart == "cpu"
    assert ember.accelerator.device_count() == 0
    assert ember.accelerator.current_accelerator() is None
    assert not ember.backends.mps.is_built()
    assert not any(m.is_available() for m in (ember.backends.cudnn, ember.backends.mkl, ember.backends.mkldnn,
                                              ember.backends.openmp))
    assert ember.backends.cudnn.version() is None


def test_cudnn_flags_are_settable():
    ember.backends.cudnn.deterministic = True
    ember.backends.cudnn.benchmark = False
    assert ember.backends.cudnn.deterministic is True
    ember.backends.cudnn.deterministic = False


def test_cpu_capability_names_a_level_pytorch_uses():
    assert ember.backends.cpu.get_cpu_capability() in {"AVX512", "AVX2", "DEFAULT"}
    assert torch.backends.cpu.get_cpu_capability() in {"AVX512", "AVX2", "DEFAULT", "NO AVX", "ZVECTOR", "VSX"}


def test_cpu_module():
    assert ember.cpu.is_available() and ember.cpu.device_count() == 1
    assert ember.cpu.current_device() == "cpu"
    assert ember.cpu.synchronize() is None


def test_random_module_seeds_the_default_generator():
    ember.random.manual_seed(5)
    a = ember.rand(3)
    ember.manual_seed(5)
    assert ember.rand(3).tolist() == a.tolist()
    assert ember.random.initial_seed() == 5
    state = ember.random.get_rng_state()
    b = ember.rand(2)
    ember.random.set_rng_state(state)
    assert ember.rand(2).tolist() == b.tolist()


def test_fork_rng_restores_the_stream():
    ember.manual_seed(1)
    with ember.random.fork_rng():
        inside = ember.rand(4)
    outside = ember.rand(4)
    assert inside.tolist() == outside.tolist()
    ember.manual_seed(1)
    with ember.random.fork_rng(enabled=False):
        ember.rand(4)
    assert ember.rand(4).tolist() != outside.tolist()


def test_multiprocessing_is_the_standard_module():
    assert ember.multiprocessing.get_context is std_multiprocessing.get_context
    assert "spawn" in ember.multiprocessing.get_all_start_methods()


def test_compile_returns_the_model_and_checks_its_arguments():
    import pytest
    model = ember.nn.Linear(2, 3)
    assert ember.compile(model) is model
    assert ember.compile(model, mode="max-autotune", fullgraph=True) is model

    @ember.compile(dynamic=True)
    def double(x):
        return 2 * x

    assert double(ember.ones(2)).tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="Unrecognized mode=fast"):
        ember.compile(model, mode="fast")
    with pytest.raises(RuntimeError, match="Either mode or options"):
        ember.compile(model, mode="default", options={})
    with pytest.raises(AssertionError, match="A callable function is expected"):
        ember.compile(3)


def test_type_accepts_legacy_classes_and_torch_spelled_names():
    x = ember.ones(2)
    assert x.type(ember.DoubleTensor).dtype == ember.float64
    assert x.type("torch.LongTensor").dtype == ember.int64
    assert x.type("ember.IntTensor").dtype == ember.int32
    assert x.type(ember.float64).dtype == ember.float64
    import pytest
    with pytest.raises(ValueError, match="invalid type: 'torch.NoSuchTensor'"):
        x.type("torch.NoSuchTensor")
