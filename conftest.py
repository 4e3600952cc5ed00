"""Root conftest: Hypothesis profiles for the whole repository.

* ``dev``      — few examples, quick feedback while editing.
* ``ci``       — derandomized, bounded examples, no deadline: the default (CI and README).
* ``thorough`` — many more examples and the large sweeps (``OV_THOROUGH=1`` also enables the
  ``thorough``-only sweep sizes in property tests).

Choose with ``pytest --hypothesis-profile=NAME`` or ``HYPOTHESIS_PROFILE=NAME``.
"""
from pathlib import Path

from overparam_verify.pytest_plugin import register_profiles

# example database in <repo>/.hypothesis/examples (dev/thorough); the plugin re-registers with
# pytest's rootdir in pytest_configure, which is the same directory here.
register_profiles(Path(__file__).parent)
