"""The ``overparam-verify`` console script: checks that the ``audit`` extra is installed, then
runs :func:`overparam_verify.cli.main`.

The package itself (library, strategies, pytest plugin) needs only torch, numpy and hypothesis;
the command-line tool (audit, replay, reproduce) also needs scipy, matplotlib, scikit-learn,
dask[distributed] and rich: ``pip install 'overparam-verify[audit]'``. Without them it stops
with one line naming what is missing (exit code 2) instead of a traceback.
"""
from __future__ import annotations

import importlib.util
import sys
from typing import Sequence

#: module imported -> distribution of the ``audit`` extra that provides it
AUDIT_MODULES = {"scipy": "scipy", "matplotlib": "matplotlib", "sklearn": "scikit-learn",
                 "dask": "dask", "distributed": "distributed", "rich": "rich"}


def missing_audit_extra() -> list[str]:
    """The distributions of the ``audit`` extra that are not installed."""
    return [dist for mod, dist in AUDIT_MODULES.items() if importlib.util.find_spec(mod) is None]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    missing = missing_audit_extra()
    if missing and not {"-h", "--help"} & set(args):
        print(f"overparam-verify: error: the command-line tool needs the 'audit' extra (missing: "
              f"{', '.join(missing)}); install it with: pip install 'overparam-verify[audit]'", file=sys.stderr)
        return 2
    from .cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
