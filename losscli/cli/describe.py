"""``losscli describe``: one loss in full."""

from __future__ import annotations

import inspect
from typing import Annotated

import typer


app = typer.Typer()


@app.command("describe")
def describe_command(
    loss: Annotated[str, typer.Argument(help="A loss name or alias.", show_default=False)],
) -> None:
    """Show one loss: formula, inputs, parameters, reference and an example command."""
    from losscli.losses import format_value, get_loss

    spec = get_loss(loss.partition(":")[0])
    lines = [f"{spec.name} ({spec.family}; {'lower' if spec.direction == 'lower' else 'higher'} is better)"]
    if spec.aliases:
        lines.append(f"aliases:   {', '.join(spec.aliases)}")
    lines.append(f"reference: {spec.reference}")
    if spec.statistic is not None:  # a metric without per-sample values (f1, r2, roc_auc)
        lines += statistic_lines(spec.statistic)
    else:
        lines.append(f"headline:  {spec.headline} of the per-sample values (--reduction)")
    if spec.per_sample:  # rmse: the statistics, --per-sample and --top-k describe these, not the headline
        lines.append(f"per-sample: {spec.per_sample}, named {spec.name}.{spec.per_sample} in every output")
    lines.append("inputs:")
    lines += [f"  {r.name} ({r.kind})" for r in spec.roles]
    lines.append("parameters:" if spec.params else "parameters: none")
    for p in spec.params:
        domain = f" ({p.domain.text})" if p.domain and p.domain.text not in p.doc else ""
        lines.append(f"  {p.name}={format_value(p.default)}  {p.doc}{domain}")
    lines.append("")
    lines.append(inspect.cleandoc(spec.fn.__doc__ or spec.summary))
    lines.append("")
    lines.append("example:")
    lines.append("  " + example(spec))
    typer.echo("\n".join(lines))


def statistic_lines(statistic) -> list[str]:
    """What ``describe`` says of a metric without per-sample values: how it reduces (its
    state's kind: ``losses._statistic.STATISTIC_KINDS``) and what it does not have."""
    from losscli.losses._statistic import STATISTIC_KINDS

    ci = "--ci analytic or --ci bootstrap" if statistic.interval is not None else "--ci bootstrap"
    return [
        "headline:  a function of every row; no per-sample values",
        f"state:     {statistic.kind}: {STATISTIC_KINDS[statistic.kind]}",
        f"intervals: {ci}",
    ]


def example(spec) -> str:
    """An example command for ``spec``, built from its roles."""
    if len(spec.roles) == 2:
        return f"losscli eval PRED TARGET -l {spec.name}"
    if [(r.name, r.kind) for r in spec.roles[2:]] == [("query", "ids")]:  # a ranking metric: one table
        return f"losscli eval TABLE.csv -p {spec.roles[0].name.upper()} -y {spec.roles[1].name.upper()} --query-col QUERY -l {spec.name}"
    args = " ".join(f"--input {r.name}={r.name.upper()}.npy" for r in spec.roles)
    return f"losscli eval {args} -l {spec.name}"
