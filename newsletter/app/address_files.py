"""Lists of e-mail addresses from files and from the config: `subscribers import FILE`,
`[smtp] recipients_file` and `[smtp] recipients`. Each address comes with where it was
written (`file:line`), which every message about it names.

A file is either one address a line (`Ann <ann@example.org>` or `ann@example.org`, `#`
comments), or a CSV file whose header row names an e-mail column ("email", "e-mail",
"email address", "address", any case) and optionally "name", or "first name" and
"last name", as the export of a mailing list or an e-mail service has.
"""

from __future__ import annotations

import csv
import io
from email.headerregistry import Address
from pathlib import Path

from ..errors import ConfigError, InputError
from .config.smtp import SmtpSettings
from .subscribers import Listed, checked

_EMAIL_COLUMNS = ("email", "e-mail", "email address", "e-mail address", "address", "mail")
_DELIMITERS = ",;\t"


def read_address_file(path: Path) -> list[Listed]:
    """Every address of the file, in order. A line that is not an address is an InputError
    naming each such line (`file:line: …`); a file that cannot be read, one line too."""
    text = _text(path)
    lines = text.splitlines()
    header = next((line for line in lines if line.strip() and not line.lstrip().startswith("#")), "")
    csv_header = _csv_header(header)
    listed = _csv_rows(path, text, *csv_header) if csv_header else _plain_lines(path, lines)
    good, bad = checked(listed)
    if bad:
        raise InputError(bad)
    return good


def config_recipients(smtp: SmtpSettings, config_path: Path) -> list[Listed]:
    """[smtp] recipients, then the addresses of recipients_file (a bad line there is a config error)."""
    listed = [Listed(address, f"{config_path}: [smtp] recipients") for address in smtp.recipients]
    if smtp.recipients_file is not None:
        try:
            listed += read_address_file(smtp.recipients_file)
        except InputError as error:
            raise ConfigError(error.lines[0]) from None
    return listed


def _text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ({error.strerror})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text (byte 0x{data[error.start]:02x}), "
                          "expected a list of addresses saved as UTF-8") from None


def _plain_lines(path: Path, lines: list[str]) -> list[Listed]:
    found = []
    for number, line in enumerate(lines, start=1):
        entry = line.split("#", 1)[0].strip()
        if entry:
            found.append(Listed(entry, f"{path}:{number}"))
    return found


def _csv_header(header: str) -> tuple[str, dict[str, int]] | None:
    """(delimiter, column name -> index) when `header` is a CSV header row naming an e-mail column."""
    for delimiter in _DELIMITERS:
        cells = [cell.strip().lower() for cell in next(csv.reader([header], delimiter=delimiter), [])]
        if any(cell in _EMAIL_COLUMNS for cell in cells) and (delimiter in header or len(cells) == 1):
            return delimiter, {cell: index for index, cell in reversed(list(enumerate(cells)))}
    return None


def _csv_rows(path: Path, text: str, delimiter: str, columns: dict[str, int]) -> list[Listed]:
    email = next(columns[name] for name in _EMAIL_COLUMNS if name in columns)
    name_columns = [columns[name] for name in ("name", "full name") if name in columns][:1] or [
        columns[name] for name in ("first name", "last name") if name in columns]
    found = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header_seen = False
    for row in reader:
        number = reader.line_num
        if not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if not header_seen:
            header_seen = True
            continue
        address = row[email].strip() if email < len(row) else ""
        name = " ".join(row[index].strip() for index in name_columns if index < len(row) and row[index].strip())
        found.append(Listed(_with_name(name, address), f"{path}:{number}"))
    return found


def _with_name(name: str, address: str) -> str:
    """`Name <address>` as a header shows it (quoted when it must be), the address alone without a name."""
    if not name or "<" in address:
        return address
    try:
        return str(Address(display_name=" ".join(name.split()), addr_spec=address))
    except (ValueError, IndexError):  # not an address: checked() reports it as written
        return address
