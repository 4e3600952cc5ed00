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

# name -> (submodule, attribute or None for the submodule itself)
_EXPORTS: dict[str, tuple[str, str | None]] = {
    "data": ("data", None),
    "losses": ("losses", None),
    "metrics": ("metrics", None),
    "theory": ("theory", None),
    "stats": ("stats", None),
    "strategies": ("strategies", None),
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
    "audit", "catalogue", "cli", "data", "loaders", "losses", "metrics", "network", "plots",
    "pytest_plugin", "report", "reproduce", "stats", "strategies", "theory", "training",
})

__all__ = [n for n in _EXPORTS if n not in ("theory", "stats", "strategies")]


def __getattr__(name: str):
    if name in _EXPORTS:
        mod, attr = _EXPORTS[name]
    elif name in _SUBMODULES:  # ov.training, ov.network, ov.audit, ...: as after an eager import
        mod, attr = name, None
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f".{mod}", __name__)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value  # cache: later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS) | _SUBMODULES)


if TYPE_CHECKING:  # static type checkers and IDEs see the eager imports
    from . import data, losses, metrics, stats, strategies, theory
    from .losses import LOSSES, Loss, get_loss
    from .network import AZLSNet, DeepReLUNet, ForwardTrace, Network, NguyenNet, ResidualNet
    from .training import Trace, TrainingDivergedError, train, train_ensemble
