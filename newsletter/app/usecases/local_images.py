"""The pictures of a local source: paths in a local items file, relative to it, read
from inside its folder (no `../`, no symbolic link out), checked to be PNG, JPEG, GIF
or WebP, and named by a hash of their bytes. The items then link to the public copy
(base_url + images/<name>), which the build writes from the archive; a remote picture
is never downloaded, only linked where its source hosts it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

from feeds.errors import FeedletterError
from feeds.images import image_size, image_type, is_local_path, local_image_name
from feeds.model import FeedMeta, Image, ParsedItem, ParseResult, Problem
from feeds.site_paths import image_path

MAX_IMAGE_BYTES = 10 * 1024 * 1024  # a picture for a newsletter; a bigger file is a mistake


@dataclass(frozen=True, slots=True)
class LocalImages:
    """A source's items with their local pictures made public, and what that took."""

    result: ParseResult
    files: dict[str, bytes] = field(default_factory=dict)  # published name -> bytes, for the archive
    read: dict[str, str] = field(default_factory=dict)  # path read -> sha256 of its bytes (see unchanged)


def publish_local_images(result: ParseResult, source_file: Path, meta: FeedMeta) -> LocalImages:
    """`result` with every local picture replaced by its public copy's URL; a picture
    that cannot be used is a problem on its item's line, and the item is kept without it."""
    if not any(is_local_path(item.image) for item in result.items):
        return LocalImages(result)
    folder = source_file.parent.resolve()
    files: dict[str, bytes] = {}
    read: dict[str, str] = {}
    problems: list[Problem] = []
    items: list[ParsedItem] = []
    for item in result.items:
        if not is_local_path(item.image):
            items.append(item)
            continue
        assert item.image is not None
        found = _read_picture(folder, item.image.url)
        if isinstance(found, str):
            problems.append(Problem(result.source, item.line, f"image {item.image.url!r}: {found}; image dropped"))
            items.append(replace(item, image=None))
            continue
        path, data, extension = found
        name = local_image_name(item.image.url, data, extension)
        files[name] = data
        read[str(path)] = hashlib.sha256(data).hexdigest()
        items.append(replace(item, image=_public(item.image, name, data, meta)))
    return LocalImages(replace(result, items=tuple(items), problems=(*result.problems, *problems)), files, read)


def _public(image: Image, name: str, data: bytes, meta: FeedMeta) -> Image:
    """The picture at its public URL, its size read from the file when not given."""
    width, height = image.width, image.height
    if width is None and height is None:
        width, height = image_size(data) or (None, None)
    return Image(meta.base_url + image_path(name), image.alt, width, height)


def _read_picture(folder: Path, relative: str) -> tuple[Path, bytes, str] | str:
    """(the file, its bytes, its extension), or why it cannot be published."""
    from feeds.fetch import read_file

    wanted = folder / relative
    try:
        path = wanted.resolve(strict=True)
    except FileNotFoundError:
        return f"no such file {wanted}"
    except (OSError, RuntimeError) as error:  # RuntimeError: a symbolic link loop
        return f"cannot read {wanted} ({getattr(error, 'strerror', None) or error})"
    if folder not in path.parents:
        return f"is outside the folder of the items file ({folder}), expected a path inside it"
    try:
        data = read_file(path, MAX_IMAGE_BYTES).data or b""
    except FeedletterError as error:
        return str(error).removeprefix(f"{path}: ")
    kind = image_type(data)
    if kind is None:
        return "is not a PNG, JPEG, GIF or WebP picture (judged by its bytes, not its name)"
    return path, data, kind[1]


def unchanged_pictures(read: dict[str, str]) -> bool:
    """True when every picture file a source read last time still holds the same bytes."""
    for path, digest in read.items():
        try:
            data = Path(path).read_bytes()
        except OSError:
            return False
        if hashlib.sha256(data).hexdigest() != digest:
            return False
    return True
