"""Kazakhstan's regions and cities of republican significance, by the first two digits of a KATO code.

A district's KATO code begins with its region's two digits, so a region follows
from any district's code. The names are those in use since the 2022 reform
(Abai, Zhetisu and Ulytau regions). A code not listed here (the national data
set's synthetic ``9x``, say) gets a region named by its code.
"""

from .models import Region, region_kato

NAMES = {
    "10": ("Абай облысы", "Абайская область"),
    "11": ("Ақмола облысы", "Акмолинская область"),
    "15": ("Ақтөбе облысы", "Актюбинская область"),
    "19": ("Алматы облысы", "Алматинская область"),
    "23": ("Атырау облысы", "Атырауская область"),
    "27": ("Батыс Қазақстан облысы", "Западно-Казахстанская область"),
    "31": ("Жамбыл облысы", "Жамбылская область"),
    "33": ("Жетісу облысы", "Область Жетісу"),
    "35": ("Қарағанды облысы", "Карагандинская область"),
    "39": ("Қостанай облысы", "Костанайская область"),
    "43": ("Қызылорда облысы", "Кызылординская область"),
    "47": ("Маңғыстау облысы", "Мангистауская область"),
    "55": ("Павлодар облысы", "Павлодарская область"),
    "59": ("Солтүстік Қазақстан облысы", "Северо-Казахстанская область"),
    "61": ("Түркістан облысы", "Туркестанская область"),
    "62": ("Ұлытау облысы", "Область Ұлытау"),
    "63": ("Шығыс Қазақстан облысы", "Восточно-Казахстанская область"),
    "71": ("Астана қаласы", "город Астана"),
    "75": ("Алматы қаласы", "город Алматы"),
    "79": ("Шымкент қаласы", "город Шымкент"),
}


def names_of(kato_code: str) -> tuple[str, str]:
    """The Kazakh and Russian names of the region holding ``kato_code``; its code where unknown."""
    code = region_kato(kato_code)
    return NAMES.get(code[:2], (code, code))


def region_of(kato_code: str, model=Region) -> Region:
    """The region holding ``kato_code``, created with its known names on first use.

    ``model`` lets a migration pass its historical model.
    """
    code = region_kato(kato_code)
    name_kk, name_ru = names_of(code)
    region, _created = model.objects.get_or_create(
        kato_code=code, defaults={"name_kk": name_kk, "name_ru": name_ru}
    )
    return region
