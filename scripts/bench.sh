#!/usr/bin/env bash
# Benchmarks djreview natively: criterion over Django's own source (and pretix when asked), and a
# wall-clock run of the CLI over each corpus. Corpora are downloaded with pip into target/bench-corpus
# (never committed).
#   ./scripts/bench.sh            Django 5.2
#   ./scripts/bench.sh pretix     also pretix
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=target/bench-corpus
mkdir -p "$corpus"
fetch() {
  local spec=$1 name=$2
  if [ ! -d "$corpus/$name" ]; then
    python3 -m pip download --no-deps --quiet "$spec" -d "$corpus/dl"
    local wheel
    wheel=$(ls "$corpus"/dl/"$name"-*.whl | head -n 1)
    mkdir -p "$corpus/$name"
    (cd "$corpus/$name" && python3 -m zipfile -e "../../../$wheel" .)
  fi
}
fetch "django==5.2.*" django
projects=(django)
if [ "${1:-}" = "pretix" ]; then
  fetch pretix pretix
  projects+=(pretix)
fi
cargo build --release -p djreview-cli --quiet
for p in "${projects[@]}"; do
  lines=$(find "$corpus/$p" -name '*.py' -exec cat {} + | wc -l)
  start=$(date +%s.%N)
  ./target/release/djreview check --format json --fail-on never "$corpus/$p" > /dev/null
  end=$(date +%s.%N)
  printf 'CLI %s: %s Python lines in %.2f s\n' "$p" "$lines" "$(echo "$end - $start" | bc)"
done
migrations=""
if [ -d "$corpus/pretix" ]; then migrations="$PWD/$corpus/pretix"; fi
DJREVIEW_BENCH_CORPUS="$PWD/$corpus/django" DJREVIEW_BENCH_MIGRATIONS="$migrations" \
  cargo bench -p djreview-bench --bench analyze
