"""The line items of an order's page, written by one tag call per page:
`{% line_cards rows extras %}`.

The markup `orders/includes/line_item.html` wrote once per line, built in Python (issue 11):
with ~60 variables, filters and tags per card, the template engine spent ~0.6 ms a line
resolving them, most of a 40-line page's time. As in `{% order_rows %}`, every value goes
through format_html / conditional_escape (core.html's: Django's escaping), and the filters
are Django's own functions (date, naturaltime, intcomma, striptags, truncatechars), so the
output is the template's. Forms bound to a failed POST (values and errors) are rare and still
rendered by their templates.

`rows` come from orders.views.line_items.line_rows; `extras` maps a line item's pk to HTML
another app adds to its actions (entry's reissue control, `{% reissue_controls %}`), so orders
never imports that app.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma, naturaltime
from django.template.defaultfilters import capfirst, date, striptags, truncatechars
from django.template.defaulttags import CsrfTokenNode
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

from core.html import conditional_escape, format_html
from core.masking import recipient_display
from orders.forms import FIELD_TEMPLATES
from orders.templatetags.console import safe_link, seconds_until, status_class

register = template.Library()

ACTION_TEXT = {
    "cancel": "Cancels the reward at Tango; its value minus fees goes back to the account."
    " This cannot be undone.",
    "freeze": "The recipient cannot redeem it until it is unfrozen (Tango unfreezes"
    " automatically after 48 h).",
}
UNFREEZE_TEXT = "The recipient can redeem it again."


def _join(parts: list[str], between: str = "") -> SafeString:
    return mark_safe(between.join(parts))  # noqa: S308 - every part is format_html output


def _badge(value: str, label: str, title: str, soft: bool = True) -> SafeString:
    kind = "badge badge-soft" if soft else "badge"
    return format_html(
        '<span class="{} {}" title="{}">{}</span>', kind, status_class(value), title, label
    )


def _badges(row: dict[str, Any]) -> SafeString:
    li = row["li"]
    parts = []
    if li.status:
        parts.append(_badge(li.status, li.get_status_display(), "Line-item status", soft=False))
    else:
        parts.append(mark_safe('<span class="badge status-none">Not issued</span>'))
    if li.email_status:
        parts.append(
            _badge(li.email_status, f"Email: {li.get_email_status_display()}", "Email status")
        )
    elif row["issued"] and li.delivery_method == "EMAIL":
        parts.append(
            mark_safe(
                '<span class="badge badge-soft status-none" title="Tango reports the email'
                ' status on its next read">Email: not reported yet</span>'
            )
        )
    if li.delivery_status:
        label = f"Delivery: {li.get_delivery_status_display()}"
        parts.append(_badge(li.delivery_status, label, "Delivery status"))
    if li.reward_status:
        label = f"Reward: {li.get_reward_status_display()}"
        parts.append(_badge(li.reward_status, label, "Reward status"))
    elif row["issued"]:
        parts.append(
            mark_safe(
                '<span class="badge badge-soft status-none" title="Tango reports the reward'
                ' status on its next read">Reward: not reported yet</span>'
            )
        )
    if row["in_flight"]:
        countdown = ""
        if row["resend_available_at"]:
            seconds = seconds_until(row["resend_available_at"])
            countdown = format_html(
                '<span data-countdown="{}">: Tango\u2019s 30 s window, retry in'
                " <b data-countdown-value>{}</b> s</span>",
                seconds,
                seconds,
            )
        parts.append(
            format_html(
                '<span class="badge status-QUEUED" role="status"><span class="spinner"'
                ' aria-hidden="true"></span> Resend in progress{}</span>',
                countdown,
            )
        )
    return _join(parts)


def _fields(row: dict[str, Any], unmasked: bool) -> SafeString:
    li = row["li"]
    who = recipient_display(li, unmasked=bool(unmasked))  # masked unless unmasked (audited)
    parts = [
        format_html(
            '<dt>Line item ID</dt><dd class="mono">{}</dd><dt>UTID</dt><dd class="mono">{}</dd>'
            "<dt>Delivery</dt><dd>{}</dd><dt>Recipient</dt><dd>{}</dd>"
            '<dt>Email</dt><dd class="mono">{}</dd><dt>Mobile</dt><dd class="mono">{}</dd>',
            li.reference_line_item_id or "—",
            li.utid,
            li.get_delivery_method_display(),
            who.name or "—",
            who.email or "—",
            who.mobile or "—",
        )
    ]
    if li.address_country or li.address_city or li.address_street1:
        rest = ""
        if who.masked and (li.address_street1 or li.address_city):
            rest = mark_safe(' <span class="muted small">(rest of the address masked)</span>')
        parts.append(format_html("<dt>Address</dt><dd>{}{}</dd>", who.address or "—", rest))
    last = format_html(", last {}", naturaltime(li.last_resent_at)) if li.last_resent_at else ""
    parts.append(
        format_html(
            "<dt>Issued</dt><dd>{}</dd><dt>Resent</dt><dd>{}\u00d7{}</dd>",
            # `|date:` gets the value in the current time zone (the template engine's doing).
            date(template_localtime(li.date_issued), "Y-m-d H:i") or "—",
            li.resend_count,
            last,
        )
    )
    if li.errors:
        errors = _join(
            [
                format_html(
                    "{}{}",
                    _get(err, "message"),
                    format_html(' <span class="mono">({})</span>', _get(err, "code"))
                    if _get(err, "code")
                    else "",
                )
                for err in li.errors
            ],
            "; ",
        )
        parts.append(format_html('<dt>Errors</dt><dd class="error-text">{}</dd>', errors))
    return _join(parts)


def _get(error: Any, key: str) -> Any:
    """`{{ err.message }}`: an error Tango sent as a plain string has no message."""
    return error.get(key) or "" if isinstance(error, dict) else ""


def _credential(reward: Any) -> SafeString:
    """A revealed reward (tango.types.Reward): shown in this one response, never stored."""
    rows = []
    for cred in reward.credentials:
        value = cred.value
        href = safe_link(value)
        shown = (
            format_html(
                '<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', href, value
            )
            if href
            else conditional_escape(value if value is not None else "")
        )
        label = cred.label or cred.credential_type
        rows.append(format_html('<dt>{}</dt><dd class="mono secret">{}</dd>', label or "", shown))
    instructions = ""
    if reward.redemption_instructions:
        text = truncatechars(striptags(reward.redemption_instructions), 400)
        instructions = format_html('<p class="small muted">{}</p>', text)
    return format_html(
        '<div class="credential" role="region" aria-label="Reward credential" hx-history="false">'
        '<p class="credential-warn">Shown once, fetched from Tango just now. It is not stored;'
        ' this access is audited.</p><dl class="fields">{}</dl>{}</div>',
        _join(rows),
        instructions,
    )


def _disabled(name: str, label: str, pk: int, why: str) -> SafeString:
    return format_html(
        '<span class="action-disabled"><button type="button" class="btn btn-small" disabled'
        ' aria-describedby="why-{}-{}">{}</button><span class="why" id="why-{}-{}">{}</span>'
        "</span>",
        name,
        pk,
        label,
        name,
        pk,
        why,
    )


class _Card:
    """What every card of one page shares: the CSRF input, the page's query, the request."""

    def __init__(self, context: template.Context):
        self.context = context
        self.csrf = mark_safe(CsrfTokenNode().render(context))  # noqa: S308 - Django's own
        self.page_query = context.get("page_query") or ""
        self.unmasked = context.get("unmasked")

    def fields_html(self, kind: str, fields: SafeString | None, form: Any) -> SafeString:
        if fields:
            return fields
        return mark_safe(render_to_string(FIELD_TEMPLATES[kind], {"form": form}))  # noqa: S308

    def resend(self, row: dict[str, Any]) -> SafeString:
        form = row["resend_form"]
        if form is not None:  # bound to a failed POST: its template shows values and errors
            return mark_safe(  # noqa: S308 - a template's output
                render_to_string(
                    "orders/includes/resend_form.html",
                    {
                        "form": form,
                        "action": row["resend_url"] + self.page_query,
                        "label": "Resend this reward",
                        "available_at": row["resend_available_at"],
                    },
                    self.context.get("request"),
                )
            )
        action = row["resend_url"] + self.page_query
        countdown = ""
        if row["resend_available_at"]:
            seconds = seconds_until(row["resend_available_at"])
            countdown = format_html(
                '<p class="countdown" role="status" data-countdown="{}">Tango accepts one resend'
                " per reward every 30 seconds: next in <b data-countdown-value>{}</b> s.</p>",
                seconds,
                seconds,
            )
        return format_html(
            '<form class="action-panel inline-panel resend-form" method="post" action="{}"'
            ' hx-post="{}" hx-target="#order-detail" hx-swap="outerHTML"'
            ' hx-disabled-elt="find button[type=submit]">{}<p class="panel-title">Resend this'
            ' reward</p>{}{}<button type="submit" class="btn btn-primary">Confirm resend</button>'
            "</form>",
            action,
            action,
            self.csrf,
            countdown,
            row["resend_fields"],
        )

    def panel(self, url: str, intro: str, fields: SafeString, button: SafeString) -> SafeString:
        action = url + self.page_query
        return format_html(
            '<form class="action-panel" method="post" action="{}" hx-post="{}"'
            ' hx-target="#order-detail" hx-swap="outerHTML" hx-disabled-elt="find button">{}'
            "<p>{}</p>{}{}</form>",
            action,
            action,
            self.csrf,
            intro,
            fields,
            button,
        )

    def details(self, is_open: bool, summary: str, body: SafeString, css: str = "action") -> str:
        return format_html(
            '<details class="{}"{}><summary role="button" class="btn btn-small">{}</summary>{}'
            "</details>",
            css,
            mark_safe(" open") if is_open else "",
            summary,
            body,
        )

    def actions(self, row: dict[str, Any], extra: str) -> SafeString:
        li, pk = row["li"], row["li"].pk
        parts = []
        # A role that may never resend sees no resend control at all (issue 4).
        if not row["resend_shown"]:
            pass
        elif row["resend_blocker"]:
            parts.append(_disabled("resend", "Resend", pk, row["resend_blocker"]))
        else:
            is_open = bool(row["resend_form"] is not None and row["resend_form"].errors)
            parts.append(self.details(is_open, "Resend…", self.resend(row), "action resend-action"))
        if not row["issued"]:
            pass
        elif row["reveal_blocker"]:
            parts.append(_disabled("reveal", "Reveal credential", pk, row["reveal_blocker"]))
        elif not row["reward"]:
            form = row["reveal_form"]
            body = self.panel(
                row["reveal_url"],
                "The credential is fetched from Tango and shown once. Your name, the reason and"
                " your IP go into the audit log.",
                self.fields_html("reveal", row["reveal_fields"], form),
                mark_safe('<button type="submit" class="btn btn-danger">Reveal</button>'),
            )
            is_open = bool(form is not None and form.errors)
            parts.append(self.details(is_open, "Reveal credential…", body))
        for action in row["actions"]:
            name = action["name"]
            if action["blocker"]:
                parts.append(_disabled(name, capfirst(name), pk, action["blocker"]))
                continue
            style = "btn-danger" if name == "cancel" else "btn-primary"
            body = self.panel(
                action["url"],
                ACTION_TEXT.get(name, UNFREEZE_TEXT),
                self.fields_html(name, action["fields"], action["form"]),
                format_html(
                    '<button type="submit" class="btn {}">Confirm {}</button>', style, name
                ),
            )
            is_open = bool(action["form"] is not None and action["form"].errors)
            parts.append(self.details(is_open, f"{capfirst(name)}…", body))
        parts.append(conditional_escape(extra))
        if row["issued"] and not row["is_choice"]:
            parts.append(
                mark_safe(
                    '<span class="muted small">Cancel, freeze and reissue exist for Choice'
                    " products only.</span>"
                )
            )
        return format_html(
            '<div class="li-actions" role="group" aria-label="Actions for line {}">{}</div>',
            li.line_number,
            _join(parts),
        )

    def render(self, row: dict[str, Any], extra: str) -> SafeString:
        li = row["li"]
        return format_html(
            '<article class="line-item" id="line-item-{}" aria-labelledby="li-title-{}">'
            '<header class="li-head"><h3 id="li-title-{}"><span class="muted">#{}</span> {}'
            ' <span class="li-amount">{} {}</span></h3><p class="badges">{}</p></header>'
            '<dl class="fields fields-wide">{}</dl>{}{}</article>',
            li.pk,
            li.pk,
            li.pk,
            li.line_number,
            li.reward_name or li.utid,
            intcomma(li.amount),
            li.currency,
            _badges(row),
            _fields(row, self.unmasked),
            _credential(row["reward"]) if row["reward"] else "",
            self.actions(row, extra),
        )


@register.simple_tag(takes_context=True)
def line_cards(
    context: template.Context, rows: list[dict[str, Any]], extras: dict[int, str] | None = None
) -> SafeString:
    """Every line item card of the page ("No line items." when there is none)."""
    if not rows:
        return mark_safe('<p class="muted">No line items.</p>')
    card, extras = _Card(context), extras or {}
    return _join([card.render(row, extras.get(row["li"].pk, "")) for row in rows])
