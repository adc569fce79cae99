"""Typed access to a YAML mapping that records every problem with its file and line."""

from __future__ import annotations

import re
from typing import Any

from assessment.services.content.yaml_lines import DataFileProblem, LineDict, LineList

ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{0,79}$")

_TYPE_NAMES = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


class Fields:
    """Read keys of one mapping; wrong types, missing and unknown keys become problems."""

    def __init__(self, data: Any, file: str, line: int, problems: list[DataFileProblem], what: str):
        self.file, self.problems, self.what = file, problems, what
        self.ok = isinstance(data, dict)
        if not self.ok:
            self.error(line, f"{what} must be a mapping, got {describe(data)}")
        self.data: dict[str, Any] = data if self.ok else {}
        self.line = getattr(data, "line", line)

    def error(self, line: int, message: str) -> None:
        self.problems.append(DataFileProblem(self.file, line, message))

    def line_of(self, key: str) -> int:
        return self.data.line_of(key) if isinstance(self.data, LineDict) else self.line

    def allow_only(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                hint = f"; allowed: {', '.join(sorted(allowed))}"
                self.error(self.line_of(key), f"unknown key '{key}' in {self.what}{hint}")

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.data:
            if required and self.ok:
                self.error(self.line, f"{self.what} is missing '{key}'")
            return None
        return self.data[key]

    def text(self, key: str, *, required: bool = True, default: str = "") -> str:
        value = self._get(key, required)
        if value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            hint = " (quote it: YAML reads yes/no as true/false)" if isinstance(value, bool) else ""
            self.error(
                self.line_of(key), f"'{key}' must be non-empty text, got {describe(value)}{hint}"
            )
            return default
        return value.strip()

    def identifier(self, key: str = "id") -> str:
        value = self.text(key)
        if value and not ID_PATTERN.match(value):
            self.error(
                self.line_of(key),
                f"'{key}' {value!r} may use letters, digits, '.', '_' and '-' and must start "
                "with a letter",
            )
        return value

    def number(
        self,
        key: str,
        *,
        required: bool = True,
        default: float | None = None,
        allow_none: bool = False,
    ) -> float | None:
        value = self._get(key, required)
        if value is None:
            if key in self.data and not allow_none:
                self.error(self.line_of(key), f"'{key}' must be a number, got nothing")
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(self.line_of(key), f"'{key}' must be a number, got {describe(value)}")
            return default
        return float(value)

    def integer(self, key: str, *, required: bool = True, default: int = 0) -> int:
        value = self._get(key, required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(self.line_of(key), f"'{key}' must be a whole number, got {describe(value)}")
            return default
        return value

    def flag(self, key: str, default: bool = False) -> bool:
        value = self._get(key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(self.line_of(key), f"'{key}' must be true or false, got {describe(value)}")
            return default
        return value

    def choice(
        self,
        key: str,
        options: tuple[str, ...],
        *,
        required: bool = True,
        default: str | None = None,
    ) -> str | None:
        value = self._get(key, required)
        if value is None:
            return default
        if value not in options:
            self.error(
                self.line_of(key),
                f"'{key}' must be one of {', '.join(options)}, got {describe(value)}",
            )
            return default
        return str(value)

    def items(self, key: str, *, required: bool = True) -> list[tuple[int, Any]]:
        """The elements of a list with their lines."""
        value = self._get(key, required)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(self.line_of(key), f"'{key}' must be a list, got {describe(value)}")
            return []
        lines = (
            value.item_lines if isinstance(value, LineList) else [self.line_of(key)] * len(value)
        )
        return list(zip(lines, value, strict=True))

    def texts(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        """A list of non-empty strings."""
        result = []
        for line, value in self.items(key, required=required):
            if isinstance(value, str) and value.strip():
                result.append(value.strip())
            else:
                self.error(
                    line, f"every entry of '{key}' must be non-empty text, got {describe(value)}"
                )
        return tuple(result)

    def mapping(self, key: str, *, required: bool = True) -> Fields:
        value = self._get(key, required)
        return Fields(
            value if value is not None else LineDict(),
            self.file,
            self.line_of(key),
            self.problems,
            f"'{key}'",
        )
