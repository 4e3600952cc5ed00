"""What a third-party project sees with overparam-verify installed (issue 16).

* Fresh-interpreter pytester runs (``runpytest_subprocess``) of the scenarios that used to be
  broken: with nothing configured Hypothesis's own default profile is active and
  ``--hypothesis-verbosity`` applies; a conftest's own ``load_profile`` and a profile of its
  own named ``ci`` survive; ``CI=true`` gives Hypothesis's built-in ``ci``; the plugin's
  ``ov-*`` profiles are known to ``--hypothesis-profile`` in a project that has no conftest.
* The wheel: built from this checkout, installed into a fresh virtual environment (its other
  dependencies are this environment's, through a ``.pth`` file: nothing is downloaded), where a
  project written by the test — its own torch MLP, profiles, lemma IDs, ``slow`` tests and
  ``@given`` suite using the strategies — runs under ``pytest -n 2``.
* The console script without the ``audit`` extra: one line, exit code 2.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

import overparam_verify

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[1]

PRINT_PROFILE = """
from hypothesis import settings
def test_profile():
    s = settings()
    print("PROFILE", settings.get_current_profile_name(), s.max_examples, s.derandomize, s.verbosity.name)
"""


@pytest.fixture
def clean_env(monkeypatch):
    """No CI variables (Hypothesis loads its ``ci`` profile under any of them), no profile."""
    from hypothesis._settings import _CI_VARS

    for key in (*_CI_VARS, "HYPOTHESIS_PROFILE", "OV_THOROUGH", "PYTHONPATH", "PYTEST_ADDOPTS"):
        monkeypatch.delenv(key, raising=False)
    return monkeypatch


def _run(pytester, *args):
    return pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider", *args)


def test_nothing_configured_keeps_hypothesis_defaults_and_verbosity(pytester, clean_env):
    """Was: the plugin's ``ci`` (20 examples, derandomized) was loaded in every project and
    ``--hypothesis-verbosity=verbose`` was dropped."""
    pytester.makepyfile(PRINT_PROFILE)
    _run(pytester, "--hypothesis-verbosity=verbose").stdout.fnmatch_lines(
        ["*PROFILE default-with-verbose-verbosity 100 False verbose*"])


def test_a_projects_own_profiles_survive(pytester, clean_env):
    """Was: a conftest's ``load_profile("mine")`` was overridden and a profile of the project's
    own named ``ci`` overwritten (500 → 20 examples)."""
    pytester.makeconftest("""
        from hypothesis import settings
        settings.register_profile("ci", max_examples=500)
        settings.register_profile("mine", max_examples=7)
        settings.load_profile("mine")
    """)
    pytester.makepyfile(PRINT_PROFILE + """
def test_own_ci_untouched():
    assert settings.get_profile("ci").max_examples == 500
""")
    result = _run(pytester)
    result.stdout.fnmatch_lines(["*PROFILE mine 7 False normal*"])
    result.assert_outcomes(passed=2)


def test_ci_true_gives_hypothesis_builtin_ci(pytester, clean_env):
    """Was: ``CI=true`` loaded the plugin's ``ci`` instead of Hypothesis's built-in one."""
    clean_env.setenv("CI", "true")
    pytester.makepyfile(PRINT_PROFILE)
    _run(pytester).stdout.fnmatch_lines(["*PROFILE ci 100 True normal*"])


def test_ov_profile_from_the_command_line_in_a_fresh_project(pytester, clean_env):
    """Was: ``INTERNALERROR … Profile 'dev' is not registered`` outside this repository (the
    profiles were registered after Hypothesis's plugin had read the option)."""
    pytester.makepyfile(PRINT_PROFILE)
    _run(pytester, "--hypothesis-profile=ov-thorough").stdout.fnmatch_lines(["*PROFILE ov-thorough 300 False normal*"])


def test_console_script_without_the_audit_extra(monkeypatch, capsys):
    import importlib.util

    from overparam_verify import _entry

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in ("rich", "dask") else real(name, *a))
    assert _entry.main(["audit", "--quick"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("overparam-verify: error: the command-line tool needs the 'audit' extra (missing: dask, rich); "
                   "install it with: pip install 'overparam-verify[audit]'")


# ----------------------------------------------------------------------------- the wheel
PROJECT = {
    "tinymlp.py": '''
        """A third party's own model: a torch MLP with ReLU hidden layers."""
        import torch

        class TinyMLP(torch.nn.Module):
            def __init__(self, d, widths):
                super().__init__()
                dims = [d] + list(widths)
                self.layers = torch.nn.ModuleList(torch.nn.Linear(a, b, bias=False, dtype=torch.float64)
                                                  for a, b in zip(dims, dims[1:]))
                self.out = torch.nn.Linear(dims[-1], 1, bias=False, dtype=torch.float64)

            def forward(self, X):
                for layer in self.layers:
                    X = torch.relu(layer(X))
                return self.out(X).squeeze(-1)
    ''',
    "conftest.py": '''
        import os
        from hypothesis import settings

        # the project's own profiles, one of them named like Hypothesis's built-in one
        settings.register_profile("ci", max_examples=500)
        settings.register_profile("tiny-fast", max_examples=7, derandomize=True, deadline=None, database=None)
        settings.load_profile("tiny-fast")

        def pytest_overparam_verify_lemma_ids(config):
            return ["TINYMLP-1", "TINYMLP-2"]
    ''',
    "test_tiny.py": '''
        import os
        import pytest
        import torch
        from hypothesis import given, settings, strategies as st

        import overparam_verify
        from overparam_verify import strategies as ovst
        from tinymlp import TinyMLP

        D = st.shared(st.integers(2, 5), key="tiny-d")
        N = st.shared(st.integers(2, 12), key="tiny-n")


        def test_installed_from_the_wheel():
            assert os.environ["TINY_VENV"] in overparam_verify.__file__, overparam_verify.__file__


        def test_profiles():
            assert settings.get_current_profile_name() == os.environ["TINY_PROFILE"]
            assert settings.get_profile("ci").max_examples == 500


        @pytest.mark.lemma("TINYMLP-1")
        @given(ds=ovst.separated_datasets(n=N, d=D, phi=0.3), a=ovst.coefficient_vectors(N), n=N,
               widths=ovst.network_shapes(max_depth=2, min_width=4, max_width=16), seed=ovst.seeds())
        def test_mlp_on_separated_data(ds, a, n, widths, seed):
            assert ds.n == n == a.shape[0]
            torch.manual_seed(seed)
            net = TinyMLP(ds.d, widths)
            out = net(ds.X)
            assert out.shape == (n,) and torch.isfinite(out).all()


        @pytest.mark.lemma("ZCZG-asm3.6")
        @given(ds=ovst.separated_datasets(n=st.integers(2, 8), d=3, phi=0.4))
        def test_catalogue_id(ds):
            assert overparam_verify.data.min_separation(ds.X) >= 0.4


        @pytest.mark.lemma("OTHERLIB-7")
        @pytest.mark.slow
        @given(tau=st.floats(0.0, 1.0), data=st.data())
        def test_perturbation(ov_small_net, tau, data):
            deltas = data.draw(ovst.spectral_perturbations(ov_small_net.weights, tau))
            assert all(torch.linalg.matrix_norm(x, ord=2) <= tau for x in deltas)
    ''',
}


def _python(venv: Path) -> Path:
    return venv / "bin" / "python"


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory):
    """Build the wheel from this checkout (a copy of it: the shared tree gets no build/ or
    egg-info), install it into a fresh venv that sees this environment's other packages."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(REPO / "overparam_verify", src / "overparam_verify",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(tmp / "dist"), str(src)],
                   check=True, capture_output=True, text=True)
    (wheel,) = (tmp / "dist").glob("overparam_verify-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(subprocess.run([str(_python(venv)), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # torch, numpy, hypothesis, pytest, xdist from this environment (appended after the venv's own)
    (site / "_outer_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([*pip, "--python", str(_python(venv)), "install", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, text=True)
    return venv, wheel


def test_fresh_project_runs_its_suite_from_the_wheel(wheel_venv, tmp_path, clean_env):
    """The issue's "done when": a project made here installs the wheel and runs its own
    ``@given`` suite (strategies tied with ``st.shared``, its own profiles — one named ``ci`` —
    and lemma IDs, a ``slow`` test, a foreign lemma ID, a prefixed fixture) under
    ``pytest -n 2``. (An ``ov-*`` profile from the command line in a fresh process:
    ``test_ov_profile_from_the_command_line_in_a_fresh_project``; a second run here would double
    the cost: ≈ 12 s of CPU for the build and one run.)"""
    venv, wheel = wheel_venv
    for name, text in PROJECT.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    env = dict(os.environ, TINY_VENV=str(venv), TINY_PROFILE="tiny-fast")
    cmd = [str(_python(venv)), "-m", "pytest", "-n", "2", "-p", "no:cacheprovider", "-q", "-rA"]
    out = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "5 passed" in out.stdout, out.stdout[-4000:]
