"""Shell completion of loss specs (``-l/--loss``): names and aliases, ``@presets``, and after
``NAME:`` the loss's parameters as ``NAME:key=`` (after a comma, the next ones).

Install the completion with ``losscli --install-completion`` (bash, zsh, fish, PowerShell).
bash splits words at ``:`` (``COMP_WORDBREAKS``), so there only names and presets complete.
"""

from __future__ import annotations


def complete_loss(incomplete: str) -> list[tuple[str, str]]:
    """The loss specs that start with ``incomplete``, each with a short help.

    >>> [v for v, _ in complete_loss("hub")]
    ['huber', 'huber_loss']
    >>> [v for v, _ in complete_loss("huber:")]
    ['huber:delta=']
    >>> [v for v, _ in complete_loss("focal:alpha=0.5,")]
    ['focal:alpha=0.5,gamma=']
    >>> [v for v, _ in complete_loss("@reg")]
    ['@regression', '@regression_metrics']
    """
    from losscli.losses import presets

    if incomplete.startswith("@"):
        return [("@" + p, ", ".join(members)) for p, members in sorted(presets().items()) if ("@" + p).startswith(incomplete.lower())]
    name, colon, params = incomplete.partition(":")
    return complete_params(name, params) if colon else complete_names(name)


def complete_names(prefix: str) -> list[tuple[str, str]]:
    """Names (and, once a prefix is typed, aliases) that start with ``prefix`` (as shells match:
    case matters, ``MSE`` gives ``MSELoss``)."""
    from losscli.losses import list_losses

    out = []
    for spec in list_losses():
        names = (spec.name, *spec.aliases) if prefix else (spec.name,)
        out += [(n, " ".join(spec.summary.split())) for n in names if n.startswith(prefix)]
    return sorted(out)


def complete_params(name: str, typed: str) -> list[tuple[str, str]]:
    """``NAME:[k=v,...]key=`` for each parameter of ``name`` not given yet whose key starts with
    what follows the last comma (nothing for an unknown name)."""
    from losscli.errors import LossCliError
    from losscli.losses import format_value, get_loss

    try:
        spec = get_loss(name)
    except LossCliError:
        return []
    done, _, current = typed.rpartition(",")
    given = {part.partition("=")[0].strip() for part in done.split(",") if part}
    head = f"{name}:{done}{',' if done else ''}"
    return [(f"{head}{p.name}=", f"default {format_value(p.default)}") for p in spec.params if p.name not in given and p.name.startswith(current)]
