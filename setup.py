"""Everything else is in pyproject.toml. This only puts the top-level ``cypher/`` library and the
``data/standards/`` samples into the wheel as ``tracegraph/_bundled/cypher`` and
``tracegraph/_bundled/data/standards`` (package data cannot reach outside the package; the folders
stay top-level in the checkout, where planners edit them). MANIFEST.in puts them into the sdist.
An editable install copies nothing: tracegraph/_resources.py finds the top-level folders itself."""

import shutil
import warnings
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

# `pip install -e .` would end in setuptools' notice that the editable install uses an import finder
# (a notice, not a problem: the checkout's tracegraph/ is the package); set-up should print only errors.
warnings.filterwarnings("ignore", message="Editable installation", category=UserWarning)

BUNDLED = ("cypher", "data/standards")  # relative to the project root, kept as is under _bundled/


class BuildPyBundled(build_py):
    def run(self) -> None:
        if self.editable_mode:
            super().run()
            return
        # build/lib outlives builds and everything in it goes into the wheel: start afresh (no stale modules)
        shutil.rmtree(Path(self.build_lib) / "tracegraph", ignore_errors=True)
        super().run()
        target = Path(self.build_lib) / "tracegraph" / "_bundled"
        for rel in BUNDLED:
            shutil.copytree(rel, target / rel, ignore=shutil.ignore_patterns("__pycache__", "*.py[cod]", ".*"))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        if not self.editable_mode:
            target = Path(self.build_lib) / "tracegraph" / "_bundled"
            outputs += [str(p) for p in sorted(target.rglob("*")) if p.is_file()]
        return outputs


setup(cmdclass={"build_py": BuildPyBundled})
