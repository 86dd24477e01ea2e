import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# What start-up loaded (modules, URL patterns, the indicator registry) lives as long as the
# process: moved out of the cyclic collector's reach, a full collection no longer walks it on
# every request that allocates much (a district-wide dashboard spent a fifth of its time there).
gc.freeze()
