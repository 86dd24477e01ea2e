# Shared by serve.sh and test.sh: system packages where missing, the virtual environment and
# the Python requirements. Sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Debian packages the portal needs: Pango and CJK fonts for WeasyPrint (fallback glyphs), harfbuzz-
# subset so font subsetting takes milliseconds, gettext for the catalogue, poppler-utils to measure
# the report's PDF in the tests, Chromium for the browser tests.
SYSTEM_PACKAGES=(python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
  fonts-noto-cjk fonts-arphic-ukai gettext poppler-utils ${EXTRA_SYSTEM_PACKAGES:-})

install_system_packages() {
  local missing=()
  for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo ">> 安装系统软件包: ${missing[*]}"
    $(_sudo) apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $(_sudo) apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
  install_report_fonts
}

_sudo() { [ "$(id -u)" -eq 0 ] || echo sudo; }

# The report's PDF is set in the free Fandol fonts (仿宋 body, 宋 bold title, 黑体, 楷体), which
# Debian ships only inside texlive-lang-chinese: the .otf files are taken out of that package
# without installing TeX, into a folder outside git (the settings' REPORT_FONT_DIR: the
# virtual environment's share/fonts/fandol, /usr/local/share/fonts/fandol in the image).
FANDOL_FONTS=(FandolFang-Regular.otf FandolSong-Bold.otf FandolSong-Regular.otf
  FandolHei-Regular.otf FandolHei-Bold.otf FandolKai-Regular.otf)

install_report_fonts() {
  local target="${1:-${REPORT_FONT_DIR:-$ROOT/.venv/share/fonts/fandol}}"
  local font missing=0
  for font in "${FANDOL_FONTS[@]}"; do [ -s "$target/$font" ] || missing=1; done
  [ "$missing" -eq 0 ] && return 0
  echo ">> 安装报告字体（Fandol 仿宋/宋/黑/楷）到 $target"
  local work
  work="$(mktemp -d)"
  # apt-get download needs no root, only the package lists
  if ! (cd "$work" && apt-get download -qq texlive-lang-chinese 2>/dev/null); then
    $(_sudo) apt-get update -qq
    (cd "$work" && apt-get download -qq texlive-lang-chinese)
  fi
  dpkg-deb --fsys-tarfile "$work"/texlive-lang-chinese_*.deb |
    tar -x -C "$work" --wildcards './usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/*' \
      './usr/share/doc/texlive-doc/fonts/fandol/*'
  mkdir -p "$target"
  for font in "${FANDOL_FONTS[@]}"; do
    cp "$work/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/$font" "$target/"
  done
  # GPL with the font exception: the licence travels with the files
  cp "$work"/usr/share/doc/texlive-doc/fonts/fandol/{README,COPYING.gz} "$target/"
  rm -rf "$work"
}

setup_venv() {
  local requirements="$1"
  local python="${PYTHON:-$(command -v python3.11 || command -v python3)}"
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  local stamp=".venv/.installed-$(cat requirements*.txt | sha1sum | cut -c1-12)-$(basename "$requirements")"
  if [ ! -f "$stamp" ]; then
    .venv/bin/pip install -q --upgrade pip
    .venv/bin/pip install -q -r "$requirements"
    touch "$stamp"
  fi
}

# PostgreSQL: the private cluster in var/postgres/ when DATABASE_URL is unset.
source "$ROOT/scripts/_postgres.sh"

# A secret key of this checkout's own for production mode, kept outside git in var/.
ensure_secret_key() {
  if [ -z "${DJANGO_SECRET_KEY:-}" ]; then
    mkdir -p "$ROOT/var"
    [ -s "$ROOT/var/secret_key" ] ||
      (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(50))' >"$ROOT/var/secret_key")
    DJANGO_SECRET_KEY="$(cat "$ROOT/var/secret_key")"
    export DJANGO_SECRET_KEY
  fi
}
