"""overparam-verify: experimental checks of the theory of gradient descent on over-parameterized
deep ReLU networks.

Papers (in ``shared/seeds``): ZCZG = Zou, Cao, Zhou, Gu (000: journal version, 003: long version);
AZLS = Allen-Zhu, Li, Song (002); NG = Nguyen (001).
"""
from . import data, losses, metrics
from .losses import LOSSES, Loss, get_loss
from .network import AZLSNet, DeepReLUNet, ForwardTrace, Network, NguyenNet, ResidualNet
from .training import Trace, TrainingDivergedError, train, train_ensemble

__version__ = "0.1.0"

__all__ = [
    "data",
    "losses",
    "metrics",
    "LOSSES",
    "Loss",
    "get_loss",
    "Network",
    "DeepReLUNet",
    "AZLSNet",
    "NguyenNet",
    "ResidualNet",
    "ForwardTrace",
    "Trace",
    "TrainingDivergedError",
    "train",
    "train_ensemble",
]
