#!/usr/bin/env bash
# Command 2: run the whole test suite. On PostgreSQL and Redis when DATABASE_URL / REDIS_URL
# are set (as .ci/run sets them); on SQLite otherwise, skipping the tests that need Redis.
EXTRA_SYSTEM_PACKAGES="chromium"
source "$(dirname "$0")/_setup.sh"

install_system_packages
setup_venv requirements-dev.txt

exec .venv/bin/pytest --create-db "$@"
