"""Response headers every dynamic page carries (docs/security.md, "Production settings and headers")."""


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response Django itself builds.

    Pages here show a child's queue, a parent's documents or a specialist's
    desk: neither a shared proxy nor the browser may keep a copy, or the back
    button would show them again after sign-out on a shared computer. A view
    that already said ``no-store`` (``never_cache``, document downloads) is left
    as it is. Static files never reach this middleware: WhiteNoise answers them
    before it, with their own long cache lifetime.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store"  # a weaker policy a view chose is replaced, not merged
        return response
