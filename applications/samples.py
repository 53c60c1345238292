"""A stand-in for a scanned certificate, for the demo data, the fault drills and the tests.

The upload checks parse every PDF (applications/uploads.py), so a stand-in
must be a real one-page document, not a few magic bytes.
"""

import io

from pypdf import PdfWriter

A4_POINTS = (595, 842)


def blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=A4_POINTS[0], height=A4_POINTS[1])
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
