#!/usr/bin/env python3
"""The lock file's packages that the service needs to run, hashes and all, for the image.

requirements/lock.txt pins every package with its hashes, those the tests and benchmarks
need included. The image installs only what planwatch's own dependencies (and the extras
named) reach: a package is kept when it is one of them, or when uv's "# via" notes name a
package that is kept. The image's build runs `pip check` after installing them, so a
package missed here fails the build rather than the service.

    python3 deploy/runtime-lock.py requirements/lock.txt pyproject.toml postgres > runtime.txt
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _name(text: str) -> str:
    """The package named at the start of a requirement or a "# via" note, canonical."""
    match = NAME.match(text)
    if match is None:
        raise SystemExit(f"runtime-lock: cannot read a package name in {text!r}")
    return canonical(match.group())


def roots(pyproject: Path, extras: list[str]) -> set[str]:
    """planwatch's own dependencies and those of the extras named."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in extras:
        if extra not in project.get("optional-dependencies", {}):
            raise SystemExit(f"runtime-lock: pyproject.toml has no extra called {extra!r}")
        wanted += project["optional-dependencies"][extra]
    names = set()
    for requirement in wanted:
        names.add(_name(requirement))
    return names


def entries(lock: str) -> dict[str, tuple[str, set[str]]]:
    """{package: (its lines in the lock file, the packages it is there for)}."""
    found: dict[str, tuple[str, set[str]]] = {}
    name = ""
    lines: list[str] = []
    via: set[str] = set()

    def close() -> None:
        if name:
            found[name] = ("\n".join(lines) + "\n", via)

    for line in lock.splitlines():
        stripped = line.strip()
        if line and not line[0].isspace() and not line.startswith("#"):
            close()
            name, lines, via = _name(line), [line], set()
        elif stripped.startswith("--hash") and name:
            lines.append(line)
        elif stripped.startswith("# via"):
            rest = stripped.removeprefix("# via").strip()
            if rest:
                via.add(_name(rest))
        elif stripped.startswith("#   "):
            via.add(_name(stripped.removeprefix("#").strip()))
    close()
    return found


def runtime(lock: str, names: set[str]) -> str:
    """The lock file's entries for `names` and every package they reach."""
    found = entries(lock)
    missing = sorted(names - found.keys())
    if missing:
        raise SystemExit(f"runtime-lock: not in the lock file: {', '.join(missing)}")
    kept = set(names)
    changed = True
    while changed:
        changed = False
        for name, (_, via) in found.items():
            if name not in kept and via & kept:
                kept.add(name)
                changed = True
    return "".join(found[name][0] for name in sorted(kept))


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    lock, pyproject, *extras = argv
    sys.stdout.write(
        runtime(Path(lock).read_text(encoding="utf-8"), roots(Path(pyproject), extras))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
