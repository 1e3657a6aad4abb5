"""The ``anndl`` command: run, list, validate, describe and show experiments.

Heavy libraries (torch, scikit-learn, matplotlib, dask) are imported only by the commands that run
something, so ``--help``, ``list``, ``describe`` and ``validate`` answer in well under a second.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
import time
import traceback
import warnings
from pathlib import Path

import click
import yaml

from anndl import process, registry, runs
from anndl.config import dump_yaml, field_docs, read_yaml, type_name
from anndl.configfile import config_experiment, load_config_file, shipped_config, shipped_configs
from anndl.data.course import check_folder
from anndl.errors import AnndlError
from anndl.executor import EXECUTORS, close_executor, make_executor
from anndl.sweep import run_sweep

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def jobs_option(help_text: str):
    """--jobs N (default 1); -1 means every core of this machine."""
    def all_cores(ctx, param, value: int) -> int:
        if value == 0:
            raise click.BadParameter("0 is not a number of workers; give N >= 1, or -1 for all cores")
        return (os.cpu_count() or 1) if value == -1 else value

    return click.option("--jobs", type=click.IntRange(min=-1), default=1, show_default=True, callback=all_cores,
                        help=f"{help_text} (-1: all cores).")


def threads_option(command):
    """--threads N: BLAS and torch threads per process (default 1; 0: the libraries' own defaults)."""
    return click.option("--threads", type=click.IntRange(min=0), default=process.DEFAULT_THREADS, show_default=True,
                        help="BLAS and torch threads per process (0: the libraries' defaults); "
                             "jobs x threads may not exceed the cores.")(command)


def checked_threads(threads: int, jobs: int, kind: str) -> int:
    """--threads, or a usage error when --jobs local workers of that many threads oversubscribe the cores."""
    try:
        return process.check_threads(threads, jobs if kind == "local" else 1)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def open_executor(jobs: int, kind: str, scheduler: str | None, security: Path | None = None,
                  threads: int = process.DEFAULT_THREADS):
    """The executor for --jobs/--executor/--scheduler/--threads; a usage error for options that cannot work."""
    if scheduler is not None and kind != "dask":
        raise click.UsageError("--scheduler needs --executor dask (the local executor has no scheduler)")
    if kind == "dask":
        import importlib.util

        if importlib.util.find_spec("distributed") is None or importlib.util.find_spec("dask") is None:
            raise click.UsageError("--executor dask needs dask and distributed: pip install 'anndl[dask]'")
    return make_executor(jobs, kind, scheduler, security, threads)


def keep_others_option(command):
    """--keep-others: write into an --out folder that holds files anndl did not write."""
    return click.option("--keep-others", is_flag=True,
                        help="Write into an --out folder that holds files anndl did not write, leaving them as "
                             "they are (without it such a folder is refused; anndl never replaces or deletes "
                             "them either way).")(command)


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


def data_option(command):
    """--data DIR: a folder of the course's files under their own names, given to each experiment's declared keys."""
    return click.option("--data", "data_dir", type=click.Path(path_type=Path), metavar="DIR",
                        help="A folder of the course's files (threes.mat, lasertrain.dat, ...): each experiment "
                             "takes those it declares; absent ones leave it on the shipped data; KEY=VALUE "
                             "overrides still win.")(command)


class Group(click.Group):
    """Turns known errors into one line and an exit code; tracebacks only with --debug."""

    def invoke(self, ctx: click.Context):
        with warnings.catch_warnings(record=True) as caught:
            result = self._invoke(ctx)  # an error (exit) leaves the warnings behind: an error is one line
        for line in dict.fromkeys(f"warning: {w.category.__name__}: {w.message}" for w in caught):
            click.echo(line, err=True)  # a command that succeeds names each warning once, one line each
        return result

    def _invoke(self, ctx: click.Context):
        debug = ctx.params.get("debug", False)
        try:
            return super().invoke(ctx)
        except AnndlError as exc:
            if debug:
                traceback.print_exc()
            click.echo(f"error: {one_line(exc)}", err=True)
            ctx.exit(EXIT_USAGE)
        except KeyboardInterrupt:
            click.echo("interrupted: finished cells are kept; re-run the same command to resume", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            _silence_stdout()
            ctx.exit(EXIT_OK)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            if debug:
                traceback.print_exc()
            click.echo(f"error: run failed: {type(exc).__name__}: {one_line(exc)} (--debug shows the traceback)",
                       err=True)
            ctx.exit(EXIT_FAILED)


MAX_ERROR_CHARS = 600
"""An error line longer than this is cut (a value quoted in full could make it megabytes long)."""


def one_line(exc: BaseException) -> str:
    """An exception's message as one line of at most :data:`MAX_ERROR_CHARS` characters."""
    text = " ".join(str(exc).split("\n"))
    return text if len(text) <= MAX_ERROR_CHARS else f"{text[:MAX_ERROR_CHARS]}... ({len(text)} characters)"


def _exists(path: str | Path) -> bool:
    """``Path(path).exists()``, False for a name the file system cannot even look up (too long)."""
    try:
        return Path(path).exists()
    except (OSError, ValueError):
        return False


def _where(path: Path) -> str:
    """A shipped file as a path that exists from here: relative to the working directory when it lies
    below it (``configs/pca.yaml`` in a checkout), else absolute (an installed wheel's copy)."""
    path = Path(path).resolve()
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def _silence_stdout() -> None:
    """The reader of our output went away (``anndl list | head -1``): send the rest nowhere, quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file descriptor (e.g. click's CliRunner)
        pass


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
@jobs_option("Worker processes")
@click.option("--quick", is_flag=True, help="Apply the config's own fast variant (its `quick:` mapping).")
@click.option("--dry-run", is_flag=True, help="Print the resolved config and exit.")
@click.option("--resume", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Continue an interrupted run in this directory.")
@keep_others_option
@data_option
@threads_option
@executor_options
def run(config, overrides, out, seed, jobs, quick, dry_run, resume, keep_others, data_dir, executor_kind,
        scheduler, security, threads) -> None:
    """Run one experiment: anndl run CONFIG [KEY=VALUE ...].

    CONFIG is a config file or the name of a shipped config (`anndl run pca`; see `anndl list`)."""
    if config is None and resume is None:
        raise click.UsageError("give a CONFIG file (see `anndl list`) or --resume RUN_DIR")
    if config is not None and "=" in config.name and not _exists(config):
        raise click.UsageError(f"{config}: the first argument must be a config file, overrides come after it")
    if resume is not None:
        config = config or resume / "config.yaml"
        out = out or resume
    if data_dir is not None:
        data_dir = check_folder(data_dir)
    loaded = load_config_file(config, overrides, quick=quick, seed=seed, data_dir=data_dir)
    resolved = {"experiment": loaded.experiment, **runs.resolved_config(loaded.config)}
    exp = registry.get(loaded.experiment)
    if loaded.course is not None:
        click.echo(loaded.course.note(exp.name), err=True)
    run_dir = out or runs.default_run_dir(exp.name, loaded.config.seed, overrides=overrides)
    runs.check_run_dir_path(run_dir)
    threads = checked_threads(threads, jobs, executor_kind)
    if dry_run:
        exp.check_data(loaded.config)  # a real run checks its data in runs.execute
        click.echo(dump_yaml(resolved), nl=False)
        return
    start = time.perf_counter()
    pool = open_executor(jobs, executor_kind, scheduler, security, threads)
    try:
        with process.command_settings(threads):
            metrics = runs.execute(exp, loaded.config, run_dir, quick=quick, jobs=jobs, executor_obj=pool,
                                   keep_others=keep_others, overrides=overrides)
    except KeyboardInterrupt:
        click.echo(f"interrupted: {runs.kept_work(run_dir)}; resume with `anndl run --resume {run_dir}`", err=True)
        sys.exit(EXIT_INTERRUPTED)
    finally:
        close_executor(pool)
    from anndl.results import Run

    done = Run(run_dir)
    headline = "; ".join(f"{label} {value}" for label, value in done.headline()[:3])
    click.echo(f"{exp.name}: done in {time.perf_counter() - start:.1f} s -> {run_dir} ({len(metrics)} metrics, "
               f"{len(done.figures)} figures)" + (f"; {headline}" if headline else ""))


@main.command(name="list")
def list_() -> None:
    """List the experiments: description, shipped config and module (imports none of them)."""
    configs: dict[str, list[str]] = {}
    for path in shipped_configs():
        configs.setdefault(config_experiment(path) or "(invalid)", []).append(_where(path))
    experiments = registry.describe_all()
    width = max((len(name) for name, _, _ in experiments), default=0)
    for name, module, description in experiments:
        where = ", ".join(configs.get(name, [])) or "(no shipped config)"
        click.echo(f"{name:<{width}}  {description}  [{where}, {module.replace('.', '/')}.py]")
    known = {name for name, _, _ in experiments}
    for experiment, paths in configs.items():
        if experiment not in known:
            for path in paths:
                click.echo(f"warning: {path} names no known experiment; run `anndl validate {path}`", err=True)


@main.command()
@click.argument("name")
@click.argument("dest", required=False, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite DEST if it exists.")
def cp(name: str, dest: Path | None, force: bool) -> None:
    """Copy a shipped config out to edit: anndl cp NAME [DEST] (default ./NAME.yaml)."""
    source = shipped_config(name)
    if source is None:
        known = ", ".join(p.stem for p in shipped_configs())
        raise click.UsageError(f"{name!r} is not a shipped config; shipped: {known}")
    target = dest if dest is not None else Path(source.name)
    if target.is_dir():
        target = target / source.name
    if target.exists() and not force:
        raise click.UsageError(f"{target} exists; pass --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    click.echo(f"copied {source.stem} -> {target}; run it with `anndl run {target}`")


@main.command()
@click.argument("args", nargs=-1, required=True, metavar="CONFIG... [KEY=VALUE ...]")
@click.option("--quick", is_flag=True, help="Check the config's fast variant, as `run --quick` would run it.")
def validate(args, quick) -> None:
    """Check configs strictly (keys, types, ranges, quick variant) and the data files they name,
    without running them; KEY=VALUE overrides apply to every CONFIG."""
    overrides = [a for a in args if "=" in a.split("/")[0] and not _exists(a)]
    configs = [a for a in args if a not in overrides]
    if not configs:
        raise click.UsageError("give at least one CONFIG file before the KEY=VALUE overrides")
    failures = 0
    for path in configs:
        try:
            loaded = load_config_file(path, overrides, quick=quick)
            registry.get(loaded.experiment).check_data(loaded.config)
        except AnndlError as exc:
            failures += 1
            click.echo(f"error: {one_line(exc)}", err=True)
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
    source = shipped_config(exp.name)
    quick = read_yaml(source).get("quick") if source is not None else None
    if isinstance(quick, dict) and quick:
        click.echo(f"--quick applies the shipped config's quick overrides ({_where(source)}):")
        for key, value in quick.items():
            text = yaml.safe_dump(value, default_flow_style=True, width=float("inf")).removesuffix("\n...\n")
            click.echo(f"  {key}={text.strip()}")


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
        if prefix == "" and field.name == "quick":
            click.echo(f"  quick [dict]: {docs.get(field.name, '')} (listed at the end)")
            continue
        bounds = field.metadata.get("bounds", {})
        limits = " ".join(f"{k} {v}" for k, v in bounds.items())
        extra = f" ({limits})" if limits else ""
        click.echo(f"  {prefix}{field.name} [{type_name(tp)}{extra}] = {default!r}: {docs.get(field.name, '')}")


@main.command()
@click.argument("config", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("axes", nargs=-1, required=True)
@click.option("--set", "base", multiple=True, help="A fixed KEY=VALUE override for every cell (repeatable).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Sweep directory.")
@jobs_option("Parallel cells")
@click.option("--quick", is_flag=True, help="Use each run's quick variant.")
@click.option("--metric", help="Metric for the comparison figure (default: the first one that varies).")
@keep_others_option
@threads_option
@executor_options
def sweep(config, axes, base, out, jobs, quick, metric, keep_others, executor_kind, scheduler, security,
          threads) -> None:
    """Run CONFIG over a grid: anndl sweep CONFIG KEY=v1,v2 [KEY2=a..b ...]."""
    loaded = load_config_file(config, base, quick=quick)
    out = out or runs.default_run_dir(f"sweeps/{loaded.experiment}", loaded.config.seed)
    threads = checked_threads(threads, jobs, executor_kind)
    pool = open_executor(jobs, executor_kind, scheduler, security, threads)
    start = time.perf_counter()
    try:
        with process.command_settings(threads):
            rows = run_sweep(config, axes, out, quick=quick, base_overrides=base, metric=metric,
                             executor_obj=pool, keep_others=keep_others)
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
@jobs_option("Experiments in parallel")
@click.option("--only", multiple=True, metavar="GLOB", help="Only configs whose name matches (repeatable).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("runs/report"),
              show_default=True, help="Where figures/, report.md, report.html and runs/ go (`--out .`: here).")
@click.option("--force", is_flag=True, help="Re-run experiments even when a result for this config and code exists; "
              "allow a --quick report over a full-settings one.")
@keep_others_option
@executor_options
@click.option("--self-contained/--linked", "self_contained", default=None,
              help="Embed the PNGs in report.html, or link them by relative path "
                   "[default: link inside a git checkout, embed outside one].")
@click.option("--pdf", is_flag=True, help="Also copy each figure's PDF into figures/ (not committed by default).")
@data_option
@click.option("--course-metrics", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="claim_inputs.json of a report made with --data: its verdict sits beside each claim's "
                   "(copied into --out as course_data_metrics.json).")
@threads_option
def report(quick, jobs, only, out, force, keep_others, executor_kind, scheduler, security, self_contained, pdf,
           data_dir, course_metrics, threads) -> None:
    """Run every shipped config and write figures/, report.md and report.html with the scorecard."""
    from anndl.report.build import build_report

    command = ("anndl report" + (" --quick" if quick else "") + (f" --jobs {jobs}" if jobs > 1 else "")
               + "".join(f" --only {o}" for o in only) + (f" --data {data_dir}" if data_dir else "")
               + (f" --course-metrics {course_metrics}" if course_metrics else "")
               + (f" --threads {threads}" if threads != process.DEFAULT_THREADS else ""))
    notes: list[str] = []
    threads = checked_threads(threads, jobs, executor_kind)
    pool = open_executor(jobs, executor_kind, scheduler, security, threads)
    try:
        with process.command_settings(threads):
            verdicts = build_report(out, quick=quick, only=only, force=force, executor_obj=pool, command=command,
                                    self_contained=self_contained, pdf=pdf, data_dir=data_dir,
                                    course_metrics=course_metrics, notes=notes, keep_others=keep_others)
    finally:
        close_executor(pool)
    for line in notes:
        click.echo(line, err=True)
    counts: dict[str, int] = {}
    for verdict in verdicts:
        counts[verdict.verdict] = counts.get(verdict.verdict, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no claims"
    click.echo(f"report: {summary} -> {out / 'report.html'}, {out / 'report.md'}, {out / 'figures'}")


@main.command()
@click.argument("run", default="latest", metavar="NAME|DIR|latest")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("runs"), show_default=True,
              help="Where to look for runs by experiment name or 'latest'.")
def show(run: str, root: Path) -> None:
    """Summarise a run: status, headline and all metrics, figure paths. RUN is a run directory,
    'latest', or an experiment's name (its newest run); a folder of runs lists them."""
    from anndl.results import find_runs, is_run_dir, load_run

    if Path(run).is_dir() and not is_run_dir(Path(run)):
        found = find_runs(Path(run))
        if found:
            click.echo(f"{run}: not a run directory; it holds {len(found)} runs (show one by its folder):")
            _runs_table(found)
            return
    info = load_run(run, root=root)
    click.echo(info.status_line())
    headline = info.headline()
    if headline:
        click.echo("headline:")
        width = max(len(label) for label, _ in headline)
        for label, value in headline:
            click.echo(f"  {label:<{width}}  {value}")
    metrics = info.metrics
    if metrics:
        width = min(max(len(k) for k in metrics), 60)
        click.echo("metrics:")
        for key, value in metrics.items():
            shown = f"{value:.6g}" if isinstance(value, float) else _short(value)
            click.echo(f"  {key:<{width}}  {shown}")
    for label, paths in (("figures", list(info.figures.values())),
                         ("tables", [p for p in info.tables.values() if p.suffix == ".md"])):
        if paths:
            click.echo(f"{label}:")
            for path in paths:
                click.echo(f"  {path}")


@main.command(name="runs")
@click.argument("experiment", required=False)
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("runs"), show_default=True,
              help="Folder to search for runs.")
def runs_(experiment: str | None, root: Path) -> None:
    """List past runs under --root, oldest first: time, experiment, status, overrides, a headline metric."""
    from anndl.results import find_runs

    found = find_runs(root, experiment)
    if not found:
        if experiment is not None:
            registry.get(experiment)  # a typo is an error with a suggestion
        click.echo(f"no runs{f' of {experiment}' if experiment else ''} under {root}/; start one with `anndl run NAME`")
        return
    _runs_table(found)


def _runs_table(found) -> None:
    rows = []
    for item in found:
        headline = item.headline()
        rows.append((item.started.replace("T", " ").removesuffix("Z"), item.experiment, item.status,
                     " ".join(item.overrides) or "-", f"{headline[0][0]}: {headline[0][1]}" if headline else "-",
                     str(item.run_dir.relative_to(Path.cwd()) if item.run_dir.is_relative_to(Path.cwd())
                         else item.run_dir)))
    header = ("time (UTC)", "experiment", "status", "overrides", "headline", "folder")
    widths = [min(max(len(r[i]) for r in [header, *rows]), 40) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [_short(text, width).ljust(width) for text, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[-1]]))


@main.command()
@click.argument("run_a", metavar="A")
@click.argument("run_b", metavar="B")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("runs"), show_default=True,
              help="Where to look for runs by experiment name or 'latest'.")
@click.option("--rtol", type=float, default=1e-9, show_default=True, help="Relative tolerance for numbers.")
@click.option("--atol", type=float, default=1e-12, show_default=True, help="Absolute tolerance for numbers.")
def compare(run_a: str, run_b: str, root: Path, rtol: float, atol: float) -> None:
    """Config keys and metrics that differ between two runs, side by side (each a run directory,
    'latest' or an experiment's name)."""
    from anndl.comparison import compare as compare_runs
    from anndl.results import load_run

    click.echo(str(compare_runs(load_run(run_a, root=root), load_run(run_b, root=root), rtol=rtol, atol=atol)))


def _short(value, width: int = 80) -> str:
    text = str(value)
    return text if len(text) <= width else text[: width - 3] + "..."


if __name__ == "__main__":
    main(prog_name="anndl")
