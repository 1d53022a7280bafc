"""Random numbers: seeding and generator state, every sampler's shapes, dtypes and distribution,
reproducibility, and error paths."""
import numpy as np
import pytest

import ember


def stats(t):
    a = t.numpy().astype(np.float64)
    return a.mean(), a.std()


SAMPLERS = {
    "rand": lambda g: ember.rand(1000, generator=g),
    "randn": lambda g: ember.randn(10, 100, generator=g),
    "randint": lambda g: ember.randint(0, 10, (1000,), generator=g),
    "randperm": lambda g: ember.randperm(100, generator=g),
    "normal": lambda g: ember.normal(ember.zeros(50), ember.ones(50), generator=g),
    "normal_float": lambda g: ember.normal(2.0, 3.0, size=(50,), generator=g),
    "bernoulli": lambda g: ember.bernoulli(ember.full((100,), 0.5), generator=g),
    "multinomial": lambda g: ember.multinomial(ember.ones(10), 5, generator=g),
    "uniform_": lambda g: ember.empty(100).uniform_(-1, 1, generator=g),
    "normal_": lambda g: ember.empty(100).normal_(generator=g),
    "exponential_": lambda g: ember.empty(100).exponential_(generator=g),
    "bernoulli_": lambda g: ember.empty(100).bernoulli_(0.3, generator=g),
    "random_": lambda g: ember.empty(100).random_(0, 7, generator=g),
}


@pytest.mark.parametrize("name", SAMPLERS)
def test_reproducible_with_seed_and_generator(name):
    draw = SAMPLERS[name]
    ember.manual_seed(123)
    a = draw(None).tolist()
    b = draw(None).tolist()
    ember.manual_seed(123)
    assert draw(None).tolist() == a
    assert a != b or name == "multinomial"  # successive draws differ
    g = ember.Generator().manual_seed(123)
    assert draw(g).tolist() == a  # a fresh generator with the same seed replays the default one


def test_generator_independent_of_default():
    g = ember.Generator().manual_seed(5)
    ember.manual_seed(5)
    ember.rand(10)  # advancing the default generator leaves g alone
    expected = ember.rand(3, generator=ember.Generator().manual_seed(5)).tolist()
    assert ember.rand(3, generator=g).tolist() == expected
    g1, g2 = ember.Generator().manual_seed(5), ember.Generator().manual_seed(5)
    ember.rand(10, generator=g1)
    assert ember.rand(3, generator=g1).tolist() != ember.rand(3, generator=g2).tolist()


def test_seed_api():
    g = ember.manual_seed(42)
    assert isinstance(g, ember.Generator) and g is ember.default_generator and g.initial_seed() == 42
    assert ember.initial_seed() == 42
    s = ember.seed()
    assert ember.initial_seed() == s
    ember.manual_seed(-1)
    assert ember.initial_seed() == 2 ** 64 - 1
    gen = ember.Generator()
    assert gen.device == ember.device("cpu")
    new_seed = gen.seed()
    assert gen.initial_seed() == new_seed


def test_rng_state_roundtrip():
    ember.manual_seed(7)
    ember.rand(5)
    state = ember.get_rng_state()
    assert state.dtype == ember.uint8 and state.dim() == 1
    a = ember.rand(5).tolist()
    ember.set_rng_state(state)
    assert ember.rand(5).tolist() == a
    g = ember.Generator().manual_seed(3)
    st = g.get_state()
    x = ember.randn(4, generator=g).tolist()
    g.set_state(st)
    assert ember.randn(4, generator=g).tolist() == x


def test_rng_state_errors():
    with pytest.raises(RuntimeError, match="Invalid RNG state"):
        ember.set_rng_state(ember.zeros(3, dtype=ember.uint8))
    with pytest.raises(TypeError, match="uint8"):
        ember.set_rng_state(ember.zeros(20))
    with pytest.raises(TypeError, match="ember.Generator"):
        ember.rand(2, generator=5)


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_rand_randn_distribution(dtype):
    ember.manual_seed(0)
    u = ember.rand(200000, dtype=dtype)
    assert u.dtype == dtype and 0 <= u.numpy().min() and u.numpy().max() < 1
    m, s = stats(u)
    assert abs(m - 0.5) < 0.01 and abs(s - (1 / 12) ** 0.5) < 0.01
    n = ember.randn(200, 1000, dtype=dtype)
    assert tuple(n.shape) == (200, 1000)
    m, s = stats(n)
    assert abs(m) < 0.01 and abs(s - 1) < 0.01


def test_factory_kwargs():
    t = ember.rand((2, 3), dtype=ember.float64, requires_grad=True)
    assert t.dtype == ember.float64 and t.requires_grad and tuple(t.shape) == (2, 3)
    assert tuple(ember.randn(size=(4,)).shape) == (4,)
    x = ember.zeros(3, 2, dtype=ember.float64)
    assert ember.rand_like(x).dtype == ember.float64 and tuple(ember.randn_like(x).shape) == (3, 2)
    r = ember.randint_like(x, 10)
    assert r.dtype == ember.float64 and r.numpy().max() < 10
    r = ember.randint_like(x, 5, 8)
    assert r.numpy().min() >= 5 and r.numpy().max() < 8


@pytest.mark.parametrize("args,low,high", [((10, (1000,)), 0, 10), ((-5, 5, (20, 50)), -5, 5),
                                            ((3, 4, (100,)), 3, 4)])
def test_randint(args, low, high):
    t = ember.randint(*args)
    assert t.dtype == ember.int64
    a = t.numpy()
    assert a.min() >= low and a.max() < high
    assert len(np.unique(a)) == high - low  # every value shows up in this many draws
    assert ember.randint(0, 3, (5,), dtype=ember.int32).dtype == ember.int32
    assert tuple(ember.randint(5, size=(2, 2)).shape) == (2, 2)


@pytest.mark.parametrize("dtype,bound", [(ember.bool, 1), (ember.uint8, 255), (ember.int32, 2**31 - 1),
                                         (ember.int64, 2**63 - 1), (ember.float32, 2**24), (ember.float64, 2**53)])
def test_random_without_bounds_spans_the_dtype(dtype, bound):
    # PyTorch's random_(): integers in [0, bound], bound the largest the dtype holds exactly.
    t = ember.empty(4000, dtype=dtype).random_(generator=ember.Generator().manual_seed(0))
    a = t.numpy().astype(np.float64)
    assert a.min() >= 0 and a.max() <= bound and np.all(a == np.floor(a))
    assert a.max() > bound * 0.99  # reaches the top of the range, not just [0, 2^31)
    top = min(5, bound + 1)
    assert ember.empty(3, dtype=dtype).random_(top).max().item() < top


def test_randperm():
    p = ember.randperm(1000)
    assert p.dtype == ember.int64 and sorted(p.tolist()) == list(range(1000))
    assert ember.randperm(0).numel() == 0
    assert ember.randperm(10, dtype=ember.float32).dtype == ember.float32


def test_normal_forms():
    ember.manual_seed(1)
    mean = ember.arange(4.).reshape(4, 1)
    std = ember.full((1, 50000), 0.5)
    out = ember.normal(mean, std)
    assert tuple(out.shape) == (4, 50000)
    a = out.numpy()
    np.testing.assert_allclose(a.mean(1), [0, 1, 2, 3], atol=0.02)
    np.testing.assert_allclose(a.std(1), 0.5, atol=0.02)
    assert tuple(ember.normal(mean, 2.0).shape) == (4, 1)
    assert tuple(ember.normal(1.0, std).shape) == (1, 50000)
    assert ember.normal(ember.zeros(3, dtype=ember.float64), 1.0).dtype == ember.float64
    m, s = stats(ember.normal(2.0, 3.0, size=(200000,)))
    assert abs(m - 2) < 0.05 and abs(s - 3) < 0.05


def test_in_place_samplers_on_views():
    ember.manual_seed(2)
    base = ember.zeros(200, 300)
    view = base.t()
    view.uniform_(2, 3)
    a = base.numpy()
    assert a.min() >= 2 and a.max() < 3
    v0 = base._version
    base.t().normal_(5, 0.1)
    assert base._version > v0
    m, s = stats(base)
    assert abs(m - 5) < 0.01 and abs(s - 0.1) < 0.01
    e = ember.empty(100000, dtype=ember.float64).exponential_(2.0)
    m, s = stats(e)
    assert e.numpy().min() >= 0 and abs(m - 0.5) < 0.01 and abs(s - 0.5) < 0.01


def test_bernoulli():
    ember.manual_seed(3)
    p = ember.tensor([0.0, 1.0, 0.25]).expand(100000, 3)
    b = ember.bernoulli(p)
    assert b.dtype == ember.float32
    np.testing.assert_allclose(b.numpy().mean(0), [0, 1, 0.25], atol=0.01)
    x = ember.empty(100000, dtype=ember.int64).bernoulli_(0.75)
    assert set(np.unique(x.numpy())) <= {0, 1} and abs(x.numpy().mean() - 0.75) < 0.01
    y = ember.empty(2, 3).bernoulli_(ember.tensor([0.0, 1.0, 0.0]))
    assert y.tolist() == [[0, 1, 0], [0, 1, 0]]
    z = ember.tensor([0.5, 0.5]).bernoulli()
    assert tuple(z.shape) == (2,)


def test_multinomial():
    ember.manual_seed(4)
    w = ember.tensor([1.0, 0.0, 3.0])
    s = ember.multinomial(w, 100000, replacement=True)
    assert s.dtype == ember.int64 and tuple(s.shape) == (100000,)
    counts = np.bincount(s.numpy(), minlength=3) / 100000
    np.testing.assert_allclose(counts, [0.25, 0, 0.75], atol=0.01)
    rows = ember.tensor([[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0]])
    r = rows.multinomial(2)
    assert tuple(r.shape) == (2, 2)
    for row, weights in zip(r.tolist(), rows.tolist()):
        assert len(set(row)) == 2 and all(weights[i] > 0 for i in row)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: ember.rand(2, dtype=ember.int64), RuntimeError, "floating point"),
    (lambda: ember.randint(5, 5, (2,)), RuntimeError, "from' to be less than 'to'"),
    (lambda: ember.randint(5), TypeError, "size"),
    (lambda: ember.randperm(-1), RuntimeError, "non-negative"),
    (lambda: ember.randperm(300, dtype=ember.uint8), RuntimeError, "too large"),
    (lambda: ember.normal(ember.zeros(2), ember.tensor([1.0, -1.0])), RuntimeError, "std >= 0.0"),
    (lambda: ember.normal(0.0, 1.0), TypeError, "size"),
    (lambda: ember.empty(2).normal_(0, -1), RuntimeError, "std >= 0.0"),
    (lambda: ember.empty(2).uniform_(1, 0), RuntimeError, "from=1"),
    (lambda: ember.empty(2, dtype=ember.int64).uniform_(), RuntimeError, "floating point"),
    (lambda: ember.empty(2).exponential_(0), RuntimeError, "lambda > 0.0"),
    (lambda: ember.empty(2).bernoulli_(1.5), RuntimeError, r"\[0, 1\]"),
    (lambda: ember.bernoulli(ember.tensor([2.0])), RuntimeError, "p_in >= 0 && p_in <= 1"),
    (lambda: ember.multinomial(ember.ones(2, 2, 2), 1), RuntimeError, "1 or 2 dim"),
    (lambda: ember.multinomial(ember.ones(3), 4), RuntimeError, "without replacement"),
    (lambda: ember.multinomial(ember.tensor([1.0, 0.0]), 2), RuntimeError, "not enough non-negative category"),
    (lambda: ember.multinomial(ember.tensor([1.0, -1.0]), 1), RuntimeError, "element < 0"),
    (lambda: ember.multinomial(ember.zeros(3), 1), RuntimeError, "sum of probabilities <= 0"),
    (lambda: ember.ones(2, requires_grad=True).uniform_(), RuntimeError, "leaf Variable"),
])
def test_random_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
