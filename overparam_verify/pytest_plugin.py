"""pytest plugin (entry point ``pytest11``): the ``lemma(id)`` and ``slow`` markers, three
Hypothesis profiles and ``ov_``-prefixed fixtures. Import-light: torch is imported inside fixtures.

The plugin is *passive*: pytest loads it in every session of every project that has the package
installed, so it loads no profile and changes no Hypothesis setting. It only registers, when it
is imported (before Hypothesis's own plugin reads ``--hypothesis-profile``), three profiles
under names that cannot collide with a project's or Hypothesis's own (``ci``, ``dev``, ...):

* ``ov-dev``      — 10 examples, no deadline, example database on.
* ``ov-ci``       — derandomized, 20 examples, no deadline. Derandomized runs replay the same
  examples every time, so the database is off (``database=None``); the failing example is
  printed with ``print_blob=True`` (replay it with ``@reproduce_failure``).
* ``ov-thorough`` — 300 examples, database on; :func:`at_most` runs 5× more examples and
  :func:`sweep_profile` the larger catalogue sweeps under it.

Choose one in any project with ``pytest --hypothesis-profile=ov-dev`` (Hypothesis's option;
``--hypothesis-verbosity`` etc. apply on top), or from a conftest with
``settings.load_profile("ov-ci")`` or :func:`load_profile_from_env`. This repository's root
conftest calls ``load_profile_from_env("ov-ci")``. The database of ``ov-dev``/``ov-thorough`` is
Hypothesis's default one (``.hypothesis/examples`` in the working directory, normally the
rootdir), so a counterexample found once replays.

The ``lemma`` marker is validated against this package's catalogue only for IDs in one of its
namespaces (``ZCZG-``, ``AZLS-``, ``NG-``: the text before the first ``-``); a project may
register its own IDs, which then validates their namespace too, with the ``ov_lemma_ids`` ini
option (one ID per line) or the hook :func:`_Hooks.pytest_overparam_verify_lemma_ids`. IDs of
any other namespace are left alone.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import pytest

PROFILE_ENV = "HYPOTHESIS_PROFILE"
THOROUGH_ENV = "OV_THOROUGH"
PROFILES = ("ov-dev", "ov-ci", "ov-thorough")
THOROUGH_PROFILE = "ov-thorough"
LEMMA_IDS_INI = "ov_lemma_ids"


def example_database_path(root: str | os.PathLike | None = None) -> Path:
    """``<root>/.hypothesis/examples`` (root: default the working directory) — where
    Hypothesis's default database, used by ``ov-dev``/``ov-thorough``, keeps its examples."""
    return Path(root if root is not None else os.getcwd()) / ".hypothesis" / "examples"


def register_profiles() -> None:
    """Register the ``ov-dev``, ``ov-ci`` and ``ov-thorough`` Hypothesis profiles (nothing is
    loaded). Called when this module is imported; calling it again is harmless."""
    from hypothesis import HealthCheck, settings

    slow = [HealthCheck.too_slow, HealthCheck.data_too_large]
    # explicit parent: register_profile otherwise inherits from the *currently loaded* profile
    base = settings(settings.get_profile("default"), deadline=None, suppress_health_check=slow)
    settings.register_profile("ov-dev", base, max_examples=10, derandomize=False)
    settings.register_profile("ov-ci", base, max_examples=20, derandomize=True, database=None, print_blob=True)
    settings.register_profile(THOROUGH_PROFILE, base, max_examples=300, derandomize=False)


register_profiles()


def load_profile_from_env(default: str = "ov-ci", *, env: str = PROFILE_ENV) -> str:
    """Load the Hypothesis profile named by ``$HYPOTHESIS_PROFILE`` (``env``), else ``default``,
    and return its name. Meant for a project's root ``conftest.py`` (this repository's calls
    it): conftests load before Hypothesis's plugin applies ``--hypothesis-profile`` and
    ``--hypothesis-verbosity``, so those still win. Raises ``pytest.UsageError`` for a name that
    is not a registered profile."""
    from hypothesis import settings
    from hypothesis.errors import InvalidArgument

    name = os.environ.get(env) or default
    try:
        settings.get_profile(name)
    except InvalidArgument:
        raise pytest.UsageError(f"{env}={name!r} is not a registered Hypothesis profile "
                                f"(this plugin registers {', '.join(PROFILES)})") from None
    settings.load_profile(name)
    return name


def active_profile() -> str | None:
    """The name of Hypothesis's current profile (``None`` if it cannot be read)."""
    from hypothesis import settings

    getter = getattr(settings, "get_current_profile_name", None)  # public since Hypothesis 6.1xx
    try:
        return getter() if getter is not None else settings._current_profile
    except AssertionError:
        return None


def thorough() -> bool:
    """Whether the long sweeps are on: the ``ov-thorough`` profile is loaded (also with the
    suffix Hypothesis's plugin adds for ``--hypothesis-verbosity``, ``ov-thorough-with-…``) or
    ``OV_THOROUGH=1``."""
    name = active_profile() or ""
    return name == THOROUGH_PROFILE or name.startswith(THOROUGH_PROFILE + "-with-") or bool(os.environ.get(THOROUGH_ENV))


def sweep_profile() -> str:
    """The catalogue sweep size property tests run: ``"quick"`` when :func:`thorough`, else ``"ci"``."""
    return "quick" if thorough() else "ci"


def at_most(k: int, *, thorough_factor: int = 5):
    """Decorator for expensive statistical properties (above or below ``@given``): at most ``k``
    examples (never more than the active profile's ``max_examples``), ``thorough_factor`` times
    more when :func:`thorough`; and each example runs inside
    ``overparam_verify.stats.family(n)``, n the number of examples, so that the test's
    binomial checks and slope intervals together keep a false-alarm rate ≤ alpha however many
    examples a profile runs (Bonferroni). Call it at decoration time, after pytest has loaded
    the profile (i.e. in a test module)."""
    import functools

    from hypothesis import settings

    if isinstance(k, bool) or int(k) != k or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    n = min(int(k) * (thorough_factor if thorough() else 1), settings().max_examples)

    def in_family(inner):
        @functools.wraps(inner)
        def wrapper(*args, **kwargs):
            from overparam_verify import stats

            with stats.family(n):
                return inner(*args, **kwargs)

        return wrapper

    def decorate(test):
        if not callable(test):
            raise TypeError(f"at_most() decorates a test function, got {test!r}")
        if hasattr(test, "hypothesis"):  # above @given: wrap the inner test (Hypothesis's hook)
            test = settings(max_examples=n)(test)
            test.hypothesis.inner_test = in_family(test.hypothesis.inner_test)
            return test
        return settings(max_examples=n)(in_family(test))  # below @given: wrap the function itself

    return decorate


# ----------------------------------------------------------------------------- hooks & markers
class _Hooks:
    """Hook specifications this plugin adds."""

    @staticmethod
    @pytest.hookspec
    def pytest_overparam_verify_lemma_ids(config: pytest.Config) -> Iterable[str]:
        """Return lemma IDs of your own project's catalogue for the ``lemma(id)`` marker.

        Implement it in a ``conftest.py`` or plugin; every result is merged. Once an ID of a
        namespace (the text before its first ``-``, e.g. ``TINYMLP`` for ``TINYMLP-1``) is
        registered, markers of that namespace must name a registered ID. The ini option
        ``ov_lemma_ids`` (one ID per line) does the same without code."""


def pytest_addhooks(pluginmanager):
    pluginmanager.add_hookspecs(_Hooks)


def pytest_addoption(parser):
    parser.addini(LEMMA_IDS_INI, type="linelist", default=[],
                  help="lemma IDs of this project's own catalogue, accepted (and their namespace "
                       "validated) by the lemma(id) marker of overparam-verify")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "lemma(id): the catalogue statement this test checks; IDs in overparam-verify's namespaces "
        "(ZCZG-, AZLS-, NG-) or in one registered through ov_lemma_ids / "
        "pytest_overparam_verify_lemma_ids are validated, others are left alone",
    )
    config.addinivalue_line(
        "markers", "slow: a long test (overparam-verify only registers the marker; deselect with -m 'not slow')")


def _namespace(sid: str) -> str:
    return sid.split("-", 1)[0]


def registered_lemma_ids(config: pytest.Config) -> set[str]:
    """The IDs a project registered (ini option ``ov_lemma_ids`` and the hook)."""
    ids = {s.strip() for s in config.getini(LEMMA_IDS_INI) if s.strip()}
    for result in config.hook.pytest_overparam_verify_lemma_ids(config=config):
        if isinstance(result, str):
            raise pytest.UsageError(f"pytest_overparam_verify_lemma_ids must return an iterable of IDs, got the string {result!r}")
        ids.update(str(s) for s in result or ())
    return ids


def pytest_collection_modifyitems(config, items):
    """Validate ``lemma(id)`` markers whose ID lies in a known namespace (this catalogue's, or
    one a project registered); a bad one fails collection with the list of offenders."""
    marked = [(item, m) for item in items for m in item.iter_markers("lemma")]
    if not marked:
        return
    from overparam_verify.catalogue import CATALOGUE

    ours = {e["id"] for e in CATALOGUE} | {a for e in CATALOGUE for a in e["aliases"]}
    theirs = registered_lemma_ids(config)
    ours_ns = {_namespace(s) for s in ours}
    theirs_ns = {_namespace(s) for s in theirs}
    bad = []
    for item, m in marked:
        strings = [a for a in m.args if isinstance(a, str)]
        if not any(_namespace(s) in ours_ns | theirs_ns for s in strings):
            continue  # a foreign marker or namespace: not ours to judge
        if len(m.args) != 1 or m.kwargs or not strings:
            bad.append(f"{item.nodeid}: lemma marker needs exactly one ID string, got {m.args!r}")
            continue
        sid = strings[0]
        if sid in ours or sid in theirs:
            continue
        if _namespace(sid) in ours_ns:
            bad.append(f"{item.nodeid}: unknown lemma ID {sid!r} (not in overparam-verify's catalogue, "
                       f"overparam_verify.catalogue.CATALOGUE)")
        else:
            bad.append(f"{item.nodeid}: unknown lemma ID {sid!r} (namespace {_namespace(sid)!r} is registered "
                       f"through {LEMMA_IDS_INI} / pytest_overparam_verify_lemma_ids, this ID is not)")
    if bad:
        raise pytest.UsageError("invalid lemma markers:\n" + "\n".join(bad))


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture
def ov_torch_generator():
    """A fresh ``torch.Generator`` seeded with 0 (function-scoped: it is stateful; inside
    ``@given`` draw a seed with ``strategies.seeds()`` instead)."""
    import torch

    return torch.Generator().manual_seed(0)


@pytest.fixture(scope="session")
def ov_small_dataset():
    """Session-scoped (usable in ``@given`` tests; treat as read-only). A φ = 0.2 separated data
    set, n = 16, d = 8, μ = 1/√2 (AZLS form, AZLS Assumption 2.1), float64: ``(X, y)``."""
    from overparam_verify import data

    return data.separated_sphere(16, 8, 0.2, mu=data.AZLS_MU, seed=0)


@pytest.fixture(scope="session")
def ov_small_net():
    """Session-scoped (usable in ``@given`` tests; treat as read-only). A He-initialized
    ``DeepReLUNet`` (ZCZG 003 §3.3) with d = 8, widths [32, 32], seed 0, float64."""
    from overparam_verify.network import DeepReLUNet

    return DeepReLUNet.gaussian_init(8, [32, 32], seed=0)
