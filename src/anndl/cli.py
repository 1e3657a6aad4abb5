"""The ``anndl`` command: run, list, validate, describe and show experiments."""

from __future__ import annotations

import dataclasses
import sys
import time
import traceback
from pathlib import Path

import click

from anndl import registry, runs
from anndl.config import config_to_dict, dump_yaml, field_docs, type_name
from anndl.configfile import load_config_file, shipped_configs
from anndl.errors import AnndlError
from anndl.executor import EXECUTORS, close_executor, make_executor
from anndl.sweep import run_sweep

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def executor_options(command):
    """--executor local|dask, --scheduler ADDRESS and --security PATH, shared by run, sweep and report."""
    command = click.option("--security", type=click.Path(dir_okay=False, path_type=Path), metavar="PATH",
                           help="YAML with the TLS certificates for --scheduler tls://... (dask's "
                                "distributed.comm.tls layout); default: dask's own config.")(command)
    command = click.option("--scheduler", metavar="ADDRESS",
                           help="Dask scheduler to connect to (tls://host:8786); default: a LocalCluster "
                                "on 127.0.0.1.")(command)
    return click.option("--executor", "executor_kind", type=click.Choice(EXECUTORS), default="local",
                        show_default=True, help="Where cells run: local processes or a Dask cluster.")(command)


class Group(click.Group):
    """Turns known errors into one line and an exit code; tracebacks only with --debug."""

    def invoke(self, ctx: click.Context):
        debug = ctx.params.get("debug", False)
        try:
            return super().invoke(ctx)
        except AnndlError as exc:
            if debug:
                traceback.print_exc()
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_USAGE)
        except KeyboardInterrupt:
            click.echo("interrupted: finished cells are kept; re-run the same command to resume", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            if debug:
                traceback.print_exc()
            click.echo(f"error: run failed: {type(exc).__name__}: {exc} (--debug shows the traceback)", err=True)
            ctx.exit(EXIT_FAILED)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.version_option(package_name="anndl")
def main(debug: bool) -> None:
    """Re-run the classic neural-network curriculum's experiments from YAML configs."""


@main.command()
@click.argument("config", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.argument("overrides", nargs=-1)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Run directory (default runs/...).")
@click.option("--seed", type=click.IntRange(min=0), help="Override the config's seed.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes.")
@click.option("--quick", is_flag=True, help="Apply the config's own fast variant (its `quick:` mapping).")
@click.option("--dry-run", is_flag=True, help="Print the resolved config and exit.")
@click.option("--resume", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Continue an interrupted run in this directory.")
@executor_options
def run(config, overrides, out, seed, jobs, quick, dry_run, resume, executor_kind, scheduler,
        security) -> None:
    """Run one experiment: anndl run CONFIG [KEY=VALUE ...]."""
    if config is None and resume is None:
        raise click.UsageError("give a CONFIG file (see `anndl list`) or --resume RUN_DIR")
    if config is not None and "=" in config.name and not config.exists():
        raise click.UsageError(f"{config}: the first argument must be a config file, overrides come after it")
    if resume is not None:
        config = config or resume / "config.yaml"
        out = out or resume
    loaded = load_config_file(config, overrides, quick=quick, seed=seed)
    resolved = {"experiment": loaded.experiment, **config_to_dict(loaded.config)}
    exp = registry.get(loaded.experiment)
    run_dir = out or runs.default_run_dir(exp.name, loaded.config.seed)
    runs.check_run_dir_path(run_dir)
    if dry_run:
        click.echo(dump_yaml(resolved), nl=False)
        return
    start = time.perf_counter()
    pool = make_executor(jobs, executor_kind, scheduler, security)
    try:
        metrics = runs.execute(exp, loaded.config, run_dir, quick=quick, jobs=jobs, executor_obj=pool)
    except KeyboardInterrupt:
        click.echo(f"interrupted: {run_dir} keeps the finished cells; resume with "
                   f"`anndl run --resume {run_dir}`", err=True)
        sys.exit(EXIT_INTERRUPTED)
    finally:
        close_executor(pool)
    figures = sorted((run_dir / "figures").glob("*.png")) if (run_dir / "figures").is_dir() else []
    click.echo(f"{exp.name}: done in {time.perf_counter() - start:.1f} s; {len(metrics)} metrics, "
               f"{len(figures)} figures -> {run_dir}")


@main.command(name="list")
def list_() -> None:
    """List the experiments and the shipped configs."""
    configs: dict[str, list[str]] = {}
    for path in shipped_configs():
        try:
            configs.setdefault(load_config_file(path).experiment, []).append(f"configs/{path.name}")
        except AnndlError:
            configs.setdefault("(invalid)", []).append(f"configs/{path.name}")
    experiments = registry.all_experiments()
    width = max((len(e.name) for e in experiments), default=0)
    for exp in experiments:
        where = ", ".join(configs.get(exp.name, [])) or "(no shipped config)"
        click.echo(f"{exp.name:<{width}}  {exp.description}  [{where}]")
    for path in configs.get("(invalid)", []):
        click.echo(f"warning: {path} does not validate; run `anndl validate {path}`", err=True)


@main.command()
@click.argument("configs", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def validate(configs) -> None:
    """Check configs strictly (keys, types, ranges, quick variant) without running them."""
    failures = 0
    for path in configs:
        try:
            loaded = load_config_file(path)
        except AnndlError as exc:
            failures += 1
            click.echo(f"error: {exc}", err=True)
        else:
            click.echo(f"ok: {path} ({loaded.experiment})")
    if failures:
        sys.exit(EXIT_USAGE)


@main.command()
@click.argument("experiment")
def describe(experiment: str) -> None:
    """Print an experiment's config fields: type, default and meaning."""
    exp = registry.get(experiment, source="describe")
    docs = field_docs(exp.config_cls)
    click.echo(f"{exp.name}: {exp.description}")
    _describe_fields(exp.config_cls, docs, prefix="")


def _describe_fields(cls, docs: dict[str, str], prefix: str) -> None:
    import typing

    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        tp = hints[field.name]
        if dataclasses.is_dataclass(tp):
            click.echo(f"  {prefix}{field.name}: {docs.get(field.name, '')}")
            _describe_fields(tp, field_docs(tp), prefix=f"{prefix}{field.name}.")
            continue
        default = field.default if field.default is not dataclasses.MISSING else field.default_factory()
        bounds = field.metadata.get("bounds", {})
        limits = " ".join(f"{k} {v}" for k, v in bounds.items())
        extra = f" ({limits})" if limits else ""
        click.echo(f"  {prefix}{field.name} [{type_name(tp)}{extra}] = {default!r}: {docs.get(field.name, '')}")


@main.command()
@click.argument("config", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("axes", nargs=-1, required=True)
@click.option("--set", "base", multiple=True, help="A fixed KEY=VALUE override for every cell (repeatable).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Sweep directory.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Parallel cells.")
@click.option("--quick", is_flag=True, help="Use each run's quick variant.")
@click.option("--metric", help="Metric for the comparison figure (default: the first numeric one).")
@executor_options
def sweep(config, axes, base, out, jobs, quick, metric, executor_kind, scheduler, security) -> None:
    """Run CONFIG over a grid: anndl sweep CONFIG KEY=v1,v2 [KEY2=a..b ...]."""
    loaded = load_config_file(config, base, quick=quick)
    out = out or runs.default_run_dir(f"sweeps/{loaded.experiment}", loaded.config.seed)
    pool = make_executor(jobs, executor_kind, scheduler, security)
    start = time.perf_counter()
    try:
        rows = run_sweep(config, axes, out, quick=quick, base_overrides=base, metric=metric, executor_obj=pool)
    finally:
        close_executor(pool)
    failed = [row for row in rows if row["state"] != "completed"]
    for row in failed:
        click.echo(f"cell {row['cell']} failed: {row['error']}", err=True)
    click.echo(f"sweep of {loaded.experiment}: {len(rows) - len(failed)}/{len(rows)} cells completed in "
               f"{time.perf_counter() - start:.1f} s -> {out}/summary.md")
    if failed:
        sys.exit(EXIT_FAILED)


@main.command()
@click.option("--quick", is_flag=True, help="Each config's fast variant (minutes instead of hours).")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Experiments in parallel.")
@click.option("--only", multiple=True, metavar="GLOB", help="Only configs whose name matches (repeatable).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Where figures/, report.md, report.html and runs/ go.")
@click.option("--force", is_flag=True, help="Re-run experiments even when a result for this config and code exists.")
@executor_options
def report(quick, jobs, only, out, force, executor_kind, scheduler, security) -> None:
    """Run every shipped config and write figures/, report.md and report.html with the scorecard."""
    from anndl.report.build import build_report

    command = ("anndl report" + (" --quick" if quick else "") + (f" --jobs {jobs}" if jobs > 1 else "")
               + "".join(f" --only {o}" for o in only))
    pool = make_executor(jobs, executor_kind, scheduler, security)
    try:
        verdicts = build_report(out, quick=quick, only=only, force=force, executor_obj=pool, command=command)
    finally:
        close_executor(pool)
    counts: dict[str, int] = {}
    for verdict in verdicts:
        counts[verdict.verdict] = counts.get(verdict.verdict, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no claims"
    click.echo(f"report: {summary} -> {out / 'report.html'}, {out / 'report.md'}, {out / 'figures'}")


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
def show(run_dir: Path) -> None:
    """Summarise a finished run: status, metrics table, figure paths."""
    info = runs.load_run(run_dir)
    status = info["status"]
    wall = status.get("wall_time_s")
    click.echo(f"{run_dir}: {status.get('experiment', '?')} {status.get('state', 'unknown')}"
               + (f" in {wall:.1f} s" if isinstance(wall, int | float) else "")
               + (f" ({status['error']})" if status.get("error") else ""))
    metrics = info["metrics"]
    if metrics:
        width = min(max(len(k) for k in metrics), 60)
        click.echo("metrics:")
        for key, value in metrics.items():
            shown = f"{value:.6g}" if isinstance(value, float) else _short(value)
            click.echo(f"  {key:<{width}}  {shown}")
    for label, paths in (("figures", info["figures"]), ("tables", info["tables"])):
        if paths:
            click.echo(f"{label}:")
            for path in paths:
                click.echo(f"  {path}")


def _short(value) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


if __name__ == "__main__":
    main()
