"""Measured quantities for the catalogue family 'setup'."""
from __future__ import annotations

__all__: list[str] = []
