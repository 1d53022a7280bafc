"""PyTorch's public names against ember's, namespace by namespace (used by test_api_surface.py and
bench/api_coverage.py).

A namespace's public names are what `dir()` lists without a leading underscore: every attribute
for `torch.Tensor`, the callables (functions and classes) for the modules. api_exclusions.txt
holds the reviewed exceptions, one `namespace.name  reason` a line. A reason of `pending` marks a
name ember should have and does not have yet: it counts as missing in the coverage figures, and
the test only lets it stay while it is truly missing.
"""
import importlib
import pathlib

EXCLUSIONS_FILE = pathlib.Path(__file__).with_name("api_exclusions.txt")
PENDING = "pending"

# (key used in the exclusion file, torch object path, ember object path)
NAMESPACES = [
    ("torch", "torch", "ember"),
    ("Tensor", "torch.Tensor", "ember.Tensor"),
    ("nn", "torch.nn", "ember.nn"),
    ("nn.functional", "torch.nn.functional", "ember.nn.functional"),
    ("optim", "torch.optim", "ember.optim"),
    ("linalg", "torch.linalg", "ember.linalg"),
    ("special", "torch.special", "ember.special"),
    ("distributions", "torch.distributions", "ember.distributions"),
    ("utils.data", "torch.utils.data", "ember.utils.data"),
]


def resolve(path):
    """The object a dotted path names: a module, or an attribute of one (torch.Tensor)."""
    try:
        return importlib.import_module(path)
    except ImportError:
        module, _, attr = path.rpartition(".")
        return getattr(importlib.import_module(module), attr)


def public_names(obj, callables_only):
    names = [n for n in dir(obj) if not n.startswith("_")]
    if callables_only:
        names = [n for n in names if callable(getattr(obj, n, None))]
    return sorted(names)


def read_exclusions(path=EXCLUSIONS_FILE):
    """{namespace: {name: reason}}; raises ValueError on a malformed or repeated line."""
    exclusions = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        qualified, _, reason = line.partition(" ")
        namespace, _, name = qualified.rpartition(".")
        reason = reason.strip()
        if not namespace or not name or not reason:
            raise ValueError(f"{path.name}:{number}: expected 'namespace.name  reason', got {line!r}")
        entries = exclusions.setdefault(namespace, {})
        if name in entries:
            raise ValueError(f"{path.name}:{number}: {qualified} is listed twice")
        entries[name] = reason
    return exclusions


class Surface:
    """One namespace: torch's public names, ember's, and the exclusions that apply."""

    def __init__(self, key, torch_path, ember_path, exclusions):
        self.key = key
        torch_obj, self.ember_obj = resolve(torch_path), resolve(ember_path)
        self.torch_names = public_names(torch_obj, callables_only=key != "Tensor")
        entries = exclusions.get(key, {})
        self.excluded = {n: r for n, r in entries.items() if r != PENDING}
        self.pending = sorted(n for n, r in entries.items() if r == PENDING)
        self.unknown_exclusions = sorted(n for n in entries if n not in self.torch_names)

    def has(self, name):
        return hasattr(self.ember_obj, name)

    @property
    def counted(self):
        """The names the coverage figure is taken over: torch's, less the reasoned exclusions."""
        return [n for n in self.torch_names if n not in self.excluded]

    @property
    def missing(self):
        return [n for n in self.counted if not self.has(n)]

    @property
    def unlisted_missing(self):
        """Missing names the exclusion file does not mention: the test fails on these."""
        return [n for n in self.missing if n not in self.pending]

    @property
    def stale_pending(self):
        """Names marked pending that ember has by now: the line should go."""
        return [n for n in self.pending if self.has(n)]

    @property
    def coverage(self):
        counted = self.counted
        return 1.0 - len(self.missing) / len(counted) if counted else 1.0


def surfaces():
    exclusions = read_exclusions()
    return [Surface(key, t, e, exclusions) for key, t, e in NAMESPACES]
