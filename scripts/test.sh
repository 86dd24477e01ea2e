#!/usr/bin/env bash
# Command 2: run the whole test suite on PostgreSQL: the server DATABASE_URL names (as .ci/run
# sets it), or else the private cluster in var/postgres/, started for the run and stopped after
# it unless it was already running. With REDIS_URL set the tests that need Redis run too, with
# a real Celery worker; without it they are skipped.
EXTRA_SYSTEM_PACKAGES="chromium"
source "$(dirname "$0")/_setup.sh"

install_system_packages
setup_venv requirements-dev.txt
ensure_private_postgres
trap stop_private_postgres EXIT

.venv/bin/pytest --create-db "$@"
