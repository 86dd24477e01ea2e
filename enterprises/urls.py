from bureau.urls_helpers import crud_urls
from enterprises.views import VIEWSETS

app_name = "enterprises"
urlpatterns = crud_urls(VIEWSETS)
