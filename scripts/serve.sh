#!/usr/bin/env bash
# Command 1: set everything up and serve the portal with demo data, as production serves it:
# gunicorn with whitenoise, DEBUG off, the Chinese error pages. On the private PostgreSQL
# cluster in var/postgres/ unless DATABASE_URL names a server; Celery tasks inline unless
# REDIS_URL names a Redis. Stopping the server (Ctrl+C) stops the cluster it started.
#
#   ./scripts/serve.sh          production mode on PORT_BIND (default 127.0.0.1:8000)
#   ./scripts/serve.sh --dev    development mode: DEBUG on, Django's runserver (reloads code)
source "$(dirname "$0")/_setup.sh"

DEV=0
[ "${1:-}" = "--dev" ] && DEV=1

install_system_packages
setup_venv requirements.txt
ensure_private_postgres
trap stop_private_postgres EXIT

.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed_demo --scale district

BIND="${PORT_BIND:-127.0.0.1:8000}"
HOST="${BIND%:*}"
if [ "$DEV" -eq 1 ]; then
  export DJANGO_DEBUG=1
  echo ">> 开发模式（DEBUG 开启）: http://${BIND}  （按 Ctrl+C 停止）"
  .venv/bin/python manage.py runserver "$BIND" &
else
  export DJANGO_DEBUG=0 DJANGO_PLAIN_HTTP=1
  ensure_secret_key
  if [ -z "${DJANGO_ALLOWED_HOSTS:-}" ]; then
    # the address served, plus this machine's names and addresses when it listens on all
    DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,${HOST}"
    if [ "$HOST" = "0.0.0.0" ]; then
      DJANGO_ALLOWED_HOSTS="$DJANGO_ALLOWED_HOSTS,$(hostname),$(hostname -I 2>/dev/null | tr ' ' ',')"
    fi
    export DJANGO_ALLOWED_HOSTS
  fi
  # hashed and compressed once (minutes on a busy machine), again only when a static file or
  # the installed packages (their admin and API pages' files) are newer than the manifest
  if [ ! -s staticfiles/staticfiles.json ] ||
    [ -n "$(find static .venv/.installed-* -newer staticfiles/staticfiles.json 2>/dev/null | head -n 1)" ]; then
    echo ">> 收集静态文件"
    .venv/bin/python manage.py collectstatic --noinput -v0
  fi
  echo ">> 门户地址: http://${BIND}  （按 Ctrl+C 停止）"
  .venv/bin/gunicorn config.wsgi:application --bind "$BIND" --workers "${WEB_CONCURRENCY:-3}" \
    --timeout 60 &
fi
SERVER=$!
# Ctrl+C or a TERM ends the server first; the EXIT trap then stops the cluster.
trap 'kill -TERM $(pgrep -P "$SERVER") "$SERVER" 2>/dev/null' INT TERM
wait "$SERVER" || true
wait "$SERVER" 2>/dev/null || true
