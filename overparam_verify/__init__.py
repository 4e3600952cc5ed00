"""overparam-verify: experimental checks of the theory of gradient descent on over-parameterized
deep ReLU networks.

Papers (in ``shared/seeds``): ZCZG = Zou, Cao, Zhou, Gu (000: journal version, 003: long version);
AZLS = Allen-Zhu, Li, Song (002); NG = Nguyen (001).

The public names are re-exported lazily (PEP 562), so that importing the package — as pytest
does when it loads the ``overparam_verify.pytest_plugin`` entry point in *every* test session —
does not import torch. ``import overparam_verify as ov; ov.DeepReLUNet`` works as usual.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# public name -> (submodule, attribute); submodules themselves resolve through _SUBMODULES
_EXPORTS: dict[str, tuple[str, str]] = {
    "LOSSES": ("losses", "LOSSES"),
    "Loss": ("losses", "Loss"),
    "get_loss": ("losses", "get_loss"),
    "Network": ("network", "Network"),
    "DeepReLUNet": ("network", "DeepReLUNet"),
    "AZLSNet": ("network", "AZLSNet"),
    "NguyenNet": ("network", "NguyenNet"),
    "ResidualNet": ("network", "ResidualNet"),
    "ForwardTrace": ("network", "ForwardTrace"),
    "Trace": ("training", "Trace"),
    "TrainingDivergedError": ("training", "TrainingDivergedError"),
    "train": ("training", "train"),
    "train_ensemble": ("training", "train_ensemble"),
}

_SUBMODULES = frozenset({
    "audit", "batched", "catalogue", "cli", "data", "loaders", "losses", "metrics", "network", "plots",
    "pytest_plugin", "report", "reproduce", "stats", "strategies", "theory", "training",
})

__all__ = ["data", "losses", "metrics", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        mod, attr = _EXPORTS[name]
        value = getattr(importlib.import_module(f".{mod}", __name__), attr)
    elif name in _SUBMODULES:  # ov.training, ov.network, ov.audit, ...: as after an eager import
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # cache: later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS) | _SUBMODULES)


if TYPE_CHECKING:  # static type checkers and IDEs see the eager imports
    from . import data, losses, metrics, stats, strategies, theory
    from .losses import LOSSES, Loss, get_loss
    from .network import AZLSNet, DeepReLUNet, ForwardTrace, Network, NguyenNet, ResidualNet
    from .training import Trace, TrainingDivergedError, train, train_ensemble
