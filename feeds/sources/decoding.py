"""Text from bytes, for the text kinds (listings, items files): a BOM, UTF-16 without
one, a declared charset or UTF-8, and binary data refused with a problem. Pure."""

from __future__ import annotations

from ..model import Problem

_SAMPLE = 8192


def utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the bytes look like UTF-16 text without a BOM:
    an even length, and a NUL in the high byte of nearly every character (mostly
    ASCII text) but never in the low byte. Anything else with NULs is binary."""
    sample = data[:_SAMPLE]
    if len(data) % 2 or len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    for encoding, high, low in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if high.count(0) >= 0.6 * len(high) and low.count(0) == 0:
            return encoding
    return None


def _stray_nuls(data: bytes) -> bool:
    """UTF-8 text with a few NULs (removed later as characters XML forbids), not binary."""
    sample = data[:_SAMPLE]
    controls = sum(sample.count(byte) for byte in range(9))
    if controls > 8 and controls * 100 > len(sample):
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(sample) - 3  # a character cut by the sample's end
    return True


def decode(data: bytes, *, source: str, charset: str | None = None) -> tuple[str | None, str, Problem | None]:
    """(text, encoding used, problem). A BOM wins, then UTF-16 recognised by its NUL
    pattern, then the declared charset, then UTF-8. NULs make bytes binary unless
    they are a few strays in UTF-8 text. Undecodable or binary data is a
    problem with its line, never silent mojibake."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16", None
        except UnicodeDecodeError as error:
            return None, "UTF-16", Problem(source, 1, f"not valid UTF-16 text ({error.reason} at byte {error.start})")
    if b"\x00" in data[:_SAMPLE]:
        encoding = utf16_without_bom(data)
        if encoding:
            try:
                return data.decode(encoding), f"{encoding.upper()} (no byte order mark)", None
            except UnicodeDecodeError:
                pass
        if not _stray_nuls(data):
            return None, "binary", Problem(source, 1, "binary data, expected text")
    for encoding in filter(None, (charset, "utf-8")):
        try:
            return data.decode(encoding), encoding.upper(), None
        except (UnicodeDecodeError, LookupError) as error:
            if isinstance(error, LookupError) or encoding != "utf-8":
                continue
            line = data[: error.start].count(b"\n") + 1
            return None, "unknown", Problem(
                source,
                line,
                f"not UTF-8 text (byte 0x{data[error.start]:02x}); save the listing as UTF-8",
            )
    return None, "unknown", Problem(source, 1, "cannot decode the text")  # pragma: no cover


def decode_text(data: bytes, *, source: str, charset: str | None = None) -> tuple[str | None, Problem | None]:
    text, _encoding, problem = decode(data, source=source, charset=charset)
    return text, problem
