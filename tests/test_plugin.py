"""The pytest plugin: markers, lemma-ID validation, profile selection, fixtures."""
from __future__ import annotations

import pytest
from hypothesis import settings

# imported here so that pytester's in-process runs find numpy (via stats) already loaded: they
# restore sys.modules afterwards, and numpy's C extension cannot be loaded twice in one process
import overparam_verify.stats  # noqa: F401

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def _restore_profile():
    """In-process runs load profiles globally: put the outer session's profile back."""
    prev = settings._current_profile
    yield
    settings.load_profile(prev)

PROFILE_TEST = """
from hypothesis import settings
def test_profile():
    print("PROFILE", settings().max_examples, settings().derandomize, settings().database is None)
"""


def test_markers_registered(pytester):
    result = pytester.runpytest_inprocess("--markers", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*lemma(id)*", "*slow*"])


def test_known_lemma_and_alias_accepted(pytester):
    pytester.makepyfile("""
        import pytest
        @pytest.mark.lemma("ZCZG-asm3.6")
        def test_a(): pass
        @pytest.mark.lemma("ZCZG-5.1.ii")
        def test_b(): pass
    """)
    pytester.runpytest_inprocess("--strict-markers", "-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_unknown_lemma_fails_collection(pytester):
    pytester.makepyfile("""
        import pytest
        @pytest.mark.lemma("ZCZG-A.99")
        def test_a(): pass
    """)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*unknown lemma ID 'ZCZG-A.99'*"])


def test_default_profile_is_ci(pytester, monkeypatch):
    monkeypatch.delenv("HYPOTHESIS_PROFILE", raising=False)
    pytester.makepyfile(PROFILE_TEST)
    pytester.runpytest_inprocess("-s", "-p", "no:cacheprovider").stdout.fnmatch_lines(["*PROFILE 20 True True*"])


def test_profile_from_env(pytester, monkeypatch):
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "thorough")
    pytester.makepyfile(PROFILE_TEST)
    pytester.runpytest_inprocess("-s", "-p", "no:cacheprovider").stdout.fnmatch_lines(["*PROFILE 300 False False*"])


def test_profile_from_option_overrides_env(pytester, monkeypatch):
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "thorough")
    pytester.makepyfile(PROFILE_TEST)
    pytester.runpytest_inprocess("-s", "-p", "no:cacheprovider", "--hypothesis-profile=dev").stdout.fnmatch_lines(
        ["*PROFILE 10 False False*"])


def test_fixtures(pytester):
    pytester.makepyfile("""
        def test_f(small_dataset, small_net, torch_generator):
            X, y = small_dataset
            assert small_net.forward(X).shape == y.shape
            assert torch_generator.initial_seed() == 0
    """)
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_dev_profile_saves_counterexample_in_rootdir(pytester):
    pytester.makepyfile("""
        from hypothesis import given, strategies as st
        @given(st.integers())
        def test_fails(x):
            assert x < 10
    """)
    pytester.runpytest_inprocess("-p", "no:cacheprovider", "--hypothesis-profile=dev").assert_outcomes(failed=1)
    db = pytester.path / ".hypothesis" / "examples"
    assert db.is_dir() and any(p.is_file() for p in db.rglob("*"))


def test_plugin_import_does_not_import_torch():
    """pytest loads the plugin in every session of every project that installs the package:
    importing it (and the package) must stay light — torch is imported inside fixtures only."""
    import subprocess
    import sys

    code = ("import sys, overparam_verify, overparam_verify.pytest_plugin; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stdout + out.stderr


AT_MOST_TEST = """
from hypothesis import given, strategies as st
from overparam_verify.pytest_plugin import at_most, sweep_profile, thorough
from overparam_verify import stats
CALLS = []
@at_most(3)
@given(st.integers())
def test_few(x):
    CALLS.append(stats.family_size())
BELOW = []
@given(st.integers())
@at_most(3)
def test_few_below(x):
    BELOW.append(stats.family_size())
def test_report():
    assert BELOW == CALLS
    print("AT_MOST", len(CALLS), thorough(), sweep_profile(), "FAMILY", set(CALLS), stats.family_size())
"""


@pytest.mark.parametrize(("option", "expected"), [
    ("--hypothesis-profile=ci", "*AT_MOST 3 False ci FAMILY {3} 1*"),
    ("--hypothesis-profile=dev", "*AT_MOST 3 False ci FAMILY {3} 1*"),
    ("--hypothesis-profile=thorough", "*AT_MOST 15 True quick FAMILY {15} 1*"),
])
def test_at_most_scales_with_the_thorough_profile(pytester, monkeypatch, option, expected):
    """``at_most(k)``: k examples (never more than the profile's), 5k under ``thorough`` — chosen
    on the command line as well as through the environment — each run inside a Bonferroni
    family of that size, which ends with the test."""
    monkeypatch.delenv("HYPOTHESIS_PROFILE", raising=False)
    monkeypatch.delenv("OV_THOROUGH", raising=False)
    pytester.makepyfile(AT_MOST_TEST)
    pytester.runpytest_inprocess("-s", "-p", "no:cacheprovider", "-p", "no:randomly", option).stdout.fnmatch_lines(
        [expected])


def test_at_most_rejects_nonpositive():
    from overparam_verify.pytest_plugin import at_most

    with pytest.raises(ValueError, match="k must be a positive integer, got 0"):
        at_most(0)
    with pytest.raises(TypeError, match="decorates a test function"):
        at_most(2)(3)
