"""The `planwatch` command: thin wiring from arguments to the pipeline and back to the terminal."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from planwatch import __version__
from planwatch.errors import PlanReadError
from planwatch.model import Plan
from planwatch.pipeline import SAMPLE_PLAN, read_plan

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 70

_CATEGORY_LABELS = {"priority": "Priority", "key": "Key", "recommendation": "Recommendation"}


def _console() -> Console:
    # A wide, colourless table when piped, so that output is stable for scripts and tests.
    if sys.stdout.isatty():
        return Console()
    return Console(width=120, no_color=True, highlight=False, emoji=False, force_terminal=False)


def _target_label(target: str | None, target_text: str) -> str:
    if target is not None:
        return target_text
    return f"{target_text} (not understood)" if target_text else "(none)"


def print_plan(plan: Plan, console: Console) -> None:
    """Show a plan as a readable table: concern, action, owner, target."""
    period = (
        f"{plan.inspection_start} to {plan.inspection_end}"
        if plan.inspection_start and plan.inspection_end
        else "unknown"
    )
    console.print(f"{plan.establishment}", style="bold", markup=False)
    console.print(
        f"Inspection: {period}   Report published: {plan.report_published or 'unknown'}   "
        f"Plan submitted: {plan.plan_submitted or 'unknown'}",
        markup=False,
    )
    table = Table(show_lines=True, expand=True)
    table.add_column("Concern", ratio=3)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Action", ratio=5)
    table.add_column("Owner", ratio=2)
    table.add_column("Target", no_wrap=True)
    for concern in plan.concerns:
        heading = f"{concern.ref} ({_CATEGORY_LABELS[concern.category]}"
        heading += f", {concern.agreement})" if concern.agreement else ")"
        if not concern.actions:
            table.add_row(f"{heading} {concern.text}", "", "(no actions)", "", "")
        for number, action in enumerate(concern.actions, start=1):
            table.add_row(
                f"{heading} {concern.text}" if number == 1 else "",
                str(number),
                action.text,
                action.owner or "(none)",
                _target_label(action.target, action.target_text),
            )
    console.print(table)
    actions = plan.actions
    console.print(
        f"{len(plan.concerns)} concerns, {len(actions)} actions", markup=False, highlight=False
    )
    for warning in plan.warnings:
        console.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)


def _parse(args: argparse.Namespace) -> int:
    plan = read_plan(args.file)
    if args.json:
        sys.stdout.write(plan.to_json() + "\n")
    else:
        print_plan(plan, _console())
    return 0


def _demo(args: argparse.Namespace) -> int:
    console = _console()
    console.print(f"Reading the bundled sample plan: {SAMPLE_PLAN.name}", markup=False)
    print_plan(read_plan(SAMPLE_PLAN), console)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="planwatch", description="Read, track and check prison inspection action plans."
    )
    parser.add_argument("--version", action="version", version=f"planwatch {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    parse = commands.add_parser("parse", help="read a published action plan and show it")
    parse.add_argument("file", metavar="FILE", help="the plan: PDF, DOCX, ODT or text form")
    parse.add_argument("--json", action="store_true", help="print the plan JSON contract")
    parse.set_defaults(handler=_parse)

    demo = commands.add_parser("demo", help="read and show the bundled sample plan")
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except PlanReadError as error:
        print(f"planwatch: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("planwatch: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as error:  # the user gets one line, never a traceback
        print(
            f"planwatch: internal error ({type(error).__name__}: {error}); "
            "please report it with the file that caused it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
