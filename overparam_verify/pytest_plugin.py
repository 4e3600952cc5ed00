"""pytest plugin (entry point ``pytest11``): the ``lemma(id)`` and ``slow`` markers, Hypothesis
profiles and fixtures for the common objects. Import-light: torch is imported inside fixtures.

Profiles (``--hypothesis-profile=NAME`` or ``HYPOTHESIS_PROFILE=NAME``; default ``ci``):

* ``dev``      — 10 examples, no deadline, example database on.
* ``ci``       — derandomized, 20 examples, no deadline. Derandomized runs replay the same
  examples every time, so the database is off (``database=None``); the failing example is
  printed with ``print_blob=True`` (replay it with ``@reproduce_failure``).
* ``thorough`` — 300 examples, database on.

The example database lives in ``<rootdir>/.hypothesis/examples`` so a counterexample found under
``dev``/``thorough`` replays on the next run.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

PROFILE_ENV = "HYPOTHESIS_PROFILE"
THOROUGH_ENV = "OV_THOROUGH"
PROFILES = ("dev", "ci", "thorough")
_ACTIVE: dict[str, str | None] = {"profile": None}  # the profile this plugin loaded last


def example_database_path(root: str | os.PathLike | None = None) -> Path:
    """``<root>/.hypothesis/examples`` (root: the pytest rootdir, else the working directory)."""
    return Path(root if root is not None else os.getcwd()) / ".hypothesis" / "examples"


def register_profiles(root: str | os.PathLike | None = None, *, load: bool = True) -> None:
    """Register the ``dev``, ``ci`` and ``thorough`` Hypothesis profiles and (``load=True``)
    load the one named by ``$HYPOTHESIS_PROFILE`` (default ``ci``). ``--hypothesis-profile``
    still overrides (Hypothesis's own plugin loads it)."""
    from hypothesis import HealthCheck, settings
    from hypothesis.database import DirectoryBasedExampleDatabase

    db = DirectoryBasedExampleDatabase(str(example_database_path(root)))
    slow = [HealthCheck.too_slow, HealthCheck.data_too_large]
    # explicit parent: register_profile otherwise inherits from the *currently loaded* profile
    base = settings(settings.get_profile("default"), deadline=None, suppress_health_check=slow)
    settings.register_profile("dev", base, max_examples=10, derandomize=False, database=db)
    settings.register_profile("ci", base, max_examples=20, derandomize=True, database=None, print_blob=True)
    settings.register_profile("thorough", base, max_examples=300, derandomize=False, database=db)
    if load:
        name = os.environ.get(PROFILE_ENV, "ci")
        if name not in PROFILES:
            try:
                settings.get_profile(name)
            except Exception:
                raise pytest.UsageError(f"{PROFILE_ENV}={name!r} is not a profile; choose one of {PROFILES}") from None
        settings.load_profile(name)
        _ACTIVE["profile"] = name


def active_profile() -> str | None:
    """The Hypothesis profile loaded through this plugin (``--hypothesis-profile`` or
    ``$HYPOTHESIS_PROFILE``), ``None`` before pytest configured it."""
    return _ACTIVE["profile"]


def thorough() -> bool:
    """Whether the long sweeps are on: the ``thorough`` profile or ``OV_THOROUGH=1``."""
    return active_profile() == "thorough" or bool(os.environ.get(THOROUGH_ENV))


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


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "lemma(id): the catalogue statement (shared/LEMMAS.md) this test checks",
    )
    config.addinivalue_line("markers", "slow: long sweeps, deselected unless --run-slow or OV_THOROUGH=1")
    cli = None
    try:
        cli = config.getoption("hypothesis_profile")
    except (ValueError, AttributeError):
        pass
    # Re-register with the rootdir's database; load from the env only when no CLI choice.
    register_profiles(getattr(config, "rootpath", None), load=cli is None)
    if cli is not None:
        from hypothesis import settings

        settings.load_profile(cli)
        _ACTIVE["profile"] = cli


def pytest_collection_modifyitems(config, items):
    """Validate every ``lemma(id)`` marker against the catalogue (fails collection clearly)."""
    bad = []
    for item in items:
        for m in item.iter_markers("lemma"):
            if len(m.args) != 1 or not isinstance(m.args[0], str):
                bad.append(f"{item.nodeid}: lemma marker needs exactly one ID string, got {m.args!r}")
                continue
            from overparam_verify.catalogue import canonical_id

            try:
                canonical_id(m.args[0])
            except ValueError:
                bad.append(f"{item.nodeid}: unknown lemma ID {m.args[0]!r} (see shared/LEMMAS.md)")
    if bad:
        raise pytest.UsageError("invalid lemma markers:\n" + "\n".join(bad))


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture
def torch_generator():
    """A fresh ``torch.Generator`` seeded with 0 (function-scoped: it is stateful; inside
    ``@given`` draw a seed with ``strategies.seeds()`` instead)."""
    import torch

    return torch.Generator().manual_seed(0)


@pytest.fixture(scope="session")
def small_dataset():
    """Session-scoped (usable in ``@given`` tests; treat as read-only). A φ = 0.2 separated data set, n = 16, d = 8, μ = 1/√2 (AZLS form), float64:
    ``(X, y)``."""
    from overparam_verify import data

    return data.separated_sphere(16, 8, 0.2, mu=data.AZLS_MU, seed=0)


@pytest.fixture(scope="session")
def small_net():
    """Session-scoped (usable in ``@given`` tests; treat as read-only). A He-initialized ``DeepReLUNet`` with d = 8, widths [32, 32], seed 0, float64."""
    from overparam_verify.network import DeepReLUNet

    return DeepReLUNet.gaussian_init(8, [32, 32], seed=0)
