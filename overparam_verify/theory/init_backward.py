"""Theory bounds and regimes for the catalogue family 'init_backward' (paper, lemma and equation in each
docstring)."""
from __future__ import annotations

__all__: list[str] = []
