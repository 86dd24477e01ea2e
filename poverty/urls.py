from portal.routing import crud_urls
from poverty.views import VIEWSETS

app_name = "poverty"
urlpatterns = crud_urls(VIEWSETS)
