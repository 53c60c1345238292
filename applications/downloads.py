"""Handing out a benefit document's file, the same way to staff and to parents (RULES.md section 6).

The caller decides who may open the document; this module only serves it so
that it cannot run in a browser, and records who opened it.
"""

import re

from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _

from audit.services import record
from audit.vocabulary import AuditAction

from .models import BenefitDocument
from .uploads import EXTENSIONS


def document_response(document: BenefitDocument, *, actor) -> FileResponse:
    """The file as an attachment with a name we make, never sniffed, sandboxed and never cached.

    The type sent is the one the upload checks detected (``document.content_type``),
    never what the browser claimed. The opening is recorded on the application
    (``document.opened``), so the parent sees in their history whenever somebody
    opened their documents.
    """
    if document.file_purged_at is not None:
        raise Http404(_("The file of this document was deleted under the retention rule."))
    try:
        handle = document.file.storage.open(document.file.name, "rb")
    except FileNotFoundError:
        raise Http404(_("The file of this document is missing.")) from None
    record(
        action=AuditAction.DOCUMENT_OPENED,
        target=document.application,
        actor=actor,
        details={"document": document.pk, "category": document.category},
    )
    known = document.content_type in EXTENSIONS
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(document),
        content_type=document.content_type if known else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "no-store"
    return response


def download_name(document: BenefitDocument) -> str:
    """The benefit in the reader's language, the application number and the type's extension.

    Django writes a name outside ASCII as RFC 6266 ``filename*`` (UTF-8), so a
    Kazakh or Russian name arrives intact; characters a file system or a header
    could trip on are replaced.
    """
    label = re.sub(r"[^\w-]+", " ", str(document.get_category_display())).strip()
    extension = EXTENSIONS.get(document.content_type, "")
    return f"{label} {document.application.display_number}{extension}"
