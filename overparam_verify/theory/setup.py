"""Theory bounds and regimes for the catalogue family 'setup' (paper, lemma and equation in each
docstring)."""
from __future__ import annotations

__all__: list[str] = []
