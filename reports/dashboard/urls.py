from django.urls import path

from reports.dashboard import views

# Included by reports/urls.py under the "reports" namespace.
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("screen/", views.dashboard_screen, name="dashboard-screen"),
    path("data.json", views.dashboard_json, name="dashboard-data"),
    path("pipeline/", views.dashboard_pipeline, name="dashboard-pipeline"),
    path("indicators/", views.indicator_registry, name="indicator-registry"),
    path("benefits/", views.dashboard_benefits, name="dashboard-benefits"),
]
