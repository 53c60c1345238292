"""Vacancy bulletins for the education department: reports, drafts, publication (RULES.md section 5).

Every write is a service of ``bulletins.services`` behind a page of its own (a
small form or a confirmation); the Django change form edits nothing. So a
published bulletin is read-only everywhere here, as the rule wants: its page
shows what became of each place and the access it opened, and the only thing
left to do with it is withdraw places nobody took. A refusal of a service
comes back as an error on the form or as a message, never as a server error.
"""

from django.contrib import admin

from ..models import Access, Bulletin, VacancyReport
from .accesses import AccessAdmin
from .bulletins import BulletinAdmin, BulletinPlaceInline
from .reports import VacancyReportAdmin

__all__ = ["AccessAdmin", "BulletinAdmin", "BulletinPlaceInline", "VacancyReportAdmin"]

admin.site.register(VacancyReport, VacancyReportAdmin)
admin.site.register(Bulletin, BulletinAdmin)
admin.site.register(Access, AccessAdmin)
