from django.urls import path

from benefits import views
from portal.routing import entity_urls

app_name = "benefits"
urlpatterns = [
    path("owed/", views.owed_list, name="owed"),
    path("hitech-tax/", views.hitech_tax_list, name="hitech-tax"),
    *entity_urls("benefits"),
]
