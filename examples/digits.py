"""scikit-learn's bundled 8x8 handwritten digits, as tensors split into train and test sets."""


def load_digits(torch, seed=0, test_fraction=0.25):
    """(x_train, y_train, x_test, y_test): pixels scaled to [0, 1] as (N, 1, 8, 8), labels int64."""
    try:
        from sklearn.datasets import load_digits as sk_load
    except ImportError:
        raise SystemExit("this example needs scikit-learn: pip install scikit-learn (or pip install '.[examples]')")
    import numpy as np
    digits = sk_load()
    images = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    labels = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(labels))
    n_test = int(len(labels) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    as_t = torch.from_numpy
    return (as_t(np.ascontiguousarray(images[train])), as_t(labels[train]),
            as_t(np.ascontiguousarray(images[test])), as_t(labels[test]))


def accuracy(torch, model, x, y):
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()
