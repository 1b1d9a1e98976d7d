"""Photos of a practice: only real JPEG, PNG and WebP pictures, re-encoded without metadata.

A photo a member uploads is shown to every visitor once it is published, so what is
stored must be a plain picture and nothing else:

* **Judged by content, never by name.** The first bytes must be a JPEG, PNG or WebP
  signature (:func:`cop.data.schema.photo_mime`) and Pillow must open the file as exactly
  that format and ``verify()`` it. An HTML or SVG file, a script or a zip archive renamed
  ``foto.jpg`` is refused.
* **Small.** At most :data:`MAX_UPLOAD_BYTES` (5 MB) are accepted, checked before any
  decoding, and at most :data:`MAX_PIXELS` pixels, checked on the header before the pixels
  are decoded: a "decompression bomb" (a few kilobytes that unpack to gigabytes) never
  reaches the decoder. Our limit is far below Pillow's own guard
  (``Image.MAX_IMAGE_PIXELS``, about 89 megapixels, whose warning is turned into a refusal
  here too), so the global setting other code relies on is left as it is.
* **Re-encoded and stripped.** Only the pixels are kept: they are copied into a new image
  (no EXIF, GPS position, camera serial number, XMP, comments or ICC profile survive) and
  saved again in the same format. The EXIF orientation is applied first, so a portrait
  photo stays upright. Pictures larger than :data:`MAX_SIDE` pixels on a side are scaled
  down: a practice page does not need more, and the database stays small. Animated
  pictures keep their first frame.

Everything here is pure Python on bytes; :mod:`cop.community.submissions` stores the result.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field

from PIL import Image, ImageOps, UnidentifiedImageError

from cop.data.schema import MAX_PHOTO_BYTES, MB, photo_mime

__all__ = [
    "MAX_PIXELS",
    "MAX_SIDE",
    "MAX_UPLOAD_BYTES",
    "Photo",
    "PhotoRefused",
    "prepare_photo",
]

MAX_UPLOAD_BYTES = MAX_PHOTO_BYTES
#: Pixels a picture may have (a 40-megapixel camera photo); checked before decoding.
MAX_PIXELS = 40_000_000
#: Longest side of a stored picture, in pixels.
MAX_SIDE = 2048
JPEG_QUALITY = 85
_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
_PIXEL_PARAMS: dict[str, object] = {"megapixels": MAX_PIXELS // 1_000_000}


@dataclass(frozen=True)
class Photo:
    """A picture ready to store: re-encoded bytes, their MIME type and size in pixels."""

    data: bytes
    mime: str
    width: int
    height: int


@dataclass
class PhotoRefused(ValueError):
    """Why a file is not stored: a catalog key (``photo.*``) and its parameters."""

    key: str
    params: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.key)


def prepare_photo(data: bytes) -> Photo:
    """Check an uploaded file and return it re-encoded without metadata.

    Raises
    ------
    PhotoRefused
        ``photo.empty``, ``photo.too_large`` (``size_mb``, ``max_mb``),
        ``photo.not_image`` (not a JPEG/PNG/WebP picture by its content, or damaged),
        ``photo.too_many_pixels`` (``megapixels``; also a decompression bomb).

    Examples
    --------
    >>> prepare_photo(b"<html><script>alert(1)</script>")
    Traceback (most recent call last):
    ...
    cop.community.photos.PhotoRefused: photo.not_image
    """
    if not data:
        raise PhotoRefused("photo.empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoRefused(
            "photo.too_large",
            {"size_mb": round(len(data) / MB, 1), "max_mb": MAX_UPLOAD_BYTES // MB},
        )
    mime = photo_mime(data)
    if mime is None:
        raise PhotoRefused("photo.not_image")
    with warnings.catch_warnings():
        # Pillow warns above Image.MAX_IMAGE_PIXELS and raises above twice that: both refuse.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            _open(data, mime).verify()
            picture = _open(data, mime)
            picture.load()
        except PhotoRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PhotoRefused("photo.too_many_pixels", _PIXEL_PARAMS) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
            raise PhotoRefused("photo.not_image") from exc
    return _reencode(picture, mime)


def _open(data: bytes, mime: str) -> Image.Image:
    """Open ``data`` as exactly the format its signature names, refusing huge headers."""
    picture = Image.open(io.BytesIO(data), formats=[_FORMATS[mime]])
    width, height = picture.size
    if width * height > MAX_PIXELS:
        raise PhotoRefused("photo.too_many_pixels", _PIXEL_PARAMS)
    return picture


def _reencode(picture: Image.Image, mime: str) -> Photo:
    """Only the pixels, upright, at most :data:`MAX_SIDE` a side, saved in ``mime``."""
    upright = ImageOps.exif_transpose(picture)
    keep_alpha = mime != "image/jpeg" and (
        "A" in upright.getbands() or "transparency" in upright.info
    )
    mode = "RGBA" if keep_alpha else "RGB"
    if upright.mode == "L" and not keep_alpha:
        mode = "L"
    converted = upright.convert(mode)
    converted.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # A new image from the pixels alone: no EXIF, GPS, XMP, ICC or comment can come along.
    clean = Image.frombytes(converted.mode, converted.size, converted.tobytes())
    buffer = io.BytesIO()
    if mime == "image/jpeg":
        clean.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif mime == "image/png":
        clean.save(buffer, "PNG", optimize=True)
    else:
        clean.save(buffer, "WEBP", quality=JPEG_QUALITY)
    stored = buffer.getvalue()
    if len(stored) > MAX_UPLOAD_BYTES:
        raise PhotoRefused(
            "photo.too_large",
            {"size_mb": round(len(stored) / MB, 1), "max_mb": MAX_UPLOAD_BYTES // MB},
        )
    return Photo(stored, mime, clean.width, clean.height)
