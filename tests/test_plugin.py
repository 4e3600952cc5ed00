"""The pytest plugin, in-process: markers, lemma-ID validation (catalogue and registered
namespaces), the ``ov-*`` profiles, ``at_most``, prefixed fixtures, import weight.

The scenarios that need a fresh interpreter (what a third-party project sees with nothing
configured, its own profiles, ``CI=true``) are in ``tests/test_third_party.py``."""
from __future__ import annotations

import pytest
from hypothesis import settings

# imported here so that pytester's in-process runs find numpy (via stats) already loaded: they
# restore sys.modules afterwards, and numpy's C extension cannot be loaded twice in one process
import overparam_verify.stats  # noqa: F401
from overparam_verify import pytest_plugin as plugin

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def _restore_profile():
    """In-process runs load profiles globally: put the outer session's profile back."""
    prev = settings.get_current_profile_name()
    yield
    settings.load_profile(prev)


PROFILE_TEST = """
from hypothesis import settings
def test_profile():
    s = settings()
    print("PROFILE", settings.get_current_profile_name(), s.max_examples, s.derandomize,
          s.database is None, s.verbosity.name)
"""


def test_markers_registered_with_honest_text(pytester):
    result = pytester.runpytest_inprocess("--markers", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*lemma(id)*", "*slow: a long test*deselect with -m 'not slow'*"])
    assert "--run-slow" not in result.stdout.str()


def test_slow_tests_are_not_deselected_and_run_slow_is_free(pytester):
    """The plugin deselects nothing and claims no ``--run-slow``: a project that defines its
    own ``--run-slow`` (pytest's documented recipe) keeps working."""
    pytester.makeconftest("""
        import pytest
        def pytest_addoption(parser):
            parser.addoption("--run-slow", action="store_true")
        def pytest_collection_modifyitems(config, items):
            if not config.getoption("--run-slow"):
                for item in items:
                    if "slow" in item.keywords:
                        item.add_marker(pytest.mark.skip(reason="needs --run-slow"))
    """)
    pytester.makepyfile("""
        import pytest
        @pytest.mark.slow
        def test_slow(): pass
        def test_fast(): pass
    """)
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1, skipped=1)
    pytester.runpytest_inprocess("-p", "no:cacheprovider", "--run-slow").assert_outcomes(passed=2)


def test_known_lemma_and_alias_accepted(pytester):
    pytester.makepyfile("""
        import pytest
        @pytest.mark.lemma("ZCZG-asm3.6")
        def test_a(): pass
        @pytest.mark.lemma("ZCZG-5.1.ii")
        def test_b(): pass
    """)
    pytester.runpytest_inprocess("--strict-markers", "-p", "no:cacheprovider").assert_outcomes(passed=2)


@pytest.mark.parametrize("marker", ['"ZCZG-A.99"', '"NG-9"', '"AZLS-thm99"'])
def test_unknown_catalogue_lemma_fails_collection(pytester, marker):
    pytester.makepyfile(f"""
        import pytest
        @pytest.mark.lemma({marker})
        def test_a(): pass
    """)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*unknown lemma ID '{marker[1:-1]}' (not in overparam-verify's catalogue*"])
    assert "LEMMAS.md" not in result.stderr.str()


def test_malformed_catalogue_marker_fails_collection(pytester):
    pytester.makepyfile("""
        import pytest
        @pytest.mark.lemma("ZCZG-A.1", "ZCZG-A.2")
        def test_a(): pass
    """)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*lemma marker needs exactly one ID string*"])


def test_foreign_lemma_ids_are_left_alone(pytester):
    """A project's own lemma IDs (any namespace but ZCZG/AZLS/NG), or a marker of its own with
    another signature, never abort the session."""
    pytester.makepyfile("""
        import pytest
        @pytest.mark.lemma("TINYMLP-1")
        def test_a(): pass
        @pytest.mark.lemma("thm 2", "part b")
        def test_b(): pass
        @pytest.mark.lemma(number=3)
        def test_c(): pass
    """)
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_registered_ids_through_the_ini_option(pytester):
    pytester.makeini("""
        [pytest]
        ov_lemma_ids =
            TINYMLP-1
            TINYMLP-2
    """)
    pytester.makepyfile("""
        import pytest
        @pytest.mark.lemma("TINYMLP-2")
        def test_a(): pass
        @pytest.mark.lemma("ZCZG-A.1")
        def test_b(): pass
        @pytest.mark.lemma("OTHER-7")
        def test_c(): pass
    """)
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=3)
    pytester.makepyfile(test_typo="""
        import pytest
        @pytest.mark.lemma("TINYMLP-9")
        def test_typo(): pass
    """)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown lemma ID 'TINYMLP-9' (namespace 'TINYMLP' is registered*"])


def test_registered_ids_through_the_hook(pytester):
    pytester.makeconftest("""
        def pytest_overparam_verify_lemma_ids(config):
            return ["TINYMLP-1"]
    """)
    pytester.makepyfile("""
        import pytest
        @pytest.mark.lemma("TINYMLP-1")
        def test_a(): pass
    """)
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
    pytester.makepyfile(test_typo="""
        import pytest
        @pytest.mark.lemma("TINYMLP-3")
        def test_typo(): pass
    """)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown lemma ID 'TINYMLP-3'*"])


@pytest.mark.parametrize(("option", "expected"), [
    ("--hypothesis-profile=ov-ci", "*PROFILE ov-ci 20 True True normal*"),
    ("--hypothesis-profile=ov-dev", "*PROFILE ov-dev 10 False False normal*"),
    ("--hypothesis-profile=ov-thorough", "*PROFILE ov-thorough 300 False False normal*"),
])
def test_ov_profiles_are_registered_for_hypothesis_option(pytester, option, expected):
    """Registered when the plugin is imported, so Hypothesis's own ``--hypothesis-profile``
    finds them in any project (no conftest here)."""
    pytester.makepyfile(PROFILE_TEST)
    pytester.runpytest_inprocess("-s", "-p", "no:cacheprovider", option).stdout.fnmatch_lines([expected])


def test_verbosity_option_applies_on_top_of_an_ov_profile(pytester):
    pytester.makepyfile(PROFILE_TEST)
    pytester.runpytest_inprocess("-s", "-p", "no:cacheprovider", "--hypothesis-profile=ov-dev",
                                 "--hypothesis-verbosity=verbose").stdout.fnmatch_lines(
        ["*PROFILE ov-dev-with-verbose-verbosity 10 False False verbose*"])


def test_load_profile_from_env(pytester, monkeypatch):
    """The helper this repository's root conftest calls: $HYPOTHESIS_PROFILE, else the
    default; ``--hypothesis-profile`` still wins; an unknown name is a usage error."""
    pytester.makeconftest("""
        from overparam_verify.pytest_plugin import load_profile_from_env
        load_profile_from_env("ov-ci")
    """)
    pytester.makepyfile(PROFILE_TEST)
    monkeypatch.delenv("HYPOTHESIS_PROFILE", raising=False)
    pytester.runpytest_inprocess("-s", "-p", "no:cacheprovider").stdout.fnmatch_lines(["*PROFILE ov-ci 20 True True*"])
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "ov-thorough")
    pytester.runpytest_inprocess("-s", "-p", "no:cacheprovider").stdout.fnmatch_lines(["*PROFILE ov-thorough 300*"])
    pytester.runpytest_inprocess("-s", "-p", "no:cacheprovider", "--hypothesis-profile=ov-dev").stdout.fnmatch_lines(
        ["*PROFILE ov-dev 10 False False*"])
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "thorough")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*HYPOTHESIS_PROFILE='thorough' is not a registered Hypothesis profile*ov-thorough*"])


def test_this_repository_runs_under_ov_ci(request):
    """The root conftest loads ``ov-ci`` (the property suite's example counts and
    derandomization are what they were under the old ``ci``: 20 examples, derandomized, no
    database, no deadline) unless a profile is chosen."""
    import os

    s = settings.get_profile("ov-ci")
    assert (s.max_examples, s.derandomize, s.database, s.deadline, s.print_blob) == (20, True, None, None, True)
    if os.environ.get("HYPOTHESIS_PROFILE") or request.config.getoption("hypothesis_profile"):
        pytest.skip("a profile was chosen")
    assert plugin.active_profile().split("-with-")[0] == "ov-ci"
    assert settings().max_examples == 20 and settings().derandomize


def test_fixtures_are_prefixed(pytester):
    pytester.makepyfile("""
        def test_f(ov_small_dataset, ov_small_net, ov_torch_generator):
            X, y = ov_small_dataset
            assert ov_small_net.forward(X).shape == y.shape
            assert ov_torch_generator.initial_seed() == 0
    """)
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
    fixtures = [n for n, v in vars(plugin).items() if hasattr(v, "_pytestfixturefunction") or type(v).__name__ == "FixtureFunctionDefinition"]
    assert fixtures and all(n.startswith("ov_") for n in fixtures), fixtures


def test_dev_profile_saves_counterexample_in_rootdir(pytester):
    """``ov-dev`` keeps Hypothesis's default database: ``<cwd>/.hypothesis/examples``."""
    pytester.makepyfile("""
        from hypothesis import given, strategies as st
        @given(st.integers())
        def test_fails(x):
            assert x < 10
    """)
    # a fresh process: Hypothesis fixes its storage directory (cwd/.hypothesis) on first use
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "--hypothesis-profile=ov-dev").assert_outcomes(failed=1)
    db = pytester.path / ".hypothesis" / "examples"
    assert db.is_dir() and any(p.is_file() for p in db.rglob("*"))


def test_plugin_import_does_not_import_torch():
    """pytest loads the plugin in every session of every project that installs the package:
    importing it (and the package) must stay light — torch is imported inside fixtures only."""
    import subprocess
    import sys

    code = ("import sys, overparam_verify, overparam_verify.pytest_plugin; "
            "print('torch' in sys.modules, 'numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False", out.stdout + out.stderr


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


@pytest.mark.parametrize(("options", "expected"), [
    (["--hypothesis-profile=ov-ci"], "*AT_MOST 3 False ci FAMILY {3} 1*"),
    (["--hypothesis-profile=ov-dev"], "*AT_MOST 3 False ci FAMILY {3} 1*"),
    (["--hypothesis-profile=ov-thorough"], "*AT_MOST 15 True quick FAMILY {15} 1*"),
    (["--hypothesis-profile=ov-thorough", "--hypothesis-verbosity=quiet"], "*AT_MOST 15 True quick FAMILY {15} 1*"),
])
def test_at_most_scales_with_the_thorough_profile(pytester, monkeypatch, options, expected):
    """``at_most(k)``: k examples (never more than the profile's), 5k under ``ov-thorough`` —
    also with a verbosity option on top — each run inside a Bonferroni family of that size,
    which ends with the test."""
    monkeypatch.delenv("HYPOTHESIS_PROFILE", raising=False)
    monkeypatch.delenv("OV_THOROUGH", raising=False)
    pytester.makepyfile(AT_MOST_TEST)
    pytester.runpytest_inprocess("-s", "-p", "no:cacheprovider", *options).stdout.fnmatch_lines([expected])


def test_at_most_rejects_nonpositive():
    with pytest.raises(ValueError, match="k must be a positive integer, got 0"):
        plugin.at_most(0)
    with pytest.raises(TypeError, match="decorates a test function"):
        plugin.at_most(2)(3)
