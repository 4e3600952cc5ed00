"""The registry of catalogue statements: how each one is measured, swept and judged.

Every statement of ``shared/LEMMAS.md`` (embedded in :mod:`.ids`) is registered once, in the
module of its family (``setup``, ``init``, ``perturbation``, ``trajectory``, ``nguyen``,
``resnet``), as a :class:`Statement`:

* ``cells(profile)`` — the independent sweep cells for a profile (``"ci"``, ``"quick"``,
  ``"full"``): a list of JSON-able parameter dicts (width, depth, seed, ...). Cells are
  independent, deterministic given their parameters (every draw comes from a seed in the dict),
  and cheap enough to ship to a dask worker.
* ``run_cell(params) -> dict`` — the measurement of one cell (JSON-able numbers).
* ``summarize(results) -> Judgement`` — given ``[(params, measurement), ...]``, the verdict and
  the figures that matter (slack for W, fitted exponent/CI/constant for S, ...), computed with
  :mod:`overparam_verify.stats` and :mod:`overparam_verify.theory`.
* ``plot(results, judgement, ax)`` — optional: draw the scaling plot on a matplotlib axis.

The property tests in ``properties/`` call the same ``run_cell``/``summarize`` (or the same
theory/metrics functions underneath) on Hypothesis-drawn parameters; the audit runs the cells
of a profile and prints the judgements. No statement is implemented twice.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

from .ids import CATALOGUE, SECTIONS

__all__ = [
    "CATALOGUE",
    "SECTIONS",
    "AREAS",
    "FAMILIES",
    "Judgement",
    "Statement",
    "register",
    "registry",
    "entry",
    "canonical_id",
    "VERDICTS",
    "PROFILES",
]

VERDICTS = ("holds", "violated", "inconclusive")
PROFILES = ("ci", "quick", "full")

#: catalogue section -> the module (family) that registers its statements
AREAS = {
    "Setup identities and assumptions": "setup",
    "At Gaussian initialization (003 Theorem 5.1; AZLS Step 1)": "init",
    "Inside the perturbation region ‖W̃_l − W_l‖₂ ≤ τ (003 Theorem 5.3; AZLS Step 2)": "perturbation",
    "Along the training trajectory": "trajectory",
    "Nguyen's certificate (NG) — no hidden constants": "nguyen",
    "Beyond fully-connected (AZLS Section 5)": "resnet",
}

#: the family modules that register statements (the init section is split in two: forward
#: quantities in ``init``, backward products and gradient lower bounds in ``init_backward``)
FAMILIES = ("setup", "init", "init_backward", "perturbation", "trajectory", "nguyen", "resnet")

_BY_ID = {}
for _e in CATALOGUE:
    for _a in [_e["id"], *_e["aliases"]]:
        _BY_ID[_a] = _e


def canonical_id(sid: str) -> str:
    """The catalogue's first ID for ``sid`` (an ID or an alias); ``ValueError`` if unknown."""
    try:
        return _BY_ID[sid]["id"]
    except KeyError:
        raise ValueError(f"unknown catalogue ID {sid!r}") from None


def entry(sid: str) -> dict:
    """The catalogue row (id, aliases, ref, section, kind, statement) for an ID or alias."""
    canonical_id(sid)
    return _BY_ID[sid]


@dataclass
class Judgement:
    """A statement's verdict and its figures (JSON-able), as the audit reports them."""

    verdict: str  # one of VERDICTS
    figures: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")


@dataclass
class Statement:
    id: str
    kind: str
    source: str  # "paper, lemma/equation", e.g. "ZCZG 003, Lemma A.1"
    cells: Callable[[str], list[dict]]
    run_cell: Callable[[dict], dict]
    summarize: Callable[[list[tuple[dict, dict]]], Judgement]
    plot: Callable | None = None
    title: str = ""

    @property
    def catalogue(self) -> dict:
        return entry(self.id)


_REGISTRY: dict[str, Statement] = {}


def register(
    sid: str,
    *,
    source: str,
    cells: Callable[[str], list[dict]],
    run_cell: Callable[[dict], dict],
    summarize: Callable[[list[tuple[dict, dict]]], Judgement],
    plot: Callable | None = None,
) -> Statement:
    """Register the statement ``sid`` (canonical ID or alias). Returns the :class:`Statement`."""
    cid = canonical_id(sid)
    if cid in _REGISTRY:
        raise ValueError(f"statement {cid!r} is registered twice")
    e = entry(cid)
    st = Statement(cid, e["kind"], source, cells, run_cell, summarize, plot, e["statement"])
    _REGISTRY[cid] = st
    return st


def registry() -> dict[str, Statement]:
    """All registered statements, keyed by canonical ID, in catalogue order (imports every
    family module on first use)."""
    for mod in FAMILIES:
        importlib.import_module(f"{__name__}.{mod}")
    order = {e["id"]: i for i, e in enumerate(CATALOGUE)}
    return dict(sorted(_REGISTRY.items(), key=lambda kv: order[kv[0]]))
