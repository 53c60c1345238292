"""Checks on uploaded benefit documents: type by content, never by name; size bounded (RULES.md 6).

A document is read twice over: its first bytes say which of the three accepted
types it claims to be, and a parser of that type must then accept it. Images
are decoded and encoded afresh, so what is stored is pixels we wrote, with no
metadata (a photo's GPS position, a camera's comment) and nothing appended
after the picture; the original bytes never reach the disk. A PDF cannot be
rewritten without risk of changing what it says, so it is kept as sent, but
only when it parses, is not encrypted, carries no scripts, launch actions or
attached files, and carries nothing but itself: no bytes after its last
``%%EOF`` and no archive or web page between its objects, so the stored file
cannot be opened as a ZIP or a page as well (a polyglot; docs/security.md,
"Uploads").
"""

import io
import pathlib
import re
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from .errors import InvalidDocument

#: The first bytes of each accepted type, and the file name extensions that may carry it.
SIGNATURES = {
    "application/pdf": (b"%PDF-", {".pdf"}),
    "image/png": (b"\x89PNG\r\n\x1a\n", {".png"}),
    "image/jpeg": (b"\xff\xd8\xff", {".jpg", ".jpeg"}),
}

#: The extension a stored or downloaded file of each type gets: ours, not the parent's.
EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}

#: Pillow's name of each accepted image type: the only decoder tried on it.
IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG"}

#: PDF names that make a reader run code, start a program or carry another file (ISO 32000-1, 12.6 and 7.11).
ACTIVE_PDF_KEYS = {"/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/EF", "/XFA"}
ACTIVE_PDF_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/Rendition", "/RichMediaExecute"}
ACTIVE_PDF_SUBTYPES = {"/FileAttachment", "/RichMedia", "/Movie", "/Sound", "/Screen"}

#: The end-of-file marker of a PDF; an incremental update adds another, so the last one ends the file.
PDF_END = b"%%EOF"
#: PDF white space (ISO 32000-1, 7.2.2): all that may follow the last ``%%EOF``.
PDF_WHITESPACE = b"\x00\t\n\x0c\r "
#: Signatures of archives and web pages that have no business between a PDF's objects: ZIP local
#: header, central directory and end record, RAR, 7-Zip, gzip, and the openings of an HTML page.
FOREIGN_MARKERS = re.compile(
    rb"PK\x03\x04|PK\x01\x02|PK\x05\x06|Rar!\x1a\x07|7z\xbc\xaf\x27\x1c|\x1f\x8b\x08"
    rb"|<(?:!doctype|html|script|iframe|body|svg)\b",
    re.IGNORECASE,
)
#: Where a stream's data starts (its keyword after a dictionary); it ends at ``endstream``. Stream data is
#: compressed bytes, where any four bytes may occur by chance, so foreign markers are looked for only
#: outside it.
PDF_STREAM_START = re.compile(rb">>\s*stream\r?\n")
PDF_STREAM_END = b"endstream"
#: A ZIP reader finds an archive by its end record within the last 64 KiB (plus the record) of a file.
ZIP_END_RECORD = b"PK\x05\x06"
ZIP_END_SEARCH = 65_535 + 22


@dataclass(frozen=True)
class CheckedDocument:
    """What may be stored of an upload: its type and the bytes to keep."""

    content_type: str
    content: bytes

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def checked_document(uploaded_file) -> CheckedDocument:
    """The document to store, or InvalidDocument saying in the parent's language what is wrong."""
    limit = settings.BENEFIT_DOCUMENT_MAX_BYTES
    if uploaded_file.size > limit:
        raise InvalidDocument(
            _("The file is larger than %(limit)s MB.") % {"limit": limit // (1024 * 1024)}, field="file"
        )
    uploaded_file.seek(0)
    data = uploaded_file.read()
    uploaded_file.seek(0)
    content_type = _claimed_type(data, uploaded_file.name)
    if content_type == "application/pdf":
        _check_pdf(data)
        _check_pdf_carries_only_itself(data)
        return CheckedDocument(content_type, data)
    return CheckedDocument(content_type, _reencoded_image(data, IMAGE_FORMATS[content_type]))


def _claimed_type(data: bytes, name: str | None) -> str:
    """The type the first bytes name, which the extension must agree with (a web page named .pdf is not)."""
    extension = pathlib.Path(name or "").suffix.lower()
    for content_type, (signature, extensions) in SIGNATURES.items():
        if data.startswith(signature):
            if extension not in extensions:
                raise InvalidDocument(
                    _("The file's name does not match its contents. Send a PDF, JPEG or PNG file."),
                    field="file",
                )
            return content_type
    raise InvalidDocument(_("Only PDF, JPEG and PNG files are accepted."), field="file")


# --- images -------------------------------------------------------------------------------


def _reencoded_image(data: bytes, image_format: str) -> bytes:
    """The picture decoded in full and written anew: upright, without metadata or trailing bytes.

    The pixel count is read from the header and refused before anything is
    decoded, so a small file that unpacks into gigabytes (a decompression bomb)
    costs nothing; a truncated or damaged image fails to decode and is refused.
    """
    unreadable = InvalidDocument(
        _(
            "The image could not be read: it may be damaged or incomplete. Photograph or scan the "
            "document again."
        ),
        field="file",
    )
    output = io.BytesIO()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[image_format]) as image:
                _check_pixel_count(image.size)
                image.load()
                clean = _pixels_only(ImageOps.exif_transpose(image), image_format)
        if image_format == "JPEG":
            clean.save(output, "JPEG", quality=90, optimize=True)
        else:
            clean.save(output, "PNG", optimize=True)
    except InvalidDocument:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _too_many_pixels() from None
    except Exception:  # hostile input: any failure of the decoder or the EXIF reader means "unreadable"
        raise unreadable from None
    return output.getvalue()


def _check_pixel_count(size: tuple[int, int]) -> None:
    width, height = size
    if width * height > settings.BENEFIT_DOCUMENT_MAX_PIXELS:
        raise _too_many_pixels()


def _too_many_pixels() -> InvalidDocument:
    return InvalidDocument(
        _("The image is too large: at most %(megapixels)s megapixels. Send a smaller photo or a scan.")
        % {"megapixels": settings.BENEFIT_DOCUMENT_MAX_PIXELS // 1_000_000},
        field="file",
    )


def _pixels_only(image: Image.Image, image_format: str) -> Image.Image:
    """A new image from the pixels alone: no EXIF, ICC profile, comment or text chunk can follow.

    Pillow carries ``info`` (a JPEG comment among it) into a saved copy, so the
    pixels are moved into an image that never had any.
    """
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if image.mode in ("1", "L"):
        mode = "L"
    elif has_alpha and image_format == "PNG":
        mode = "RGBA"
    else:
        mode = "RGB"
    converted = image.convert(mode)
    return Image.frombytes(mode, converted.size, converted.tobytes())


# --- PDF ----------------------------------------------------------------------------------


def _check_pdf_carries_only_itself(data: bytes) -> None:
    """Refuse a PDF polyglot: bytes after the last ``%%EOF``, or an archive or page hidden inside.

    A PDF reader ignores what follows its end and what lies between objects, while
    ``unzip`` or a browser reads exactly that, so a "certificate" could hand a
    specialist an archive or a page. A pure function of the bytes, linear in
    their length: the tail after the last ``%%EOF`` must be white space; no
    archive or HTML signature may stand outside the streams; and no ZIP end
    record may stand where ZIP readers look for one (the last 64 KiB), inside a
    stream or not. A clean incremental update (several ``%%EOF``) passes.
    """
    end = data.rfind(PDF_END)
    tail = data[end + len(PDF_END) :] if end >= 0 else b""
    outside_streams = b" ".join(_outside_streams(data))
    if (
        end < 0
        or tail.strip(PDF_WHITESPACE)
        or FOREIGN_MARKERS.search(outside_streams)
        or ZIP_END_RECORD in data[-ZIP_END_SEARCH:]
    ):
        raise InvalidDocument(
            _(
                "The PDF carries other data besides the document (an archive or a web page), which is not "
                "accepted. Print it to a new PDF or scan the paper document, and send that."
            ),
            field="file",
        )


def _outside_streams(data: bytes) -> list[bytes]:
    """The bytes of a PDF between its streams' data: objects, dictionaries, cross-references, comments."""
    parts, position = [], 0
    while (start := PDF_STREAM_START.search(data, position)) is not None:
        parts.append(data[position : start.start()])
        end = data.find(PDF_STREAM_END, start.end())
        position = len(data) if end < 0 else end + len(PDF_STREAM_END)
    parts.append(data[position:])
    return parts


def _check_pdf(data: bytes) -> None:
    """Refuse a PDF that does not parse, is encrypted, has no page, or could act when opened."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise InvalidDocument(
                _("The PDF is protected with a password or encrypted. Send it without protection."),
                field="file",
            )
        if len(reader.pages) == 0:
            raise InvalidDocument(_("The PDF has no pages."), field="file")
        active = _has_active_content(reader.trailer)
    except InvalidDocument:
        raise
    except Exception:  # hostile input: any failure of the parser means "does not parse"
        raise InvalidDocument(
            _("The PDF could not be read: it may be damaged. Save or scan it again."), field="file"
        ) from None
    if active:
        raise InvalidDocument(
            _(
                "The PDF contains scripts, actions or attached files, which are not accepted. Print it to "
                "a new PDF or scan the paper document, and send that."
            ),
            field="file",
        )


def _has_active_content(root) -> bool:
    """Walk every object reachable from the trailer once, looking for code, launches and attachments.

    Names are compared after pypdf decodes them, so an escaped ``/J#61vaScript``
    is caught like the plain one.
    """
    seen: set[tuple[int, int]] = set()
    pending = [root]
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            if ACTIVE_PDF_KEYS.intersection(item.keys()):
                return True
            if item.get("/S") in ACTIVE_PDF_ACTIONS or item.get("/Subtype") in ACTIVE_PDF_SUBTYPES:
                return True
            pending.extend(item.values())
        elif isinstance(item, ArrayObject):
            pending.extend(item)
    return False
