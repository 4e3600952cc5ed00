"""Measured quantities for the catalogue family 'trajectory'."""
from __future__ import annotations

__all__: list[str] = []
