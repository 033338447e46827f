"""Every answer the tests receive is held to the OpenAPI document (`GET /openapi.json`): its status must be one the
operation declares, its media type one declared for that status, and a JSON body must validate against the declared
schema (JSON Schema 2020-12, the document's `components` resolving its references). The test clients of
tests/conftest.py and tests/e2e/conftest.py call `Answers.check` on each answer, so a mismatch fails the test that met
it; the document is fixed where it is wrong, never the test's assertion.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator


class AnswerMismatch(AssertionError):
    """An answer the OpenAPI document does not declare."""


@dataclass
class Answers:
    document: dict[str, Any]
    _operations: list[tuple[re.Pattern[str], str, dict[str, Any]]] = field(default_factory=list)
    _validators: dict[tuple[str, str, str], Draft202012Validator] = field(default_factory=dict)
    checked: int = 0

    def __post_init__(self) -> None:
        templates = []
        for template, methods in self.document["paths"].items():
            pattern = re.compile("^" + re.sub(r"\\{\w+\\}", "[^/]+", re.escape(template)) + "$")
            for method, operation in methods.items():
                templates.append((template.count("{"), pattern, method.upper(), template, operation))
        # A literal segment wins over a parameter (`/models/{name}/versions` before `/models/{name}/{version}`).
        templates.sort(key=lambda entry: entry[0])
        self._operations = [(pattern, method, {"template": template, **op}) for _, pattern, method, template, op in templates]

    def operation(self, method: str, path: str) -> dict[str, Any] | None:
        bare = urlsplit(path).path
        for pattern, declared, operation in self._operations:
            if declared == method.upper() and pattern.match(bare):
                return operation
        return None

    def check(self, method: str, path: str, status: int, content_type: str | None, body: bytes | str | None) -> None:
        """Raise AnswerMismatch unless the document declares this answer of `method path` (and note it in the file
        LEARNLOOP_ANSWERS_LOG names, if set: a run of many tests lists every mismatch at once)."""
        try:
            self._check(method, path, status, content_type, body)
        except AnswerMismatch as mismatch:
            if os.environ.get("LEARNLOOP_ANSWERS_LOG"):
                with open(os.environ["LEARNLOOP_ANSWERS_LOG"], "a") as log:
                    log.write(str(mismatch).replace("\n", " | ") + "\n")
            raise

    def _check(self, method: str, path: str, status: int, content_type: str | None, body: bytes | str | None) -> None:
        operation = self.operation(method, path)
        if operation is None:
            return  # no such operation (a test of an unknown path or method): nothing declares its answer
        where = f"{method.upper()} {operation['template']} answered {status}"
        declared = operation["responses"].get(str(status))
        if declared is None:
            raise AnswerMismatch(f"{where}, a status its OpenAPI operation does not declare ({sorted(operation['responses'])})")
        content = declared.get("content")
        if not body:
            self.checked += 1
            return
        if not content:
            raise AnswerMismatch(f"{where} with a body, where its OpenAPI operation declares none")
        # No Content-Type: Chalice's default, JSON (chalice.test's answers carry none for a JSON body).
        media = (content_type or "application/json").split(";")[0].strip().lower()
        if media not in content:
            raise AnswerMismatch(f"{where} as {media!r}; declared: {sorted(content)}")
        if media == "application/json":
            key = (method.upper(), operation["template"], str(status))
            validator = self._validators.get(key)
            if validator is None:
                schema = {**content[media]["schema"], "components": self.document["components"]}
                validator = self._validators[key] = Draft202012Validator(schema)
            answer = json.loads(body.decode() if isinstance(body, bytes) else body)
            errors = sorted(validator.iter_errors(answer), key=lambda e: [str(p) for p in e.absolute_path])
            if errors:
                lines = [f"  at /{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in errors[:5]]
                raise AnswerMismatch(f"{where}; the body does not validate against the declared schema:\n" + "\n".join(lines))
        self.checked += 1
