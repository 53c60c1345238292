"""The printable referral: one A4 page in Kazakh and Russian, with a QR code of its public check.

RULES.md section 5 and issue 4 item 6. The paper is shown at the kindergarten,
so its fixed text is the form's own, always in both the state and the official
language, whatever language the parent's pages are in; it must not depend on
how complete a translation catalogue is. What varies (names, dates, the code)
comes from the referral. The QR code opens the public verification page, the
one answer to a fake paper referral.

The TrueType font (Kazakh letters need more than the PDF base fonts have) is
``settings.PDF_FONT_PATH``; its bold face, when a ``-Bold`` file lies beside it.
"""

from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import translation
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.dates import format_date

from .choices import ReferralStatus
from .models import Referral

DEFAULT_FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
QR_SIZE = 42 * mm
INK = colors.HexColor("#1b1f24")
MUTED = colors.HexColor("#4a5560")
LINE = colors.HexColor("#b0b8c0")
WARNING_BACKGROUND = colors.HexColor("#fff6d6")

#: The form's fixed text: (Kazakh, Russian).
TITLE = ("ЖОЛДАМА", "НАПРАВЛЕНИЕ")
SUBTITLE = ("мектепке дейінгі ұйымға", "в дошкольную организацию")
LABELS = {
    "child": ("Бала", "Ребёнок"),
    "birth_date": ("Туған күні", "Дата рождения"),
    "kindergarten": ("Мектепке дейінгі ұйым", "Дошкольная организация"),
    "address": ("Мекенжайы", "Адрес"),
    "group": ("Топ", "Группа"),
    "language": ("Топтың тілі", "Язык группы"),
    "issued": ("Берілген күні", "Дата выдачи"),
    "valid_through": ("Жарамды (қоса алғанда)", "Действительно по (включительно)"),
    "status": ("Мәртебесі", "Статус"),
    "code": ("Тексеру коды", "Код проверки"),
    "check": ("Түпнұсқалығын тексеру", "Проверка подлинности"),
}
STATUSES = {
    ReferralStatus.ISSUED: ("Берілді", "Выдано"),
    ReferralStatus.AWAITING_CONFIRMATION: (
        "Кезектен тыс жеңілдіктің расталуын күтуде",
        "Ожидает подтверждения внеочередной льготы",
    ),
    ReferralStatus.ENROLLED: ("Бала қабылданды", "Ребёнок зачислен"),
    ReferralStatus.ANNULLED: ("Жойылды: мерзімінде пайдаланылмады", "Аннулировано: не использовано в срок"),
    ReferralStatus.CANCELLED: ("Тоқтатылды: жеңілдік расталмады", "Отменено: льгота не подтверждена"),
    ReferralStatus.DECLINED: ("Бас тартылды: орын қайтарылды", "Отказ: место возвращено"),
}
NOTES = (
    (
        "Баланың құжаттарын балабақшаға жолдаманың жарамдылық мерзімі аяқталғанға дейін тапсырыңыз. "
        "Мерзімінде пайдаланылмаған жолдама жойылады.",
        "Сдайте документы ребёнка в детский сад до окончания срока действия направления. "
        "Направление, не использованное в срок, аннулируется.",
    ),
    (
        "Қызмет тегін. Жолдаманы тек ата-ана немесе заңды өкіл жеке кабинетте алады. Ақшаға орын "
        "«ұстап беруді» ұсынатындардан және жалған қағаз жолдамалардан сақ болыңыз: жолдаманың "
        "түпнұсқалығын QR-код арқылы тексеріңіз.",
        "Услуга бесплатная. Направление получает только родитель или законный представитель в "
        "личном кабинете. Остерегайтесь тех, кто за деньги предлагает «поймать» место, и поддельных "
        "бумажных направлений: подлинность направления проверяйте по QR-коду.",
    ),
)
CHECK_HELP = (
    "Телефонның камерасымен QR-кодты оқыңыз немесе мекенжайды ашыңыз: бет жолдаманың жарамдылығын көрсетеді.",
    "Отсканируйте QR-код камерой телефона или откройте адрес: страница покажет, "
    "действительно ли направление.",
)
FOOTER = ("Kezek — мектепке дейінгі ұйымдарға электрондық кезек", "электронная очередь в детские сады")

#: Fonts registered with reportlab, by file: (regular, bold) names.
_registered: dict[Path, tuple[str, str]] = {}


def referral_pdf(referral: Referral, *, verification_url: str) -> bytes:
    """The referral as an A4 PDF; ``verification_url`` is the absolute address its QR code opens."""
    regular, bold = _fonts()
    styles = _styles(regular, bold)
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=f"{TITLE[0]} / {TITLE[1]} {referral.display_number}",
        subject=f"Referral {referral.display_number}",
        author="Kezek",
        creator="Kezek",
    )
    footer = f"{FOOTER[0]} / {FOOTER[1]}"

    def draw_footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(regular, 8)
        canvas.setFillColor(MUTED)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, footer)
        canvas.restoreState()

    document.build(
        [
            Paragraph(f"{TITLE[0]} / {TITLE[1]}", styles["title"]),
            Paragraph(f"{SUBTITLE[0]} / {SUBTITLE[1]}", styles["subtitle"]),
            Paragraph(f"№ {referral.display_number}", styles["number"]),
            Spacer(1, 3 * mm),
            _facts_table(referral, styles),
            Spacer(1, 5 * mm),
            _check_table(referral, verification_url, styles),
            Spacer(1, 5 * mm),
            _notes(styles),
        ],
        onFirstPage=draw_footer,
        onLaterPages=draw_footer,
    )
    return buffer.getvalue()


def file_name(referral: Referral) -> str:
    """The name the download is saved under: made by the server, digits and ASCII only."""
    return f"referral-{referral.number}.pdf"


# --- the parts of the page ---------------------------------------------------------------------


def _facts_table(referral: Referral, styles) -> Table:
    kindergarten = referral.kindergarten
    settlement = kindergarten.settlement
    group = referral.group
    rows = [
        ("child", referral.child.full_name),
        ("birth_date", format_date(referral.child.birth_date)),
        ("kindergarten", _both(kindergarten.name_kk, kindergarten.name_ru)),
        ("address", f"{_both(settlement.name_kk, settlement.name_ru)}, {kindergarten.address}"),
        ("group", group.name),
        ("language", _both(*_in_both_languages(group.get_language_display))),
        ("issued", format_date(referral.issued_at)),
        ("valid_through", format_date(referral.valid_through)),
        ("status", _both(*STATUSES[referral.status])),
        ("code", referral.verification_code),
    ]
    data = [
        [
            Paragraph(f"{escape(LABELS[key][0])}<br/>{escape(LABELS[key][1])}", styles["label"]),
            Paragraph(escape(str(value)), styles["value_strong" if key in ("child", "code") else "value"]),
        ]
        for key, value in rows
    ]
    table = Table(data, colWidths=[58 * mm, None])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, LINE),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _check_table(referral: Referral, verification_url: str, styles) -> Table:
    """The QR code beside what it is for, with the address written out and clickable."""
    widget = QrCodeWidget(verification_url, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        QR_SIZE, QR_SIZE, transform=[QR_SIZE / (right - left), 0, 0, QR_SIZE / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    url = escape(verification_url)
    text = [
        Paragraph(f"{LABELS['check'][0]} / {LABELS['check'][1]}", styles["check_title"]),
        Paragraph(CHECK_HELP[0], styles["small"]),
        Paragraph(CHECK_HELP[1], styles["small"]),
        Paragraph(f'<link href="{url}" color="#00558c">{url}</link>', styles["url"]),
        Paragraph(
            f"{escape(LABELS['code'][0])} / {escape(LABELS['code'][1])}: "
            f"<b>{escape(referral.verification_code)}</b>",
            styles["small"],
        ),
    ]
    table = Table([[drawing, text]], colWidths=[QR_SIZE + 6 * mm, None])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 0), (-1, -1), 0.75, LINE),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _notes(styles) -> Table:
    """What to do with the referral, and the warning against paying anyone: Kazakh beside Russian."""
    data = [
        [Paragraph(escape(kazakh), styles["small"]), Paragraph(escape(russian), styles["small"])]
        for kazakh, russian in NOTES
    ]
    table = Table(data)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, -1), WARNING_BACKGROUND),
                ("LINEBEFORE", (0, 0), (0, -1), 3, colors.HexColor("#b38600")),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return table


# --- helpers -------------------------------------------------------------------------------------


def _both(kazakh: str, russian: str) -> str:
    return kazakh if kazakh == russian else f"{kazakh} / {russian}"


def _in_both_languages(label) -> tuple[str, str]:
    """A choice's label in Kazakh and in Russian, from the translation catalogues."""
    with translation.override("kk"):
        kazakh = str(label())
    with translation.override("ru"):
        russian = str(label())
    return kazakh, russian


def _fonts() -> tuple[str, str]:
    """Register the TrueType font (once per path) and its bold face if there is one; return both names."""
    path = Path(getattr(settings, "PDF_FONT_PATH", DEFAULT_FONT_PATH))
    if path not in _registered:
        regular = f"Kezek-{path.stem}"
        pdfmetrics.registerFont(TTFont(regular, str(path)))
        bold_path = path.with_name(f"{path.stem}-Bold{path.suffix}")
        bold = regular
        if bold_path.exists():
            bold = f"Kezek-{bold_path.stem}"
            pdfmetrics.registerFont(TTFont(bold, str(bold_path)))
        pdfmetrics.registerFontFamily(regular, normal=regular, bold=bold, italic=regular, boldItalic=bold)
        _registered[path] = (regular, bold)
    return _registered[path]


def _styles(regular: str, bold: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=regular, fontSize=10.5, leading=14, textColor=INK)
    return {
        "title": ParagraphStyle("title", base, fontName=bold, fontSize=20, leading=25, alignment=TA_CENTER),
        "subtitle": ParagraphStyle(
            "subtitle", base, fontSize=11, leading=15, alignment=TA_CENTER, textColor=MUTED
        ),
        "number": ParagraphStyle(
            "number", base, fontName=bold, fontSize=15, leading=20, alignment=TA_CENTER, spaceBefore=6
        ),
        "label": ParagraphStyle("label", base, fontSize=9, leading=12, textColor=MUTED),
        "value": base,
        "value_strong": ParagraphStyle("value_strong", base, fontName=bold, fontSize=12, leading=16),
        "check_title": ParagraphStyle("check_title", base, fontName=bold, fontSize=11.5, spaceAfter=3),
        "small": ParagraphStyle("small", base, fontSize=9, leading=12, spaceAfter=3),
        "url": ParagraphStyle("url", base, fontSize=8.5, leading=11, spaceAfter=3, wordWrap="CJK"),
    }
