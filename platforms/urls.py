from bureau.urls_helpers import crud_urls
from platforms.views import VIEWSETS

app_name = "platforms"
urlpatterns = crud_urls(VIEWSETS)
