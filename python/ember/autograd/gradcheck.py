"""gradcheck / gradgradcheck with torch.autograd's signatures: autograd's Jacobian (one backward
per output element) against central finite differences, in the inputs' own precision."""
import warnings

import numpy as np

import ember

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck and gradgradcheck when raise_exception is True."""


def _as_tuple(x):
    return (x,) if isinstance(x, ember.Tensor) else tuple(x)


def _outputs(func, inputs):
    return tuple(o for o in _as_tuple(func(*inputs)) if isinstance(o, ember.Tensor))


def _numerical_jacobian(func, inputs, x, eps):
    """d outputs / d x by central differences: rows are x's elements, columns outputs' elements.
    x is perturbed in place through its NumPy view (it shares x's memory, strides included)."""
    view = x.detach().numpy()
    columns = None
    for k, idx in enumerate(np.ndindex(*view.shape)):
        orig = view[idx].copy()
        # Evaluated with grad mode as the caller has it: func may itself differentiate (gradgradcheck).
        view[idx] = orig + eps
        plus = [o.detach().numpy().astype(np.float64).ravel() for o in _outputs(func, inputs)]
        view[idx] = orig - eps
        minus = [o.detach().numpy().astype(np.float64).ravel() for o in _outputs(func, inputs)]
        view[idx] = orig
        row = np.concatenate([(p - m) / (2 * eps) for p, m in zip(plus, minus)] or [np.zeros(0)])
        if columns is None:
            columns = np.zeros((view.size, row.size))
        columns[k] = row
    return columns if columns is not None else np.zeros((0, 0))


def _analytical_jacobians(outputs, diff_inputs, check_grad_dtypes):
    """One Jacobian per differentiable input, by one autograd.grad per output element."""
    sizes = [o.numel() for o in outputs]
    jacobians = [np.zeros((x.numel(), sum(sizes))) for x in diff_inputs]
    col = 0
    for out, n in zip(outputs, sizes):
        if not out.requires_grad:
            col += n
            continue
        flat = out.reshape(-1)
        for j in range(n):
            grads = ember.autograd.grad([flat[j]], diff_inputs, retain_graph=True, allow_unused=True)
            for jac, g, x in zip(jacobians, grads, diff_inputs):
                if g is None:
                    continue
                if check_grad_dtypes and g.dtype != x.dtype:
                    raise GradcheckError(f"Gradient has dtype mismatch: got {g.dtype} but expected {x.dtype}")
                if tuple(g.shape) != tuple(x.shape):
                    raise GradcheckError("Analytical gradient has incorrect size")
                jac[:, col + j] = g.detach().numpy().astype(np.float64).ravel()
        col += n
    return jacobians


def _check_undefined_grad(outputs, diff_inputs):
    """Backward through one output at a time, so nodes with several outputs see the others'
    gradients undefined: it must run and give finite (zero-filled) gradients, as torch requires."""
    for out in outputs:
        if not out.requires_grad:
            continue
        grads = ember.autograd.grad([out], diff_inputs, [ember.zeros_like(out)], retain_graph=True,
                                    allow_unused=True)
        for g in grads:
            if g is not None and bool((g != 0).any()):
                raise GradcheckError("Expected backward function to handle undefined output grads. Please look at "
                                     "\"Notes about undefined output gradients\" in \"tools/autograd/derivatives.yaml\"")


def _check(func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad, check_grad_dtypes):
    diff = [(i, x) for i, x in enumerate(inputs) if isinstance(x, ember.Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them have "
                         "requires_grad=True.")
    for i, x in diff:
        if x.dtype != ember.float64:
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          "point. This check will likely fail if all the inputs are not of double precision "
                          "floating point. ", stacklevel=3)
    diff_inputs = [x for _, x in diff]
    outputs = _outputs(func, inputs)
    analytical = _analytical_jacobians(outputs, diff_inputs, check_grad_dtypes)
    # Reentrancy: a second backward must give the same Jacobian (within nondet_tol).
    again = _analytical_jacobians(_outputs(func, inputs), diff_inputs, False)
    for j, (a, b) in enumerate(zip(analytical, again)):
        if not np.allclose(a, b, rtol=0, atol=nondet_tol):
            raise GradcheckError(f"Backward is not reentrant, i.e., running backward with same input and "
                                 f"grad_output multiple times gives different values, although analytical gradient "
                                 f"matches numerical gradient.The tolerance for nondeterminism was {nondet_tol}.")
    for (i, x), a in zip(diff, analytical):
        numerical = _numerical_jacobian(func, inputs, x, eps)
        col = 0
        for k, out in enumerate(outputs):
            n = out.numel()
            na, nn_ = a[:, col:col + n], numerical[:, col:col + n]
            if not np.allclose(na, nn_, rtol=rtol, atol=atol):
                raise GradcheckError(f"Jacobian mismatch for output {k} with respect to input {i},\n"
                                     f"numerical:{nn_}\nanalytical:{na}\n")
            col += n
    if check_undefined_grad:
        _check_undefined_grad(outputs, diff_inputs)
    return True


def _refuse_unsupported(**flags):
    for name, on in flags.items():
        if on:
            raise ValueError(f"gradcheck: {name}=True needs forward-mode AD or vmap, which ember does not have")


def gradcheck(func, inputs, *, eps=1e-06, atol=1e-05, rtol=0.001, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True, fast_mode=False,
              masked=None):
    """True when autograd's gradients of func at inputs match finite differences; else raises
    GradcheckError (or returns False with raise_exception=False). fast_mode runs the full check."""
    _refuse_unsupported(check_batched_grad=check_batched_grad, check_batched_forward_grad=check_batched_forward_grad,
                        check_forward_ad=check_forward_ad)
    inputs = _as_tuple(inputs)
    if not check_backward_ad:
        return True
    try:
        return _check(func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad, check_grad_dtypes)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-06, atol=1e-05, rtol=0.001,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0, check_undefined_grad=True,
                  check_grad_dtypes=False, check_batched_grad=False, check_fwd_over_rev=False,
                  check_rev_over_rev=True, fast_mode=False, masked=False):
    """gradcheck of the function (inputs, grad_outputs) -> vjp of func: second derivatives.
    grad_outputs default to fixed random tensors (requiring grad) of the outputs' shapes."""
    _refuse_unsupported(check_batched_grad=check_batched_grad, check_fwd_over_rev=check_fwd_over_rev)
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outputs = _outputs(func, inputs)
        rng = np.random.default_rng(0)
        grad_outputs = []
        for o in outputs:
            value = ember.tensor(rng.standard_normal(tuple(o.shape) + ((2,) if gen_non_contig_grad_outputs else ())),
                                 dtype=o.dtype)
            if gen_non_contig_grad_outputs:
                value = value[..., 0]
            grad_outputs.append(value.requires_grad_())
    grad_outputs = _as_tuple(grad_outputs)
    num_outputs = len(grad_outputs)
    diff_positions = [i for i, x in enumerate(inputs) if isinstance(x, ember.Tensor) and x.requires_grad]

    def new_func(*args):
        inner_inputs, inner_grads = args[:-num_outputs], args[-num_outputs:]
        outputs = _outputs(func, inner_inputs)
        pairs = [(o, g) for o, g in zip(outputs, inner_grads) if o.requires_grad]
        diff = [inner_inputs[i] for i in diff_positions]
        grads = ember.autograd.grad([o for o, _ in pairs], diff, [g for _, g in pairs], create_graph=True,
                                    allow_unused=True)
        return tuple(g for g in grads if g is not None)

    if not check_rev_over_rev:
        return True
    return gradcheck(new_func, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception,
                     nondet_tol=nondet_tol, check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes)
