"""Build step: GOV.UK Frontend's compiled assets (from node_modules) go into the wheel, so an
installed planwatch serves its pages without a source checkout. Metadata is in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
GOVUK_FRONTEND = HERE / "node_modules" / "govuk-frontend" / "dist" / "govuk"
# What the pages load: the stylesheet, the script, and the fonts and images they refer to.
ASSETS = ("govuk-frontend.min.css", "govuk-frontend.min.js", "assets")


class BuildWithAssets(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install serves them from node_modules in the checkout
        if not (GOVUK_FRONTEND / "govuk-frontend.min.css").exists():
            raise SystemExit(
                "GOV.UK Frontend is not in node_modules: run `npm ci` before building planwatch"
            )
        target = Path(self.build_lib) / "planwatch" / "web" / "vendor" / "govuk"
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name in ASSETS:
            source = GOVUK_FRONTEND / name
            if source.is_dir():
                shutil.copytree(source, target / name)
            else:
                shutil.copy2(source, target / name)


setup(cmdclass={"build_py": BuildWithAssets})
