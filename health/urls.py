from django.urls import path

from health import views

app_name = "health"
urlpatterns = [
    path("", views.sync_health, name="page"),
    path("events/<int:pk>/replay/", views.replay, name="replay"),
    path("subscription/renew/", views.renew, name="renew"),
    path("gaps/fill/", views.fill, name="fill"),
]
