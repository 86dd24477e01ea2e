"""The Celery app. The broker comes from ``REDIS_URL``; without one, tasks run inline.

Tasks are ``shared_task``s of their apps, which never import this wiring; what beat runs when is
set here, next to the app.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("bureau")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Report exports whose worker died are failed every five minutes; this year's dashboards (the
# district's and each liaison's township's) are rebuilt ahead of their 60 s cache running out.
STALE_EXPORT_CHECK_EVERY = 300  # seconds
DASHBOARD_WARM_EVERY = 45  # seconds; below the dashboard cache's 60
app.conf.beat_schedule = {
    # At night (CELERY_TIMEZONE), away from office-hour imports; a missed night is caught up by
    # the next, since the purge takes everything older than the retention period.
    "imports-purge-files": {
        "task": "imports.purge_import_files",
        "schedule": crontab(hour=3, minute=30),
    },
    "reports-fail-stale-export-jobs": {
        "task": "reports.fail_stale_export_jobs",
        "schedule": STALE_EXPORT_CHECK_EVERY,
    },
    "reports-rebuild-tallies": {
        "task": "reports.rebuild_tallies",
        "schedule": crontab(hour=3, minute=45),
    },
    "reports-warm-dashboard": {"task": "reports.warm_dashboard", "schedule": DASHBOARD_WARM_EVERY},
}
