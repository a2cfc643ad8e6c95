"""A search by email or phone never puts the address in a URL, the browser's history, a
Referer or a log (issue 8, item 5). The filter form is POSTed; a contact-like search becomes a
short-lived opaque token of the user's (`?qt=...`) that the list resolves server-side.

The test drives the list as a browser does (the filter form as the page defines it, then every
link the answers carry), records every URL a request, a redirect or a page holds, and renders
every request through gunicorn's access-log format with the Referer the browser would send,
next to everything every Django logger wrote."""

from __future__ import annotations

import json
import logging
import re
import runpy
from html import unescape
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.urls import reverse

from orders.models import SavedView
from tests.factories import OrderFactory

EMAIL = "riley.chen2@example.com"
PHONE = "+1 415 555 0142"
HTMX = {"HX-Request": "true"}
SECRETS = (EMAIL, quote(EMAIL), "riley.chen2", "415 555", "415+555", "415%20555", "4155550142")


ROOT = Path(__file__).resolve().parents[2]


def gunicorn_logger():
    """gunicorn's access logger configured by the one web config, as gunicorn builds it."""
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    cfg = Config()
    for name, value in runpy.run_path(str(ROOT / "rewards_admin/gunicorn.conf.py")).items():
        if name in cfg.settings:
            cfg.set(name, value)
    return cfg, Logger(cfg)


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


class Browser:
    """The test client plus what a browser and the web server's logs would hold."""

    def __init__(self, client) -> None:
        self.client = client
        self.urls: list[str] = []
        self.referer = ""
        self.cfg, self.access = gunicorn_logger()
        self.access_lines = Lines()
        self.access.access_log.addHandler(self.access_lines)

    def _log(self, method: str, url: str, response) -> None:
        from datetime import timedelta
        from types import SimpleNamespace

        path, _, query = url.partition("?")
        environ = {
            "REQUEST_METHOD": method,
            "RAW_URI": url,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "10.0.0.1",
            "HTTP_REFERER": self.referer,
            "HTTP_USER_AGENT": "Mozilla/5.0",
        }
        answer = SimpleNamespace(status=f"{response.status_code} X", sent=1, headers=[])
        self.access.access(answer, SimpleNamespace(headers=[]), environ, timedelta(seconds=0))

    def request(self, method: str, url: str, data=None, headers=None):
        call = self.client.post if method == "POST" else self.client.get
        response = call(url, data or {}, headers=headers or {})
        self.urls.append(url)
        self._log(method, url, response)
        for header in ("Location", "HX-Location", "HX-Push-Url", "HX-Replace-Url"):
            if header in response:
                value = response[header]
                self.urls.append(json.loads(value)["path"] if value.startswith("{") else value)
        body = response.content.decode()
        self.urls += [
            unescape(u) for u in re.findall(r'(?:href|hx-get|hx-post|action)="([^"]*)"', body)
        ]
        if "HX-Request" not in (headers or {}) and method == "GET":
            self.referer = "https://rewards.example.com" + url  # a page the browser shows
        return response

    def follow(self, response, headers=None):
        if "HX-Location" in response:
            return self.request("GET", json.loads(response["HX-Location"])["path"], None, HTMX)
        if response.status_code in (301, 302, 303):
            return self.follow(self.request("GET", response["Location"], None, headers))
        return response

    def submit_search(self, text: str, *, htmx: bool):
        """Type `text` into the list's search box and submit the filter form as the page's
        markup says (hx-get / hx-post with JavaScript, method/action without)."""
        page = self.request("GET", "/").content.decode()
        form = re.search(r'<form id="order-filters"[^>]*>', page).group(0)
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', form))
        data = {"q": text}
        if htmx:
            verb = "POST" if "hx-post" in attrs else "GET"
            url = unescape(attrs.get("hx-post") or attrs["hx-get"])
        else:
            verb = attrs.get("method", "get").upper()
            url = unescape(attrs.get("action") or "/")
        if verb == "GET":
            url = f"{url}?q={quote(text)}"
            data = None
        return self.follow(self.request(verb, url, data, HTMX if htmx else None))


@pytest.fixture
def everything_logged():
    """Every record any logger writes, at DEBUG, wherever it propagates."""
    handler = Lines()
    handler.setLevel(logging.DEBUG)
    loggers = [logging.getLogger()] + [
        logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
    ]
    levels = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    yield handler.lines
    for lg, level in levels:
        lg.removeHandler(handler)
        lg.setLevel(level)


def rows(response) -> list[str]:
    return re.findall(r'class="row-link" href="/orders/(\d+)/"', response.content.decode())


def leaks(texts) -> list[str]:
    return [t for t in texts if any(secret.lower() in t.lower() for secret in SECRETS)]


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-javascript"])
def test_an_email_search_finds_the_order_and_no_url_or_log_holds_the_address(
    client, make_user, everything_logged, htmx
):
    client.force_login(make_user("Support"))
    wanted = OrderFactory(line_item__recipient_email=EMAIL)
    OrderFactory()
    everything_logged.clear()  # the factories' own debug lines name the test data
    browser = Browser(client)
    result = browser.submit_search(EMAIL, htmx=htmx)
    assert rows(result) == [str(wanted.pk)]
    # Then everything the answer links to: the lazy facet counts, sorting, page sizes.
    for url in [u for u in browser.urls if u.startswith(("/?", "/orders/facets/"))]:
        assert browser.request("GET", url, None, HTMX).status_code == 200
    # A 404 and a 403 from the page the search is on: django.request logs both.
    assert browser.request("GET", "/orders/999999/").status_code == 404
    assert browser.request("GET", reverse("audit:log")).status_code == 403
    assert leaks(browser.urls) == []
    assert leaks(browser.access_lines.lines) == []
    assert leaks(everything_logged) == []
    assert any("qt=" in url for url in browser.urls)
    assert len(browser.access_lines.lines) >= 5 and everything_logged  # both were captured


def test_a_phone_search_is_kept_out_of_urls_too(client, make_user, everything_logged):
    client.force_login(make_user("Support"))
    browser = Browser(client)
    browser.submit_search(PHONE, htmx=True)
    assert leaks(browser.urls) == [] and leaks(everything_logged) == []


def test_an_old_link_with_an_email_is_rewritten_to_a_token(client, make_user):
    client.force_login(make_user("Support"))
    wanted = OrderFactory(line_item__recipient_email=EMAIL)
    response = client.get("/", {"q": EMAIL, "status": "COMPLETE"})
    assert response.status_code == 302
    location = response["Location"]
    assert "qt=" in location and "riley" not in location and "status=COMPLETE" in location
    wanted.tango_status = "COMPLETE"
    wanted.save()
    assert rows(client.get(location, headers=HTMX)) == [str(wanted.pk)]


def test_a_token_is_its_users_alone_and_a_foreign_or_expired_one_matches_nothing(client, make_user):
    user = make_user("Support")
    client.force_login(user)
    OrderFactory(line_item__recipient_email=EMAIL)
    location = client.get("/", {"q": EMAIL})["Location"]
    token = dict(p.split("=") for p in urlsplit(location).query.split("&"))["qt"]
    client.force_login(make_user("Manager", username="someone-else"))
    html = client.get("/", {"qt": token}, headers=HTMX).content.decode()
    assert rows_html(html) == [] and "search again" in html
    html = client.get("/", {"qt": "not-a-token"}, headers=HTMX).content.decode()
    assert rows_html(html) == [] and "search again" in html


def rows_html(html: str) -> list[str]:
    return re.findall(r'class="row-link" href="/orders/(\d+)/"', html)


def test_a_saved_view_never_stores_a_contact_search(client, make_user):
    client.force_login(make_user("Support"))
    location = client.get("/", {"q": EMAIL})["Location"]
    for query in (urlsplit(location).query, f"q={quote(EMAIL)}"):
        response = client.post(
            reverse("orders:saved-view-create"), {"name": "Riley", "query_string": query}
        )
        assert response.status_code == 302 and "riley" not in response["Location"]
    assert not SavedView.objects.exists()
    messages = [m.message for m in response.wsgi_request._messages]
    assert any("email or phone" in m for m in messages)


def test_a_bulk_job_over_a_tokenized_search_acts_on_exactly_its_orders(
    client, make_user, sent_tasks
):
    from orders.models import BulkJob

    client.force_login(make_user("Manager"))
    wanted = OrderFactory(state="held", line_item__recipient_email=EMAIL)
    OrderFactory(state="held")
    query = urlsplit(client.get("/", {"q": EMAIL, "state": "held"})["Location"]).query
    assert "qt=" in query
    response = client.post(
        reverse("orders:bulk-start"),
        {"action": "release", "all_matching": "on", "query_string": query},
    )
    assert response.status_code == 302 and "riley" not in response["Location"]
    assert BulkJob.objects.get().order_ids == [wanted.pk]
