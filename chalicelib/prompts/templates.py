"""Parse and render `{variable}` templates safely: plain names only, `{{` and `}}` for literal braces."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any

from ..core.errors import PayloadTooLarge, ValidationFailed
from ..core.limits import PROMPT_MAX_CHARS

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
    texts = {name: _text(values[name]) for name in needed}
    _check_rendered_length(template, texts)
    return template.format_map(texts)


def _check_rendered_length(template: str, texts: Mapping[str, str]) -> None:
    """413 before the text is built when it would pass PROMPT_MAX_CHARS (a 100 KB body that repeats a
    placeholder can otherwise expand to gigabytes): the literal text plus each placeholder's value per use."""
    literal = 0
    uses: dict[str, int] = dict.fromkeys(texts, 0)
    for text, field, _, _ in _FORMATTER.parse(template):
        literal += len(text)
        if field is not None:
            uses[field] += 1
    share = {f"body.variables.{name}": len(texts[name]) * count for name, count in uses.items()}
    total = literal + sum(share.values())
    if total <= PROMPT_MAX_CHARS:
        return
    share["body.template"] = literal
    field = max(share, key=share.__getitem__)
    message = (
        f"the rendered prompt would be {total} characters, more than the {PROMPT_MAX_CHARS} accepted; "
        f"{field} takes {share[field]} of them"
    )
    raise PayloadTooLarge(message, details=[{"field": field, "message": message, "type": "too_large"}], code="prompt_too_large")


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return str(value)
