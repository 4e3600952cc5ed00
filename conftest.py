"""Root conftest: this repository's default Hypothesis profile.

The installed pytest plugin (``overparam_verify.pytest_plugin``) is passive: it registers the
profiles ``ov-dev``, ``ov-ci`` and ``ov-thorough`` and loads none. This repository's own suite
runs under ``ov-ci`` (derandomized, 20 examples, no deadline, no database) unless
``$HYPOTHESIS_PROFILE`` names another profile; ``pytest --hypothesis-profile=NAME`` (applied by
Hypothesis's plugin after conftests load) overrides both. ``ov-thorough`` (or ``OV_THOROUGH=1``
under any profile) also turns on the larger sweeps of the property tests.
"""
from overparam_verify.pytest_plugin import load_profile_from_env

load_profile_from_env("ov-ci")
