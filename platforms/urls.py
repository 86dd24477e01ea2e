from platforms.views import VIEWSETS
from portal.routing import crud_urls

app_name = "platforms"
urlpatterns = crud_urls(VIEWSETS)
