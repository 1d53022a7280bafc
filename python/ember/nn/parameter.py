"""Parameter: a tensor that a Module registers as one of its learnable weights."""
import ember
from ember._C import Tensor


class Parameter(Tensor):
    """A leaf tensor sharing `data`'s memory, with requires_grad=True by default.

    Assigning a Parameter as a Module attribute registers it, so it shows up in parameters().
    """

    def __init__(self, data=None, requires_grad=True):
        super().__init__(ember.empty(0) if data is None else data)
        self.requires_grad_(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = Parameter(self.detach().clone(), self.requires_grad)
        return memo[id(self)]

    def __reduce_ex__(self, protocol):
        return (Parameter, (self.detach().clone(), self.requires_grad))


class Buffer(Tensor):
    """Marks a tensor as a buffer when assigned as a Module attribute (PyTorch 2.x nn.Buffer)."""

    def __init__(self, data, persistent=True):
        super().__init__(data)
        self.persistent = persistent
