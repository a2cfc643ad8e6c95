"""Order entry's URLs, mounted under /orders/ (see rewards_admin/urls.py).

Each view module lists its own routes so the form and the follow-ups (re-order, reissue) grow
without touching each other.
"""

from entry.views import followups, form

app_name = "entry"
urlpatterns = [*form.urlpatterns, *followups.urlpatterns]
