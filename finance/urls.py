from django.urls import path

from finance.views import balances, closes, exports, reports, tax

app_name = "finance"
urlpatterns = [
    path("reports/", reports.report_page, name="reports"),
    path(
        "reports/charts/status.svg", reports.report_chart, {"kind": "status"}, name="chart-status"
    ),
    path(
        "reports/charts/spend-<str:currency>.svg",
        reports.report_chart,
        {"kind": "spend"},
        name="chart-spend",
    ),
    path("exports/", exports.export, name="export"),
    path("exports/columns/", exports.export_columns, name="export-columns"),
    path("exports/<uuid:token>/", exports.export_job, name="export-job"),
    path("exports/<uuid:token>/download/", exports.export_download, name="export-download"),
    path("tax/", tax.tax_totals, name="tax"),
    path("closes/", closes.closes, name="closes"),
    path("closes/new/", closes.close, name="close"),
    path("closes/<int:pk>/", closes.close_detail, name="close-detail"),
    path("balances/", balances.balances, name="balances"),
    path("balances/refresh/", balances.refresh, name="balances-refresh"),
    path("balances/<int:pk>/threshold/", balances.threshold, name="balance-threshold"),
]
