"""Listing text (the core format) from bytes: decode, then `parse_listing`."""

from __future__ import annotations

from ..model import ParseResult, Problem
from ..parse import parse_listing


def decode_text(data: bytes, *, source: str, charset: str | None = None) -> tuple[str | None, Problem | None]:
    """Text from bytes: a BOM wins, then the declared charset, then UTF-8.

    Undecodable or binary data is a problem, never silent mojibake.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace"), None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace"), None
    if b"\x00" in data[:8192]:
        return None, Problem(source, 1, "binary data, expected text")
    for encoding in filter(None, (charset, "utf-8")):
        try:
            return data.decode(encoding), None
        except (UnicodeDecodeError, LookupError) as error:
            if isinstance(error, LookupError) or encoding != "utf-8":
                continue
            line = data[: error.start].count(b"\n") + 1
            return None, Problem(
                source,
                line,
                f"not UTF-8 text (byte 0x{data[error.start]:02x}); save the listing as UTF-8",
            )
    return None, Problem(source, 1, "cannot decode the text")  # pragma: no cover


def parse(data: bytes, *, source: str, charset: str | None = None) -> ParseResult:
    text, problem = decode_text(data, source=source, charset=charset)
    if text is None:
        return ParseResult(source=source, problems=(problem,) if problem else ())
    return parse_listing(text, source=source)
