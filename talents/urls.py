from portal.routing import crud_urls
from talents.views import VIEWSETS

app_name = "talents"
urlpatterns = crud_urls(VIEWSETS)
