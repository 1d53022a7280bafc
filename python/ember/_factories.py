"""Factories composed of ember's own: tensors laid out in a chosen memory order."""
from ember import _C


def empty_permuted(size, physical_layout, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """An uninitialised tensor of `size` whose dims lie in memory in the order `physical_layout`
    (outermost first): empty_permuted((2, 3, 5), (2, 0, 1)) has strides (3, 1, 6)."""
    size, physical_layout = tuple(size), tuple(physical_layout)
    if len(size) != len(physical_layout):
        raise RuntimeError(f"Number of dimensions in size does not match the length of the physical_layout; i.e. "
                           f"len(size) = {len(size)} is not equal to len(physical_layout) = {len(physical_layout)}")
    if sorted(physical_layout) != list(range(len(size))):
        if len(set(physical_layout)) != len(physical_layout):
            raise RuntimeError("Duplicate dim not allowed")
        raise IndexError(f"physical_layout {physical_layout} is not a permutation of the dims of a {len(size)}-d tensor")
    if pin_memory:
        raise RuntimeError("empty_permuted: pin_memory=True needs the CUDA backend, which this build lacks")
    physical = _C.empty([size[d] for d in physical_layout], dtype=dtype, device=device)
    if size:
        physical = physical.permute(*[physical_layout.index(d) for d in range(len(size))])
    return physical.requires_grad_(requires_grad)
