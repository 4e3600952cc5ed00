"""The registry of catalogue statements: how each one is measured, swept and judged.

Every statement of ``shared/LEMMAS.md`` (embedded in :mod:`.ids`) is registered once, in the
module of its family (``setup``, ``init``, ``perturbation``, ``trajectory``, ``nguyen``,
``resnet``), as a :class:`Statement`:

* ``cells(profile)`` — the independent sweep cells for a profile (``"ci"``, ``"quick"``,
  ``"full"``): a list of JSON-able parameter dicts (width, depth, seed, ...). Cells are
  independent, deterministic given their parameters (every draw comes from a seed in the dict),
  and cheap enough to ship to a dask worker.
* ``run_cell(params) -> dict`` — the measurement of one cell (JSON-able numbers).
* ``parts`` — the declared :class:`~overparam_verify.judge.Law` / :class:`~overparam_verify.judge.Bound`
  parts that decide the verdict, fixed before any data (issue 11);
* ``control`` — the declared negative :class:`~overparam_verify.judge.Control`;
* ``measure(results) -> Evidence`` — given ``[(params, measurement), ...]``, each part's data
  (and reported figures), computed with :mod:`overparam_verify.theory` and the metrics. No family
  module decides a verdict: ``summarize(results)`` is ``judge(parts, measure(results))``, the
  one judge of :mod:`overparam_verify.judge`;
* ``plot(results, judgement, ax)`` — optional: draw the scaling plot on a matplotlib axis.

The property tests in ``properties/`` call the same ``run_cell``/``summarize`` (or the same
theory/metrics functions underneath) on Hypothesis-drawn parameters; the audit runs the cells
of a profile and prints the judgements. No statement is implemented twice.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable, Sequence

from ..judge import VERDICTS, Bound, Control, Evidence, Judgement, Law, judge
from .ids import CATALOGUE, SECTIONS

__all__ = [
    "CATALOGUE",
    "SECTIONS",
    "AREAS",
    "FAMILIES",
    "Judgement",
    "Law",
    "Bound",
    "Control",
    "Evidence",
    "Statement",
    "register",
    "registry",
    "entry",
    "canonical_id",
    "VERDICTS",
    "PROFILES",
]

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
class Statement:
    id: str
    kind: str
    source: str  # "paper, lemma/equation", e.g. "ZCZG 003, Lemma A.1"
    cells: Callable[..., list[dict]]
    run_cell: Callable[[dict], dict]
    summarize: Callable[[list[tuple[dict, dict]]], Judgement]
    plot: Callable | None = None
    title: str = ""
    parts: tuple = ()
    control: Control | None = None
    measure: Callable[[list[tuple[dict, dict]]], Evidence] | None = None

    @property
    def catalogue(self) -> dict:
        return entry(self.id)

    def control_cells(self, profile: str, seed: int = 0) -> list[dict]:
        """The control's cells at ``profile`` (``[]`` without a control)."""
        return [] if self.control is None else self.control.make_cells(self.cells, profile, seed)


_REGISTRY: dict[str, Statement] = {}


def register(
    sid: str,
    *,
    source: str,
    cells: Callable[..., list[dict]],
    run_cell: Callable[[dict], dict],
    measure: Callable[[list[tuple[dict, dict]]], Evidence] | None = None,
    parts: Sequence[Law | Bound] = (),
    control: Control | None = None,
    summarize: Callable[[list[tuple[dict, dict]]], Judgement] | None = None,
    plot: Callable | None = None,
) -> Statement:
    """Register the statement ``sid`` (canonical ID or alias). Returns the :class:`Statement`.

    A declared statement gives ``measure``, its ``parts`` (at least one deciding part, unique
    names) and a ``control``; its verdict is :func:`~overparam_verify.judge.judge`'s. (A bare
    ``summarize`` is the pre-judge protocol, kept only for tests that inject fakes.)
    """
    cid = canonical_id(sid)
    if cid in _REGISTRY:
        raise ValueError(f"statement {cid!r} is registered twice")
    if (measure is None) == (summarize is None):
        raise ValueError(f"{cid}: give exactly one of measure= (with parts= and control=) or summarize=")
    if measure is not None:
        parts = tuple(parts)
        names = [p.name for p in parts]
        if not parts or not any(p.decides for p in parts):
            raise ValueError(f"{cid}: declare at least one deciding part")
        if len(set(names)) != len(names):
            raise ValueError(f"{cid}: part names must be unique, got {names}")
        if not isinstance(control, Control):
            raise ValueError(f"{cid}: a declared statement needs a control=Control(...)")
        summarize = _judged(parts, measure)
    e = entry(cid)
    st = Statement(cid, e["kind"], source, cells, run_cell, summarize, plot, e["statement"], tuple(parts), control,
                   measure)
    _REGISTRY[cid] = st
    return st


def _judged(parts, measure):
    def summarize(results: list[tuple[dict, dict]]) -> Judgement:
        return judge(parts, measure(results))

    summarize.__doc__ = f"judge(parts, {getattr(measure, '__name__', 'measure')}(results))"
    return summarize


def registry() -> dict[str, Statement]:
    """All registered statements, keyed by canonical ID, in catalogue order (imports every
    family module on first use)."""
    for mod in FAMILIES:
        importlib.import_module(f"{__name__}.{mod}")
    order = {e["id"]: i for i, e in enumerate(CATALOGUE)}
    return dict(sorted(_REGISTRY.items(), key=lambda kv: order[kv[0]]))
