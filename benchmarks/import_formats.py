"""Score and time our reading of every fixture in every format, beside a naive pdfplumber baseline.

Run from the repository root after `python3 -m pip install -e '.[bench]'`:

    python3 benchmarks/import_formats.py

The score is the share of the fixture's actions read exactly (text, owner and target, in
the right concern); "exact" means the whole plan equals its JSON. The baseline is what a user
might write: pdfplumber's extract_tables, one action per row, rows mapped straight onto the
five columns. Both are timed on one core over the fixture PDFs.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pdfplumber

from planwatch.dates import parse_target
from planwatch.model import CONTRACT_KEYS
from planwatch.pipeline import read_plan_bytes

FIXTURES = Path(__file__).parents[1] / "tests" / "fixtures"
TARGET_PAGES_PER_SECOND = 25


def action_keys(concerns: list[dict]) -> list[tuple]:
    return [
        (concern["ref"], number, action["text"], action["owner"], action["target"])
        for concern in concerns
        for number, action in enumerate(concern["actions"])
    ]


def score(expected: dict, concerns: list[dict]) -> float:
    wanted = action_keys(expected["concerns"])
    got = set(action_keys(concerns))
    return sum(key in got for key in wanted) / len(wanted)


def baseline(path: Path) -> list[dict]:
    """A naive reading: every table row with five or more cells is one action."""
    concerns: list[dict] = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            for table in page.extract_tables():
                for row in table:
                    cells = [" ".join((cell or "").split()) for cell in row]
                    if len(cells) < 5 or "Concern" in cells[0] or "Rec" in cells[0]:
                        continue
                    ref, concern_text, action, owner, target_text = cells[:5]
                    if ref:
                        concerns.append({"ref": ref, "text": concern_text, "actions": []})
                    if not concerns or not action:
                        continue
                    concerns[-1]["actions"].append(
                        {
                            "text": action,
                            "owner": owner,
                            "target_text": target_text,
                            "target": parse_target(target_text),
                        }
                    )
    return concerns


def main() -> None:
    rows = []
    our_time = base_time = 0.0
    pages = 0
    for plan_path in sorted((FIXTURES / "plans").glob("*.json")):
        expected = json.loads(plan_path.read_text("utf-8"))
        expected = {key: expected[key] for key in CONTRACT_KEYS}
        for fmt in ("pdf", "docx", "odt"):
            path = FIXTURES / "documents" / f"{plan_path.stem}.{fmt}"
            data = path.read_bytes()
            started = time.perf_counter()
            plan = read_plan_bytes(data, path.name).to_dict()
            elapsed = time.perf_counter() - started
            exact = {key: plan[key] for key in CONTRACT_KEYS} == expected
            line = [path.name, f"{score(expected, plan['concerns']):.2f}", str(exact)]
            line.append(f"{elapsed * 1000:.0f} ms")
            if fmt == "pdf":
                our_time += elapsed
                with pdfplumber.open(path) as pdf:
                    pages += len(pdf.pages)
                started = time.perf_counter()
                naive = baseline(path)
                base_elapsed = time.perf_counter() - started
                base_time += base_elapsed
                line += [f"{score(expected, naive):.2f}", f"{base_elapsed * 1000:.0f} ms"]
            else:
                line += ["-", "-"]
            rows.append(line)

    header = ["file", "score", "exact", "time", "baseline score", "baseline time"]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    ours = pages / our_time
    theirs = pages / base_time
    print()
    print(f"PDF pages: {pages}")
    verdict = "meets" if ours >= TARGET_PAGES_PER_SECOND else "misses"
    print(
        f"planwatch: {ours:.1f} pages per second ({verdict} the target of "
        f"{TARGET_PAGES_PER_SECOND})"
    )
    print(f"baseline (pdfplumber extract_tables): {theirs:.1f} pages per second")
    exact_count = sum(row[2] == "True" for row in rows)
    print(f"exact readings: {exact_count} of {len(rows)}")


if __name__ == "__main__":
    main()
