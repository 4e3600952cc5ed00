"""Catalogue family 'init': registrations of its statements (see the package docstring)."""
from __future__ import annotations
