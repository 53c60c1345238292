"""Under ``/api/``, a path that does not exist or a wrong method answers in the API's error shape.

Only the API's own views shape their errors (``exceptions.api_exception_handler``);
a path no view serves gets Django's HTML 404 page, and a view outside that
handler (the schema's) renders a 405 its own way. A client that parses
``{"error": {"code", "message", "fields"}}`` must get it for every answer of the
contract (issue 15, item 4), so this middleware reshapes any 404 or 405 under
``/api/`` that is not JSON already, keeping ``Allow`` and answering in the
language ``Accept-Language`` asks for, as the views do.
"""

from django.http import JsonResponse
from django.utils import translation
from rest_framework import exceptions

from .exceptions import error_body
from .views import api_language

API_PREFIX = "/api/"


class ApiErrorShapeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            not request.path.startswith(API_PREFIX)
            or response.status_code not in (404, 405)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        language = api_language(request)
        with translation.override(language):
            if response.status_code == 404:
                error = exceptions.NotFound()
            else:
                error = exceptions.MethodNotAllowed(request.method)
            shaped = JsonResponse(
                error_body(error.default_code, str(error.detail)), status=response.status_code
            )
        if response.has_header("Allow"):
            shaped["Allow"] = response["Allow"]
        shaped["Content-Language"] = language
        return shaped
