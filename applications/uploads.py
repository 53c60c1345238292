"""Checks on uploaded benefit documents: type by content, never by name; size bounded (RULES.md 6)."""

import pathlib

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .errors import InvalidDocument

#: The first bytes of each accepted type, and the file name extensions that may carry it.
SIGNATURES = {
    "application/pdf": (b"%PDF-", {".pdf"}),
    "image/png": (b"\x89PNG\r\n\x1a\n", {".png"}),
    "image/jpeg": (b"\xff\xd8\xff", {".jpg", ".jpeg"}),
}


def checked_content_type(uploaded_file) -> str:
    """The content type of an acceptable document, or InvalidDocument saying what is wrong.

    The type is read from the file's first bytes and must agree with its
    extension, so an executable or a web page renamed ``.pdf`` is refused.
    """
    limit = settings.BENEFIT_DOCUMENT_MAX_BYTES
    if uploaded_file.size > limit:
        raise InvalidDocument(
            _("The file is larger than %(limit)s MB.") % {"limit": limit // (1024 * 1024)}, field="file"
        )
    uploaded_file.seek(0)
    head = uploaded_file.read(16)
    uploaded_file.seek(0)
    extension = pathlib.Path(uploaded_file.name or "").suffix.lower()
    for content_type, (signature, extensions) in SIGNATURES.items():
        if head.startswith(signature):
            if extension not in extensions:
                raise InvalidDocument(
                    _("The file's name does not match its contents. Send a PDF, JPEG or PNG file."),
                    field="file",
                )
            return content_type
    raise InvalidDocument(_("Only PDF, JPEG and PNG files are accepted."), field="file")
