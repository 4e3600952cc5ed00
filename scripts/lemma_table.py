"""Print the README's table ID → statement → property tests → kind, from the embedded catalogue
and the ``@pytest.mark.lemma("ID")`` markers in ``properties/*.py``.

    python scripts/lemma_table.py > /tmp/table.md
"""
from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

from overparam_verify.catalogue import canonical_id
from overparam_verify.catalogue.ids import CATALOGUE

ROOT = Path(__file__).resolve().parents[1]


def _lemma_ids(fn: ast.FunctionDef) -> list[str]:
    out = []
    for dec in fn.decorator_list:
        if (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute) and dec.func.attr == "lemma"
                and dec.args and isinstance(dec.args[0], ast.Constant)):
            out.append(str(dec.args[0].value))
    return out


def tests_by_id() -> dict[str, list[tuple[str, str, bool]]]:
    """canonical ID -> [(file, test name, is strict xfail)]"""
    found: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
    for path in sorted((ROOT / "properties").glob("test_*.py")):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                xfail = any("xfail" in ast.unparse(d) for d in node.decorator_list)
                for sid in _lemma_ids(node):
                    found[canonical_id(sid)].append((path.name, node.name, xfail))
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
