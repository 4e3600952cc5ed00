"""Measured quantities for the catalogue family 'perturbation'."""
from __future__ import annotations

__all__: list[str] = []
