"""Shared command line of the examples: --backend picks ember or PyTorch for the same program,
--quick shortens training (the test suite runs every example that way)."""
import argparse
import importlib
import os


def parse_args(description, **extra):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--backend", choices=["ember", "torch"], default="ember",
                        help="run the same program on ember (default) or on PyTorch, to compare")
    parser.add_argument("--quick", action="store_true", help="a few iterations only (used by the tests)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", default=None, help="save a figure to this PNG file (needs matplotlib)")
    for name, kwargs in extra.items():
        parser.add_argument("--" + name.replace("_", "-"), **kwargs)
    return parser.parse_args()


def backend(args):
    """The module to use as `torch`: ember itself, or real PyTorch for comparison."""
    return importlib.import_module(args.backend)


def progress(iterable, **kwargs):
    """tqdm's progress bar when it is installed and we are in a terminal; the plain iterable otherwise."""
    try:
        from tqdm import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, disable=not os.isatty(2), **kwargs)


def pyplot():
    """matplotlib.pyplot drawing to files, or None when matplotlib is missing."""
    try:
        import matplotlib
    except ImportError:
        print("(matplotlib is not installed: no plot)")
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt
