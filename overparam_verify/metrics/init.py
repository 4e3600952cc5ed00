"""Measured quantities for the catalogue family 'init'."""
from __future__ import annotations

__all__: list[str] = []
