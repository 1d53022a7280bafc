"""ember.nn.Module mechanics and containers, checked against PyTorch where it defines the answer."""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.serialization  # noqa: F401  (registers Tensor pickling until __init__ imports it)
from ember import nn
from ember.testing import assert_close
from conftest import requires_torch

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None


def _net_classes(lib):
    """The seed programs' nets, written once and built with either library."""
    lnn = lib.nn

    class Net(lnn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = lnn.Linear(256, 120)
            self.fc2 = lnn.Linear(120, 84)
            self.fc3 = lnn.Linear(84, 10)

        def forward(self, x):
            return self.fc3(lib.relu(self.fc2(lib.relu(self.fc1(x)))))

    class HiddenNet(lnn.Module):
        def __init__(self, n_feature, n_hidden, n_output):
            super().__init__()
            self.hidden = lnn.Linear(n_feature, n_hidden)
            self.predict = lnn.Linear(n_hidden, n_output)

        def forward(self, x):
            return self.predict(lib.relu(self.hidden(x)))

    return {
        "Net": Net,
        "Sequential": lambda: lnn.Sequential(lnn.Linear(1000, 100), lnn.ReLU(), lnn.Linear(100, 10)),
        "HiddenNet": lambda: HiddenNet(1, 10, 1),
        "Nested": lambda: lnn.Sequential(OrderedDict([
            ("block", lnn.Sequential(lnn.Linear(4, 4), lnn.Tanh())),
            ("heads", lnn.ModuleList([lnn.Linear(4, 2) for _ in range(3)] + [lnn.ReLU()])),
            ("dict", lnn.ModuleDict({"a": lnn.Identity(), "b": lnn.Dropout(0.2)})),
        ])),
    }


@requires_torch
@pytest.mark.parametrize("name", ["Net", "Sequential", "HiddenNet", "Nested"])
def test_print_matches_torch(name):
    ours, theirs = _net_classes(ember)[name](), _net_classes(torch)[name]()
    assert repr(ours) == repr(theirs)
    assert str(ours) == str(theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())


class Leaf(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(ember.ones(2))
        self.register_buffer("stat", ember.zeros(2))
        self.register_buffer("scratch", ember.zeros(1), persistent=False)

    def forward(self, x):
        return x * self.w


class Tree(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = Leaf()
        self.b = Leaf()
        self.shared = self.a  # the same module twice
        self.tied = self.a.w  # the same parameter twice
        self.plain = 3

    def forward(self, x):
        return self.b(self.a(x))


def test_registration_by_attribute():
    t = Tree()
    assert list(t._modules) == ["a", "b", "shared"]
    assert list(t._parameters) == ["tied"]
    assert t.plain == 3 and "plain" not in t._modules
    assert [n for n, _ in t.named_parameters()] == ["tied", "b.w"]
    assert [n for n, _ in t.named_parameters(remove_duplicate=False)] == ["tied", "a.w", "b.w", "shared.w"]
    assert [n for n, _ in t.named_buffers()] == ["a.stat", "a.scratch", "b.stat", "b.scratch"]
    assert [n for n, _ in t.named_children()] == ["a", "b"]
    assert [n for n, _ in t.named_modules()] == ["", "a", "b"]
    assert [n for n, _ in t.named_modules(remove_duplicate=False)] == ["", "a", "b", "shared"]
    assert len(list(t.modules())) == 3 and len(list(t.children())) == 2
    assert len(list(t.parameters())) == 2 and len(list(t.parameters(recurse=False))) == 1
    assert [n for n, _ in t.named_parameters(prefix="m")] == ["m.tied", "m.b.w"]
    assert t.get_submodule("a") is t.a and t.get_parameter("b.w") is t.b.w
    # Reassigning a name moves it between stores; deleting removes it.
    t.tied = None
    assert t._parameters["tied"] is None and "tied" not in dict(t.named_parameters())
    t.b = None
    assert [n for n, _ in t.named_children()] == ["a"]
    del t.a
    assert not hasattr(t, "a") and "a" not in t._modules
    assert "shared" in dir(t)


def test_state_dict_keys_and_round_trip():
    t = Tree()
    # state_dict, unlike parameters(), lists a shared module under every name; non-persistent buffers are left out.
    assert list(t.state_dict()) == ["tied", "a.w", "a.stat", "b.w", "b.stat", "shared.w", "shared.stat"]
    sd = t.state_dict()
    assert sd["a.w"].grad_fn is None and not sd["a.w"].requires_grad
    assert t.state_dict(keep_vars=True)["a.w"] is t.a.w
    assert list(t.state_dict(prefix="p.")) [0] == "p.tied"
    other = Tree()
    with ember.no_grad():
        for p in t.parameters():
            p.fill_(7.0)
    t.b.stat.fill_(2.0)
    result = other.load_state_dict(t.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert_close(other.b.w, np.full(2, 7.0))
    assert_close(other.b.stat, np.full(2, 2.0))


@requires_torch
def test_load_state_dict_errors_match_torch():
    def build(lib):
        return lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.BatchNorm1d(2))

    ours, theirs = build(ember), build(torch)
    bad = {k: v for k, v in ours.state_dict().items() if k != "0.bias"}
    bad["extra"] = ember.zeros(1)
    bad["1.weight"] = ember.zeros(5)
    tbad = {k: torch.from_numpy(v.numpy().copy()) for k, v in bad.items()}
    with pytest.raises(RuntimeError) as ours_err:
        ours.load_state_dict(bad)
    with pytest.raises(RuntimeError) as theirs_err:
        theirs.load_state_dict(tbad)
    assert str(ours_err.value).replace("ember.Size", "torch.Size") == str(theirs_err.value)
    # strict=False reports missing/unexpected keys but still fails on a size mismatch.
    with pytest.raises(RuntimeError, match="size mismatch for 1.weight"):
        ours.load_state_dict(bad, strict=False)
    del bad["1.weight"]
    bad["1.weight"] = ember.ones(2)
    res = ours.load_state_dict(bad, strict=False)
    tres = theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in bad.items()}, strict=False)
    assert res.missing_keys == tres.missing_keys == ["0.bias"]
    assert res.unexpected_keys == tres.unexpected_keys == ["extra"]
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        ours.load_state_dict([1, 2])


def test_registration_errors():
    m = Leaf()
    with pytest.raises(KeyError, match="attribute 'forward' already exists"):
        m.register_buffer("forward", ember.zeros(1))
    with pytest.raises(KeyError, match=r'contain "\."'):
        m.register_parameter("a.b", None)
    with pytest.raises(KeyError, match="be empty string"):
        m.add_module("", nn.ReLU())
    with pytest.raises(TypeError, match="name should be a string"):
        m.register_buffer(3, ember.zeros(1))
    with pytest.raises(TypeError, match=r"cannot assign 'int' object to parameter 'p'"):
        m.register_parameter("p", 3)
    with pytest.raises(TypeError, match=r"cannot assign 'list' object to buffer 'b'"):
        m.register_buffer("b", [1])
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("x", 3)
    with pytest.raises(TypeError, match=r"cannot assign 'Tensor' as parameter 'w'"):
        m.w = ember.zeros(2)
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ember.zeros(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()
    with pytest.raises(AttributeError, match="'Leaf' object has no attribute 'nope'"):
        m.nope
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(1)


def test_buffer_persistence_and_buffer_class():
    m = Leaf()
    m.extra = nn.Buffer(ember.ones(1), persistent=False)
    assert "extra" in dict(m.named_buffers()) and "extra" not in m.state_dict()
    m.register_buffer("scratch", ember.zeros(3))  # re-registered as persistent
    assert "scratch" in m.state_dict()
    m.stat = ember.full((2,), 5.0)  # plain tensor assigned to an existing buffer name stays a buffer
    assert_close(m.state_dict()["stat"], np.full(2, 5.0))


def test_train_eval_propagate():
    net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(), nn.BatchNorm1d(2)))
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net[1].train()
    assert net[1][0].training and not net.training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train("yes")


def test_zero_grad_requires_grad_apply_to():
    net = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    net(ember.ones(4, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert net.requires_grad_(False) is net and not any(p.requires_grad for p in net.parameters())
    net.requires_grad_()
    visited = []
    net.apply(lambda m: visited.append(type(m).__name__))
    assert visited == ["Linear", "ReLU", "Linear", "Sequential"]  # children first, like PyTorch
    w = net[0].weight
    assert net.to(ember.float64) is net and net[0].weight is w and w.dtype == ember.float64
    assert net.double()(ember.ones(1, 3, dtype=ember.float64)).dtype == ember.float64
    net.float()
    assert w.dtype == ember.float32
    bn = nn.BatchNorm1d(2).to(ember.float64)
    assert bn.running_mean.dtype == ember.float64 and bn.num_batches_tracked.dtype == ember.int64
    with pytest.raises(TypeError, match="only accepts floating point"):
        net.to(ember.int64)


def test_forward_hooks_and_pre_hooks():
    lin = nn.Linear(2, 2)
    calls = []
    pre = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    post = lin.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out + 1)
    out = lin(ember.ones(1, 2))
    assert calls == [ember.Size([1, 2])]
    assert_close(out, (lin.bias + 1).detach().reshape(1, 2))
    pre.remove()
    post.remove()
    assert_close(lin(ember.zeros(1, 2)), lin.bias.detach().reshape(1, 2))
    with lin.register_forward_hook(lambda m, a, o: o * 0):
        assert not lin(ember.ones(1, 2)).detach().numpy().any()
    assert not lin._forward_hooks


def test_deepcopy_and_pickle_round_trip():
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Tanh())
    net(ember.randn(5, 3))
    for clone in (copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        assert repr(clone) == repr(net)
        assert isinstance(clone[0].weight, nn.Parameter) and clone[0].weight.requires_grad
        assert clone[0].weight is not net[0].weight
        for (k, a), (_, b) in zip(net.state_dict().items(), clone.state_dict().items()):
            assert_close(a, b)
        x = ember.randn(2, 3)
        net.eval(), clone.eval()
        assert_close(clone(x), net(x))
        net.train()


def test_parameter():
    p = nn.Parameter(ember.zeros(2))
    assert p.requires_grad and p.is_leaf and isinstance(p, ember.Tensor)
    assert not nn.Parameter(ember.zeros(2), requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:\ntensor([0., 0.], requires_grad=True)")
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q is not p
    assert tuple(nn.Parameter().shape) == (0,)


# ---- containers ----------------------------------------------------------------------------------


def test_sequential_indexing_and_editing():
    a, b, c = nn.Linear(1, 1), nn.ReLU(), nn.Tanh()
    s = nn.Sequential(a, b, c)
    assert s[0] is a and s[-1] is c and len(s) == 3 and list(s) == [a, b, c]
    sl = s[1:]
    assert isinstance(sl, nn.Sequential) and list(sl._modules) == ["1", "2"] and list(sl) == [b, c]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        s[3]
    s[1] = nn.Sigmoid()
    assert isinstance(s[1], nn.Sigmoid)
    del s[0]
    assert list(s._modules) == ["0", "1"] and s[1] is c
    s.append(a)
    s.insert(0, b)
    assert list(s) == [b, s[1], c, a] and list(s._modules) == ["0", "1", "2", "3"]
    s.extend([nn.Identity()])
    assert len(s) == 5
    del s[1:3]
    assert list(s._modules) == ["0", "1", "2"]
    od = nn.Sequential(OrderedDict([("first", a), ("second", c)]))
    assert list(od._modules) == ["first", "second"] and od.first is a
    assert_close(nn.Sequential()(ember.ones(2)), np.ones(2))


def test_module_list_and_dict():
    layers = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    layers.append(nn.ReLU())
    layers.insert(1, nn.Tanh())
    assert [type(m).__name__ for m in layers] == ["Linear", "Tanh", "Linear", "Linear", "ReLU"]
    assert list(layers._modules) == ["0", "1", "2", "3", "4"]
    del layers[0]
    assert isinstance(layers[0], nn.Tanh) and list(layers._modules) == ["0", "1", "2", "3"]
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    layers += [nn.Identity()]
    assert isinstance(layers[-1], nn.Identity)
    layers[0] = nn.Sigmoid()
    assert isinstance(layers[0], nn.Sigmoid)
    with pytest.raises(IndexError):
        layers[10]
    d = nn.ModuleDict({"x": nn.ReLU()})
    d["y"] = nn.Tanh()
    d.update([("z", nn.Identity())])
    assert list(d.keys()) == ["x", "y", "z"] and "y" in d and len(d) == 3
    assert isinstance(d.pop("x"), nn.ReLU) and list(d) == ["y", "z"]
    del d["y"]
    assert list(d) == ["z"]


def test_parameter_containers():
    pl = nn.ParameterList([ember.ones(2), nn.Parameter(ember.zeros(3))])
    assert all(isinstance(p, nn.Parameter) for p in pl) and len(pl) == 2
    pl.append(ember.ones(1))
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2"]
    pd = nn.ParameterDict({"a": ember.ones(2)})
    pd["b"] = nn.Parameter(ember.zeros(1))
    assert list(pd.keys()) == ["a", "b"] and isinstance(pd["a"], nn.Parameter)
    holder = nn.Module()
    holder.pl = pl
    assert [n for n, _ in holder.named_parameters()] == ["pl.0", "pl.1", "pl.2"]


@requires_torch
def test_container_repr_matches_torch():
    def build(lib):
        P = lib.nn.Parameter
        return [lib.nn.ParameterList([P(lib.ones(3))]), lib.nn.ParameterList([P(lib.ones(3)), P(lib.ones(2, 2))]),
                lib.nn.ParameterDict({"a": P(lib.ones(3))})]
    for ours, theirs in zip(build(ember), build(torch)):
        assert repr(ours).replace("ember.", "torch.") == repr(theirs)
