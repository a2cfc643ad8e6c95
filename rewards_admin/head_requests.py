"""HEAD is answered wherever GET is (load balancers and uptime checks use it).

Django's `require_GET` refuses HEAD (405), and function views are spread over every app. So
this middleware, first in the chain, hands a HEAD request to the view as a GET (the WSGI
environ still says HEAD, so the access log does) and sends back the GET's headers without a
body. A view that refuses GET still refuses it; nothing is written on GET, so nothing is on HEAD.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class HeadAsGetMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "HEAD":
            return self.get_response(request)
        request.method = "GET"
        response = self.get_response(request)
        request.method = "HEAD"
        if response.streaming:
            response.streaming_content = []  # the file is still closed with the response
        else:
            if not response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response
