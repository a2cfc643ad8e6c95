from django.urls import path

from recon import views

app_name = "recon"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("runs/", views.runs, name="runs"),
    path("runs/new/", views.start, name="start"),
    path("mismatches/<int:pk>/resolve/", views.resolve, name="resolve"),
]
