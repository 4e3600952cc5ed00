"""Measured quantities for the catalogue family 'resnet'."""
from __future__ import annotations

__all__: list[str] = []
