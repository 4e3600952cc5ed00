"""Root conftest: Hypothesis profiles for the whole repository.

* ``dev``      — few examples, quick feedback while editing.
* ``ci``       — derandomized, bounded examples, no deadline: the default (CI and README).
* ``thorough`` — many more examples and the large sweeps (``OV_THOROUGH=1`` also enables the
  ``thorough``-only sweep sizes in property tests).

Choose with ``pytest --hypothesis-profile=NAME`` or ``HYPOTHESIS_PROFILE=NAME``.
"""
from overparam_verify.pytest_plugin import register_profiles

register_profiles()
