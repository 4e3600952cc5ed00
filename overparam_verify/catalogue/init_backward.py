"""Catalogue family 'init_backward': registrations of its statements (see the package docstring)."""
from __future__ import annotations
