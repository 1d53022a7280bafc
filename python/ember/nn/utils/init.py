"""skip_init (torch.nn.utils.skip_init)."""
import inspect


def skip_init(module_cls, *args, **kwargs):
    """Builds module_cls(*args, **kwargs) for the caller to initialise. ember has no meta device, so the
    parameters get the class's usual initial values, which the caller overwrites anyway."""
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    return module_cls(*args, **kwargs)
