"""The offline plan: what a stack would create, who could do what, and whether it would deploy.

    venv/bin/python -m offline.plan --stack prod                 # one stack, terminal tables
    venv/bin/python -m offline.plan --stack all --format markdown
    venv/bin/python -m offline.plan --diff dev prod --format json
    venv/bin/python -m offline.plan --stack prod --what-if location=westeurope
    venv/bin/python -m offline.plan --stack prod --what-if pim:platformAdminEligibility.expiresOn=2027-11-01T00:00:00Z
    venv/bin/python -m offline.plan --stack prod --what-if bootstrap:stateRetentionDays=60
    venv/bin/python -m offline.plan --stack dev --before /tmp/Pulumi.dev.main.yaml   # a PR's config change

No cloud access and no Pulumi CLI: each environment's projects run under mocks (`offline.render`): the main stack,
its PIM phase (`pim/`) and its bootstrap (`bootstrap/`), each checked against what Azure and Entra refuse
(`offline.azure_rules`). The report has the resource tree, the access inventory, the verdict of every policy
(`policy/rules.py`), whether each identity can do its task (`offline.rights`), what replacing each kind of
resource would cost, and the rehearsal of any change asked for (`offline.rehearsal`).

Exit status (when several apply, the most severe wins, in the order 4, 2, 5, 3, 1, 6; the report shows every
finding):
  0  every check passed
  1  a policy of the pack is violated
  2  bad input: a stack's configuration, two stack files sharing what environments may not share (`offline/siblings.py`), or a command-line argument
  3  an identity lacks a right its task needs (deployer, preview reader, an administrator)
  4  internal error: the program or this harness failed unexpectedly
  5  Azure or Entra would refuse what a stack declares
  6  a rehearsed change (--what-if, --before) cannot be applied: protected, refused or colliding
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from enum import IntEnum
from pathlib import Path

from components.naming import ENVIRONMENT_CODES
from components.settings import ConfigError
from offline import stackfile
from offline.azure_rules import AzureRefusalError, check_global_names
from offline.capabilities import PHRASES, who_can
from offline.diff import diff_stacks, format_diff
from offline.formats import Section, as_markdown, as_text, wrapped, write_csv
from offline.rehearsal import Phase, Rehearsal, locked_scopes, rehearse_change, rehearse_from
from offline.render import (
    BOOTSTRAP_DIR,
    BOOTSTRAP_PROJECT,
    PROJECT_DIR,
    RenderError,
    render,
    render_pim_phase,
    stack_file,
    stack_names,
)
from offline.report import Environment, StackReport, build_report
from offline.siblings import (
    agreement_problems,
    bootstrap_settings,
    project_settings,
    sibling_problems,
    stack_settings,
)

FORMATS = ("table", "markdown", "json", "csv")


class Exit(IntEnum):
    OK = 0
    POLICY = 1
    INPUT = 2
    RIGHTS = 3
    INTERNAL = 4
    AZURE_REFUSES = 5
    BLOCKED = 6


# Most severe first: a broken harness makes every other finding doubtful; a stack that does not render cannot be
# judged; what Azure refuses and what the pipeline cannot do stop a deploy; a policy violation is a deploy the
# rules forbid; a blocked rehearsal concerns a change not yet made.
SEVERITY: tuple[Exit, ...] = (
    Exit.INTERNAL,
    Exit.INPUT,
    Exit.AZURE_REFUSES,
    Exit.RIGHTS,
    Exit.POLICY,
    Exit.BLOCKED,
)


def most_severe(codes: Sequence[int]) -> Exit:
    found = {Exit(code) for code in codes}
    return next((code for code in SEVERITY if code in found), Exit.OK)


def known_stacks() -> list[str]:
    """The stacks that have a stack file, dev/staging/prod first."""
    found = stack_names()
    order = {name: i for i, name in enumerate(ENVIRONMENT_CODES)}
    return sorted(found, key=lambda s: (order.get(s, len(order)), s))


def render_environment(stack: str, today: date | None = None) -> Environment:
    """A stack with its PIM phase and its bootstrap: the admin projects' stacks of the same name (a stack is one
    instance of an environment: its own deployer, state and eligibilities)."""
    main = render(stack, today=today)
    bootstrap = (
        render(stack, project_dir=BOOTSTRAP_DIR, project_name=BOOTSTRAP_PROJECT, today=today)
        if stack_file(stack, BOOTSTRAP_DIR).exists()
        else None
    )
    return Environment(main, render_pim_phase(main, today), bootstrap, project_settings(stack, today))


def _value(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_what_if(items: Sequence[str]) -> dict[Phase, list[tuple[str, object]]]:
    """`key.path=value` (main program), `pim:key.path=value` or `bootstrap:key.path=value`; values are JSON, else
    text (`null` removes the key)."""
    changes: dict[Phase, list[tuple[str, object]]] = {}
    for item in items:
        key, separator, value = item.partition("=")
        if not separator or not key:
            raise ValueError(f"--what-if {item!r}: expected KEY=VALUE, e.g. location=westeurope")
        prefix, colon, rest = key.partition(":")
        phase: Phase = "main"
        if colon:
            if prefix not in ("pim", "bootstrap"):
                raise ValueError(f"--what-if {item!r}: the prefix may be pim: or bootstrap:")
            phase = "pim" if prefix == "pim" else "bootstrap"
            key = rest
        changes.setdefault(phase, []).append((key, None if value == "null" else _value(value)))
    return changes


def rehearsals_for(
    environment: Environment, what_if: dict[Phase, list[tuple[str, object]]], before: Path | None, today: date | None
) -> tuple[Rehearsal, ...]:
    found: list[Rehearsal] = []
    for phase, changes in what_if.items():
        stack = environment.bootstrap.stack if phase == "bootstrap" and environment.bootstrap else environment.stack
        locked = locked_scopes(environment.pim) if phase == "main" else ()
        found.append(rehearse_change(stack, changes, phase=phase, main=environment.main, today=today, locked=locked))
    if before is not None:
        found.append(rehearse_from(environment.stack, stackfile.engine_values(before), today=today))
    return tuple(found)


def format_reports(reports: Sequence[StackReport], fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"stacks": [r.to_dict() for r in reports]}, indent=2)
    if fmt == "csv":
        return write_csv(row for report in reports for row in report.csv_rows())
    out: list[str] = []
    for report in reports:
        if fmt == "markdown":
            out += [f"## Stack `{report.stack}`", "", report.summary() + ".", "", *as_markdown(report.sections())]
        else:
            out += [*wrapped(f"=== Stack {report.stack}: {report.summary()}"), "", *as_text(report.sections())]
    return "\n".join(out)


def format_who_can(phrase: str, reports: Sequence[StackReport], fmt: str) -> str:
    holders = {report.stack: who_can(phrase, report.all_grants) for report in reports}
    if fmt == "json":
        return json.dumps(
            {"whoCan": phrase, "stacks": {s: [asdict(h) for h in found] for s, found in holders.items()}}, indent=2
        )
    if fmt == "csv":
        rows = (
            {
                "stack": s,
                "section": f"who can {phrase}",
                "name": h.principal,
                "kind": h.kind,
                "role": h.role,
                "scope": h.scope,
                "access": h.access,
                "detail": f"{h.project}; {h.condition or 'no condition'}",
            }
            for s, found in holders.items()
            for h in found
        )
        return write_csv(rows)
    sections = [
        Section(
            f"Who can {phrase}: stack {stack}",
            ("Project", "Principal", "Kind", "Role", "Scope", "Access", "Condition"),
            tuple((h.project, h.principal, h.kind, h.role, h.scope, h.access, h.condition or "-") for h in found)
            or (("(nobody)", "-", "-", "-", "-", "-", "-"),),
        )
        for stack, found in holders.items()
    ]
    return "\n".join(as_markdown(sections) if fmt == "markdown" else as_text(sections))


def _render_failure(error: RenderError) -> Exit:
    if isinstance(error.cause, ConfigError):
        return Exit.INPUT
    return Exit.AZURE_REFUSES if isinstance(error.cause, AzureRefusalError) else Exit.INTERNAL


def _parser(stacks: list[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m offline.plan", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--stack", choices=[*stacks, "all"], default=None, help="stack to render (default: all)")
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.add_argument("--diff", nargs=2, metavar=("LEFT", "RIGHT"), choices=stacks, help="compare two stacks")
    parser.add_argument(
        "--what-if",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="rehearse a config change on the deployed stack (repeatable; 'pim:' or 'bootstrap:' for those projects)",
    )
    parser.add_argument("--before", type=Path, help="rehearse this stack file -> the current one (one stack)")
    parser.add_argument(
        "--who-can",
        choices=PHRASES,
        metavar="CAPABILITY",
        help="list who can do this, across the stack's projects: " + "; ".join(PHRASES),
    )
    parser.add_argument("--today", type=date.fromisoformat, help="check model retirement as of this day (YYYY-MM-DD)")
    parser.add_argument("--debug", action="store_true", help="print the trace of an internal error (exit 4)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _run(argv)
    except SystemExit as stop:  # argparse: a bad argument
        return int(stop.code) if isinstance(stop.code, int) else Exit.INPUT
    except Exception as error:  # never read as a policy failure: its own status and one line (--debug: the trace)
        if "--debug" in (argv if argv is not None else sys.argv[1:]):
            traceback.print_exc()
        where = traceback.extract_tb(error.__traceback__)[-1]
        print(
            f"internal error: {type(error).__name__}: {error} (at {Path(where.filename).name}:{where.lineno}; "
            "--debug prints the trace)",
            file=sys.stderr,
        )
        return Exit.INTERNAL


def _run(argv: Sequence[str] | None) -> int:
    stacks = known_stacks()
    parser = _parser(stacks)
    args = parser.parse_args(argv)
    if args.diff and args.stack:
        parser.error("--diff and --stack are exclusive")
    selected = list(args.diff) if args.diff else stacks if args.stack in (None, "all") else [args.stack]
    rehearsing = bool(args.what_if or args.before)
    if rehearsing and (args.diff or len(selected) != 1):
        parser.error("--what-if and --before rehearse one stack: give --stack <name>")
    if args.before is not None and not args.before.is_file():
        parser.error(f"--before {args.before}: no such stack file")
    try:
        what_if = parse_what_if(args.what_if)
    except ValueError as error:
        parser.error(str(error))

    codes: list[int] = []
    environments: list[Environment] = []
    for phase, folder in (("pim", "pim"), ("bootstrap", "bootstrap")):
        if phase in what_if and not stack_file(selected[0], PROJECT_DIR / folder).exists():
            parser.error(f"--what-if {phase}:...: stack {selected[0]} has no {folder}/Pulumi.{selected[0]}.yaml")
    for stack in selected:
        try:
            environments.append(render_environment(stack, args.today))
        except RenderError as error:
            print(f"stack {stack}: the program refused to render: {error.cause}", file=sys.stderr)
            codes.append(_render_failure(error))
    projects = {f"stack {e.stack}": e.main for e in environments}
    projects |= {f"bootstrap {e.bootstrap.stack}": e.bootstrap for e in environments if e.bootstrap is not None}
    settings = {e.stack: stack_settings(e.stack, today=args.today) for e in environments}
    disagreements = [
        problem
        for stack, main in settings.items()
        if (bootstrap := bootstrap_settings(stack, args.today)) is not None
        for problem in agreement_problems(main, bootstrap)
    ]
    for clash in [*(sibling_problems(settings) if len(settings) > 1 else []), *disagreements]:
        print(f"stacks clash: {clash}", file=sys.stderr)
        codes.append(Exit.INPUT)
    clashes = check_global_names(projects)
    for clash in clashes:
        print(f"Azure would refuse: {clash}", file=sys.stderr)
        codes.append(Exit.AZURE_REFUSES)

    try:
        reports = [
            build_report(e, rehearsals_for(e, what_if, args.before, args.today) if rehearsing else ())
            for e in environments
        ]
    except RenderError as error:  # a rehearsed change that the program or Azure refuses
        print(f"the rehearsed change cannot be rendered: {error.cause}", file=sys.stderr)
        return most_severe([*codes, _render_failure(error)])
    if args.who_can:
        print(format_who_can(args.who_can, reports, args.format))
    elif args.diff and len(reports) == 2:
        left, right = environments
        print(format_diff(diff_stacks(left.combined, right.combined, reports[0], reports[1]), reports, args.format))
    elif reports:
        print(format_reports(reports, args.format))
    for report, code, message in (
        *((r, Exit.POLICY, "policy violations") for r in reports if r.violations),
        *((r, Exit.RIGHTS, "missing rights") for r in reports if r.rights_missing),
        *((r, Exit.BLOCKED, "a rehearsed change is blocked") for r in reports if r.blocked),
    ):
        print(f"{message} in: {report.stack}", file=sys.stderr)
        codes.append(code)
    return most_severe(codes)


if __name__ == "__main__":
    sys.exit(main())
