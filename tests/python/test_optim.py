"""ember.optim against torch.optim: same initial weights, same gradients, same parameters and state
after every step; schedulers' learning-rate sequences; state_dict round trips; error paths."""
import math
import warnings

import numpy as np
import pytest

import ember
import ember.optim as eoptim
from ember.optim import lr_scheduler as elrs
from ember.testing import assert_close, to_numpy

from conftest import requires_torch

try:
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None

SHAPES = [(3, 4), (5,), ()]
STEPS = 6

# (optimizer, options): every optimizer, with its options switched on in several combinations.
CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.1)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.05, maximize=True, amsgrad=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.1)),
    ("AdamW", dict(lr=0.05, weight_decay=0.5, amsgrad=True, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.1, eps=1e-6)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.02, alpha=0.9, momentum=0.5, eps=1e-4, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5, eps=1e-4, weight_decay=0.1, maximize=True)),
    ("Adamax", dict(lr=0.1)),
    ("Adamax", dict(lr=0.05, betas=(0.5, 0.9), weight_decay=0.1, maximize=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=2, weight_decay=0.1, maximize=True)),
    ("Rprop", dict(lr=0.1)),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),
]
CASE_IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CASES)]


def initial_arrays(dtype, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in SHAPES]


def loss_grad(x, maximize):
    """Gradient of a fixed non-quadratic loss, sum((x - 0.5)^2 + 0.1 x^4): it overshoots, so the
    gradient's sign flips (exercising Rprop/Adamax) and depends on the current weights."""
    g = 2 * (x - 0.5) + 0.4 * x**3
    return -g if maximize else g


def ember_params(arrays, noncontiguous=False):
    if not noncontiguous:
        return [ember.tensor(a, requires_grad=True) for a in arrays]
    params = []
    for a in arrays:
        if a.ndim < 2:
            params.append(ember.tensor(a, requires_grad=True))
        else:  # a transposed view over a contiguous base
            p = ember.tensor(np.ascontiguousarray(a.T)).t()
            params.append(p.requires_grad_())
    return params


def set_ember_grads(params, maximize, noncontiguous=False):
    for p in params:
        g = loss_grad(p.detach().numpy(), maximize)
        p.grad = ember.tensor(np.ascontiguousarray(g.T)).t() if noncontiguous and g.ndim >= 2 else ember.tensor(g)


def set_torch_grads(params, maximize):
    for p in params:
        p.grad = torch.tensor(loss_grad(p.detach().numpy(), maximize))


def assert_state_matches(e_opt, t_opt, e_params, t_params, rtol, atol):
    for ep, tp in zip(e_params, t_params):
        assert_close(ep, tp, rtol=rtol, atol=atol)
        t_state, e_state = t_opt.state[tp], e_opt.state[ep]
        assert set(e_state) == set(t_state)
        for key, value in t_state.items():
            if isinstance(value, torch.Tensor):
                assert_close(e_state[key], value, rtol=rtol, atol=atol)
            else:
                assert e_state[key] == value


@requires_torch
@pytest.mark.parametrize("noncontiguous", [False, True], ids=["contiguous", "transposed"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,options", CASES, ids=CASE_IDS)
def test_matches_torch(name, options, dtype, noncontiguous):
    arrays = initial_arrays(dtype)
    e_params = ember_params(arrays, noncontiguous)
    t_params = [torch.tensor(a, requires_grad=True) for a in arrays]
    e_opt = getattr(eoptim, name)(e_params, **options)
    t_opt = getattr(torch.optim, name)(t_params, **options)
    maximize = options.get("maximize", False)
    rtol, atol = (1e-9, 1e-12) if dtype == np.float64 else (2e-5, 1e-6)
    for _ in range(STEPS):
        set_ember_grads(e_params, maximize, noncontiguous)
        set_torch_grads(t_params, maximize)
        e_opt.step()
        t_opt.step()
        assert_state_matches(e_opt, t_opt, e_params, t_params, rtol, atol)
    for p in e_params:
        assert p.dtype == ember.tensor(arrays[0]).dtype


@requires_torch
@pytest.mark.parametrize("default", ["float32", "float64"])
def test_scalar_state_follows_default_dtype(default):
    """Step counters (and ASGD's eta/mu) are float32, or float64 under a float64 default dtype, as
    in torch: ASGD's float32 eta rounds the learning rate, which shows in float64 parameters."""
    old = ember.get_default_dtype()
    ember.set_default_dtype(getattr(ember, default))
    torch_old = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, default))
    try:
        arrays = initial_arrays(np.float64)
        e_params, t_params = ember_params(arrays), [torch.tensor(a, requires_grad=True) for a in arrays]
        e_opt, t_opt = eoptim.ASGD(e_params, lr=0.0123, t0=1), torch.optim.ASGD(t_params, lr=0.0123, t0=1)
        for _ in range(STEPS):
            set_ember_grads(e_params, False)
            set_torch_grads(t_params, False)
            e_opt.step()
            t_opt.step()
        assert_state_matches(e_opt, t_opt, e_params, t_params, 1e-12, 1e-14)
        assert e_opt.state[e_params[0]]["step"].dtype == getattr(ember, default)
    finally:
        ember.set_default_dtype(old)
        torch.set_default_dtype(torch_old)


@requires_torch
def test_param_groups_and_closure_on_rosenbrock():
    """Two param groups with their own options; gradients computed by each framework's autograd."""
    def rosenbrock(lib, xy):
        x, y = xy[0], xy[1]
        return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x)

    start = np.array([-1.5, 2.0])
    e_xy, e_z = ember.tensor(start, requires_grad=True), ember.tensor(np.array([0.3]), requires_grad=True)
    t_xy, t_z = torch.tensor(start, requires_grad=True), torch.tensor(np.array([0.3]), requires_grad=True)
    groups = lambda a, b: [{"params": [a], "lr": 1e-3}, {"params": [b], "momentum": 0.5}]  # noqa: E731
    e_opt = eoptim.SGD(groups(e_xy, e_z), lr=0.1, momentum=0.9)
    t_opt = torch.optim.SGD(groups(t_xy, t_z), lr=0.1, momentum=0.9)
    for _ in range(20):
        def e_closure():
            e_opt.zero_grad()
            loss = rosenbrock(ember, e_xy) + (e_z * e_z).sum()
            loss.backward()
            return loss

        def t_closure():
            t_opt.zero_grad()
            loss = rosenbrock(torch, t_xy) + (t_z * t_z).sum()
            loss.backward()
            return loss

        e_loss, t_loss = e_opt.step(e_closure), t_opt.step(t_closure)
        assert_close(e_loss, t_loss, rtol=1e-10)
    assert_close(e_xy, t_xy, rtol=1e-10)
    assert_close(e_z, t_z, rtol=1e-10)
    assert e_opt.param_groups[0]["momentum"] == 0.9 and e_opt.param_groups[1]["momentum"] == 0.5


def test_step_runs_without_grad_and_bumps_versions():
    p = ember.tensor(np.ones(4), requires_grad=True)
    p.grad = ember.tensor(np.full(4, 0.5))
    opt = eoptim.Adam([p], lr=0.1)
    before = p._version
    opt.step()
    assert p.is_leaf and p.grad_fn is None and p.requires_grad
    assert p._version > before
    assert opt.state[p]["exp_avg"]._version > 0


def test_params_without_grad_are_skipped():
    a, b = ember.tensor(np.ones(3), requires_grad=True), ember.tensor(np.ones(3), requires_grad=True)
    a.grad = ember.tensor(np.ones(3))
    opt = eoptim.Adam([a, b], lr=0.1)
    opt.step()
    np.testing.assert_array_equal(b.detach().numpy(), np.ones(3))
    assert b not in opt.state and a in opt.state


def test_zero_grad():
    p = ember.tensor(np.ones(3), requires_grad=True)
    opt = eoptim.SGD([p], lr=0.1)
    p.grad = ember.tensor(np.ones(3))
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad
    np.testing.assert_array_equal(p.grad.numpy(), np.zeros(3))
    opt.zero_grad()
    assert p.grad is None


def test_step_returns_closure_loss_with_grad_enabled():
    p = ember.tensor(np.ones(3), requires_grad=True)
    opt = eoptim.SGD([p], lr=0.1)
    seen = []

    def closure():
        seen.append(ember.is_grad_enabled())
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert seen == [True]
    assert loss.item() == 3.0
    assert_close(p, np.full(3, 0.8))
    assert opt.step() is None


@requires_torch
def test_repr_like_torch():
    p = ember.tensor(np.ones(3), requires_grad=True)
    opt = eoptim.SGD([{"params": [p], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert repr(opt) == (
        "SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n    foreach: None\n    fused: None\n"
        "    lr: 0.5\n    maximize: False\n    momentum: 0.9\n    nesterov: False\n    weight_decay: 0\n)"
    )
    t_opt = torch.optim.SGD([{"params": [torch.ones(3, requires_grad=True)], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert repr(opt) == repr(t_opt)


@requires_torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Adadelta", "Adamax", "ASGD", "Rprop",
                                  "LBFGS"])
def test_group_options_and_signature_match_torch(name):
    import inspect
    e_opt = getattr(eoptim, name)([ember.ones(2, requires_grad=True)])
    t_opt = getattr(torch.optim, name)([torch.ones(2, requires_grad=True)])
    e_group = {k: v for k, v in e_opt.param_groups[0].items() if k != "params"}
    t_group = {k: v for k, v in t_opt.param_groups[0].items() if k != "params"}
    assert list(e_group.items()) == list(t_group.items())
    e_sig = inspect.signature(getattr(eoptim, name).__init__).parameters
    t_sig = inspect.signature(getattr(torch.optim, name).__init__).parameters
    assert [(n, p.kind, p.default) for n, p in e_sig.items()] == [(n, p.kind, p.default) for n, p in t_sig.items()]


@pytest.mark.parametrize("name,options", [("SGD", dict(momentum=0.9, foreach=True)), ("SGD", dict(fused=True)),
                                          ("Adam", dict(fused=True, amsgrad=True)), ("AdamW", dict(foreach=False)),
                                          ("Adagrad", dict(fused=True)), ("RMSprop", dict(foreach=True))])
def test_foreach_and_fused_run_the_same_step(name, options):
    results = []
    for opts in (options, {k: v for k, v in options.items() if k not in ("foreach", "fused")}):
        p = ember.tensor(np.linspace(-1, 1, 6), requires_grad=True)
        opt = getattr(eoptim, name)([p], lr=0.1, **opts)
        for _ in range(3):
            p.grad = 2 * p.detach() + 1
            opt.step()
        results.append(p.detach().numpy())
    np.testing.assert_array_equal(results[0], results[1])


@requires_torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Adadelta", "Adamax", "ASGD", "Rprop"])
def test_tensor_lr_matches_torch(name):
    arrays = initial_arrays(np.float64)
    e_params = ember_params(arrays)
    t_params = [torch.tensor(a, requires_grad=True) for a in arrays]
    e_opt = getattr(eoptim, name)(e_params, lr=ember.tensor(0.05, dtype=ember.float64))
    t_opt = getattr(torch.optim, name)(t_params, lr=torch.tensor(0.05, dtype=torch.float64))
    for step in range(3):
        set_ember_grads(e_params, False)
        set_torch_grads(t_params, False)
        e_opt.step()
        t_opt.step()
        e_opt.param_groups[0]["lr"].fill_(0.05 / (step + 2))  # a schedule that edits the tensor in place
        t_opt.param_groups[0]["lr"].fill_(0.05 / (step + 2))
    for ep, tp in zip(e_params, t_params):
        assert_close(ep, tp, rtol=1e-9, atol=1e-12)


@requires_torch
@pytest.mark.parametrize("make", [
    lambda m, p: m.SGD([p], fused=True, foreach=True),
    lambda m, p: m.Adam([p], fused=True, differentiable=True),
    lambda m, p: m.Adam([p], capturable=True).step(),
    lambda m, p: m.Adam([p], differentiable=True).step(),
], ids=["fused_and_foreach", "fused_and_differentiable", "capturable_on_cpu", "differentiable_leaf"])
def test_implementation_option_errors_match_torch(make):
    def param(module):
        p = module.ones(2, requires_grad=True)
        p.grad = module.ones(2)
        return p
    with pytest.raises(Exception) as theirs:
        make(torch.optim, param(torch))
    with pytest.raises(type(theirs.value)) as ours:
        make(eoptim, param(ember))
    assert str(ours.value).split(":")[0] == str(theirs.value).split(":")[0]


def test_differentiable_step_on_a_non_leaf_is_refused():
    base = ember.ones(2, requires_grad=True)
    p = base * 2
    p.retain_grad()
    p.grad = ember.ones(2)
    opt = eoptim.SGD([p], lr=0.1, differentiable=True)
    with pytest.raises(RuntimeError, match="differentiable=True: ember's optimizer steps are not recorded"):
        opt.step()


def test_step_hooks():
    p = ember.ones(2, dtype=ember.float64, requires_grad=True)
    p.grad = ember.ones(2, dtype=ember.float64)
    opt = eoptim.SGD([p], lr=0.1)
    calls = []
    pre = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", o is opt, args[0] is opt)))
    post = opt.register_step_post_hook(lambda o, args, kwargs: calls.append(("post", p.tolist())))
    global_pre = eoptim.optimizer.register_optimizer_step_pre_hook(lambda o, a, k: calls.append("global pre"))
    global_post = eoptim.optimizer.register_optimizer_step_post_hook(lambda o, a, k: calls.append("global post"))
    try:
        opt.step()
    finally:
        global_pre.remove()
        global_post.remove()
    assert calls == ["global pre", ("pre", True, True), ("post", [0.9, 0.9]), "global post"]
    pre.remove()
    post.remove()
    calls.clear()
    opt.step()
    assert calls == [] and p.tolist() == pytest.approx([0.8, 0.8])


def test_step_pre_hook_can_replace_the_arguments():
    p = ember.ones(2, requires_grad=True)
    p.grad = ember.ones(2)
    opt = eoptim.SGD([p], lr=0.1)

    def closure():
        return ember.tensor(7.0)
    opt.register_step_pre_hook(lambda o, args, kwargs: (args, {"closure": closure}))
    assert opt.step().item() == 7.0
    opt.register_step_pre_hook(lambda o, args, kwargs: "nonsense")
    with pytest.raises(RuntimeError, match="must return None or a tuple of \\(new_args, new_kwargs\\)"):
        opt.step()


def test_custom_optimizer_gets_step_hooks():
    class Halve(eoptim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {})

        def step(self, closure=None):
            with ember.no_grad():
                for p in self.param_groups[0]["params"]:
                    p.mul_(0.5)

    p = ember.ones(1, requires_grad=True)
    opt = Halve([p])
    seen = []
    opt.register_step_post_hook(lambda o, a, k: seen.append(p.item()))
    opt.step()
    assert seen == [0.5]


def test_state_dict_hooks():
    p = ember.ones(2, requires_grad=True)
    p.grad = ember.ones(2)
    opt = eoptim.SGD([p], lr=0.1, momentum=0.9)
    opt.step()
    order = []
    opt.register_state_dict_pre_hook(lambda o: order.append("pre"))
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    opt.register_state_dict_pre_hook(lambda o: order.append("first"), prepend=True)
    sd = opt.state_dict()
    assert order == ["first", "pre"] and sd["extra"] == 1

    other = eoptim.SGD([ember.ones(2, requires_grad=True)], lr=0.5, momentum=0.9)
    loaded = []

    def drop_extra(o, state_dict):
        state_dict.pop("extra")
        state_dict["param_groups"][0]["lr"] = 0.25
    other.register_load_state_dict_pre_hook(drop_extra)
    other.register_load_state_dict_post_hook(lambda o: loaded.append(o.param_groups[0]["lr"]))
    other.load_state_dict(sd)
    assert loaded == [0.25] and "extra" in sd  # the hook edited a copy of the dict, not the caller's
    assert_close(other.state[other.param_groups[0]["params"][0]]["momentum_buffer"], np.ones(2))


@requires_torch
@pytest.mark.parametrize("name,options", [CASES[2], CASES[5], CASES[11], CASES[13], CASES[16], CASES[18],
                                          CASES[20], CASES[22]], ids=lambda v: v if isinstance(v, str) else "")
def test_state_dict_round_trip(name, options):
    arrays = initial_arrays(np.float64)
    maximize = options.get("maximize", False)

    def run(opt, params, steps):
        for _ in range(steps):
            set_ember_grads(params, maximize)
            opt.step()

    params = ember_params(arrays)
    opt = getattr(eoptim, name)([{"params": params[:2]}, {"params": params[2:], "lr": 0.01}], **options)
    run(opt, params, 3)
    sd = opt.state_dict()

    t_params = [torch.tensor(a, requires_grad=True) for a in arrays]
    t_opt = getattr(torch.optim, name)([{"params": t_params[:2]}, {"params": t_params[2:], "lr": 0.01}], **options)
    for _ in range(3):
        set_torch_grads(t_params, maximize)
        t_opt.step()
    t_sd = t_opt.state_dict()
    assert sorted(sd["state"]) == sorted(t_sd["state"]) == [0, 1, 2]
    assert [g["params"] for g in sd["param_groups"]] == [g["params"] for g in t_sd["param_groups"]]
    for e_group, t_group in zip(sd["param_groups"], t_sd["param_groups"]):
        assert {k: v for k, v in t_group.items() if k in e_group} == e_group
    for i in sd["state"]:
        assert set(sd["state"][i]) == set(t_sd["state"][i])

    # A fresh optimizer over copies of the parameters continues exactly where the first one is.
    copies = [ember.tensor(p.detach().numpy(), requires_grad=True) for p in params]
    fresh = getattr(eoptim, name)([{"params": copies[:2]}, {"params": copies[2:]}], **options)
    fresh.load_state_dict(sd)
    assert fresh.param_groups[1]["lr"] == 0.01
    for p, c in zip(params, copies):
        for key, value in opt.state[p].items():
            if isinstance(value, ember.Tensor):
                assert fresh.state[c][key] is not value  # copied, not shared
                assert_close(fresh.state[c][key], value, rtol=0, atol=0)
    run(opt, params, 3)
    run(fresh, copies, 3)
    # As in torch, loading casts ASGD's float32 eta/mu to the parameter's dtype ("step" keeps its own).
    exact = name != "ASGD"
    for p, c in zip(params, copies):
        assert_close(c, p, rtol=0 if exact else 1e-7, atol=0 if exact else 1e-12)


def test_load_state_dict_casts_state_to_param_dtype():
    p64 = ember.tensor(np.ones(3), requires_grad=True)
    p64.grad = ember.tensor(np.ones(3))
    opt = eoptim.Adam([p64])
    opt.step()
    p32 = ember.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    other = eoptim.Adam([p32])
    other.load_state_dict(opt.state_dict())
    assert other.state[p32]["exp_avg"].dtype == ember.float32
    assert other.state[p32]["step"].dtype == opt.state[p64]["step"].dtype


def test_add_param_group_fills_defaults():
    a, b = ember.tensor(np.ones(2), requires_grad=True), ember.tensor(np.ones(2), requires_grad=True)
    opt = eoptim.Adam([a], lr=0.1)
    opt.add_param_group({"params": b, "betas": (0.5, 0.6)})
    group = opt.param_groups[1]
    assert group["params"] == [b] and group["lr"] == 0.1 and group["betas"] == (0.5, 0.6)
    assert group["eps"] == 1e-8 and group["amsgrad"] is False


def test_named_params():
    a, b = ember.tensor(np.ones(2), requires_grad=True), ember.tensor(np.ones(2), requires_grad=True)
    opt = eoptim.SGD([("w", a), ("b", b)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["w", "b"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]


ALL_OPTIMIZERS = ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Adadelta", "Adamax", "ASGD", "Rprop"]


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_invalid_learning_rate(name):
    p = ember.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match=r"^Invalid learning rate: -0.1$"):
        getattr(eoptim, name)([p], lr=-0.1)


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_params_errors(name):
    cls = getattr(eoptim, name)
    p = ember.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match="params argument given to the optimizer should be an iterable of Tensors "
                                        "or dicts, but got ember.Tensor"):
        cls(p)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        cls([])
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        cls([p * 2])
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the params is list"):
        cls([[p]])
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        cls([{"params": [p]}, {"params": [p]}])
    with pytest.raises(TypeError, match="optimizer parameters need to be organized in ordered collections"):
        cls([{"params": {p}}])


def test_option_errors():
    p = [ember.tensor(np.ones(2), requires_grad=True)]
    cases = [
        (lambda: eoptim.SGD(p, momentum=-1), "Invalid momentum value: -1"),
        (lambda: eoptim.SGD(p, weight_decay=-1), "Invalid weight_decay value: -1"),
        (lambda: eoptim.SGD(p, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
        (lambda: eoptim.SGD(p, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov momentum requires"),
        (lambda: eoptim.Adam(p, eps=-1), "Invalid epsilon value: -1"),
        (lambda: eoptim.Adam(p, betas=(1.0, 0.9)), r"Invalid beta parameter at index 0: 1.0"),
        (lambda: eoptim.AdamW(p, betas=(0.9, -0.1)), r"Invalid beta parameter at index 1: -0.1"),
        (lambda: eoptim.Adam(p, weight_decay=-0.5), "Invalid weight_decay value: -0.5"),
        (lambda: eoptim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value: -1"),
        (lambda: eoptim.Adagrad(p, initial_accumulator_value=-1), "Invalid initial_accumulator_value value: -1"),
        (lambda: eoptim.RMSprop(p, alpha=-1), "Invalid alpha value: -1"),
        (lambda: eoptim.Adadelta(p, rho=1.5), r"Invalid rho value: 1.5"),
        (lambda: eoptim.Adamax(p, betas=(0.9, 1.0)), r"Invalid beta parameter at index 1: 1.0"),
        (lambda: eoptim.ASGD(p, weight_decay=-1), "Invalid weight_decay value: -1"),
        (lambda: eoptim.Rprop(p, etas=(1.5, 1.2)), r"Invalid eta values: 1.5, 1.2"),
    ]
    for make, message in cases:
        with pytest.raises(ValueError, match=message):
            make()


def test_param_group_errors():
    p = ember.tensor(np.ones(2), requires_grad=True)
    opt = eoptim.SGD([p], lr=0.1)
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([p])
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [p]})
    with pytest.warns(UserWarning, match="duplicate parameters"):
        eoptim.SGD([p, p], lr=0.1)


def test_load_state_dict_errors():
    a, b = ember.tensor(np.ones(2), requires_grad=True), ember.tensor(np.ones(2), requires_grad=True)
    sd = eoptim.SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="loaded state dict has a different number of parameter groups"):
        eoptim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        eoptim.SGD([a], lr=0.1).load_state_dict(sd)


def test_kernel_errors():
    p = ember.tensor(np.ones((2, 3)), requires_grad=True)
    step = ember.zeros(())
    with pytest.raises(RuntimeError, match=r"\[sgd\] grad has shape \[3, 2\] but the parameter has shape \[2, 3\]"):
        ember._C._sgd_step(p, ember.ones(3, 2, dtype=ember.float64), None, 0.1, 0.0, 0.0, 0.0, False, False)
    with pytest.raises(RuntimeError, match=r"\[adam\] exp_avg has dtype float32 but the parameter has dtype float64"):
        ember._C._adam_step(p, ember.ones(2, 3, dtype=ember.float64), ember.zeros(2, 3), ember.zeros(2, 3), None,
                            step, 0.1, 0.9, 0.999, 1e-8, 0.0, False, False, False)
    with pytest.raises(TypeError, match=r"\[sgd\] can only optimize floating point parameters, got int64"):
        ember._C._sgd_step(ember.ones(3, dtype=ember.int64), ember.ones(3, dtype=ember.int64), None,
                           0.1, 0.0, 0.0, 0.0, False, False)
    with pytest.raises(RuntimeError, match=r"\[adagrad\] expected the step counter to be a one-element CPU tensor"):
        ember._C._adagrad_step(p, ember.ones(2, 3, dtype=ember.float64), ember.zeros(2, 3, dtype=ember.float64),
                               ember.zeros(2), 0.1, 0.0, 0.0, 1e-10, False)
    expanded = ember.zeros(1, 3, dtype=ember.float64).expand(2, 3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        ember._C._sgd_step(expanded, ember.ones(2, 3, dtype=ember.float64), None, 0.1, 0.0, 0.0, 0.0, False, False)


# ---- learning-rate schedules ------------------------------------------------------------------

def _sched_pair(make_sched, optimizer="SGD", **opt_kwargs):
    opt_kwargs = opt_kwargs or dict(lr=0.1, momentum=0.9)
    e_p = [ember.tensor(np.ones(2), requires_grad=True), ember.tensor(np.ones(2), requires_grad=True)]
    t_p = [torch.ones(2, dtype=torch.float64, requires_grad=True), torch.ones(2, dtype=torch.float64, requires_grad=True)]
    e_opt = getattr(eoptim, optimizer)([{"params": [e_p[0]]}, {"params": [e_p[1]], "lr": 0.03}], **opt_kwargs)
    t_opt = getattr(torch.optim, optimizer)([{"params": [t_p[0]]}, {"params": [t_p[1]], "lr": 0.03}], **opt_kwargs)
    return e_opt, t_opt, make_sched(elrs, e_opt), make_sched(torch.optim.lr_scheduler, t_opt)


SCHEDULES = {
    "StepLR": lambda m, o: m.StepLR(o, step_size=3, gamma=0.5),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[2, 5, 5, 11], gamma=0.3),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
    "LambdaLR": lambda m, o: m.LambdaLR(o, lambda e: 0.95 ** e),
    "LambdaLR-list": lambda m, o: m.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.9 ** e]),
    "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, lambda e: 0.97),
    "LinearLR": lambda m, o: m.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=8),
    "ConstantLR": lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=4),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o, total_iters=10, power=2.0),
    "CosineAnnealingWarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=1e-3),
    "CyclicLR-triangular": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4),
    "CyclicLR-triangular2": lambda m, o: m.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3,
                                                    step_size_down=5, mode="triangular2"),
    "CyclicLR-exp_range": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=2, mode="exp_range",
                                                  gamma=0.9, base_momentum=0.7, max_momentum=0.95),
    "OneCycleLR-cos": lambda m, o: m.OneCycleLR(o, max_lr=0.5, total_steps=26),
    "OneCycleLR-linear-three-phase": lambda m, o: m.OneCycleLR(o, max_lr=[0.5, 0.2], epochs=2, steps_per_epoch=13,
                                                               anneal_strategy="linear", three_phase=True),
    "SequentialLR": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=4), m.CosineAnnealingLR(o, T_max=10),
            m.ExponentialLR(o, gamma=0.8)], milestones=[4, 14]),
    "ChainedScheduler": lambda m, o: m.ChainedScheduler([m.ExponentialLR(o, gamma=0.9), m.StepLR(o, 4, 0.5)]),
}


def _momentum(group):
    return group["betas"][0] if "betas" in group else group["momentum"]


@requires_torch
@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedule_matches_torch(name, optimizer):
    kwargs = dict(lr=0.1, momentum=0.9) if optimizer == "SGD" else dict(lr=0.1)
    e_opt, t_opt, e_sched, t_sched = _sched_pair(SCHEDULES[name], optimizer, **kwargs)
    assert e_sched.get_last_lr() == t_sched.get_last_lr()
    for _ in range(25):
        e_opt.step()
        t_opt.step()
        e_sched.step()
        t_sched.step()
        assert e_sched.get_last_lr() == t_sched.get_last_lr()
        assert [g["lr"] for g in e_opt.param_groups] == [g["lr"] for g in t_opt.param_groups]
        assert [_momentum(g) for g in e_opt.param_groups] == [_momentum(g) for g in t_opt.param_groups]


@requires_torch
@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR",
                                  "ConstantLR", "PolynomialLR", "CosineAnnealingWarmRestarts"])
def test_schedule_closed_form_with_epoch(name):
    e_opt, t_opt, e_sched, t_sched = _sched_pair(SCHEDULES[name])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in [3, 7, 2, 12, 0, 20]:
            e_sched.step(epoch)
            t_sched.step(epoch)
            assert e_sched.get_last_lr() == t_sched.get_last_lr()


@requires_torch
@pytest.mark.parametrize("options", [
    dict(),
    dict(mode="max", factor=0.5, patience=2, threshold=0.1, threshold_mode="abs", cooldown=2, min_lr=[0.01, 0.02]),
    dict(patience=0, threshold_mode="rel", cooldown=1, min_lr=0.005, eps=1e-3),
])
def test_reduce_lr_on_plateau_matches_torch(options):
    e_opt, t_opt, e_sched, t_sched = _sched_pair(lambda m, o: m.ReduceLROnPlateau(o, **options))
    metrics = [1.0, 0.9, 0.95, 0.95, 0.96, 0.89, 0.97, 1.2, 1.3, 1.3, 0.5, 0.5, 0.5, 0.5, 0.51, 0.52, 0.6,
               0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4]
    for value in metrics:
        e_sched.step(value)
        t_sched.step(value)
        assert e_sched.get_last_lr() == t_sched.get_last_lr()
        assert e_sched.num_bad_epochs == t_sched.num_bad_epochs and e_sched.best == t_sched.best


@requires_torch
@pytest.mark.parametrize("name", ["StepLR", "CosineAnnealingLR", "OneCycleLR-cos", "CyclicLR-triangular2",
                                  "SequentialLR", "LambdaLR"])
def test_schedule_state_dict_round_trip(name):
    e_opt, _, e_sched, _ = _sched_pair(SCHEDULES[name])
    for _ in range(9):
        e_opt.step()
        e_sched.step()
    sd, opt_sd = e_sched.state_dict(), e_opt.state_dict()
    assert "optimizer" not in sd
    other_opt, _, other, _ = _sched_pair(SCHEDULES[name])
    other_opt.load_state_dict(opt_sd)
    other.load_state_dict(sd)
    for _ in range(12):
        for opt, sched in ((e_opt, e_sched), (other_opt, other)):
            opt.step()
            sched.step()
        assert other.get_last_lr() == e_sched.get_last_lr()


@requires_torch
def test_schedule_warnings_and_errors():
    e_opt, _, _, _ = _sched_pair(lambda m, o: None)
    sched = elrs.StepLR(e_opt, step_size=2)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before `optimizer.step\(\)`"):
        sched.step()
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched.get_lr()
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        elrs.StepLR([], step_size=2)
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\]"):
        elrs.StepLR(eoptim.SGD([ember.tensor(np.ones(1), requires_grad=True)], lr=0.1), 2, last_epoch=3)
    with pytest.raises(ValueError, match="Factor should be < 1.0."):
        elrs.ReduceLROnPlateau(e_opt, factor=1.0)
    with pytest.raises(ValueError, match="mode foo is unknown!"):
        elrs.ReduceLROnPlateau(e_opt, mode="foo")
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        elrs.LambdaLR(e_opt, [lambda e: 1.0])
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        elrs.OneCycleLR(eoptim.Adagrad([ember.tensor(np.ones(1), requires_grad=True)]), max_lr=1.0, total_steps=5)
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        elrs.OneCycleLR(e_opt, max_lr=1.0)
    one_cycle = elrs.OneCycleLR(e_opt, max_lr=1.0, total_steps=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one_cycle.step()
        one_cycle.step()
        with pytest.raises(ValueError, match="Tried to step 3 times. The specified number of total steps is 2"):
            one_cycle.step()
    with pytest.raises(ValueError, match="Sequential Schedulers expects number of schedulers provided to be one more"):
        elrs.SequentialLR(e_opt, [elrs.StepLR(e_opt, 2)], milestones=[3])


def test_no_warning_in_the_right_order():
    p = ember.tensor(np.ones(2), requires_grad=True)
    opt = eoptim.SGD([p], lr=1.0)
    sched = elrs.ExponentialLR(opt, gamma=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        sched.step()
    assert sched.get_last_lr() == [0.5] and math.isclose(opt.param_groups[0]["lr"], 0.5)


# ---- L-BFGS --------------------------------------------------------------------------------------

def _rosenbrock(x):
    """The n-dimensional Rosenbrock function, minimal at x = 1."""
    head, tail = x[:-1], x[1:]
    return (100 * (tail - head * head) * (tail - head * head) + (1 - head) * (1 - head)).sum()


@requires_torch
@pytest.mark.parametrize("options", [
    dict(),
    dict(lr=0.5, history_size=3, max_iter=7),
    dict(line_search_fn="strong_wolfe"),
    dict(line_search_fn="strong_wolfe", history_size=2, max_iter=5, tolerance_change=1e-12),
], ids=["plain", "short-history", "strong-wolfe", "strong-wolfe-short"])
def test_lbfgs_matches_torch_on_rosenbrock(options):
    start = np.array([-1.2, 1.0, -0.5, 0.8, 1.5])
    e_x, t_x = ember.tensor(start, requires_grad=True), torch.tensor(start, requires_grad=True)
    e_opt, t_opt = eoptim.LBFGS([e_x], **options), torch.optim.LBFGS([t_x], **options)
    e_calls, t_calls = [], []

    def closure(x, opt, calls):
        def run():
            opt.zero_grad()
            loss = _rosenbrock(x)
            loss.backward()
            calls.append(1)
            return loss
        return run

    for _ in range(6):
        e_loss = e_opt.step(closure(e_x, e_opt, e_calls))
        t_loss = t_opt.step(closure(t_x, t_opt, t_calls))
        assert_close(e_loss, t_loss, rtol=1e-6, atol=1e-10)
        assert_close(e_x, t_x, rtol=1e-6, atol=1e-9)
        assert len(e_calls) == len(t_calls)
        e_state, t_state = e_opt.state[e_x], t_opt.state[t_x]
        assert e_state["n_iter"] == t_state["n_iter"] and e_state["func_evals"] == t_state["func_evals"]
    if options == dict(line_search_fn="strong_wolfe"):
        assert_close(e_x, np.ones(5), rtol=0, atol=1e-4)  # converged to the minimum


def test_lbfgs_errors():
    a, b = ember.tensor(np.ones(2), requires_grad=True), ember.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        eoptim.LBFGS([{"params": [a]}, {"params": [b]}])
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        eoptim.LBFGS([a], lr=-1)
    opt = eoptim.LBFGS([a], line_search_fn="armijo")

    def closure():
        opt.zero_grad()
        loss = (a * a).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)


def test_lbfgs_stops_at_an_optimum():
    x = ember.tensor(np.zeros(3), requires_grad=True)
    opt = eoptim.LBFGS([x])
    calls = []

    def closure():
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        calls.append(1)
        return loss

    assert opt.step(closure).item() == 0.0
    assert len(calls) == 1 and opt.state[x]["n_iter"] == 0
