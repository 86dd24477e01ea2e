#!/usr/bin/env bash
# Command 1: set everything up and serve the portal with demo data at http://127.0.0.1:8000
# on the embedded default (SQLite, Celery tasks inline): no other server needed.
source "$(dirname "$0")/_setup.sh"

install_system_packages
setup_venv requirements.txt

.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed_demo --scale district
BIND="${PORT_BIND:-127.0.0.1:8000}"
echo ">> 门户地址: http://${BIND}  （按 Ctrl+C 停止）"
exec .venv/bin/python manage.py runserver "$BIND"
