"""Benefit documents a parent or a specialist uploads: what is refused, what is stored, how it is served.

Files are posted through the parent's application page and the specialist's
paper application form, as people send them; docs/security.md, "Uploads",
states the rules these tests hold.
"""

import datetime
import io
import os
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, TextStringObject

from applications import services
from applications.choices import BenefitCategory, Channel
from applications.errors import InvalidDocument
from applications.models import BenefitDocument
from applications.tests.factories import PDF_BYTES, child_details, document, submit

NOW = datetime.datetime(2026, 3, 12, 12, 0, tzinfo=ZoneInfo("Asia/Almaty"))
TODAY = NOW.date()
SCRIPT = b"<script>alert(document.cookie)</script>"


pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock", "english_pages")]


@pytest.fixture
def application(parent, settlement_a):
    """The parent's application with one large-family certificate, made as the portal makes it."""
    return submit(
        settlement_a,
        actor=parent.user,
        applicant=services.ApplicantDetails(
            iin=parent.iin, surname=parent.surname, name=parent.name, phone=parent.phone
        ),
        child=child_details(),
        documents=[document(BenefitCategory.LARGE_FAMILY, issued_on=TODAY)],
    )


# --- files as people send them --------------------------------------------------------------


def jpeg(size=(64, 48), **save_options) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(output, "JPEG", **save_options)
    return output.getvalue()


def png(size=(64, 48)) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, (30, 30, 200)).save(output, "PNG")
    return output.getvalue()


def photo_with_gps_turned_sideways() -> bytes:
    """A phone photo: 60 wide, 20 high as stored, EXIF says turn it a quarter; GPS position inside."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to view
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825).update({1: "N", 2: (43.0, 15.0, 0.0), 3: "E", 4: (76.0, 54.0, 0.0)})
    return jpeg(size=(60, 20), exif=exif.tobytes())


def pdf_with(**catalog_entries) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    for key, value in catalog_entries.items():
        writer._root_object[NameObject(f"/{key}")] = value
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def pdf_with_javascript() -> bytes:
    """Document-level JavaScript, run by a reader on opening (the catalog's /Names /JavaScript tree)."""
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1);")}
    )
    scripts = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("hello"), action])})
    return pdf_with(Names=DictionaryObject({NameObject("/JavaScript"): scripts}))


def pdf_with_attachment() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("payload.exe", b"MZ\x90\x00")
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("secret", algorithm="RC4-128")
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def zip_archive() -> bytes:
    """What ``unzip -l`` would list from a polyglot: a web page that reads the specialist's session."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("evil.html", b"<html><body>" + SCRIPT + b"</body></html>")
    return output.getvalue()


def pdf_updated_incrementally() -> bytes:
    """A clean PDF saved twice, as a signing or form tool does: a second revision and a second ``%%EOF``."""
    writer = PdfWriter(io.BytesIO(PDF_BYTES), incremental=True)
    writer.add_metadata({"/Title": "Certificate, signed"})
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def pdf_with_between_objects(payload: bytes) -> bytes:
    """``payload`` slipped between the first object and the next, before ``%%EOF``: readers skip it."""
    first_object_end = PDF_BYTES.index(b"endobj") + len(b"endobj\n")
    return PDF_BYTES[:first_object_end] + payload + b"\n" + PDF_BYTES[first_object_end:]


def png_bomb(side=20_000) -> bytes:
    """A real decompression bomb: a one-bit PNG of side x side pixels, a few dozen kilobytes packed."""
    row = b"\x00" + b"\x00" * (side // 8)
    packed = zlib.compress(row * side, 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", packed) + chunk(b"IEND", b"")


def post_document(client, application, name: str, content: bytes, content_type="application/octet-stream"):
    return client.post(
        reverse("applications:detail", args=[application.number]),
        {
            "category": BenefitCategory.DISABLED_PARENT,
            "issued_on": TODAY.isoformat(),
            "file": SimpleUploadedFile(name, content, content_type=content_type),
        },
    )


def refusal(client, application, name: str, content: bytes) -> list[str]:
    """The errors shown on the file field when the parent sends ``content`` as ``name``; nothing is stored."""
    client.force_login(application.applicant.user)
    response = post_document(client, application, name, content)
    assert response.status_code == 200
    assert application.benefit_documents.count() == 1
    return response.context["form"].errors["file"]


def added(client, application, name: str, content: bytes, content_type="application/octet-stream"):
    client.force_login(application.applicant.user)
    response = post_document(client, application, name, content, content_type)
    assert response.status_code == 302, response.context["form"].errors
    return application.benefit_documents.latest("pk")


def stored_bytes(document: BenefitDocument) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def download(client, document: BenefitDocument):
    response = client.get(reverse("applications:document", args=[document.application.number, document.pk]))
    return response, b"".join(response.streaming_content)


# --- what is refused --------------------------------------------------------------------------


def test_a_web_page_renamed_pdf_is_refused(client, application):
    page = b"<!DOCTYPE html><html><body>" + SCRIPT + b"</body></html>"

    assert refusal(client, application, "certificate.pdf", page) == [
        "Only PDF, JPEG and PNG files are accepted."
    ]


def test_a_png_renamed_pdf_is_refused(client, application):
    assert refusal(client, application, "certificate.pdf", png()) == [
        "The file's name does not match its contents. Send a PDF, JPEG or PNG file."
    ]


def test_a_gif_is_refused_even_named_as_an_image_we_accept(client, application):
    gif_and_page = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;" + SCRIPT

    assert refusal(client, application, "photo.jpg", gif_and_page) == [
        "Only PDF, JPEG and PNG files are accepted."
    ]


def test_a_file_without_an_extension_is_refused(client, application):
    assert refusal(client, application, "scan", jpeg()) == [
        "The file's name does not match its contents. Send a PDF, JPEG or PNG file."
    ]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(pdf_with_javascript(), id="document-level JavaScript"),
        pytest.param(
            pdf_with(
                OpenAction=DictionaryObject(
                    {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")}
                )
            ),
            id="launch action on opening",
        ),
        pytest.param(pdf_with_attachment(), id="embedded file"),
    ],
)
def test_a_pdf_that_could_act_when_opened_is_refused(client, application, content):
    assert refusal(client, application, "certificate.pdf", content) == [
        "The PDF contains scripts, actions or attached files, which are not accepted. Print it to a new "
        "PDF or scan the paper document, and send that."
    ]


def test_a_pdf_whose_javascript_name_is_escaped_is_refused_all_the_same(client, application):
    escaped = pdf_with_javascript().replace(b"/JavaScript", b"/J#61vaScript")
    assert b"/JavaScript" not in escaped

    assert refusal(client, application, "certificate.pdf", escaped)[0].startswith("The PDF contains scripts")


POLYGLOT_REFUSAL = [
    "The PDF carries other data besides the document (an archive or a web page), which is not accepted. "
    "Print it to a new PDF or scan the paper document, and send that."
]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(PDF_BYTES + zip_archive(), id="PDF with a ZIP appended"),
        pytest.param(PDF_BYTES + b"<html><body>" + SCRIPT + b"</body></html>", id="PDF with a page appended"),
        pytest.param(PDF_BYTES + b"\n%%EOF\n" + zip_archive(), id="ZIP after a forged second %%EOF"),
        pytest.param(pdf_with_between_objects(zip_archive()), id="ZIP between objects"),
        pytest.param(pdf_with_between_objects(b"<!DOCTYPE html>" + SCRIPT), id="page between objects"),
        pytest.param(pdf_with_between_objects(b"Rar!\x1a\x07\x00" + b"\x00" * 20), id="RAR between objects"),
        pytest.param(pdf_with_between_objects(b"7z\xbc\xaf\x27\x1c" + b"\x00" * 20), id="7z between objects"),
        pytest.param(pdf_with_between_objects(b"\x1f\x8b\x08\x00" + b"\x00" * 20), id="gzip between objects"),
    ],
)
def test_a_pdf_carrying_an_archive_or_a_page_is_refused(client, application, content):
    assert PdfReader(io.BytesIO(content)).pages  # a PDF reader opens it without a word

    assert refusal(client, application, "certificate.pdf", content) == POLYGLOT_REFUSAL


def test_a_zip_hidden_inside_the_last_stream_is_refused(client, application):
    """Where ``unzip`` looks for an archive (its end record in the last 64 KiB), inside a stream or not."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    contents = DecodedStreamObject()
    contents.set_data(zip_archive())
    page[NameObject("/Contents")] = writer._add_object(contents)
    output = io.BytesIO()
    writer.write(output)
    content = output.getvalue()
    assert zipfile.is_zipfile(io.BytesIO(content))

    assert refusal(client, application, "certificate.pdf", content) == POLYGLOT_REFUSAL


def test_a_pdf_updated_incrementally_with_two_eofs_is_accepted_as_sent(client, application):
    updated = pdf_updated_incrementally()
    assert updated.count(b"%%EOF") == 2

    stored = added(client, application, "certificate.pdf", updated + b"\r\n\x00 ")

    assert stored_bytes(stored) == updated + b"\r\n\x00 "


def test_an_encrypted_pdf_is_refused(client, application):
    assert refusal(client, application, "certificate.pdf", encrypted_pdf()) == [
        "The PDF is protected with a password or encrypted. Send it without protection."
    ]


def test_a_pdf_that_does_not_parse_is_refused(client, application):
    assert refusal(client, application, "certificate.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 50) == [
        "The PDF could not be read: it may be damaged. Save or scan it again."
    ]


def test_a_truncated_jpeg_is_refused(client, application):
    photo = jpeg(size=(400, 300))

    assert refusal(client, application, "photo.jpg", photo[: len(photo) // 2]) == [
        "The image could not be read: it may be damaged or incomplete. Photograph or scan the document again."
    ]


def test_a_decompression_bomb_is_refused_before_it_is_unpacked(client, application):
    bomb = png_bomb()
    assert len(bomb) < 200_000  # 400 million pixels in a small file

    assert refusal(client, application, "scan.png", bomb) == [
        "The image is too large: at most 40 megapixels. Send a smaller photo or a scan."
    ]


def test_the_eleventh_document_of_an_application_is_refused(application, parent, parent_client):
    for _number in range(9):
        services.add_benefit_document(
            application=application,
            upload=document(BenefitCategory.ORPHAN, issued_on=TODAY),
            actor=parent.user,
        )

    response = post_document(parent_client, application, "photo.jpg", jpeg())

    assert response.context["form"].errors["file"] == [
        "An application holds at most 10 documents. If one must be replaced, contact the education "
        "department."
    ]
    assert application.benefit_documents.count() == 10


def test_a_paper_application_with_more_documents_than_allowed_is_refused(settings, settlement_a):
    settings.BENEFIT_DOCUMENTS_PER_APPLICATION = 1
    documents = [document(BenefitCategory.ORPHAN, issued_on=TODAY), document(BenefitCategory.TEACHER, TODAY)]

    with pytest.raises(InvalidDocument, match="at most 1 documents"):
        submit(settlement_a, documents=documents)


def test_the_specialists_paper_form_refuses_a_pdf_with_javascript(client, specialist_a, settlement_a):
    from applications.tests.test_admin import paper_form_data

    client.force_login(specialist_a)
    data = paper_form_data(
        settlement_a,
        document_category=BenefitCategory.LARGE_FAMILY,
        document_issued_on="2026-01-20",
        document_file=SimpleUploadedFile("certificate.pdf", pdf_with_javascript()),
    )

    response = client.post(reverse("admin:applications_application_add"), data)

    assert response.status_code == 200
    assert "The PDF contains scripts, actions or attached files" in response.text
    assert not BenefitDocument.objects.exists()


def test_a_refused_document_leaves_no_file_of_the_documents_before_it(settlement_a):
    scripted = services.DocumentUpload(
        category=BenefitCategory.TEACHER,
        file=SimpleUploadedFile("certificate.pdf", pdf_with_javascript()),
        issued_on=TODAY,
    )

    with pytest.raises(InvalidDocument, match="scripts"):
        submit(settlement_a, documents=[document(BenefitCategory.ORPHAN, issued_on=TODAY), scripted])

    assert not [path for path in Path(django_settings.PRIVATE_MEDIA_ROOT).rglob("*") if path.is_file()]


# --- what is stored ---------------------------------------------------------------------------


def test_a_jpeg_with_a_page_behind_it_is_stored_re_encoded_without_the_page(client, application):
    polyglot = jpeg(comment=SCRIPT) + SCRIPT
    assert SCRIPT in polyglot

    stored = added(client, application, "photo.jpg", polyglot, content_type="text/html")

    content = stored_bytes(stored)
    assert b"<script" not in content.lower()
    assert content != polyglot
    assert Image.open(io.BytesIO(content)).format == "JPEG"
    assert stored.content_type == "image/jpeg"


@pytest.mark.parametrize(("name", "picture"), [("photo.jpg", jpeg), ("scan.png", png)])
def test_an_image_with_a_zip_behind_it_is_stored_without_the_zip(client, application, name, picture):
    polyglot = picture() + zip_archive()
    assert zipfile.is_zipfile(io.BytesIO(polyglot))

    content = stored_bytes(added(client, application, name, polyglot))

    assert not zipfile.is_zipfile(io.BytesIO(content))
    assert b"PK\x03\x04" not in content
    assert b"evil.html" not in content


def test_a_photo_loses_its_exif_and_gps_and_is_stored_upright(client, application):
    stored = added(client, application, "IMG_0001.JPEG", photo_with_gps_turned_sideways())

    image = Image.open(io.BytesIO(stored_bytes(stored)))
    assert image.size == (20, 60)  # turned as the camera said
    assert dict(image.getexif()) == {}
    assert b"PhoneMaker" not in stored_bytes(stored)
    assert not set(image.info) & {"exif", "icc_profile", "comment", "xmp"}


def test_a_png_is_stored_re_encoded_and_a_pdf_as_sent(client, application):
    picture = added(client, application, "scan.png", png() + SCRIPT)
    certificate = added(client, application, "certificate.pdf", PDF_BYTES)

    assert picture.content_type == "image/png"
    assert b"<script" not in stored_bytes(picture)
    assert Image.open(io.BytesIO(stored_bytes(picture))).size == (64, 48)
    assert certificate.content_type == "application/pdf"
    assert stored_bytes(certificate) == PDF_BYTES


def test_files_are_stored_outside_the_web_root_under_random_names(client, application):
    stored = added(client, application, "Ахметова паспорт.jpg", jpeg())

    assert re.fullmatch(r"benefits/[0-9a-f]{32}\.jpg", stored.file.name)
    path = Path(stored.file.path).resolve()
    assert path.is_relative_to(Path(django_settings.PRIVATE_MEDIA_ROOT).resolve())
    for served in (
        django_settings.STATIC_ROOT,
        django_settings.MEDIA_ROOT,
        *django_settings.STATICFILES_DIRS,
    ):
        assert not path.is_relative_to(Path(served).resolve())
    with pytest.raises(ValueError, match="no URL"):
        stored.file.url  # noqa: B018 (no address leads to a document)


def test_settings_refuse_private_documents_inside_a_served_folder(tmp_path):
    environment = {**os.environ, "PRIVATE_MEDIA_ROOT": str(tmp_path / "static" / "private")}
    environment["STATIC_ROOT"] = str(tmp_path / "static")

    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=environment,
        capture_output=True,
        text=True,
        cwd=django_settings.BASE_DIR,
        check=False,
    )

    assert result.returncode != 0
    assert "PRIVATE_MEDIA_ROOT must lie outside every folder the web server serves" in result.stderr


# --- how it is served -------------------------------------------------------------------------


def test_the_parent_downloads_the_re_encoded_image_as_an_attachment_that_cannot_run(client, application):
    stored = added(client, application, "photo.jpg", jpeg() + SCRIPT, content_type="text/html")

    response, content = download(client, stored)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == (
        f'attachment; filename="Legal representative with a disability {application.display_number}.jpg"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert "no-store" in response["Cache-Control"].split(", ")
    assert b"<script" not in content


def test_a_download_name_in_kazakh_arrives_intact_and_without_path_characters(
    client, application, monkeypatch
):
    monkeypatch.setattr(BenefitDocument, "get_category_display", lambda document: "Көп балалы/отбасы")
    stored = added(client, application, "certificate.pdf", PDF_BYTES)

    response, _content = download(client, stored)

    name = f"Көп балалы отбасы {application.display_number}.pdf"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(name)}"
    assert response["Content-Type"] == "application/pdf"


def test_the_specialist_in_scope_downloads_with_the_same_headers(client, application, specialist_a):
    stored = added(client, application, "scan.png", png())
    client.force_login(specialist_a)

    response = client.get(reverse("admin:applications_benefitdocument_download", args=[stored.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Disposition"].endswith(f'{application.display_number}.png"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert "no-store" in response["Cache-Control"].split(", ")


def test_a_specialist_of_another_district_cannot_download(client, application, specialist_b):
    client.force_login(specialist_b)
    stored = application.benefit_documents.get()

    response = client.get(reverse("admin:applications_benefitdocument_download", args=[stored.pk]))

    assert response.status_code in (302, 403, 404)
    assert not response.has_header("Content-Disposition")


def test_a_document_is_never_served_with_the_type_the_browser_claimed(client, application):
    stored = added(client, application, "scan.png", png(), content_type="text/html")

    response, _content = download(client, stored)

    assert stored.content_type == "image/png"
    assert response["Content-Type"] == "image/png"


def test_a_paper_application_stores_its_photo_re_encoded(client, specialist_a, settlement_a):
    from applications.tests.test_admin import paper_form_data

    client.force_login(specialist_a)
    data = paper_form_data(
        settlement_a,
        document_category=BenefitCategory.LARGE_FAMILY,
        document_issued_on="2026-01-20",
        document_file=SimpleUploadedFile("certificate.jpg", photo_with_gps_turned_sideways() + SCRIPT),
    )

    client.post(reverse("admin:applications_application_add"), data)

    stored = BenefitDocument.objects.get()
    assert stored.application.channel == Channel.EDUCATION_DEPARTMENT
    content = stored_bytes(stored)
    assert b"<script" not in content
    assert dict(Image.open(io.BytesIO(content)).getexif()) == {}
