"""The package as a user installs it: built (sdist, then the wheel from the sdist, as ``python -m build``
does), installed into a fresh venv, and run from a folder outside the checkout. The wheel must carry
the Cypher library and the samples (setup.py puts the top-level ``cypher/`` and ``data/standards/``
under ``tracegraph/_bundled/``), and the installed ``tracegraph`` must find them there.

The fresh venv gets only the wheel (``--no-deps``); its dependencies come from this interpreter's
site-packages through a ``.pth`` line, so nothing but setuptools (for the isolated build) is fetched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ("cypher", "data/standards")  # as setup.py bundles them
AS_OF = "2026-09-30"  # the samples' snapshot date (data/standards/*/meta.csv)
_NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", ".neo4j", "build", "dist", "out", "*.egg-info", "__pycache__",
                                     "*.py[cod]", ".pytest_cache", ".ruff_cache", ".hypothesis", ".benchmarks",
                                     ".ipynb_checkpoints")


def _run(cmd: list[str | Path], cwd: Path, timeout: float = 120, **kw) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TRACEGRAPH_CYPHER_DIR", "PYTHONHOME")}
    res = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                         **kw)
    assert res.returncode == 0, f"{' '.join(map(str, cmd))} exited {res.returncode}\n{res.stdout}\n{res.stderr}"
    return res


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in p.parts)}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(source copy, sdist, wheel): built from a copy, so the checkout's build/ is neither used nor touched."""
    pytest.importorskip("build", reason="`build` is a dev dependency: run scripts/setup.sh")
    tmp = tmp_path_factory.mktemp("pkg")
    src, dist = tmp / "src", tmp / "dist"
    shutil.copytree(ROOT, src, ignore=_NOT_SOURCE, symlinks=True)
    res = _run([sys.executable, "-m", "build", "--outdir", dist, src], cwd=tmp, timeout=300)
    output = res.stdout + res.stderr  # set-up prints no walls of warnings: setuptools has nothing to deprecate
    assert "DeprecationWarning" not in output and "BuildBackendWarning" not in output, output
    (sdist,), (wheel,) = dist.glob("*.tar.gz"), dist.glob("*.whl")
    return src, sdist, wheel


@pytest.fixture(scope="module")
def venv(built: tuple[Path, Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed; returns its bin/ (Scripts/ on Windows) folder."""
    wheel = built[2]
    home = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", "--without-pip", home / "v"], cwd=home)
    scripts = Path(sysconfig.get_path("scripts", vars={"base": home / "v", "platbase": home / "v"}))
    python = scripts / ("python.exe" if os.name == "nt" else "python")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel],
         cwd=home)
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=home).stdout.strip())
    deps = dict.fromkeys(sysconfig.get_path(k) for k in ("purelib", "platlib"))  # this interpreter's packages
    (site / "_tracegraph_test_deps.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    return scripts


def _python(venv: Path) -> Path:
    return venv / ("python.exe" if os.name == "nt" else "python")


def _tracegraph(venv: Path, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = venv / ("tracegraph.exe" if os.name == "nt" else "tracegraph")
    return _run([exe, *args], cwd=cwd)


def _checkout_tracegraph(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return _run([sys.executable, "-c", "from tracegraph.cli import app; app()", *args], cwd=ROOT)


def test_the_sdist_and_the_wheel_carry_the_library_and_the_samples(built: tuple[Path, Path, Path]) -> None:
    src, sdist, wheel = built
    with tarfile.open(sdist) as tar:
        in_sdist = {"/".join(n.split("/")[1:]) for n in tar.getnames()}
    with zipfile.ZipFile(wheel) as whl:
        in_wheel = set(whl.namelist())
    for rel in BUNDLED:
        expected = _files(src / rel)
        assert expected, rel
        assert {f"{rel}/{f}" for f in expected} <= in_sdist
        assert {f"tracegraph/_bundled/{rel}/{f}" for f in expected} <= in_wheel
    for sample in ("zaozhuang", "shandong", "targets", "template"):
        assert any(n.startswith(f"tracegraph/_bundled/data/standards/{sample}/") for n in in_wheel), sample
    assert "tracegraph/_neo4j_pom.xml" in in_wheel
    assert not any(n.startswith(("cypher/", "data/")) for n in in_wheel)  # nothing top-level in site-packages


def test_the_installed_package_finds_its_library_and_samples_from_anywhere(
        built: tuple[Path, Path, Path], venv: Path, tmp_path: Path) -> None:
    src = built[0]
    code = ("import json, tracegraph, tracegraph._cypher as c, tracegraph._resources as r\n"
            "from tracegraph.ui.workspace import PLANNING_TARGETS, SAMPLES, TEMPLATES\n"
            "paths = [*SAMPLES.values(), *PLANNING_TARGETS.values(), TEMPLATES / 'template-zh.xlsx']\n"
            "print(json.dumps({'package': tracegraph.__file__, 'root': str(r.ROOT), 'library': sorted(c.library()),\n"
            "                  'missing': [str(p) for p in paths if not p.exists()],\n"
            "                  'neo4j_home': str(__import__('tracegraph._neo4j_server').\n"
            "                                    _neo4j_server.REPO_HOME),\n"
            "                  'coverage_query': c.read_file('coverage')}))")
    found = json.loads(_run([_python(venv), "-c", code], cwd=tmp_path).stdout)
    home = venv.parent.resolve()
    assert Path(found["package"]).resolve().is_relative_to(home)  # the wheel's copy, not the checkout
    assert Path(found["root"]) == Path(found["package"]).resolve().parent / "_bundled"
    assert found["library"] == sorted(p.stem for p in (src / "cypher").glob("*.cypher"))
    assert found["coverage_query"] == (src / "cypher" / "coverage.cypher").read_text(encoding="utf-8")
    assert found["missing"] == []
    # The bundled server's files go to the user's data folder, never into site-packages.
    assert not Path(found["neo4j_home"]).is_relative_to(Path(found["package"]).resolve().parent.parent)
    assert Path(found["neo4j_home"]).parts[-2:] == ("tracegraph", "neo4j")


def test_the_installed_cli_gives_the_checkouts_figures(venv: Path, tmp_path: Path) -> None:
    """validate, coverage, targets and plan on the installed sample, run outside the checkout, say what
    the checkout says on its own sample."""
    root = Path(_run([_python(venv), "-c", "import tracegraph._resources as r; print(r.ROOT)"],
                     cwd=tmp_path).stdout.strip())
    installed, checkout = root / "data" / "standards", ROOT / "data" / "standards"
    targets = "targets/planning-2030-zaozhuang.csv"
    for command, *options in (["validate", "--format", "json"],
                              ["coverage", "--format", "json"],
                              ["targets", "--format", "json", "--targets", targets],
                              ["plan", "--budget", "100", "--format", "json"]):
        def run(tracegraph, folder: Path, command=command, options=options) -> dict:
            args = [str(folder / o) if o == targets else o for o in options]
            res = tracegraph(command, folder / "zaozhuang", "--as-of", AS_OF, *args)
            doc = json.loads(res.stdout)
            doc.pop("seconds", None)  # the solver's time
            return doc

        mine = run(lambda *a: _tracegraph(venv, *a, cwd=tmp_path), installed)
        assert mine == run(_checkout_tracegraph, checkout), command
        assert mine, command
    assert mine["status"] == "optimal" and mine["actions"]
