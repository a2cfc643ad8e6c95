from django.urls import path

from uploads import result_views, views

app_name = "uploads"
urlpatterns = [
    path("", views.index, name="index"),
    path("template.<str:file_format>", views.template, name="template"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/problems.csv", views.error_file, name="error-file"),
    path("<int:pk>/confirm/", views.confirm_upload, name="confirm"),
    path("<int:pk>/rows/", result_views.live_rows, name="rows"),
    path("<int:pk>/results/", result_views.results_file, name="results"),
]
