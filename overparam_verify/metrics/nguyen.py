"""Measured quantities for the catalogue family 'nguyen'."""
from __future__ import annotations

__all__: list[str] = []
