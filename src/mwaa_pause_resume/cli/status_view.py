"""How ``status`` prints (the ``--json`` document is the data; this is its reading).

One block per environment. A fleet spanning several accounts or regions first gets a
summary, one row per account and region with its environments counted by state, then
its blocks under a heading per account and region."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from mwaa_pause_resume.operations.fleet_totals import place_label
from mwaa_pause_resume.operations.status import duration_text

STATE_COLOURS = {"AVAILABLE": "green", "PAUSED": "blue", "UNAVAILABLE": "red"}
# The fleet summary's counts: states (other: CREATING, UPDATING, ...), running workflows.
SUMMED_STATES = ("available", "paused", "unavailable")
COUNTED = ("environments", *SUMMED_STATES, "other", "running")
HEADERS = {"environments": "envs", "unavailable": "unavail."}


def print_status(
    out: Console,
    result: list[dict[str, Any]],
    now: datetime,
    *,
    warnings: Sequence[str] = (),
    grouped: bool = False,
) -> None:
    """``result`` (``status --json``'s environments); ``warnings`` concern them all;
    ``grouped``: the configuration spans several accounts or regions."""
    for warning in warnings:
        out.print(f"[yellow]Warning:[/] {escape(warning)}", highlight=False)
    if grouped:
        out.print(fleet_summary(result))
        out.print()
    place = None
    for item in result:
        if grouped and (item["account"], item["region"]) != place:
            place = (item["account"], item["region"])
            out.print(Text(place_label(*place), style="bold reverse"))
            out.print()
        _print_environment(out, item, [w for w in item["warnings"] if w not in warnings])


def fleet_summary(result: list[dict[str, Any]]) -> Table:
    """Environments per account and region, by state, and how many have a run going."""
    table = Table(
        box=box.SIMPLE_HEAD, pad_edge=False, title="Fleet", title_justify="left", padding=(0, 0)
    )
    table.add_column("account", no_wrap=True)
    table.add_column("region", no_wrap=True)
    for column in COUNTED:  # short headers: the table fits 80 columns
        table.add_column(HEADERS.get(column, column), justify="right", no_wrap=True)
    groups: dict[tuple[Any, Any], Counter[str]] = {}
    for item in result:
        counts = groups.setdefault((item["account"], item["region"]), Counter())
        counts["environments"] += 1
        state = item["state"]
        counts[state.lower() if state.lower() in SUMMED_STATES else "other"] += 1
        counts["running"] += bool(item["running"])
    for (account, region), counts in groups.items():
        table.add_row(
            account or "hub account",
            region or "hub region",
            *(str(counts[c]) for c in COUNTED),
        )
    return table


def _when(iso: str | None, zone: str | None = None) -> str:
    """``Wed 2026-11-25 20:00 CET``: in ``zone`` (IANA) when given, else as recorded."""
    if not iso:
        return "-"
    when = datetime.fromisoformat(iso)
    if zone:
        from zoneinfo import ZoneInfo

        when = when.astimezone(ZoneInfo(zone))
    return when.strftime("%a %Y-%m-%d %H:%M %Z").strip()


def _run_line(run: dict[str, Any] | None) -> str:
    if run is None:
        return "none recorded"
    text = f"{_when(run['started'])}, {duration_text(run['duration_seconds'])}, {run['status']}" + (
        f" ({run['outcome']})" if run.get("outcome") else ""
    )
    if run.get("error"):
        text += f": {run['error']}"
    if run.get("reason"):  # a skipped run: why the run gates held it back
        text += f": {run['reason']}"
    return text


def _restore_lines(restore: dict[str, Any]) -> list[str]:
    """The restore summary of ``status --json`` (``RestoreSummary.to_json``) in lines."""
    from mwaa_pause_resume.metadata.restore_summary import RestoreSummary

    return RestoreSummary.from_json(restore).lines()


def _change_text(change: dict[str, Any]) -> Text:
    """The next resume's Airflow version change: the upgrade and what to check, or why it
    will be refused."""
    if change["kind"] == "refused":
        return Text("refused: ", style="bold red") + Text(str(change["message"]))
    text = Text(f"upgrades Airflow {change['source']} to {change['target']}", style="yellow")
    text.append("; check first:")
    for item in change["checks"]:
        text.append(f"\n- {item}")
    return text


def _print_environment(out: Console, item: dict[str, Any], warnings: list[str]) -> None:
    from mwaa_pause_resume.operations.snapshot_index import human_bytes

    state = item["state"]
    colour = STATE_COLOURS.get(state, "yellow")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    details = item["details"] or {}
    extra = ", ".join(
        str(details[k]) for k in ("AirflowVersion", "EnvironmentClass") if k in details
    )
    grid.add_row("State", Text.from_markup(f"[{colour}]{state}[/]") + Text(
        f"  {extra}" if extra else ""))  # fmt: skip
    unavailable = item.get("unavailable")
    if unavailable:
        grid.add_row("Unavailable", Text(unavailable["reason"]))
        grid.add_row("Fix", Text(unavailable["fix"]))
    if details.get("LastError"):
        grid.add_row("Last error", Text(str(details["LastError"])))
    for run in item["running"]:
        grid.add_row(
            "Running",
            Text(
                f"{run['action']} since {_when(run['started'])} "
                f"({duration_text(run['duration_seconds'])})"
            ),
        )
    if item["deployed"]:  # without the workflows there is no history to read
        grid.add_row("Last pause", Text(_run_line(item["last_pause"])))
        grid.add_row("Last resume", Text(_run_line(item["last_resume"])))
        if item.get("timing"):
            from mwaa_pause_resume.operations.timing_status import timing_line

            grid.add_row("Resume timing", Text(timing_line(item["timing"])))
        restore = (item["last_resume"] or {}).get("restore")
        if restore:
            grid.add_row("Restored", Text("\n".join(_restore_lines(restore))))
    override = item.get("override")
    if override:
        grid.add_row(
            "Override",
            Text(
                f"{override['kind']} until {_when(override['until'], item['next']['timezone'])}"
                f" (set by {override['set_by']} at {_when(override['set_at'])})"
            ),
        )
    nxt = item["next"]
    grid.add_row(
        "Next",
        Text(
            f"pause {_when(nxt['pause'], nxt['timezone'])}, "
            f"resume {_when(nxt['resume'], nxt['timezone'])}"
            + (
                f", ready by {_when(nxt['ready_by'], nxt['timezone'])}"
                if nxt.get("ready_by")
                else ""
            )
            + f" ({nxt['timezone']})"
        ),
    )
    change = item.get("resume_airflow")
    if change:
        grid.add_row("Next resume", _change_text(change))
    snap = item["latest_snapshot"]
    if snap:
        figures = []
        if snap.get("tables") is not None:
            figures.append(f"{snap['tables']} tables, {snap['rows']} rows")
        figures.append(human_bytes(int(snap["bytes"])))
        grid.add_row("Latest snapshot", Text(f"{snap['snapshot_id']} ({', '.join(figures)})"))
    elif item["deployed"]:
        grid.add_row("Latest snapshot", Text("none"))
    for warning in warnings:
        grid.add_row("Warning", Text(warning, style="yellow"))
    out.print(Text(item["environment"], style="bold underline"))
    out.print(grid)
    out.print()
