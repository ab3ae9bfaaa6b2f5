#!/usr/bin/env bash
# Differential test of the settings audit against real Django (see parity.py). Makes a virtualenv
# with the pinned Django once (kept under the cargo target directory, so CI caches it with the
# build) and runs the comparison with the given djreview binary.
set -euo pipefail
cd "$(dirname "$0")/../.."
DJANGO_PIN=${DJANGO_PIN:-5.2.19}
djreview=${1:?usage: run.sh PATH_TO_DJREVIEW}
target=${CARGO_TARGET_DIR:-target}
venv="$target/parity-venv"
if ! "$venv/bin/python" -c "import django, sys; sys.exit(django.get_version() != '$DJANGO_PIN')" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "django==$DJANGO_PIN"
fi
python3 tests/settings-parity/parity.py --djreview "$djreview" --python "$venv/bin/python" \
  --out "$target/settings-parity" --cases "${PARITY_CASES:-400}"
