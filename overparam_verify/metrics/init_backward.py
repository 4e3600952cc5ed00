"""Measured quantities for the catalogue family 'init_backward'."""
from __future__ import annotations

__all__: list[str] = []
