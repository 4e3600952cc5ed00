"""pytest plugin (entry point ``pytest11``): the ``lemma(id)`` marker, Hypothesis profiles and
fixtures for the common objects. Import-light: torch is imported inside fixtures only."""
from __future__ import annotations

import os

import pytest

PROFILE_ENV = "HYPOTHESIS_PROFILE"


def register_profiles() -> None:
    """Register the ``dev``, ``ci`` and ``thorough`` Hypothesis profiles and load the one named
    by ``$HYPOTHESIS_PROFILE`` (default ``ci``). ``--hypothesis-profile`` still overrides."""
    from hypothesis import HealthCheck, settings
    from hypothesis.database import DirectoryBasedExampleDatabase

    db = DirectoryBasedExampleDatabase(os.path.join(os.getcwd(), ".hypothesis", "examples"))
    slow = [HealthCheck.too_slow, HealthCheck.data_too_large]
    settings.register_profile("dev", max_examples=10, deadline=None, database=db, suppress_health_check=slow)
    settings.register_profile(
        "ci", max_examples=20, deadline=None, derandomize=True, database=None, print_blob=True,
        suppress_health_check=slow,
    )
    settings.register_profile("thorough", max_examples=300, deadline=None, database=db, suppress_health_check=slow)
    settings.load_profile(os.environ.get(PROFILE_ENV, "ci"))


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "lemma(id): the catalogue statement (shared/LEMMAS.md) this test checks",
    )
    config.addinivalue_line("markers", "slow: long sweeps, deselected unless --run-slow or OV_THOROUGH=1")
