# The portal's image: web (gunicorn), Celery worker and beat all run from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

# WeasyPrint needs Pango and CJK fonts (fallback glyphs); libharfbuzz-subset0 makes font
# subsetting fast. The report is set in the free Fandol fonts (仿宋, 宋, 黑体, 楷体), which the
# same step as a local install (scripts/_setup.sh) takes out of Debian's texlive-lang-chinese
# without installing TeX, into REPORT_FONT_DIR. `manage.py backup` / `restore` run pg_dump,
# pg_restore and psql of the database server's major version (docker-compose.yml: postgres:15).
ENV REPORT_FONT_DIR=/usr/local/share/fonts/fandol
COPY scripts/_setup.sh scripts/
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      fonts-noto-cjk fonts-arphic-ukai gettext curl postgresql-client-15 \
 && bash -c 'source scripts/_setup.sh && install_report_fonts "$REPORT_FONT_DIR"' \
 && rm -rf /var/lib/apt/lists/*

COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .

# collectstatic runs with a throwaway key: the image holds no secret.
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput

# the app user writes uploads and backups (both volumes in docker-compose.yml), nothing else
RUN useradd --create-home bureau && mkdir -p /app/media /app/backups && chown bureau /app/media /app/backups
USER bureau
EXPOSE 8000
# Five workers on the bureau's two cores (2 x cores + 1): a request waiting on a slow one
# (a login's password hash, a search) finds a free worker (province load: p95 0.93 -> 0.53 s)
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "5", "--timeout", "60", "--access-logfile", "-"]
