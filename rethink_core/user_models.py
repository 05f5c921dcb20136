"""Your model: ``--model MODULE:CALLABLE`` points the claims at any classifier.

``MODULE`` is a dotted module on the path or a path to a ``.py`` file; ``CALLABLE`` takes
``(input_shape, num_classes)`` (``input_shape`` is (channels, height, width)) and returns an
``nn.Module`` that maps a batch of images to ``num_classes`` logits. An optional attribute
``rethink_hyper`` on the callable (a dict with any of ``lr``, ``batch_size``, ``weight_decay``,
``max_epochs``) sets the model's own training settings; command-line options override it.

A user model's runs are keyed by its :func:`fingerprint` (source file, callable name, the source of
every module class it is built from, and the parameters it builds from a fixed seed), so editing the
model retrains it and an unchanged model is reused from the results store.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import torch
from torch import nn

from rethink_core.errors import ConfigError

HYPER_ATTRIBUTE = "rethink_hyper"
HYPER_KEYS = ("lr", "batch_size", "weight_decay", "max_epochs")


def is_user_model(name: str) -> bool:
    """Paper architectures have plain names; a user model is ``MODULE:CALLABLE``."""
    return ":" in name


def display_name(spec: str) -> str:
    """``examples/tiny_resnet.py:build`` -> ``tiny_resnet.py:build``."""
    module, _, attr = spec.rpartition(":")
    return f"{Path(module).name}:{attr}" if module.endswith(".py") else spec


def load_callable(spec: str) -> Callable[..., nn.Module]:
    """The callable named by ``spec``; a one-line :class:`ConfigError` if it cannot be had."""
    module_name, _, attr = spec.rpartition(":")
    if not module_name or not attr:
        raise ConfigError(f"--model {spec!r}: expected MODULE:CALLABLE (a dotted module or a .py file, then a name)")
    module = _import(module_name, spec)
    builder = getattr(module, attr, None)
    if builder is None or not callable(builder):
        raise ConfigError(f"--model {spec!r}: {module_name} has no callable {attr!r}")
    try:
        inspect.signature(builder).bind(None, None)
    except TypeError:
        raise ConfigError(
            f"--model {spec!r}: {attr} must take (input_shape, num_classes), its signature is "
            f"{inspect.signature(builder)}"
        ) from None
    except ValueError:  # a builtin without a signature: let the call decide
        pass
    return builder


def _import(module_name: str, spec: str) -> object:
    try:
        if module_name.endswith(".py"):
            path = Path(module_name).resolve()
            if not path.exists():
                raise ConfigError(f"--model {spec!r}: no such file {path}")
            name = "rethink_user_" + hashlib.sha256(str(path).encode()).hexdigest()[:12]
            loader_spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(loader_spec)
            sys.modules[name] = module
            loader_spec.loader.exec_module(module)
            return module
        return importlib.import_module(module_name)
    except ConfigError:
        raise
    except Exception as exc:  # any error while importing the user's code is a one-line usage error
        raise ConfigError(f"--model {spec!r}: cannot import {module_name}: {type(exc).__name__}: {exc}") from None


def build(spec: str, input_shape: tuple[int, int, int], num_classes: int) -> nn.Module:
    """The user's model for this input shape, checked: an ``nn.Module`` with trainable parameters
    whose output on a batch of two images has ``num_classes`` columns."""
    try:
        model = load_callable(spec)(tuple(input_shape), num_classes)
    except ConfigError:
        raise
    except Exception as exc:
        raise ConfigError(f"--model {spec!r}: building it failed: {type(exc).__name__}: {exc}") from None
    if not isinstance(model, nn.Module):
        raise ConfigError(f"--model {spec!r}: returned a {type(model).__name__}, not a torch.nn.Module")
    if not any(p.requires_grad for p in model.parameters()):
        raise ConfigError(f"--model {spec!r}: the model has no trainable parameters")
    _check_output(spec, model, input_shape, num_classes)
    return model


def _check_output(spec: str, model: nn.Module, input_shape: tuple[int, int, int], num_classes: int) -> None:
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(torch.zeros(2, *input_shape))
    except Exception as exc:
        raise ConfigError(
            f"--model {spec!r}: a batch of shape {(2, *input_shape)} fails: {type(exc).__name__}: {exc}"
        ) from None
    finally:
        model.train(was_training)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (2, num_classes):
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ConfigError(f"--model {spec!r}: output {shape} for a batch of 2, expected (2, {num_classes}) logits")


@lru_cache(maxsize=32)
def fingerprint(spec: str, input_shape: tuple[int, int, int], num_classes: int) -> str:
    """What a user model's runs are keyed by: its source file, the callable's name, the source of every
    module class in the model (edits in modules it imports) and its parameters as built from seed 0."""
    builder = load_callable(spec)
    try:
        source = Path(inspect.getfile(builder)).read_bytes()
    except (TypeError, OSError):
        source = b""
    state = torch.random.get_rng_state()
    torch.manual_seed(0)
    try:
        model = build(spec, input_shape, num_classes)
    finally:
        torch.random.set_rng_state(state)
    digest = hashlib.sha256(source + spec.rpartition(":")[2].encode())
    for kind in sorted({type(m) for m in model.modules()}, key=lambda t: f"{t.__module__}.{t.__qualname__}"):
        digest.update(_source_of(kind))  # the code of every module class, wherever it is defined
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode() + tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def _source_of(kind: type) -> bytes:
    try:
        return inspect.getsource(kind).encode()
    except (TypeError, OSError):
        return f"{kind.__module__}.{kind.__qualname__}".encode()


def hyper_of(spec: str) -> dict:
    """The training settings the model's callable declares (``rethink_hyper``), checked."""
    declared = getattr(load_callable(spec), HYPER_ATTRIBUTE, {}) or {}
    if not isinstance(declared, dict) or set(declared) - set(HYPER_KEYS):
        raise ConfigError(f"--model {spec!r}: {HYPER_ATTRIBUTE} takes only {', '.join(HYPER_KEYS)}; got {declared!r}")
    return dict(declared)
