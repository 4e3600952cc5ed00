"""Print the README's table ID → statement → property tests → kind, from the embedded catalogue
and the ``@pytest.mark.lemma("ID")`` markers in ``properties/*.py``.

    python scripts/lemma_table.py > /tmp/table.md
"""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

from overparam_verify.catalogue import canonical_id
from overparam_verify.catalogue.ids import CATALOGUE

ROOT = Path(__file__).resolve().parents[1]


def tests_by_id() -> dict[str, list[tuple[str, str, bool]]]:
    """canonical ID -> [(file, test name, is strict xfail)], from pytest's own collection of
    ``properties/`` (so markers given through ``pytest.param(..., marks=...)`` count too)."""
    import contextlib
    import io

    import pytest

    class _Collect:
        items: list = []

        def pytest_collection_modifyitems(self, items):
            self.items.extend(items)

    c = _Collect()
    with contextlib.redirect_stdout(io.StringIO()):
        pytest.main(["--collect-only", "-qq", "-p", "no:cacheprovider", str(ROOT / "properties")], plugins=[c])
    found: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
    index: dict[tuple[str, str, str], int] = {}
    for it in c.items:
        name, file = getattr(it, "originalname", None) or it.name, it.path.name
        strict = any(m.kwargs.get("strict") for m in it.iter_markers("xfail"))
        for m in it.iter_markers("lemma"):
            sid = canonical_id(str(m.args[0]))
            key = (sid, file, name)
            if key in index:  # a parametrized test: strict xfail only if every case is
                f, n, x = found[sid][index[key]]
                found[sid][index[key]] = (f, n, x and strict)
                continue
            index[key] = len(found[sid])
            found[sid].append((file, name, strict))
    return found


def _cell(text: str, limit: int = 110) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def main() -> int:
    found = tests_by_id()
    print("| ID | statement | property tests | kind |")
    print("|---|---|---|---|")
    missing = []
    for e in CATALOGUE:
        tests = found.get(e["id"], [])
        if not tests:
            missing.append(e["id"])
        files = sorted({f for f, _, _ in tests})
        names = ", ".join(f"`{n}`" + (" (strict xfail)" if x else "") for _, n, x in tests[:2])
        more = f" +{len(tests) - 2}" if len(tests) > 2 else ""
        where = f"[{', '.join(files)}](properties/{files[0]}): {names}{more}" if files else "—"
        print(f"| {e['id']} | {_cell(e['statement'])} | {where} | {e['kind']} |")
    if missing:
        print("not covered:", ", ".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
