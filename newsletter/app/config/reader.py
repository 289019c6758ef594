"""The one reader of feedletter.toml tables, with one message form:

    FILE: [table] key: what is wrong, what is expected

Each table declares its keys once, as `Keys`. The reader refuses every other key, and
`config_keys()` lists the same declarations, so the checks and the docs cannot drift apart.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from feeds.sanitise import FORBIDDEN
from feeds.urls import absolute_url, is_web_url

from ...errors import AddressError, ConfigError
from ...issue.mail import parse_address
from ...issue.settings import month_parts

T = TypeVar("T")

WEB = ("http", "https")
_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
# bool before int and datetime before date: the first are subclasses of the second
_TOML_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "a boolean"), (int, "an integer"), (float, "a number"), (str, "a string"),
    (list, "an array"), (dict, "a table"), (datetime, "a date-time"), (date, "a date"), (time, "a time"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Keys:
    """What one table accepts. `name` is its dotted name ("newsletter.footer"), `keys` the keys
    holding values, `tables` those holding tables (or arrays of tables) of their own. A table
    whose keys the user chooses (months, font names) sets `user_keys`; its `keys` are then those
    an entry written as a table may hold. `misplaced` maps keys that belong elsewhere to a hint."""

    name: str
    keys: tuple[str, ...] = ()
    tables: tuple[Keys, ...] = ()
    user_keys: bool = False
    misplaced: tuple[tuple[str, str], ...] = ()

    @property
    def last(self) -> str:
        return self.name.rpartition(".")[2]

    @property
    def accepted(self) -> tuple[str, ...]:
        return self.keys + tuple(table.last for table in self.tables)

    def table(self, key: str) -> Keys:
        return next(table for table in self.tables if table.last == key)

    def dotted(self) -> Iterator[str]:
        """Every key as a dotted name; a table of user-chosen keys is named itself."""
        if self.user_keys:
            yield self.name
        for key in self.keys:
            yield f"{self.name}.{key}" if self.name else key
        for table in self.tables:
            yield from table.dotted()


def toml_type(value: Any) -> str:
    for kind, name in _TOML_TYPES:
        if isinstance(value, kind):
            return name
    return f"a {type(value).__name__}"


def show_key(key: str) -> str:
    """A key as TOML writes it: bare when it can be, else quoted (so a message stays one line)."""
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def _one_line(value: str) -> str:
    return " ".join(value.split())


class Table:
    """One table of the file being read. Typed getters return the default when a key is absent
    and raise ConfigError naming the key when its value is wrong. Unknown keys are refused as soon
    as the table is opened."""

    def __init__(self, data: dict[str, Any], spec: Keys, *, file: str, entry: str | None = None,
                 path: tuple[str, ...] = ()) -> None:
        self.data = data
        self.spec = spec
        self.file = file
        # "[site]", or the label of the array entry this table is (part of): '[sources] 2 (name "coop")'
        self.entry_label = entry
        self.label = entry if entry is not None else (f"[{spec.name}]" if spec.name else "")
        self.key_path = path  # keys leading from an entry's label to this table: ("selectors",)
        if not spec.user_keys:
            self._refuse_unknown_keys()
        self._refuse_forbidden_characters()

    # --- messages ---

    def error(self, key: str | None, problem: str) -> ConfigError:
        dotted = ".".join(show_key(part) for part in (*self.key_path, *([key] if key is not None else [])))
        where = " ".join(part for part in (self.label, dotted) if part)
        return ConfigError(f"{self.file}: {where}: {problem}" if where else f"{self.file}: {problem}")

    def must(self, key: str, expected: str, value: Any, *, shown: str | None = None) -> ConfigError:
        """`key: must be EXPECTED, not VALUE` (strings and numbers shown as written, else by their type)."""
        return self.error(key, f"must be {expected}, not {shown or _show(value)}")

    def _refuse_unknown_keys(self) -> None:
        hints = dict(self.spec.misplaced)
        for key in self.data:
            if key in hints:
                raise self.error(key, hints[key])
            if key not in self.spec.accepted:
                raise self.error(key, f"unknown key, expected one of {', '.join(self.spec.accepted)}")

    def _refuse_forbidden_characters(self) -> None:
        """TOML escapes can write any character ("\\u0001"); those XML 1.0 forbids would break
        every feed, page and e-mail they reach, so no string of the table (nor a key the user
        chooses) may hold one. Subtables check their own when they are read."""
        for key, value in self.data.items():
            if self.spec.user_keys and FORBIDDEN.search(key):
                raise self.error(key, f"the key {_forbidden(key)}")
            for text in value if isinstance(value, list) else [value]:
                if isinstance(text, str) and FORBIDDEN.search(text):
                    raise self.error(key, f"{_show(text)} {_forbidden(text)}")

    # --- shape ---

    def names(self) -> list[str]:
        """The keys present, in file order: for tables of user-chosen keys."""
        return list(self.data)

    def has(self, key: str) -> bool:
        return key in self.data

    def _typed(self, key: str, kind: type | tuple[type, ...], expected: str) -> Any:
        """The value of `key` when it has the TOML type `kind`, None when absent."""
        assert self.spec.user_keys or key in self.spec.keys, f"{key} is not declared in {self.spec.name}"
        value = self.data.get(key)  # TOML has no null: None means absent
        if value is None:
            return None
        is_bool_for_number = isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,))
        if is_bool_for_number or not isinstance(value, kind):
            raise self.must(key, expected, value, shown=toml_type(value))
        return value

    def table(self, key: str) -> Table:
        """A subtable (empty when absent): `[parent.key]`, or `ENTRY key` inside an array entry."""
        spec = self.spec.table(key)
        value = self.data.get(key, {})
        if not isinstance(value, dict):
            raise self.must(key, "a table", value, shown=toml_type(value))
        if self.entry_label is None:
            return Table(value, spec, file=self.file)
        return Table(value, spec, file=self.file, entry=self.entry_label, path=(*self.key_path, key))

    def entry(self, key: str) -> Table:
        """The table-valued entry `key` of a table of user-chosen keys ([newsletter.editorial] 2022-12)."""
        return Table(self.data[key], replace(self.spec, user_keys=False), file=self.file, entry=self.label,
                     path=(*self.key_path, key))

    def tables(self, key: str, *, named_by: str, non_empty: bool = False) -> list[Table]:
        """An array of tables; each entry is labelled `[key] N (named_by "value")` so a user finds it."""
        spec = self.spec.table(key)
        value = self.data.get(key, [])
        expected = "a non-empty array of tables" if non_empty else "an array of tables"
        if not isinstance(value, list) or (non_empty and not value):
            raise self.must(key, f"{expected} ([[{spec.name}]])", value,
                            shown="an empty array" if value == [] else toml_type(value))
        found = []
        for number, entry in enumerate(value, start=1):
            label = f"[{spec.name}] {number}"
            if not isinstance(entry, dict):
                raise ConfigError(f"{self.file}: {label}: must be a table, not {toml_type(entry)}")
            name = entry.get(named_by)
            if isinstance(name, str) and name.strip():
                label += f" ({named_by} {json.dumps(_one_line(name), ensure_ascii=False)})"
            found.append(Table(entry, spec, file=self.file, entry=label))
        return found

    # --- values ---

    def text(self, key: str, default: T) -> str | T:
        """A string exactly as written."""
        value = self._typed(key, str, "a string")
        return default if value is None else value

    def line(self, key: str, default: str) -> str:
        """One line of text: every run of whitespace (line breaks too) becomes one space."""
        return _one_line(self.text(key, default))

    def filled(self, key: str, *, required: str = "") -> str | None:
        """A non-blank string, trimmed; None when absent. `required` says what is expected if it must be there."""
        value = self._typed(key, str, "a non-empty string")
        if value is None and required:
            raise self.error(key, f"missing, expected {required}")
        if value is not None and not value.strip():
            raise self.must(key, "a non-empty string", value)
        return None if value is None else value.strip()

    def flag(self, key: str, default: bool) -> bool:
        value = self._typed(key, bool, "true or false")
        return default if value is None else value

    def integer(self, key: str, default: int, *, low: int | None = None, high: int | None = None,
                unit: str = "") -> int:
        expected = _bounded("an integer", low, high, unit)
        value = self._typed(key, int, expected)
        if value is None:
            return default
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.must(key, expected, value)
        return int(value)

    def number(self, key: str, default: T, *, positive: bool = False, unit: str = "") -> float | T:
        expected = ("a positive number" if positive else "a number") + (f" of {unit}" if unit else "")
        value = self._typed(key, (int, float), expected)
        if value is None:
            return default
        if not math.isfinite(value) or (positive and value <= 0):
            raise self.must(key, expected, value)
        return float(value)

    def strings(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        """An array of strings, each on one line; blank ones are dropped."""
        value = self._typed(key, list, "an array of strings")
        if value is None:
            return default
        for element in value:
            if not isinstance(element, str):
                raise self.must(key, "an array of strings", element, shown=f"an array holding {toml_type(element)}")
        return tuple(_one_line(element) for element in value if element.strip())

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        expected = f"one of {', '.join(choices)}"
        value = self._typed(key, str, expected)
        if value is None:
            return default
        if value.strip() not in choices:
            raise self.must(key, expected, value)
        return value.strip()

    def url(self, key: str, *, schemes: tuple[str, ...] = WEB, required: str = "") -> str:
        """An absolute URL of one of `schemes`, checked by feeds.urls; "" when absent or blank,
        unless `required` (what is expected when it is missing)."""
        expected = _url_kind(schemes)
        value = self.line(key, "")
        if not value and not required:
            return ""
        if not value and key not in self.data:
            raise self.error(key, f"missing, expected {required}")
        found = absolute_url(value, mailto="mailto" in schemes) if " " not in value else None
        scheme = urlsplit(found).scheme.lower() if found else ""
        if scheme not in schemes or (scheme in WEB and not is_web_url(value)):
            raise self.must(key, expected, value)
        return value

    def address(self, key: str, *, bare: bool = False, blank: bool = True) -> str | None:
        """An e-mail address (`Name <user@example.org>`, or only `user@example.org` when `bare`),
        as written; None when absent, "" when blank (unset) and `blank` allows it."""
        value = self._typed(key, str, "an e-mail address")
        if value is None or (blank and not value.strip()):
            return value
        return self.check_address(key, value, bare=bare)

    def addresses(self, key: str) -> tuple[str, ...]:
        """One e-mail address or an array of them, each as written."""
        value = self._typed(key, (str, list), "an e-mail address or an array of addresses")
        values = [] if value is None else [value] if isinstance(value, str) else value
        return tuple(self.check_address(key, address) for address in values)

    def check_address(self, key: str, value: Any, *, bare: bool = False) -> str:
        expected = "a bare e-mail address such as news@example.org" if bare else (
            "an e-mail address such as 'News <news@example.org>'")
        try:
            address = parse_address(value)
        except AddressError as error:
            raise self.must(key, expected, value, shown=f"{_show(value)}, which {error.reason}") from None
        if bare and address.display_name:
            raise self.must(key, expected, value, shown=f"{_show(value)}, which has a name as well")
        return address.addr_spec if bare else str(value).strip()

    def regex(self, key: str) -> str | None:
        value = self.filled(key)
        if value is not None:
            try:
                re.compile(value)
            except re.error as error:
                raise self.must(key, "a regular expression", value, shown=f"{value!r} ({error})") from None
        return value

    def month(self, key: str) -> str | None:
        """A month written YYYY-MM; None when absent."""
        value = self._typed(key, str, "a month written YYYY-MM")
        return None if value is None else self.month_key(key, value.strip())

    def month_key(self, key: str, value: str | None = None) -> str:
        """`value` (by default the key itself, in a table keyed by month) as a month written YYYY-MM."""
        month = key if value is None else value
        if month_parts(month) is None:
            raise self.must(key, "a month written YYYY-MM", month)
        return month

    def colour(self, key: str, default: str) -> str:
        value = self.line(key, default)
        if not _COLOUR.fullmatch(value):
            raise self.must(key, "a colour written #rrggbb", value)
        return value

    def path(self, key: str, default: str, *, base: Path) -> Path:
        """A path as written (or `default`), relative to `base`, the config file's directory."""
        return self.resolve(key, self.text(key, default), base)

    def resolve(self, key: str, value: str, base: Path) -> Path:
        try:
            return (base / Path(value).expanduser()).resolve()
        except (OSError, RuntimeError, ValueError) as error:  # NUL byte, unknown ~user, too long
            raise self.must(key, "a file path", value, shown=f"{value!r} ({error})") from None


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return toml_type(value)


def _forbidden(text: str) -> str:
    names = ", ".join(sorted({f"U+{ord(char):04X}" for char in FORBIDDEN.findall(text)}))
    return f"holds {names}, which no feed, page or e-mail may carry; expected printable text"


def _bounded(kind: str, low: int | None, high: int | None, unit: str) -> str:
    if low is not None and high is not None:
        kind += f" from {low} to {high}"
    elif low is not None:
        kind += f" of at least {low}"
    return kind + (f" ({unit})" if unit else "")


def _url_kind(schemes: tuple[str, ...]) -> str:
    kinds = []
    if "http" in schemes:
        kinds.append("an absolute http(s) URL")
    elif "https" in schemes:
        kinds.append("an absolute https:// URL")
    if "mailto" in schemes:
        kinds.append("a mailto: address")
    return " or ".join(kinds)
