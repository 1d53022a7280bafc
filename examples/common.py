"""Shared command line of the examples: --backend picks ember or PyTorch for the same program,
--quick shortens training (the test suite runs every example that way), --quiet hides the progress
bar, --plot saves a figure. TrainingLog draws the bar (tqdm, with the running loss) and the loss and
accuracy curves (matplotlib)."""
import argparse
import importlib
import sys


def parse_args(description, **extra):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--backend", choices=["ember", "torch"], default="ember",
                        help="run the same program on ember (default) or on PyTorch, to compare")
    parser.add_argument("--quick", action="store_true", help="a few iterations only (used by the tests)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--plot", default=None, help="save a figure to this PNG file (needs matplotlib)")
    for name, kwargs in extra.items():
        parser.add_argument("--" + name.replace("_", "-"), **kwargs)
    return parser.parse_args()


def backend(args):
    """The module to use as `torch`: ember itself, or real PyTorch for comparison."""
    return importlib.import_module(args.backend)


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


def _tqdm():
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


class TrainingLog:
    """Curves of named metrics ("loss", "accuracy") per run, and the progress bar over the steps.

        log = TrainingLog(args)
        for step in log.progress(range(steps), desc="training"):
            ...
            log.record(loss=loss.item())
        log.plot()

    The bar shows an exponential running mean of the loss; it is off with --quiet, when stdout is not
    a terminal (a pipe, a file, the tests) and when tqdm is missing."""

    def __init__(self, args):
        self.args = args
        self.curves = {}  # run name -> metric -> [(step, value)]
        self._bar = None
        self._run = None
        self._running_loss = None

    def bar_enabled(self):
        return not self.args.quiet and sys.stdout.isatty() and _tqdm() is not None

    def progress(self, iterable, desc, run=None):
        """Iterate, recording the metrics that follow under `run` (a label in the plot's legend)."""
        self._run, self._running_loss = run or desc, None
        self.curves.setdefault(self._run, {})
        if not self.bar_enabled():
            yield from iterable
            return
        self._bar = _tqdm()(iterable, desc=desc, leave=False, dynamic_ncols=True)
        try:
            yield from self._bar
        finally:
            self._bar.close()
            self._bar = None

    def record(self, step=None, **metrics):
        run = self.curves.setdefault(self._run, {})
        for name, value in metrics.items():
            points = run.setdefault(name, [])
            points.append((len(points) if step is None else step, float(value)))
        if "loss" in metrics:
            loss = float(metrics["loss"])
            first = self._running_loss is None
            self._running_loss = loss if first else 0.9 * self._running_loss + 0.1 * loss
            if self._bar is not None:
                # Drawn at once the first time; later tqdm redraws at its own pace.
                self._bar.set_postfix(loss=f"{self._running_loss:.4g}", refresh=first)

    def print(self, *values):
        """print() that does not tear the progress bar."""
        text = " ".join(str(v) for v in values)
        if self._bar is not None:
            self._bar.write(text, file=sys.stdout)
        else:
            print(text)

    def plot(self, title, extra_panel=None):
        """With --plot, save one panel per metric (one line per run); extra_panel(axes) draws a first
        panel of the example's own (a fit, say)."""
        if not self.args.plot:
            return
        plt = pyplot()
        if plt is None:
            return
        metrics = sorted({m for run in self.curves.values() for m in run}, key=lambda m: (m != "loss", m))
        panels = metrics if extra_panel is None else [None] + metrics
        figure, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 3.6), squeeze=False)
        for ax, metric in zip(axes[0], panels):
            if metric is None:
                extra_panel(ax)
                continue
            for run, series in self.curves.items():
                if metric in series:
                    steps, values = zip(*series[metric])
                    ax.plot(steps, values, label=run)
            values = [v for run in self.curves.values() for _, v in run.get(metric, [])]
            if metric == "loss" and min(values) > 0 and max(values) / min(values) > 1e3:
                ax.set_yscale("log")
            ax.set_xlabel("step" if metric == "loss" else "epoch")
            ax.set_ylabel(metric)
            if len(self.curves) > 1:
                ax.legend()
        figure.suptitle(title)
        figure.tight_layout()
        figure.savefig(self.args.plot, dpi=80)
        print(f"saved {self.args.plot}")
