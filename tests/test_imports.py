"""The package re-exports lazily (PEP 562): every submodule must import on its own, first, in a
fresh interpreter (no import cycle hidden by the order of an eager ``__init__``)."""
import subprocess
import sys

import pytest

import overparam_verify as ov

SUBMODULES = sorted(ov._SUBMODULES)


@pytest.mark.parametrize("name", SUBMODULES)
def test_submodule_imports_first(name):
    subprocess.run([sys.executable, "-c", f"import overparam_verify.{name}"], check=True, capture_output=True)


def test_public_names_resolve():
    for name in ov.__all__:
        assert getattr(ov, name) is not None
    assert set(ov.__all__) <= set(dir(ov))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ov.nope  # noqa: B018
