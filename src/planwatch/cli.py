"""The `planwatch` command: thin wiring from arguments to the pipeline and back to the terminal."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from planwatch import __version__, labels, writers
from planwatch.errors import PlanReadError
from planwatch.model import Plan
from planwatch.pipeline import SAMPLE_PLAN, read_plan
from planwatch.quality import SEVERITIES, QualityConfig, Report, check_plan
from planwatch.quality.findings import Finding
from planwatch.reports_in.inspection_report import InspectionReport, read_report
from planwatch.reports_in.irp import read_review

EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 70


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
        heading = f"{concern.ref} ({labels.CATEGORIES[concern.category]}"
        heading += f", {labels.AGREEMENTS[concern.agreement]})" if concern.agreement else ")"
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
        f"{labels.plural(len(plan.concerns), 'concern')}, {labels.plural(len(actions), 'action')}",
        markup=False,
        highlight=False,
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


def print_report(plan: Plan, report: Report, console: Console) -> None:
    """Show quality findings grouped by where they apply, then the plan's summary figures."""
    summary = report.summary
    console.print(
        f"{plan.establishment}: {summary['concerns']} concerns, {summary['actions']} actions",
        style="bold",
        markup=False,
    )
    share = summary["share_passing"]
    severity = summary["by_severity"]
    console.print(
        f"{summary['actions_passing']} of {summary['actions']} actions "
        f"({(share or 0):.0%}) pass every rule. Findings: {severity['error']} errors, "
        f"{severity['warning']} warnings, {severity['info']} for information.",
        markup=False,
        soft_wrap=True,
    )
    current = None
    for finding in sorted(
        report.findings, key=lambda f: (f.concern_ref is not None, _concern_order(plan, f))
    ):
        if finding.where != current:
            current = finding.where
            console.print()
            console.print(current.capitalize(), style="bold", markup=False)
        console.print(
            f"  {finding.severity.upper()} [{finding.rule}] {finding.message}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        console.print(f"    Suggestion: {finding.suggestion}", markup=False, soft_wrap=True)
    console.print()
    owners = ", ".join(f"{owner} {count}" for owner, count in summary["actions_per_owner"].items())
    console.print(f"Actions per owner: {owners}", markup=False, soft_wrap=True)
    for owner, aliases in summary["owner_aliases"].items():
        console.print(
            f"  {owner} also written as: {'; '.join(aliases)}", markup=False, soft_wrap=True
        )
    months = ", ".join(f"{month} {count}" for month, count in summary["targets_by_month"].items())
    console.print(f"Targets by month: {months}", markup=False, soft_wrap=True)
    rules = ", ".join(f"{rule} {count}" for rule, count in summary["by_rule"].items())
    console.print(f"Findings by rule: {rules or 'none'}", markup=False, soft_wrap=True)


def _concern_order(plan: Plan, finding: Finding) -> tuple[int, int]:
    refs = [concern.ref for concern in plan.concerns]
    position = refs.index(finding.concern_ref) if finding.concern_ref in refs else -1
    return position, finding.action_number or 0


def _check(args: argparse.Namespace) -> int:
    plan = read_plan(args.file)
    config = QualityConfig(
        max_months_after_submission=args.max_target_months,
        max_owner_share=args.max_owner_share,
        max_days_to_submit=args.max_days_to_submit,
    )
    report = check_plan(plan, config)
    if args.json:
        data = {
            "establishment": plan.establishment,
            "plan_submitted": plan.plan_submitted,
            **report.to_dict(),
        }
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        print_report(plan, report, _console())
    if args.fail_on:
        threshold = SEVERITIES.index(args.fail_on)
        if any(SEVERITIES.index(f.severity) <= threshold for f in report.findings):
            return EXIT_FINDINGS
    return 0


def _demo(args: argparse.Namespace) -> int:
    console = _console()
    console.print(f"Reading the bundled sample plan: {SAMPLE_PLAN.name}", markup=False)
    print_plan(read_plan(SAMPLE_PLAN), console)
    return 0


def _import(args: argparse.Namespace) -> int:
    from planwatch.web.commands import import_paths

    return import_paths(args.paths, _console(), args.as_user)


def print_inspection_report(report: InspectionReport, console: Console) -> None:
    """Show what was read from an inspection report: its cover and each concern."""
    period = (
        f"{report.inspection_start} to {report.inspection_end}"
        if report.inspection_start and report.inspection_end
        else "unknown"
    )
    console.print(report.establishment or "(establishment not read)", style="bold", markup=False)
    console.print(
        f"Inspection: {period}   Report published: {report.report_published or 'unknown'}",
        markup=False,
    )
    table = Table(show_lines=True, expand=True)
    table.add_column("No.", no_wrap=True)
    table.add_column("Kind", no_wrap=True)
    table.add_column("Concern", ratio=5)
    table.add_column("Area", ratio=2)
    for concern in report.concerns:
        kind = labels.CATEGORIES[concern.category]
        table.add_row(
            concern.ref,
            f"Main {kind.lower()}" if concern.main else kind,
            concern.text,
            concern.area or "",
        )
    console.print(table)
    console.print(labels.plural(len(report.concerns), "concern"), markup=False, highlight=False)
    for warning in report.warnings:
        console.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)


def _report_import(args: argparse.Namespace) -> int:
    report = read_report(args.file)
    if args.json:
        sys.stdout.write(report.to_json() + "\n")
        return 0
    console = _console()
    print_inspection_report(report, console)
    if args.dry_run:
        return 0
    from planwatch.web.commands import report_import

    return report_import(report, args.file, args.as_user, console)


def _review_import(args: argparse.Namespace) -> int:
    review = read_review(args.file)
    if args.json:
        sys.stdout.write(review.to_json() + "\n")
        return 0
    from planwatch.web.commands import review_import

    return review_import(review, args.file, args.as_user, args.confirm, _console())


def _serve(args: argparse.Namespace) -> int:
    from planwatch.web.commands import serve

    return serve(args.host, args.port, args.demo, args.workers, _console())


def _export(args: argparse.Namespace) -> int:
    from planwatch.web.commands import export

    if args.all == (args.plan is not None):
        print("planwatch: give either a PLAN or --all", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.all and args.format not in ("csv", "json"):
        print("planwatch: --all exports csv or json", file=sys.stderr)
        return EXIT_BAD_INPUT
    return export(args.plan, args.format, args.all, args.output, _err_console())


def _remind(args: argparse.Namespace) -> int:
    from planwatch.web.commands import remind

    if not 1 <= args.window <= 366:
        print("planwatch: --window must be from 1 to 366 days", file=sys.stderr)
        return EXIT_BAD_INPUT
    return remind(args.as_of, args.window, args.dry_run, _console())


def _worker(args: argparse.Namespace) -> int:
    from planwatch.web.commands import worker

    return worker(args.concurrency, args.once, args.metrics_port, _console())


def _similar(args: argparse.Namespace) -> int:
    from planwatch.web import commands as web_commands

    return web_commands.similar(args.recompute, _console())


def _verify(args: argparse.Namespace) -> int:
    from planwatch.web.commands import verify

    return verify(_console())


def _backup(args: argparse.Namespace) -> int:
    from planwatch.web.commands import backup

    return backup(Path(args.destination), _console())


def _restore(args: argparse.Namespace) -> int:
    from planwatch.web.commands import restore

    return restore(Path(args.source), _console())


def _classify(args: argparse.Namespace) -> int:
    from planwatch.web.commands import classify

    return classify(_console())


def _search(args: argparse.Namespace) -> int:
    from planwatch.web.commands import search_command

    filters = {
        name: value
        for name in ("establishment", "area", "topic", "category", "status", "rating")
        if (value := getattr(args, name))
    }
    if args.year is not None:
        filters["year"] = str(args.year)
    if args.page < 1:
        print("planwatch: --page must be 1 or more", file=sys.stderr)
        return EXIT_BAD_INPUT
    return search_command(args.words, filters, args.as_user, args.json, args.page, _console())


def _err_console() -> Console:
    return Console(stderr=True, width=120, no_color=True, highlight=False)


def _manage(args: argparse.Namespace) -> int:
    from planwatch.web.commands import manage

    return manage(args.arguments)


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

    check = commands.add_parser(
        "check", help="check a plan against its own standard: owned, measurable, time-bound"
    )
    check.add_argument("file", metavar="FILE", help="the plan: PDF, DOCX, ODT or text form")
    check.add_argument("--json", action="store_true", help="print findings and summary as JSON")
    check.add_argument(
        "--fail-on",
        choices=("error", "warning"),
        help="exit with status 1 when a finding of this severity or worse is found",
    )
    defaults = QualityConfig()
    check.add_argument(
        "--max-owner-share",
        type=float,
        default=defaults.max_owner_share,
        metavar="SHARE",
        help="flag an owner holding more than this share of actions (default %(default)s)",
    )
    check.add_argument(
        "--max-target-months",
        type=int,
        default=defaults.max_months_after_submission,
        metavar="MONTHS",
        help="flag targets more than this many months after submission (default %(default)s)",
    )
    check.add_argument(
        "--max-days-to-submit",
        type=int,
        default=defaults.max_days_to_submit,
        metavar="DAYS",
        help="flag a plan submitted more than this many days after the report "
        "(default %(default)s)",
    )
    check.set_defaults(handler=_check)

    demo = commands.add_parser("demo", help="read and show the bundled sample plan")
    demo.set_defaults(handler=_demo)

    imports = commands.add_parser(
        "import", help="import plan files (or folders of them) into the database"
    )
    imports.add_argument("paths", nargs="+", metavar="FILE_OR_FOLDER")
    imports.add_argument(
        "--as",
        dest="as_user",
        metavar="USERNAME",
        help="record the import in the change history as this user's",
    )
    imports.set_defaults(handler=_import)

    report_import = commands.add_parser(
        "report-import",
        help="read an HMIP inspection report and start a draft plan with its concerns",
    )
    report_import.add_argument("file", metavar="REPORT", help="PDF, DOCX, ODT or text form")
    report_import.add_argument(
        "--dry-run", action="store_true", help="only show what was read; start no draft"
    )
    report_import.add_argument(
        "--json", action="store_true", help="only print what was read, as JSON; start no draft"
    )
    report_import.add_argument(
        "--as", dest="as_user", metavar="USERNAME", help="the draft is started by this user"
    )
    report_import.set_defaults(handler=_report_import)

    review_import = commands.add_parser(
        "review-import",
        help="read an HMIP review of progress, match its judgements to the plan held, and "
        "record them with --confirm",
    )
    review_import.add_argument("file", metavar="REVIEW", help="PDF, DOCX, ODT or text form")
    review_import.add_argument(
        "--confirm",
        action="store_true",
        help="record the matched judgements (without it, only show the matches)",
    )
    review_import.add_argument(
        "--as",
        dest="as_user",
        metavar="USERNAME",
        help="the inspector recording the judgements (needed with --confirm)",
    )
    review_import.add_argument(
        "--json", action="store_true", help="only print what was read, as JSON"
    )
    review_import.set_defaults(handler=_review_import)

    serve = commands.add_parser("serve", help="run the web service (gunicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers", type=int, default=2, help="gunicorn workers (default 2: one a core here)"
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help="import the bundled sample plan and create a demo administrator if none exist",
    )
    serve.set_defaults(handler=_serve)

    export = commands.add_parser(
        "export", help="write a plan in its published layout or as data; --all for open data"
    )
    export.add_argument(
        "plan", nargs="?", metavar="PLAN", help="a stored plan's number, or a plan file"
    )
    export.add_argument("--all", action="store_true", help="every submitted plan held (csv, json)")
    export.add_argument("--format", required=True, choices=writers.FORMATS)
    export.add_argument("--output", "-o", metavar="FILE", help="where to write it; - for stdout")
    export.set_defaults(handler=_export)

    remind = commands.add_parser(
        "remind", help="email each person one digest of their overdue and soon-due actions"
    )
    remind.add_argument("--dry-run", action="store_true", help="say what would be sent; send none")
    remind.add_argument("--as-of", metavar="DATE", help="the day to remind for (default today)")
    remind.add_argument(
        "--window",
        type=int,
        default=28,
        metavar="DAYS",
        help="remind of actions due within this many days (default %(default)s)",
    )
    remind.set_defaults(handler=_remind)

    worker = commands.add_parser(
        "worker",
        help="run background jobs (imports of many files, PDF reports, estate-wide work) "
        "from the PostgreSQL queue",
    )
    worker.add_argument(
        "--concurrency",
        type=int,
        default=1,
        metavar="N",
        help="jobs run at once by this worker (default %(default)s; run more workers to use "
        "more cores)",
    )
    worker.add_argument("--once", action="store_true", help="run the jobs waiting now, then stop")
    worker.add_argument(
        "--metrics-port",
        type=int,
        metavar="PORT",
        help="serve this worker's Prometheus metrics (jobs, imports) on this port",
    )
    worker.set_defaults(handler=_worker)

    verify = commands.add_parser(
        "verify",
        help="check that the history of updates, judgements and evidence files is intact",
    )
    verify.set_defaults(handler=_verify)

    backup = commands.add_parser(
        "backup", help="write the database and every file it points to into a new folder"
    )
    backup.add_argument("destination", metavar="DEST", help="a new (or empty) folder")
    backup.set_defaults(handler=_backup)

    restore = commands.add_parser(
        "restore", help="restore a backup into an empty install, and check it"
    )
    restore.add_argument("source", metavar="SRC", help="a folder `planwatch backup` wrote")
    restore.set_defaults(handler=_restore)

    similar = commands.add_parser(
        "similar",
        help="concerns on the same matter: how many links are held; --recompute works "
        "them out again for the whole estate",
    )
    similar.add_argument(
        "--recompute",
        action="store_true",
        help="work out every link between similar concerns, and what owners had reported "
        "when each concern was judged, afresh",
    )
    similar.set_defaults(handler=_similar)

    classify = commands.add_parser(
        "classify",
        help="recompute the classified area and topics of every concern held",
    )
    classify.set_defaults(handler=_classify)

    searching = commands.add_parser(
        "search", help="search concerns, actions, progress notes and judgements"
    )
    searching.add_argument("words", metavar="WORDS", help='words, and "quoted phrases"')
    searching.add_argument("--establishment", metavar="NAME", help="its name or its slug")
    searching.add_argument("--area", metavar="AREA", help="a healthy prison area's key")
    searching.add_argument("--topic", metavar="TOPIC", help="a topic's key")
    searching.add_argument("--category", choices=tuple(labels.CATEGORIES))
    searching.add_argument("--year", type=int, metavar="YEAR", help="the year of inspection")
    searching.add_argument(
        "--status",
        choices=(
            labels.NOT_STARTED,
            labels.IN_PROGRESS,
            labels.COMPLETED,
            labels.DEFERRED,
            labels.OVERDUE,
        ),
        help="concerns with an action at this status today",
    )
    searching.add_argument("--rating", choices=tuple(labels.RATINGS), help="the judgement")
    searching.add_argument("--page", type=int, default=1, metavar="N")
    searching.add_argument("--json", action="store_true", help="print the results as JSON")
    searching.add_argument(
        "--as", dest="as_user", metavar="USERNAME", help="only what this user may see"
    )
    searching.set_defaults(handler=_search)

    manage = commands.add_parser(
        "manage", help="Django management commands (createsuperuser, migrate, ...)"
    )
    manage.add_argument("arguments", nargs=argparse.REMAINDER)
    manage.set_defaults(handler=_manage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
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
