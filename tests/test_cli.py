"""The `overparam-verify` command line, through main(argv) with fake statements."""
from __future__ import annotations

import json

import pytest

from overparam_verify.catalogue import CATALOGUE
from overparam_verify.cli import main

from test_audit import CALLS, fakes


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_audit_defaults_write_reports(in_tmp, capsys):
    assert main(["audit", "--profile", "ci", "--workers", "0"], statements=fakes()) == 0
    out = capsys.readouterr().out
    assert "ZCZG-A.8" in out and "violated" in out and "inconclusive" in out
    doc = json.loads((in_tmp / "audit-out" / "audit.json").read_text())
    assert doc["profile"] == "ci" and len(doc["lemmas"]) == len(CATALOGUE)
    md = (in_tmp / "audit-out" / "audit.md").read_text()
    assert "plots/ZCZG-A.8.png" in md
    assert (in_tmp / "audit-out" / "plots" / "ZCZG-A.8.png").exists()
    assert (in_tmp / ".ov-cache" / "ci" / "ZCZG-A.8").is_dir()


def test_audit_only_and_resume(in_tmp):
    CALLS.clear()
    args = ["audit", "--profile", "ci", "--workers", "0", "--only", "ZCZG-A.8", "--json", "a.json",
            "--markdown", "a.md", "--plots", "p"]
    assert main(args, statements=fakes()) == 0
    assert main(args + ["--resume"], statements=fakes()) == 0
    assert CALLS["S"] == 6
    doc = json.loads((in_tmp / "a.json").read_text())
    assert [r["id"] for r in doc["lemmas"]] == ["ZCZG-A.8"]
    assert doc["lemmas"][0]["cached_cells"] == 6


@pytest.mark.parametrize(
    "argv, msg",
    [
        (["audit", "--only", "nope"], "unknown catalogue ID"),
        (["audit", "--workers", "-1"], "--workers"),
        (["reproduce", "--widths", "3"], "even"),
        (["reproduce", "--data", "mnist-file"], "--data-path"),
        (["reproduce", "--data", "cifar-file", "--data-path", "missing-dir"], "does not exist"),
        (["reproduce", "--lr", "0"], "step size"),
    ],
)
def test_bad_input_exits_2_with_message(in_tmp, capsys, argv, msg):
    assert main(argv, statements=fakes()) == 2
    assert msg in capsys.readouterr().err
    assert not (in_tmp / "audit-out").exists() and not (in_tmp / "reproduce-out").exists()


def test_device_cuda_without_cuda(in_tmp, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA present")
    assert main(["audit", "--device", "cuda", "--workers", "0"], statements=fakes()) == 2
    assert "CUDA is not available" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [[], ["audit", "--quick", "--full"], ["audit", "--profile", "huge"],
                                  ["reproduce", "--depth", "x"], ["frobnicate"]])
def test_argparse_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as ei:
        main(argv)
    assert ei.value.code == 2
    assert "error" in capsys.readouterr().err


def test_reproduce_cli_tiny(in_tmp, capsys):
    assert main(["reproduce", "--quick", "--out", "r", "--widths", "4", "6", "--depth", "2", "--steps", "3",
                 "--max-samples", "30", "--lr", "0.05"]) == 0
    doc = json.loads((in_tmp / "r" / "results.json").read_text())
    assert set(doc) >= {"4", "6", "config"} and len(doc["4"]["loss"]) == 2  # steps 0 and 3 (record_every 10)
    assert "wrote fig1.png" in capsys.readouterr().out


# ----------------------------------------------------------------------------------------------
# issue 17: paths checked before any work, --list, IDs, --help, heartbeat


@pytest.mark.parametrize("flag, value", [("--json", "blocker/a.json"), ("--markdown", "blocker/a.md"),
                                         ("--html", "blocker/a.html"), ("--plots", "blocker/plots"),
                                         ("--cache", "blocker/cache"), ("--plots", "blocker")])
def test_unwritable_outputs_fail_before_any_work(in_tmp, capsys, flag, value):
    (in_tmp / "blocker").write_text("a file where a directory is expected")
    CALLS.clear()
    rc = main(["audit", "--profile", "ci", "--workers", "0", "--only", "ZCZG-A.8", flag, value], statements=fakes())
    err = capsys.readouterr().err
    assert rc == 2 and flag in err and len(err.strip().splitlines()) == 1
    assert CALLS["S"] == 0  # no cell ran
    assert not (in_tmp / "audit-out" / "audit.json").exists()


def test_output_dir_that_cannot_be_created(in_tmp, capsys, monkeypatch):
    """A PermissionError (a read-only place; the tests run as root, so it is simulated) is one line."""
    import pathlib

    real = pathlib.Path.mkdir

    def mkdir(self, *a, **kw):
        if "ro" in self.parts:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *a, **kw)

    monkeypatch.setattr(pathlib.Path, "mkdir", mkdir)
    CALLS.clear()
    assert main(["audit", "--profile", "ci", "--workers", "0", "--only", "ZCZG-A.8", "--markdown", "ro/x/a.md"],
                statements=fakes()) == 2
    err = capsys.readouterr().err
    assert "Permission denied" in err and "--markdown" in err and CALLS["S"] == 0


def test_list_prints_the_catalogue(in_tmp, capsys):
    assert main(["audit", "--list"]) == 0
    out = capsys.readouterr().out
    for e in CATALOGUE:
        assert e["id"] in out
    assert "ZCZG-5.1.v" in out and "overparam_verify/catalogue/ids.py" in out and "LEMMAS.md" not in out
    assert not (in_tmp / "audit-out").exists()


def test_ids_are_case_insensitive_with_suggestions(in_tmp, capsys):
    assert main(["audit", "--profile", "ci", "--workers", "0", "--only", "zczg-a.8", "--json", "a.json"],
                statements=fakes()) == 0
    assert [r["id"] for r in json.loads((in_tmp / "a.json").read_text())["lemmas"]] == ["ZCZG-A.8"]
    assert main(["audit", "--only", "ZCZG-A8"], statements=fakes()) == 2
    err = capsys.readouterr().err
    assert "did you mean 'ZCZG-A.8'" in err and "overparam_verify/catalogue/ids.py" in err
    assert "shared/LEMMAS.md" not in err


def _options(sub):
    import argparse

    from overparam_verify.cli import build_parser

    p = build_parser()
    sp = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction)).choices[sub]
    return [a for a in sp._actions if a.option_strings and a.dest != "help"]


@pytest.mark.parametrize("sub", ["audit", "reproduce", "replay"])
def test_every_option_has_help_with_its_default(sub):
    import argparse

    for a in _options(sub):
        assert a.help and a.help is not argparse.SUPPRESS, a.option_strings
        assert "default" in a.help, (a.option_strings, a.help)


def test_help_shows_profile_and_workers_default(capsys):
    with pytest.raises(SystemExit):
        main(["audit", "--help"])
    out = capsys.readouterr().out
    assert "--profile" in out and "'ci'" in out and "(default 2)" in out and "--heartbeat" in out


def test_heartbeat_lines_are_timestamped(in_tmp, capsys):
    import re
    import time as _time

    import test_audit

    def slow_run(params):
        _time.sleep(0.15)
        return test_audit.s_run(params)

    st = fakes()
    st["ZCZG-A.8"] = test_audit._st("ZCZG-A.8", test_audit.s_cells, slow_run, test_audit.s_sum)
    assert main(["audit", "--profile", "ci", "--workers", "0", "--only", "ZCZG-A.8", "--heartbeat", "0.2"],
                statements=st) == 0
    out = capsys.readouterr().out
    beats = [ln for ln in out.splitlines() if "cells done" in ln]
    assert beats and all(re.match(r"^\[\d\d:\d\d:\d\d\] \d+/6 cells done", ln) for ln in beats), out
    assert any("in progress: ZCZG-A.8" in ln for ln in beats)


def test_resume_prints_reused_cells_and_code_change_invalidates(in_tmp, capsys):
    import test_audit

    CALLS.clear()
    args = ["audit", "--profile", "ci", "--workers", "0", "--only", "ZCZG-A.8"]
    assert main(args, statements=fakes()) == 0
    assert main(args + ["--resume"], statements=fakes()) == 0
    assert "reused 6 cached cell(s)" in capsys.readouterr().out and CALLS["S"] == 6

    def s_run_v2(params):  # "the statement's code changed"
        CALLS["S"] += 1
        return {"y": 3.0 * params["width"] ** 0.5}

    st = fakes()
    st["ZCZG-A.8"] = test_audit._st("ZCZG-A.8", test_audit.s_cells, s_run_v2, test_audit.s_sum)
    assert main(args + ["--resume"], statements=st) == 0
    assert "reused 0 cached cell(s)" in capsys.readouterr().out and CALLS["S"] == 12


def test_a_failing_report_writer_loses_nothing_else(in_tmp, capsys, monkeypatch):
    import overparam_verify.report as report

    def boom(*a, **k):
        raise ValueError("Unknown format code 'g' for object of type 'str'")

    monkeypatch.setattr(report, "write_markdown", boom)
    assert main(["audit", "--profile", "ci", "--workers", "0", "--only", "ZCZG-A.8"], statements=fakes()) == 1
    out = capsys.readouterr().out
    assert "warning: the Markdown report failed" in out and "Traceback" not in out
    assert (in_tmp / "audit-out" / "audit.json").exists() and (in_tmp / "audit-out" / "audit.html").exists()
