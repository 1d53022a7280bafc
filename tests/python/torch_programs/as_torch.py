"""Maps `torch` and every `torch.<sub>` import onto `ember` / `ember.<sub>`, so that an unmodified
PyTorch program runs on ember: `python -c "import as_torch; as_torch.run('prog.py')"`."""
import importlib
import importlib.abc
import importlib.util
import runpy
import sys


class _EmberAsTorch(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname == "torch" or fullname.startswith("torch."):
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        # An ImportError here names the ember module, e.g. "No module named 'ember.fft'".
        return importlib.import_module("ember" + spec.name[len("torch"):])

    def exec_module(self, module):
        """The ember module is already imported."""


def install():
    sys.meta_path.insert(0, _EmberAsTorch())


def run(path):
    install()
    sys.argv = [path]
    runpy.run_path(path, run_name="__main__")
