"""How two states of one account differ, named field by field: the evidence every account check prints."""

from __future__ import annotations

from dataclasses import fields

from pytest_fixedratio.chain.base import AccountState
from pytest_fixedratio.errors import DecodeError
from pytest_fixedratio.frt.state import layout_for
from pytest_fixedratio.verify.snapshot import plain


def _field_differences(predicted: AccountState, observed: AccountState) -> list[str]:
    """Named differences in account data: decoded fields when both decode with one layout, else bytes."""
    layout = layout_for(predicted.owner, len(predicted.data))
    if layout is not None and layout is layout_for(observed.owner, len(observed.data)):
        try:
            want, got = layout.decode(predicted.data), layout.decode(observed.data)
        except DecodeError:
            pass
        else:
            named = [f"{f.name} predicted {plain(getattr(want, f.name))}, observed {plain(getattr(got, f.name))}"
                     for f in fields(want) if getattr(want, f.name) != getattr(got, f.name)]  # type: ignore[arg-type]
            if named or predicted.data == observed.data:
                return named
    first = next((i for i, (a, b) in enumerate(zip(predicted.data, observed.data, strict=False)) if a != b),
                 min(len(predicted.data), len(observed.data)))
    return [f"data differs from byte {first} ({len(predicted.data)} bytes predicted, {len(observed.data)} observed)"]


def account_differences(predicted: AccountState | None, observed: AccountState | None) -> list[str]:
    """Every way `observed` differs from `predicted`, each naming both values."""
    if predicted is None or observed is None:
        return [] if predicted is observed else [
            f"predicted {'no account' if predicted is None else 'an account'}, "
            f"observed {'no account' if observed is None else 'an account'}"]
    found = [f"{name} predicted {plain(getattr(predicted, name))}, observed {plain(getattr(observed, name))}"
             for name in ("lamports", "owner", "executable") if getattr(predicted, name) != getattr(observed, name)]
    if predicted.data != observed.data:
        found.extend(_field_differences(predicted, observed))
    return found
