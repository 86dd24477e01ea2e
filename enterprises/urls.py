from enterprises.views import VIEWSETS
from portal.routing import crud_urls

app_name = "enterprises"
urlpatterns = crud_urls(VIEWSETS)
