"""Parse and render `{variable}` templates safely: plain names only, `{{` and `}}` for literal braces."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any

from ..core.errors import ValidationFailed

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_FORMATTER = string.Formatter()


def variables_of(template: str) -> list[str]:
    """The placeholders of `template`, in order of first appearance; 422 for anything but `{name}`."""
    try:
        parts = list(_FORMATTER.parse(template))
    except ValueError as exc:
        raise ValidationFailed.field("body.template", f"is not a valid template: {exc}", "template") from exc
    names: list[str] = []
    for _, field, spec, conversion in parts:
        if field is None:
            continue
        if not _NAME.match(field) or spec or conversion:
            raise ValidationFailed.field(
                "body.template", f"placeholder {{{field}}} must be a plain name like {{style}}", "template_placeholder"
            )
        if field not in names:
            names.append(field)
    return names


def render(template: str, values: Mapping[str, Any]) -> str:
    """The text with every placeholder replaced; 422 naming each missing variable."""
    needed = variables_of(template)
    missing = [name for name in needed if values.get(name) in (None, "")]
    if missing:
        raise ValidationFailed(
            f"missing variable{'s' if len(missing) > 1 else ''}: {', '.join(missing)}",
            details=[
                {"field": f"body.variables.{name}", "message": "is required by the template", "type": "missing"}
                for name in missing
            ],
        )
    return template.format_map({name: _text(values[name]) for name in needed})


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return str(value)
