"""Values every page shows (RULES.md section 8: the call-centre number in the footer)."""

from django.conf import settings


def service_contacts(request):
    return {"CALL_CENTRE_PHONE": settings.CALL_CENTRE_PHONE}
