"""NAdam, RAdam, Adafactor, SparseAdam and optim.swa_utils against torch: the same weights and
gradients give the same parameters and state at every step; option errors in torch's words."""
import inspect

import numpy as np
import pytest

import ember
import ember.optim as eoptim
from ember.testing import assert_close

from conftest import requires_torch
from test_optim import assert_state_matches, loss_grad

try:
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None

# A batched matrix and a wide matrix exercise Adafactor's factored state; a vector and a scalar
# its full variance.
SHAPES = [(3, 4), (2, 3, 5), (5,), ()]
STEPS = 25
# float32 rounds differently from torch's vectorised (FMA) loops by an ulp now and then, which the
# loss's x^4 term amplifies: float32 runs fewer steps, as in test_optim.py.
FLOAT32_STEPS = 6

CASES = [
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.05, weight_decay=0.2, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.05, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1)),
    ("RAdam", dict(lr=0.05, weight_decay=0.2, decoupled_weight_decay=True, maximize=True)),
    # beta2 = 0.5 keeps rho_t <= 5 for good: every step is the unrectified one.
    ("RAdam", dict(lr=0.05, betas=(0.9, 0.5))),
    ("Adafactor", dict()),
    ("Adafactor", dict(lr=0.05, beta2_decay=-0.5, eps=(1e-20, 1e-2), d=1.5, weight_decay=0.1)),
    ("Adafactor", dict(lr=0.2, eps=(1e-3, 1e-4), maximize=True)),
    ("Adafactor", dict(lr=0.01, d=1.0, weight_decay=0.5, maximize=True)),
]
CASE_IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CASES)]


def initial_arrays(dtype, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in SHAPES]


def ember_params(arrays, noncontiguous):
    if not noncontiguous:
        return [ember.tensor(a, requires_grad=True) for a in arrays]
    # transposed views over contiguous bases for the matrices
    return [(ember.tensor(np.ascontiguousarray(a.swapaxes(-1, -2))).transpose(-1, -2) if a.ndim >= 2
             else ember.tensor(a)).requires_grad_() for a in arrays]


def set_grads(module, params, maximize):
    for p in params:
        p.grad = module.tensor(loss_grad(p.detach().numpy(), maximize))


def run_both(name, options, dtype, noncontiguous=False, steps=None, check_every_step=True):
    if steps is None:
        steps = STEPS if dtype == np.float64 else FLOAT32_STEPS
    arrays = initial_arrays(dtype)
    e_params = ember_params(arrays, noncontiguous)
    t_params = [torch.tensor(a, requires_grad=True) for a in arrays]
    e_opt = getattr(eoptim, name)(e_params, **options)
    t_opt = getattr(torch.optim, name)(t_params, **options)
    maximize = options.get("maximize", False)
    rtol, atol = (1e-10, 1e-12) if dtype == np.float64 else (2e-5, 1e-6)
    for _ in range(steps):
        set_grads(ember, e_params, maximize)
        set_grads(torch, t_params, maximize)
        e_opt.step()
        t_opt.step()
        if check_every_step:
            assert_state_matches(e_opt, t_opt, e_params, t_params, rtol, atol)
    return e_opt, t_opt, e_params, t_params


@requires_torch
@pytest.mark.parametrize("noncontiguous", [False, True], ids=["contiguous", "transposed"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,options", CASES, ids=CASE_IDS)
def test_matches_torch(name, options, dtype, noncontiguous):
    _, _, e_params, _ = run_both(name, options, dtype, noncontiguous)
    for p in e_params:
        assert p.dtype == ember.tensor(np.zeros(1, dtype)).dtype


@requires_torch
@pytest.mark.parametrize("name", ["NAdam", "RAdam", "Adafactor"])
def test_tensor_lr_matches_torch(name):
    arrays = initial_arrays(np.float64)
    e_params = ember_params(arrays, False)
    t_params = [torch.tensor(a, requires_grad=True) for a in arrays]
    e_opt = getattr(eoptim, name)(e_params, lr=ember.tensor(0.05, dtype=ember.float64))
    t_opt = getattr(torch.optim, name)(t_params, lr=torch.tensor(0.05, dtype=torch.float64))
    for step in range(4):
        set_grads(ember, e_params, False)
        set_grads(torch, t_params, False)
        e_opt.step()
        t_opt.step()
        e_opt.param_groups[0]["lr"].fill_(0.05 / (step + 2))
        t_opt.param_groups[0]["lr"].fill_(0.05 / (step + 2))
    for ep, tp in zip(e_params, t_params):
        assert_close(ep, tp, rtol=1e-10, atol=1e-12)


@requires_torch
@pytest.mark.parametrize("name", ["NAdam", "RAdam", "Adafactor", "SparseAdam"])
def test_group_options_and_signature_match_torch(name):
    e_opt = getattr(eoptim, name)([ember.ones(2, requires_grad=True)])
    t_opt = getattr(torch.optim, name)([torch.ones(2, requires_grad=True)])
    e_group = {k: v for k, v in e_opt.param_groups[0].items() if k != "params"}
    t_group = {k: v for k, v in t_opt.param_groups[0].items() if k != "params"}
    assert list(e_group.items()) == list(t_group.items())
    assert repr(e_opt) == repr(t_opt)
    e_sig = inspect.signature(getattr(eoptim, name).__init__).parameters
    t_sig = inspect.signature(getattr(torch.optim, name).__init__).parameters
    assert [(n, p.kind, p.default) for n, p in e_sig.items()] == [(n, p.kind, p.default) for n, p in t_sig.items()]


@requires_torch
@pytest.mark.parametrize("name,options", [CASES[1], CASES[2], CASES[4], CASES[8]],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_state_dict_round_trip(name, options):
    e_opt, t_opt, e_params, _ = run_both(name, options, np.float64, steps=3, check_every_step=False)
    sd, t_sd = e_opt.state_dict(), t_opt.state_dict()
    assert sd["param_groups"] == [{k: v for k, v in g.items()} for g in t_sd["param_groups"]]
    for i in t_sd["state"]:
        assert set(sd["state"][i]) == set(t_sd["state"][i])
        for key, value in t_sd["state"][i].items():
            assert_close(sd["state"][i][key], value, rtol=1e-12, atol=1e-14)

    copies = [ember.tensor(p.detach().numpy(), requires_grad=True) for p in e_params]
    fresh = getattr(eoptim, name)(copies, **options)
    fresh.load_state_dict(sd)
    maximize = options.get("maximize", False)
    for opt, params in ((e_opt, e_params), (fresh, copies)):
        for _ in range(3):
            set_grads(ember, params, maximize)
            opt.step()
    # As in torch, loading casts NAdam's float32 mu_product to the parameter's dtype.
    exact = name != "NAdam"
    if not exact:
        assert fresh.state[copies[0]]["mu_product"].dtype == ember.float64
    for p, c in zip(e_params, copies):
        assert_close(c, p, rtol=0 if exact else 1e-7, atol=0 if exact else 1e-12)


@requires_torch
@pytest.mark.parametrize("make", [
    lambda m, p: m.NAdam(p, lr=-1.0),
    lambda m, p: m.NAdam(p, eps=-1.0),
    lambda m, p: m.NAdam(p, betas=(1.0, 0.9)),
    lambda m, p: m.NAdam(p, betas=(0.9, -0.5)),
    lambda m, p: m.NAdam(p, weight_decay=-0.1),
    lambda m, p: m.NAdam(p, momentum_decay=-0.1),
    lambda m, p: m.RAdam(p, lr=-1.0),
    lambda m, p: m.RAdam(p, betas=(0.9, 1.5)),
    lambda m, p: m.RAdam(p, weight_decay=-1.0),
    lambda m, p: m.Adafactor(p, lr=-0.1),
    lambda m, p: m.Adafactor(p, beta2_decay=0.5),
    lambda m, p: m.Adafactor(p, eps=(-1.0, 1e-3)),
    lambda m, p: m.Adafactor(p, eps=(None, -1e-3)),
    lambda m, p: m.Adafactor(p, d=0.5),
    lambda m, p: m.Adafactor(p, weight_decay=-1.0),
    lambda m, p: m.SparseAdam(p, lr=0.0),
    lambda m, p: m.SparseAdam(p, eps=0.0),
    lambda m, p: m.SparseAdam(p, betas=(0.9, 1.0)),
])
def test_option_errors_match_torch(make):
    def params(module):
        p = module.ones(2, requires_grad=True)
        p.grad = module.ones(2)
        return [p]
    with pytest.raises(Exception) as theirs:
        make(torch.optim, params(torch))
    with pytest.raises(type(theirs.value)) as ours:
        make(eoptim, params(ember))
    assert str(ours.value).split(":")[0] == str(theirs.value).split(":")[0]
    assert str(ours.value).replace("ember", "torch") == str(theirs.value)


@requires_torch
def test_sparse_adam_refuses_a_dense_gradient_as_torch():
    for module, opt_module in ((torch, torch.optim), (ember, eoptim)):
        p = module.ones(3, requires_grad=True)
        opt = opt_module.SparseAdam([p], lr=0.1)
        opt.step()  # no gradient yet: nothing to do
        p.grad = module.ones(3)
        with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients, please consider Adam "
                                               "instead"):
            opt.step()
        assert p.tolist() == [1.0, 1.0, 1.0] and not opt.state


def test_kernel_errors():
    p = ember.tensor(np.ones((2, 3)), requires_grad=True)
    g = ember.tensor(np.ones((2, 3)))
    step, mu = ember.zeros(()), ember.ones(())
    z = ember.zeros(2, 3, dtype=ember.float64)
    with pytest.raises(RuntimeError, match=r"\[nadam\] exp_avg has shape \[3\] but the parameter has shape \[2, 3\]"):
        ember._C._nadam_step(p, g, ember.zeros(3, dtype=ember.float64), z, step, mu, 0.1, 0.9, 0.999, 1e-8, 0.0,
                             4e-3, False, False)
    with pytest.raises(RuntimeError, match=r"\[nadam\] expected mu_product to be a one-element CPU tensor"):
        ember._C._nadam_step(p, g, z, z.clone(), step, ember.ones(2), 0.1, 0.9, 0.999, 1e-8, 0.0, 4e-3, False, False)
    with pytest.raises(RuntimeError, match=r"\[radam\] exp_avg_sq has dtype float32"):
        ember._C._radam_step(p, g, z, ember.zeros(2, 3), step, 0.1, 0.9, 0.999, 1e-8, 0.0, False, False)
    with pytest.raises(RuntimeError, match=r"\[adafactor\] row_var has shape \[2\] but expected \[2, 1\]"):
        ember._C._adafactor_step(p, g, ember.zeros(2, dtype=ember.float64), ember.zeros(1, 3, dtype=ember.float64),
                                 None, step, 0.1, -0.8, 1e-30, 1e-3, 1.0, 0.0, False)
    with pytest.raises(RuntimeError, match=r"\[adafactor\] row_var and col_var should be defined"):
        ember._C._adafactor_step(p, g, None, None, None, step, 0.1, -0.8, 1e-30, 1e-3, 1.0, 0.0, False)
    with pytest.raises(RuntimeError, match=r"\[adafactor\] variance should be defined when grad is a vector"):
        ember._C._adafactor_step(ember.ones(3), ember.ones(3), None, None, None, step, 0.1, -0.8, 1e-30, 1e-3, 1.0,
                                 0.0, False)
    assert step.item() == 0  # a refused step leaves the counter alone


# ---- swa_utils ------------------------------------------------------------------------------------

def make_models(seed=0):
    """The same small net (with BatchNorm buffers) in ember and torch."""
    rng = np.random.default_rng(seed)
    nets = []
    for nn in (ember.nn, torch.nn):
        nets.append(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2)))
    e_net, t_net = nets
    with torch.no_grad():
        for (name, tp), (_, ep) in zip(t_net.named_parameters(), e_net.named_parameters()):
            value = rng.standard_normal(tuple(tp.shape))
            tp.copy_(torch.tensor(value))
            ep.data = ember.tensor(value.astype(np.float32))
    return e_net, t_net


def perturb(e_net, t_net, k):
    """Moves both nets' weights the same way, and runs a training batch to change BatchNorm's stats."""
    x = np.random.default_rng(100 + k).standard_normal((8, 3)).astype(np.float32)
    with torch.no_grad():
        for tp, ep in zip(t_net.parameters(), e_net.parameters()):
            tp.mul_(0.9).add_(0.1 * k)
    with ember.no_grad():
        for ep in e_net.parameters():
            ep.mul_(0.9).add_(0.1 * k)
    e_net(ember.tensor(x))
    t_net(torch.tensor(x))


@requires_torch
@pytest.mark.parametrize("kind", ["swa", "ema_multi", "ema_avg", "swa_avg"])
@pytest.mark.parametrize("use_buffers", [False, True])
def test_averaged_model_matches_torch(kind, use_buffers):
    e_net, t_net = make_models()

    def averaging(mod):
        return {"swa": {}, "ema_multi": dict(multi_avg_fn=mod.get_ema_multi_avg_fn(0.8)),
                "ema_avg": dict(avg_fn=mod.get_ema_avg_fn(0.7)), "swa_avg": dict(avg_fn=mod.get_swa_avg_fn())}[kind]
    e_avg = eoptim.swa_utils.AveragedModel(e_net, use_buffers=use_buffers, **averaging(eoptim.swa_utils))
    t_avg = torch.optim.swa_utils.AveragedModel(t_net, use_buffers=use_buffers, **averaging(torch.optim.swa_utils))
    for k in range(5):
        perturb(e_net, t_net, k)
        e_avg.update_parameters(e_net)
        t_avg.update_parameters(t_net)
        assert e_avg.n_averaged.item() == t_avg.n_averaged.item() == k + 1
        e_state, t_state = e_avg.state_dict(), t_avg.state_dict()
        assert list(e_state) == list(t_state)
        for key, value in t_state.items():
            assert_close(e_state[key], value, rtol=1e-6, atol=1e-6)
    x = np.random.default_rng(7).standard_normal((4, 3)).astype(np.float32)
    e_avg.eval()
    t_avg.eval()
    assert_close(e_avg(ember.tensor(x)), t_avg(torch.tensor(x)).detach(), rtol=1e-5, atol=1e-6)


def test_averaged_model_errors_and_decay_checks():
    net = ember.nn.Linear(2, 2)
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn should be provided"):
        eoptim.swa_utils.AveragedModel(net, avg_fn=eoptim.swa_utils.get_swa_avg_fn(),
                                       multi_avg_fn=eoptim.swa_utils.get_swa_multi_avg_fn())
    for make in (eoptim.swa_utils.get_ema_multi_avg_fn, eoptim.swa_utils.get_ema_avg_fn):
        with pytest.raises(ValueError, match=r"Invalid decay value 1.5 provided. Please provide a value in \[0,1\]"):
            make(1.5)
    averaged = eoptim.swa_utils.AveragedModel(net)
    assert averaged.module is not net and averaged.n_averaged.dtype == ember.int64
    assert [n for n, _ in averaged.named_parameters()] == ["module.weight", "module.bias"]


@requires_torch
def test_update_bn_matches_torch():
    e_net, t_net = make_models()
    data = [np.random.default_rng(k).standard_normal((6, 3)).astype(np.float32) for k in range(4)]
    e_loader = [(ember.tensor(x), ember.zeros(6)) for x in data]  # (input, target) batches
    t_loader = [(torch.tensor(x), torch.zeros(6)) for x in data]
    e_net.eval()
    t_net.eval()
    eoptim.swa_utils.update_bn(e_loader, e_net)
    torch.optim.swa_utils.update_bn(t_loader, t_net)
    assert not e_net.training and e_net[1].momentum == 0.1
    assert_close(e_net[1].running_mean, t_net[1].running_mean, rtol=1e-5, atol=1e-6)
    assert_close(e_net[1].running_var, t_net[1].running_var, rtol=1e-5, atol=1e-6)
    assert e_net[1].num_batches_tracked.item() == t_net[1].num_batches_tracked.item() == 4
    eoptim.swa_utils.update_bn(e_loader, ember.nn.Linear(3, 3))  # no BatchNorm: nothing to do


@requires_torch
@pytest.mark.parametrize("options", [dict(swa_lr=0.05), dict(swa_lr=[0.05, 0.5], anneal_epochs=3,
                                                             anneal_strategy="linear"),
                                     dict(swa_lr=0.01, anneal_epochs=0)])
def test_swalr_matches_torch(options):
    def schedule(module, opt_module):
        a, b = module.ones(2, requires_grad=True), module.ones(2, requires_grad=True)
        opt = opt_module.SGD([{"params": [a]}, {"params": [b], "lr": 0.2}], lr=0.1)
        sched = opt_module.swa_utils.SWALR(opt, **options)
        lrs = [sched.get_last_lr()]
        for _ in range(12):
            opt.step()
            sched.step()
            lrs.append(sched.get_last_lr())
        return lrs, sched
    e_lrs, e_sched = schedule(ember, eoptim)
    t_lrs, t_sched = schedule(torch, torch.optim)
    np.testing.assert_allclose(e_lrs, t_lrs, rtol=1e-14)
    e_sd, t_sd = e_sched.state_dict(), t_sched.state_dict()
    assert {k: e_sd[k] for k in t_sd if k in e_sd} == {k: t_sd[k] for k in t_sd if k in e_sd}
    e_sched.load_state_dict(e_sd)
    assert e_sched.anneal_func == e_sched._linear_anneal if options.get("anneal_strategy") == "linear" \
        else e_sched.anneal_func == e_sched._cosine_anneal


def test_swalr_errors():
    opt = eoptim.SGD([ember.ones(2, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear', instead got exp"):
        eoptim.swa_utils.SWALR(opt, swa_lr=0.1, anneal_strategy="exp")
    with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0, got -1"):
        eoptim.swa_utils.SWALR(opt, swa_lr=0.1, anneal_epochs=-1)
    with pytest.raises(ValueError, match="swa_lr must have the same length as optimizer.param_groups"):
        eoptim.swa_utils.SWALR(opt, swa_lr=[0.1, 0.2])
