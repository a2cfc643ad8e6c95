"""An order placed from an upload says so on its page and links back to the upload's row; the
row links to its order."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orders.models import Order
from tests.factories import OrderFactory
from tests.uploads.conftest import good_row
from tests.uploads.results.conftest import confirmed

pytestmark = pytest.mark.django_db


def test_the_order_page_links_to_its_upload_and_row_and_back(
    client, uploader, catalog, account, actor
):
    upload = confirmed(actor, [good_row(1, utid="U999999"), good_row(2)], name="team.csv")
    order = Order.objects.get(upload_rows__upload=upload)
    client.force_login(uploader)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    detail = reverse("uploads:detail", args=[upload.pk])
    assert f'From upload <a href="{detail}">team.csv</a>' in page
    assert f'row <a href="{detail}?after=2#row-3">3</a>' in page
    rows = client.get(detail).content.decode()
    row = rows[rows.index('<tr id="row-3"') :].split("</tr>", 1)[0]
    assert f'href="{reverse("orders:detail", args=[order.pk])}"' in row


def test_without_the_upload_permission_the_origin_is_said_without_a_link(
    client, make_user, catalog, account, actor
):
    upload = confirmed(actor, [good_row(1)], name="team.csv")
    order = Order.objects.get(upload_rows__upload=upload)
    client.force_login(make_user("Finance"))  # sees orders, not uploads
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert f'From upload team.csv <span class="muted">(upload {upload.pk})</span>, row 2.' in page
    assert reverse("uploads:detail", args=[upload.pk]) not in page


def test_an_order_from_elsewhere_says_nothing_of_uploads(client, uploader):
    order = OrderFactory()
    client.force_login(uploader)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "From upload" not in page
