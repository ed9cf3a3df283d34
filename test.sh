#!/usr/bin/env bash
# Runs the whole test suite, installing first what the tests need on a fresh
# Debian machine: Samba (the admin shares of a fleet of hosts), its client
# smbclient (reads the hosts that speak SMB 1 only), LibreOffice (opens and
# prints the workbook as an independent reader) with Carlito (Calibri's
# metric twin, so it lays the workbook out as Excel does), poppler-utils,
# Debian's openpyxl (reads the workbook as csvkit and pandas do), Node.js
# with npm (node-sql-parser checks the query text against a T-SQL grammar),
# and Wine with mingw-w64 (package wintest runs the Windows build under Wine,
# with a stand-in DLL built by x86_64-w64-mingw32-gcc).
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v smbd >/dev/null || need+=(samba)
command -v smbpasswd >/dev/null || need+=(samba-common-bin)
command -v smbclient >/dev/null || need+=(smbclient)
command -v soffice >/dev/null || need+=(libreoffice-calc-nogui)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
fc-list 2>/dev/null | grep -q Carlito || need+=(fonts-crosextra-carlito)
/usr/bin/python3 -c 'import openpyxl' 2>/dev/null || need+=(python3-openpyxl)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
# Wine with its recommended libraries, as the Windows suite was measured.
wine=()
command -v wine >/dev/null || wine+=(wine wine64)
command -v x86_64-w64-mingw32-gcc >/dev/null || wine+=(gcc-mingw-w64-x86-64)
if [ $((${#need[@]} + ${#wine[@]})) -gt 0 ]; then
  echo "test.sh: installing ${need[*]} ${wine[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  if [ ${#need[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  if [ ${#wine[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${wine[@]}" >/dev/null
  fi
fi

echo "test.sh: node-sql-parser for the T-SQL check (query/tsqlcheck)"
(cd query/tsqlcheck && npm ci --no-audit --no-fund --loglevel=error)

echo "test.sh: gofmt, go vet, Windows build"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
go vet ./...
GOOS=windows go build ./...

echo "test.sh: go test"
go test -count=1 -timeout 20m ./...
