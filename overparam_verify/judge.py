"""The one judge: a statement's declared parts and its measured evidence → its verdict.

A catalogue statement (``shared/LEMMAS.md``) declares, when it is registered and before any
data, the *parts* that decide its verdict and a negative *control* (issue 11):

* :class:`Bound` — a named measured statistic ≤ (or ≥) a theory function, judged on R draws by
  the exact binomial test of the failure count against the budget δ (kind W; δ = 0 for the E
  identities, which must hold on every example up to rounding, rtol 1e-9);
* :class:`Law` — a named statistic against a named sweep variable (m, L, τ, φ, n, δ, …) with
  the theory's exponent, a direction and a *resolution* Δ: the alternative the fitted interval
  must exclude before the law counts as "holds" (kind S);
* :class:`Control` — a setting in which the statement is false (a mis-scaled initialisation,
  layers that grow geometrically, a radius beyond the region, …). It runs through the same
  cells, the same measurement and this judge, and must come out ``violated``.

The family modules (``catalogue/<family>.py``) only *measure*: ``measure(results)`` returns an
:class:`Evidence` that maps each part's name to its data. This module holds every verdict rule:

* a missing part, a short sweep (fewer than ``min_points`` distinct values), a failed fit, a
  NaN → ``inconclusive``, never ``holds``;
* a law is ``violated`` when its confidence interval lies wholly on the wrong side of the
  exponent; ``holds`` when it does not and the interval excludes the declared alternative
  (k + Δ for an upper bound on the exponent, k − Δ for a lower, both for two-sided);
  otherwise ``inconclusive``, with the half-width and about how many points would resolve it;
* a bound is ``violated`` when the binomial test rejects the budget; ``inconclusive`` when the
  R used cannot detect a failure rate of 3δ with probability 0.8 (``detectable_rate``);
  the worst measured/bound ratio (``slack``) is always reported;
* a statement is ``violated`` if any deciding part is, else ``inconclusive`` if any is, else
  ``holds``; parts declared with ``decides=False`` are reported as "also measured" only;
* :func:`final_verdict` applies the control and the replicate: a ``holds`` whose control was not
  rejected becomes ``inconclusive`` ("unpowered: control not rejected"); a ``violated`` S or W
  verdict stays ``violated`` only when an independent replicate (fresh seeds, same cells)
  agrees, else ``inconclusive`` ("not replicated").

The property tests and the audit both call :func:`judge` (through
``Statement.summarize``); :func:`evaluate` runs one statement's cells in-process.
"""
from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from . import stats

__all__ = [
    "SCHEMA_VERSION",
    "VERDICTS",
    "Judgement",
    "Law",
    "Bound",
    "Control",
    "Evidence",
    "judge",
    "judge_law",
    "judge_bound",
    "combine",
    "final_verdict",
    "replicate_cells",
    "part_summary",
    "evaluate",
    "Evaluation",
]

#: version of the audit JSON (``audit --json``); 2 adds parts, control, replicate, cell_list
SCHEMA_VERSION = 2
VERDICTS = ("holds", "violated", "inconclusive")
DIRECTIONS = ("upper", "lower", "two-sided")
MODELS = ("power", "geometric")
#: the failure-rate multiple of δ a bound's R must detect (issue 11: "R must detect 3δ")
DETECT_MULTIPLE = 3.0
#: the power at which ``detectable_rate`` is computed
POWER = 0.8


@dataclass
class Judgement:
    """A statement's verdict and its figures (JSON-able), as the audit reports them. ``parts``
    holds the judged parts (one dict each, see :func:`judge_law` / :func:`judge_bound`)."""

    verdict: str  # one of VERDICTS
    figures: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    parts: list[dict] = field(default_factory=list)

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")

    def part(self, name: str) -> dict:
        """The judged part called ``name`` (``KeyError`` if none)."""
        for p in self.parts:
            if p["name"] == name:
                return p
        raise KeyError(name)


def _check_name(name: str, what: str) -> None:
    if not isinstance(name, str) or not name:
        raise ValueError(f"{what} name must be a non-empty string, got {name!r}")


@dataclass(frozen=True)
class Law:
    """A scaling law: ``statistic`` against the sweep ``variable`` follows ``x^exponent``
    (``model="power"``, fitted on log-log axes) or ``e^{exponent·x}`` (``model="geometric"``,
    fitted on log-linear axes: ``exponent`` is the log of the per-unit factor, ``log 8`` for 8^L).

    ``direction`` is about the *exponent*: ``"upper"`` — the theory's k bounds the true exponent
    from above (y = O(x^k) as x grows; also y = Ω(x^k) as x → 0), so the alternative to exclude is
    k + Δ; ``"lower"`` — from below (alternative k − Δ); ``"two-sided"`` — both. ``resolution`` Δ
    defaults to max(0.1, |k|/2) and is declared here, never tuned after seeing results.
    ``min_points``: distinct values of the variable a sweep needs (fewer → inconclusive).
    ``decides=False``: reported as "also measured", never deciding the verdict.
    """

    name: str
    statistic: str
    variable: str
    exponent: float
    direction: str = "upper"
    resolution: float | None = None
    model: str = "power"
    min_points: int = 4
    decides: bool = True
    alpha: float = 0.05

    def __post_init__(self):
        _check_name(self.name, "Law")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got direction={self.direction!r}")
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, got model={self.model!r}")
        if not math.isfinite(self.exponent):
            raise ValueError(f"exponent must be finite, got exponent={self.exponent!r}")
        if self.resolution is None:
            object.__setattr__(self, "resolution", max(0.1, abs(float(self.exponent)) / 2))
        if not (self.resolution > 0):
            raise ValueError(f"resolution must be > 0, got resolution={self.resolution!r}")
        if int(self.min_points) != self.min_points or self.min_points < 3:
            raise ValueError(f"min_points must be an integer >= 3, got min_points={self.min_points!r}")

    @property
    def kind(self) -> str:
        return "law"


@dataclass(frozen=True)
class Bound:
    """An explicit bound: per trial, ``statistic`` ≤ ``bound`` (``direction="le"``) or ≥ it
    (``"ge"``), with probability ≥ 1 − ``delta`` (δ = 0: on every example). The evidence gives,
    per trial, the ratio measured/bound (a failure is a ratio above 1 + rtol for "le", below
    1 − rtol for "ge"), or the counts directly.

    ``variable``/``bound_law``/``bound_model``/``bound_exponent``: where the bound carries a
    factor in a swept variable (4^L, 8^L, L, √L, m^{3/2}, τ^{2/3}, …), the evidence's ``worst``
    points (the measured worst case per value of the variable) are fitted with that model and
    printed beside the bound's law (the tightness table).
    """

    name: str
    statistic: str
    bound: str
    delta: float
    direction: str = "le"
    variable: str | None = None
    bound_law: str | None = None
    bound_model: str = "power"
    bound_exponent: float | None = None
    alpha: float = 0.01
    rtol: float = 1e-9
    decides: bool = True

    def __post_init__(self):
        _check_name(self.name, "Bound")
        if self.direction not in ("le", "ge"):
            raise ValueError(f"direction must be 'le' or 'ge', got direction={self.direction!r}")
        if not (0.0 <= self.delta < 1.0):
            raise ValueError(f"delta must lie in [0, 1), got delta={self.delta!r}")
        if self.bound_model not in MODELS:
            raise ValueError(f"bound_model must be one of {MODELS}, got bound_model={self.bound_model!r}")
        if not (0.0 < self.alpha < 1.0):
            raise ValueError(f"alpha must lie in (0, 1), got alpha={self.alpha!r}")

    @property
    def kind(self) -> str:
        return "bound"


@dataclass(frozen=True)
class Control:
    """A negative control: a setting in which the statement is false, run through the same
    ``run_cell``/``measure``/:func:`judge` at the same profile; it must come out ``violated``.

    Give ``params`` (merged into every statement cell — the run_cell honours them, e.g.
    ``{"init_scale": 0.5}``) or ``cells`` (``cells(profile, seed=0)`` like a statement's).
    ``kind="system"``: the control changes the system (engine, init, data, radius). ``kind=
    "formula"`` (a factor of the bound or the exponent edited) only shows that the comparison
    runs; allowed only with ``why`` saying why no change of the system falsifies the statement.
    """

    description: str
    params: Mapping[str, Any] | None = None
    cells: Callable[..., list[dict]] | None = None
    kind: str = "system"
    why: str = ""

    def __post_init__(self):
        if not self.description:
            raise ValueError("a Control needs a description")
        if (self.params is None) == (self.cells is None):
            raise ValueError("a Control needs exactly one of params= or cells=")
        if self.params is not None and not self.params:
            raise ValueError("Control params must be non-empty (they must change the system)")
        if self.kind not in ("system", "formula"):
            raise ValueError(f"kind must be 'system' or 'formula', got kind={self.kind!r}")
        if self.kind == "formula" and not self.why:
            raise ValueError("a formula control needs why= (why no change of the system falsifies the statement)")

    def make_cells(self, statement_cells: Callable[..., list[dict]], profile: str, seed: int = 0) -> list[dict]:
        """The control's cells at ``profile`` (and ``seed``)."""
        if self.cells is not None:
            return [dict(c) for c in _call_cells(self.cells, profile, seed)]
        return [dict(c) | dict(self.params) for c in _call_cells(statement_cells, profile, seed)]

    def as_dict(self) -> dict:
        return {"description": self.description, "kind": self.kind, "why": self.why or None,
                "params": dict(self.params) if self.params is not None else None}


@dataclass
class Evidence:
    """What a family's ``measure(results)`` returns: ``parts`` maps each declared part's name to
    its data, ``figures`` and ``note`` are reported as they are (never judged).

    Law data: ``{"x": [...], "y": [...]}`` (several y per x allowed: one per draw), optional
    ``"also": {...}`` of extra figures. Bound data: ``{"ratios": [...]}`` (measured/bound per
    trial) with optional ``"x"`` (the swept variable per trial) and ``"cells"`` (the index of the
    cell each trial came from), or ``{"failures", "trials", "slack"}``; optional ``"worst":
    {"x": [...], "y": [...]}`` (the measured worst case per value of the variable, for the
    tightness fit). A part whose data is ``None`` or absent is inconclusive ("no data").
    """

    parts: dict[str, dict | None]
    figures: dict[str, Any] = field(default_factory=dict)
    note: str = ""


# ----------------------------------------------------------------------------------------------
# judging one part


def _finite(v) -> bool:
    return v is not None and not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v)


def _number(v) -> bool:
    return v is not None and not isinstance(v, bool) and isinstance(v, (int, float)) and not math.isnan(v)


def _fit(model: str, x, y, alpha: float):
    return (stats.loglog_fit if model == "power" else stats.semilog_fit)(x, y, alpha=alpha)


def judge_law(law: Law, data: Mapping | None) -> dict:
    """Judge one :class:`Law` on ``{"x": [...], "y": [...]}``. Returns the part's JSON dict."""
    out: dict[str, Any] = {
        "name": law.name, "kind": "law", "statistic": law.statistic, "variable": law.variable,
        "exponent": float(law.exponent), "direction": law.direction, "resolution": float(law.resolution),
        "model": law.model, "decides": law.decides, "slope": None, "ci": None, "intercept": None,
        "half_width": None, "points_needed": None, "x": [], "y": [], "verdict": "inconclusive", "reason": "",
    }
    if data is None or "x" not in data or "y" not in data:
        out["reason"] = "no data"
        return out
    x = [float(v) if _finite(v) else math.nan for v in data["x"]]
    y = [float(v) if _finite(v) else math.nan for v in data["y"]]
    if len(x) != len(y):
        out["reason"] = f"x and y differ in length ({len(x)} vs {len(y)})"
        return out
    out["x"], out["y"] = x, y
    if "also" in data:
        out["also"] = data["also"]
    if any(math.isnan(v) for v in x + y):
        out["reason"] = "NaN or missing value in the sweep"
        return out
    if any(v <= 0 for v in y) or (law.model == "power" and any(v <= 0 for v in x)):
        out["reason"] = "non-positive value on a log axis"
        return out
    distinct = len(set(x))
    if distinct < law.min_points:
        out["reason"] = f"short sweep: {distinct} distinct {law.variable} value(s), {law.min_points} needed"
        return out
    try:
        f = _fit(law.model, x, y, law.alpha)
    except ValueError as exc:
        out["reason"] = f"fit failed: {exc}"
        return out
    lo, hi = f.ci
    if not (math.isfinite(lo) and math.isfinite(hi)):
        out["reason"] = "fit failed: non-finite interval"
        return out
    k, d = float(law.exponent), float(law.resolution)
    out.update(slope=f.slope, ci=[lo, hi], intercept=f.intercept, constant=f.constant, r2=f.r2,
               half_width=(hi - lo) / 2, points=f.n)
    above, below = lo > k, hi < k
    wrong = {"upper": above, "lower": below, "two-sided": above or below}[law.direction]
    if wrong:
        out["verdict"] = "violated"
        out["reason"] = f"CI [{lo:.3g}, {hi:.3g}] lies wholly {'above' if above else 'below'} the exponent {k:.3g}"
        return out
    # the alternative(s) to exclude, and the margin the half-width must fit in
    need = []
    if law.direction in ("upper", "two-sided"):
        need.append(("above", k + d, hi < k + d, (k + d) - f.slope))
    if law.direction in ("lower", "two-sided"):
        need.append(("below", k - d, lo > k - d, f.slope - (k - d)))
    if all(ok for _, _, ok, _ in need):
        out["verdict"] = "holds"
        alts = " and ".join(f"{a:.3g}" for _, a, _, _ in need)
        out["reason"] = f"CI [{lo:.3g}, {hi:.3g}] holds the exponent {k:.3g} and excludes {alts}"
        return out
    h = out["half_width"]
    margin = min(m for _, _, _, m in need)
    if margin > 0 and h > 0:
        out["points_needed"] = int(math.ceil(f.n * (h / margin) ** 2))
    alts = " and ".join(f"{a:.3g}" for _, a, ok, _ in need if not ok)
    out["reason"] = (f"unresolved: CI [{lo:.3g}, {hi:.3g}] (half-width {h:.3g}) cannot exclude {alts}"
                     + (f"; about {out['points_needed']} points would resolve it" if out["points_needed"] else ""))
    return out


def judge_bound(bound: Bound, data: Mapping | None) -> dict:
    """Judge one :class:`Bound` on its per-trial ratios (or counts). Returns the part's dict."""
    out: dict[str, Any] = {
        "name": bound.name, "kind": "bound", "statistic": bound.statistic, "bound": bound.bound,
        "direction": bound.direction, "delta": float(bound.delta), "variable": bound.variable,
        "decides": bound.decides, "slack": None, "failures": None, "trials": None, "p_value": None,
        "alpha": None, "detectable_rate": None, "trials_needed": None, "worst_cell": None, "x": None,
        "ratios": None, "tightness": None, "verdict": "inconclusive", "reason": "",
    }
    if data is None:
        out["reason"] = "no data"
        return out
    if "ratios" in data:
        # ±inf is a measured value (an unbounded violation, or a bound met by infinity); NaN or None is missing
        r = [float(v) if _number(v) else math.nan for v in data["ratios"]]
        out["ratios"] = r
        if "x" in data and data["x"] is not None:
            out["x"] = [float(v) for v in data["x"]]
        if not r:
            out["reason"] = "no trials"
            return out
        if any(math.isnan(v) for v in r):
            out["reason"] = "NaN or missing ratio"
            return out
        if bound.direction == "le":
            fails = [v > 1.0 + bound.rtol for v in r]
            worst = max(range(len(r)), key=lambda i: r[i])
        else:
            fails = [v < 1.0 - bound.rtol for v in r]
            worst = min(range(len(r)), key=lambda i: r[i])
        F, T, slack = int(sum(fails)), len(r), r[worst]
        cells = data.get("cells")
        if cells is not None and len(cells) == T:
            out["worst_cell"] = int(cells[worst])
            out["failing_cells"] = sorted({int(c) for c, bad in zip(cells, fails) if bad})
    else:
        F, T, slack = data.get("failures"), data.get("trials"), data.get("slack")
        if not (isinstance(F, int) and isinstance(T, int)) or T < 1 or not _finite(slack):
            out["reason"] = "no trials, or counts missing"
            return out
        if "worst_cell" in data:
            out["worst_cell"] = data["worst_cell"]
    b = stats.binomial_check(F, T, bound.delta, alpha=bound.alpha)
    det = stats.detectable_rate(T, bound.delta, alpha=bound.alpha, power=POWER)
    out.update(slack=float(slack), failures=F, trials=T, p_value=b.p_value, alpha=b.alpha, detectable_rate=det)
    if "worst" in data and data["worst"] is not None and bound.bound_law:
        out["tightness"] = _tightness(bound, data["worst"])
    target = min(1.0, DETECT_MULTIPLE * bound.delta)
    if not b.holds:
        out["verdict"] = "violated"
        out["reason"] = f"{F}/{T} failures: p = {b.p_value:.2g} < {b.alpha:.2g} against the budget δ = {bound.delta:g}"
    elif bound.delta > 0 and det > target:
        try:
            out["trials_needed"] = stats.trials_to_detect(target, bound.delta, alpha=bound.alpha, power=POWER)
        except ValueError:
            out["trials_needed"] = None
        out["reason"] = (f"underpowered: R = {T} detects a failure rate of {det:.2g} (power {POWER:g}), not "
                         f"{DETECT_MULTIPLE:g}δ = {target:.2g}; R ≥ {out['trials_needed']} needed")
    else:
        out["verdict"] = "holds"
        out["reason"] = f"{F}/{T} failures within δ = {bound.delta:g} (detects {det:.2g}); worst measured/bound {slack:.3g}"
    return out


def _tightness(bound: Bound, worst: Mapping) -> dict:
    t: dict[str, Any] = {"variable": bound.variable, "bound_law": bound.bound_law, "model": bound.bound_model,
                         "bound_slope": bound.bound_exponent, "slope": None, "ci": None,
                         "x": list(worst.get("x", [])), "y": list(worst.get("y", []))}
    try:
        f = _fit(bound.bound_model, t["x"], t["y"], 0.05)
        t.update(slope=f.slope, ci=list(f.ci), intercept=f.intercept)
    except (ValueError, TypeError) as exc:
        t["reason"] = f"fit failed: {exc}"
    return t


# ----------------------------------------------------------------------------------------------
# judging a statement


def combine(verdicts: Sequence[str]) -> str:
    """``violated`` if any is, else ``inconclusive`` if any is (or there are none), else ``holds``."""
    if not verdicts:
        return "inconclusive"
    if "violated" in verdicts:
        return "violated"
    if "inconclusive" in verdicts:
        return "inconclusive"
    return "holds"


def judge(parts: Sequence[Law | Bound], evidence: Evidence) -> Judgement:
    """The verdict of a statement with declared ``parts`` on ``evidence`` (see module rules)."""
    if not isinstance(evidence, Evidence):
        raise TypeError(f"measure must return an Evidence, got {type(evidence).__name__}")
    names = {p.name for p in parts}
    extra = set(evidence.parts) - names
    if extra:
        raise ValueError(f"evidence for undeclared part(s) {sorted(extra)}; declared: {sorted(names)}")
    judged = [judge_law(p, evidence.parts.get(p.name)) if isinstance(p, Law) else judge_bound(p, evidence.parts.get(p.name))
              for p in parts]
    deciding = [j for j in judged if j["decides"]]
    verdict = combine([j["verdict"] for j in deciding])
    lines = [f"{j['name']}: {j['verdict']} ({j['reason']})" for j in deciding if j["verdict"] != "holds"]
    note = evidence.note
    if lines:
        note = (note + "; " if note else "") + "; ".join(lines)
    return Judgement(verdict, dict(evidence.figures), note, judged)


def final_verdict(kind: str, verdict: str, *, control: str | None, replicate: str | None) -> tuple[str, str]:
    """The reported verdict and the reason it changed (``""`` if it did not).

    ``control``: the control's verdict (``None``: no control declared). ``replicate``: the
    replicate's verdict (``None``: not run). E statements are deterministic and not replicated.
    """
    if verdict == "violated" and str(kind).strip()[:1] in ("S", "W"):
        if replicate is None:
            return "inconclusive", "violated once, replicate not run"
        if replicate != "violated":
            return "inconclusive", f"not replicated (replicate: {replicate})"
    if verdict == "holds":
        if control is None:
            return "inconclusive", "unpowered: no control declared"
        if control != "violated":
            return "inconclusive", f"unpowered: control not rejected (control: {control})"
    return verdict, ""


def needs_replicate(kind: str, verdict: str) -> bool:
    """Whether a verdict must be replicated before it is reported (a violated S or W)."""
    return verdict == "violated" and str(kind).strip()[:1] in ("S", "W")


REPLICATE_SALT = 0x5EED


def replicate_cells(cells: Sequence[Mapping]) -> list[dict]:
    """The same cells with fresh seeds: every key named ``seed`` or ending in ``_seed`` is
    replaced by an independent child seed (:func:`~overparam_verify.catalogue._cells.sub_seed`)."""
    from .catalogue._cells import sub_seed

    out = []
    for c in cells:
        d = dict(c)
        for k, v in c.items():
            if (k == "seed" or k.endswith("_seed")) and isinstance(v, int) and not isinstance(v, bool):
                d[k] = sub_seed(v, REPLICATE_SALT)
        out.append(d)
    return out


def part_summary(part: Mapping) -> str:
    """A short human line for one judged part (the key figure's pieces)."""
    if part.get("kind") == "law":
        if part.get("slope") is None:
            return f"{part['name']}: {part.get('reason') or 'no fit'}"
        lo, hi = part["ci"]
        rel = {"upper": "≤", "lower": "≥", "two-sided": "="}[part["direction"]]
        var = part["variable"]
        return (f"{part['name']}: slope {part['slope']:.2f} [{lo:.2f}, {hi:.2f}] in {var} vs {rel}{part['exponent']:.3g}"
                f" (Δ {part['resolution']:.2g})")
    if part.get("slack") is None:
        return f"{part['name']}: {part.get('reason') or 'no trials'}"
    slack = part["slack"]  # a float, or its string ("inf") in a report read back from JSON
    slack = f"{slack:.3g}" if isinstance(slack, (int, float)) else str(slack)
    return f"{part['name']}: slack {slack}, {part['failures']}/{part['trials']} fail"


# ----------------------------------------------------------------------------------------------
# in-process evaluation (the property tests)


def _call_cells(cells_fn: Callable, profile: str, seed: int) -> list[dict]:
    try:
        sig = inspect.signature(cells_fn)
        takes_seed = "seed" in sig.parameters
    except (TypeError, ValueError):
        takes_seed = False
    return list(cells_fn(profile, seed=seed) if takes_seed else cells_fn(profile))


@dataclass
class Evaluation:
    """One statement judged in-process: its judgement, the control's, and the cells' results."""

    id: str
    judgement: Judgement
    results: list[tuple[dict, dict]]
    control: Judgement | None = None
    control_results: list[tuple[dict, dict]] | None = None

    @property
    def verdict(self) -> str:
        return self.judgement.verdict

    @property
    def control_verdict(self) -> str | None:
        return None if self.control is None else self.control.verdict


def evaluate(sid: str, profile: str = "ci", *, seed: int = 0, control: bool = True, statement: bool = True,
             device: str | None = None) -> Evaluation:
    """Run statement ``sid``'s cells (and its control's, with ``control=True``) serially in this
    process at ``profile`` with base ``seed``, and judge them. The verdict is the judge's (the
    audit's :func:`final_verdict` rules — control, replicate — are applied by the audit)."""
    from .audit import _jsonable
    from .catalogue import canonical_id, registry

    st = registry()[canonical_id(sid)]
    if st.measure is None:
        raise ValueError(f"statement {st.id!r} declares no parts (legacy summarize)")

    def run(cells):
        cells = [dict(c) | ({"device": device} if device else {}) for c in cells]
        # the results as the audit sees them (numpy/torch scalars → float, tuples → lists)
        return [(c, _jsonable(st.run_cell(dict(c)), keep_nonfinite=True)) for c in cells]

    res = run(_call_cells(st.cells, profile, seed)) if statement else []
    j = st.summarize(res) if statement else Judgement("inconclusive", note="not run")
    cj = cres = None
    if control and st.control is not None:
        cres = run(st.control.make_cells(st.cells, profile, seed))
        cj = st.summarize(cres)
    return Evaluation(st.id, j, res, cj, cres)
