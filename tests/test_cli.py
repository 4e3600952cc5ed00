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
