"""Make the asv dashboard open without internet access.

``asv publish`` writes an ``index.html`` that loads jQuery, flot, bootstrap and friends from
public CDNs; on a machine that reaches only package registries the page then shows "Can not
determine continental origin of swallow". This script fetches the same library versions from the
npm registry (``npm pack``), copies them next to the dashboard under ``vendor/`` and points
``index.html`` at the local copies::

    asv publish && python -m benchmarks.offline_html [--html .asv/html] && asv preview

It is idempotent (a second run finds nothing left to rewrite) and needs ``npm`` on the PATH.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

#: CDN file name (as it appears at the end of the URL) -> (npm package spec, path in the tarball)
ASSETS = {
    "jquery-3.3.1.min.js": ("jquery@3.3.1", "package/dist/jquery.min.js"),
    "jquery.flot.min.js": ("flot@0.8.3", "package/jquery.flot.js"),
    "jquery.flot.time.min.js": ("flot@0.8.3", "package/jquery.flot.time.js"),
    "jquery.flot.selection.min.js": ("flot@0.8.3", "package/jquery.flot.selection.js"),
    "jquery.flot.categories.min.js": ("flot@0.8.3", "package/jquery.flot.categories.js"),
    "jquery.flot.orderBars.js": ("flot-orderbars@1.0.0", "package/js/jquery.flot.orderBars.js"),
    "stupidtable.min.js": ("stupid-table-plugin@1.1.3", "package/stupidtable.min.js"),
    "md5.min.js": ("blueimp-md5@2.19.0", "package/js/md5.min.js"),
    "bootstrap.min.js": ("bootstrap@3.1.1", "package/dist/js/bootstrap.min.js"),
    "bootstrap.min.css": ("bootstrap@3.1.1", "package/dist/css/bootstrap.min.css"),
}

_TAG = re.compile(r'(src|href)="(https://[^"]+/([^/"]+))"([^>]*)>')


def _fetch(specs: set[str], dest: Path) -> dict[str, Path]:
    if shutil.which("npm") is None:
        raise SystemExit("offline_html needs npm on the PATH to fetch the dashboard's libraries")
    r = subprocess.run(["npm", "pack", "--silent", *sorted(specs)], cwd=dest, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"npm pack failed:\n{r.stderr}")
    out = {}
    for spec in specs:
        name, version = spec.rsplit("@", 1)
        out[spec] = dest / f"{name}-{version}.tgz"
    return out


def vendor(html_dir: Path) -> int:
    """Rewrite ``html_dir/index.html`` to local copies; returns the number of rewritten tags."""
    index = html_dir / "index.html"
    if not index.exists():
        raise SystemExit(f"{index} not found: run `asv publish` first")
    text = index.read_text()
    wanted = {m.group(3) for m in _TAG.finditer(text) if m.group(3) in ASSETS}
    if not wanted:
        return 0
    vdir = html_dir / "vendor"
    vdir.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tgz = _fetch({ASSETS[f][0] for f in wanted}, Path(tmp))
        for f in wanted:
            spec, member = ASSETS[f]
            with tarfile.open(tgz[spec]) as tar:
                data = tar.extractfile(member).read()
            (vdir / f).write_bytes(data)

    def local(m: re.Match) -> str:
        attr, _url, fname, rest = m.groups()
        if fname not in ASSETS:
            return m.group(0)
        # integrity hashes belong to the CDN's minified builds; the local copies are checked by
        # npm's own tarball integrity instead
        rest = re.sub(r'\s(integrity|crossorigin|referrerpolicy)="[^"]*"', "", rest)
        return f'{attr}="vendor/{fname}"{rest}>'

    new, count = _TAG.subn(local, text)
    index.write_text(new)
    return count


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--html", default=".asv/html", help="the directory `asv publish` wrote")
    a = p.parse_args(argv)
    n = vendor(Path(a.html))
    print(f"rewrote {n} external references in {a.html}/index.html")
    return 0


if __name__ == "__main__":
    sys.exit(main())
