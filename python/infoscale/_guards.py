"""Checks on torch tensors that DLPack cannot carry, applied to every function the package exports.

DLPack has no field for torch's lazy "negative" and "conjugate" bits: ``torch._neg_view(t)`` or
``c.conj().imag`` export the un-negated memory (torch's own ``to_dlpack`` drops the bit), so the
compiled module would read ``t`` where the caller means ``-t``. Inputs with either bit are resolved
here (``resolve_neg()`` / ``resolve_conj()``, one copy) before the call. Functions that write into
their argument (``add_gaussian_noise``, ``perturb_layers``) refuse such views instead (a resolved
copy would take the write), and refuse the tensors torch protects from in-place writes: tensors that
require grad (autograd would silently use stale values) and inference tensors outside
``torch.inference_mode()``.
"""

import functools
import sys
import types

#: Functions that modify an argument in place.
WRITES_IN_PLACE = frozenset({"add_gaussian_noise", "add_gaussian_noise_per_sample", "perturb_layers"})


def _is_tensor(value):
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def _resolve(value):
    if value.is_neg():
        value = value.resolve_neg()
    if value.is_conj():
        value = value.resolve_conj()
    return value


_error = ValueError  # replaced by infoscale.Error (a ValueError) in install()


def _refuse_protected(function, position, value):
    torch = sys.modules["torch"]
    where = f"infoscale::{function}: argument {position}"
    if value.is_neg() or value.is_conj():
        raise _error(
            f"{where} is a torch view with the {'negative' if value.is_neg() else 'conjugate'} bit set; "
            "writing through its memory would not apply the negation: pass t.resolve_neg() (a copy) instead")
    if value.requires_grad:
        raise _error(
            f"{where} requires grad: an in-place write behind autograd's back would corrupt gradients; "
            "pass t.detach() (shares memory) or a copy")
    if value.is_inference() and not torch.is_inference_mode_enabled():
        raise _error(
            f"{where} is an inference tensor, which torch forbids modifying outside torch.inference_mode(); "
            "call it inside inference_mode() or pass t.clone()")


def _guard(name, function):
    writes = name in WRITES_IN_PLACE

    @functools.wraps(function)
    def guarded(*args, **kwargs):
        if "torch" in sys.modules:
            changed = False
            new_args = list(args)
            for i, value in enumerate(new_args):
                if _is_tensor(value):
                    if writes:
                        _refuse_protected(name, i, value)
                    elif value.is_neg() or value.is_conj():
                        new_args[i] = _resolve(value)
                        changed = True
            for key, value in kwargs.items():
                if _is_tensor(value):
                    if writes:
                        _refuse_protected(name, repr(key), value)
                    elif value.is_neg() or value.is_conj():
                        kwargs[key] = _resolve(value)
            if changed:
                args = tuple(new_args)
        return function(*args, **kwargs)

    return guarded


def _is_nb_function(value):
    return type(value).__module__ == "nanobind" and type(value).__name__ == "nb_func"


def guard_names(namespace, error=ValueError):
    """Replaces every nanobind function in the dict ``namespace`` (the package's globals) by its
    guarded form; refusals raise ``error``."""
    global _error
    _error = error
    for name, value in list(namespace.items()):
        if not name.startswith("_") and _is_nb_function(value):
            namespace[name] = _guard(name, value)


def guarded_module(module, name, error=ValueError):
    """A module ``name`` with ``module``'s names, its nanobind functions guarded. ``module`` (a
    submodule of _core) is left as it is, so the type stubs generated from _core do not change."""
    out = types.ModuleType(name, module.__doc__)
    out.__dict__.update({k: v for k, v in vars(module).items() if k not in ("__name__", "__spec__", "__loader__")})
    guard_names(out.__dict__, error)
    return out
