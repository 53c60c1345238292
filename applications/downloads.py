"""Handing out a benefit document's file, the same way to staff and to parents (RULES.md section 6).

The caller decides who may open the document; this module only serves it so
that it cannot run in a browser, and records who opened it.
"""

from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _

from audit.services import record

from .models import BenefitDocument

#: File name extensions of the accepted document types (applications/uploads.py).
DOWNLOAD_EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


def document_response(document: BenefitDocument, *, actor) -> FileResponse:
    """The file as an attachment with a name we make, never sniffed, sandboxed and never cached.

    The opening is recorded on the application (``document.opened``), so the
    parent sees in their history whenever somebody opened their documents.
    """
    try:
        handle = document.file.storage.open(document.file.name, "rb")
    except FileNotFoundError:
        raise Http404(_("The file of this document is missing.")) from None
    record(
        action="document.opened",
        target=document.application,
        actor=actor,
        details={"document": document.pk, "category": document.category},
    )
    extension = DOWNLOAD_EXTENSIONS.get(document.content_type, "")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"benefit-{document.application.number}-{document.pk}{extension}",
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "no-store"
    return response
