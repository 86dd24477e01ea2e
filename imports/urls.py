from django.urls import path

from imports import notes, views

app_name = "imports"
urlpatterns = [
    path("", views.job_list, name="job-list"),
    path("job/<int:pk>/", views.job_detail, name="job-detail"),
    path("job/<int:pk>/progress/", views.job_progress, name="job-progress"),
    path("job/<int:pk>/confirm/", views.job_confirm, name="job-confirm"),
    path("job/<int:pk>/report/", views.job_report, name="job-report"),
    path("<str:entity>/", views.upload, name="upload"),
    path("<str:entity>/template/", views.template, name="template"),
    path("<str:entity>/export/", views.export, name="export"),
    path("<str:entity>/export/notes/", notes.export_notes, name="export-notes"),
]
