from django.shortcuts import render


class RejectNulBytesMiddleware:
    """A NUL character in the query string or a form field can never be meant, and PostgreSQL
    refuses it in text, which would turn a typo or a probe into a 500: answer 400 instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or self._has_nul(request.GET) or (
            request.method == "POST"
            and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
            and self._has_nul(request.POST)
        ):
            return render(request, "400.html", status=400)
        return self.get_response(request)

    @staticmethod
    def _has_nul(data) -> bool:
        return any("\x00" in key or any("\x00" in v for v in data.getlist(key)) for key in data)
