from django.urls import path

from reports.annual import views

# Included at /reports/annual/ under the "reports" namespace; names start with "annual-".
urlpatterns = [
    path("", views.annual_list, name="annual-list"),
    path("create/", views.annual_create, name="annual-create"),
    path("<int:year>/", views.annual_detail, name="annual-detail"),
    path("<int:year>/preview/", views.annual_preview, name="annual-preview"),
    path("<int:year>/versions/", views.annual_versions, name="annual-versions"),
    path("<int:year>/v<int:number>/", views.annual_version, name="annual-version"),
    path("<int:year>/submit/", views.annual_submit, name="annual-submit"),
    path("<int:year>/withdraw/", views.annual_withdraw, name="annual-withdraw"),
    path("<int:year>/closing/", views.annual_closing, name="annual-closing"),
    path("<int:year>/v<int:number>/approve/", views.annual_approve, name="annual-approve"),
    path("<int:year>/v<int:number>/return/", views.annual_return, name="annual-return"),
    path("<int:year>/v<int:number>/restore/", views.annual_restore, name="annual-restore"),
    path("<int:year>/refresh/", views.annual_refresh, name="annual-refresh"),
    path("<int:year>/paragraphs/new/", views.annual_paragraph_insert, name="annual-insert"),
    path("<int:year>/paragraphs/<str:key>/", views.annual_paragraph, name="annual-paragraph"),
    path(
        "<int:year>/paragraphs/<str:key>/reset/",
        views.annual_paragraph_reset,
        name="annual-paragraph-reset",
    ),
    path(
        "<int:year>/paragraphs/<str:key>/delete/",
        views.annual_paragraph_delete,
        name="annual-paragraph-delete",
    ),
    path("<int:year>/exports/", views.annual_exports, name="annual-exports"),
    path("<int:year>/exports/new/", views.annual_export, name="annual-export"),
    path(
        "<int:year>/exports/<int:job_id>/retry/",
        views.annual_export_retry,
        name="annual-export-retry",
    ),
    path(
        "<int:year>/exports/<int:job_id>/download/",
        views.annual_export_download,
        name="annual-export-download",
    ),
]
