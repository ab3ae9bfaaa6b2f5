#!/usr/bin/env bash
# Builds the fastest djreview CLI: a release build optimised with the profile of a training run
# (profile-guided optimisation). Most of the CLI's time goes to rustpython-parser's generated parser
# and lexer, whose branches the compiler lays out far better once it knows which ones are taken.
#
#   ./scripts/build-cli.sh            writes target/pgo/djreview
#   ./scripts/build-cli.sh --check    also checks that it reports exactly what the plain build reports
#
# Training data: the repository's own rule fixtures, the app's sample project and the EXPLAIN corpus
# (nothing downloaded, and nothing the benchmarks time, so the benchmarks never see their own
# training set). Two release builds with LTO (instrumented, then optimised) take about 3 minutes on
# 2 cores; each keeps its own target folder, so a rebuild after an edit recompiles only what changed.
# It needs rustup's llvm-tools component (installed when missing); if that cannot be had, it falls
# back to a plain release build and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

check=0
[ "${1:-}" = "--check" ] && check=1

say() { printf '\033[1m[build-cli]\033[0m %s\n' "$*"; }
target=${CARGO_TARGET_DIR:-target}
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
out="$target/pgo"
profiles="$out/profiles"
mkdir -p "$out"
training=(crates/engine/tests/fixtures static/sample crates/engine/tests/explain-corpus)

sysroot=$(rustc --print sysroot)
host=$(rustc -vV | sed -n 's/^host: //p')
profdata="$sysroot/lib/rustlib/$host/bin/llvm-profdata"
if [ ! -x "$profdata" ]; then
  say "installing rustup's llvm-tools component (llvm-profdata must match rustc's LLVM)"
  rustup component add llvm-tools >/dev/null 2>&1 || true
fi
if [ ! -x "$profdata" ]; then
  say "llvm-profdata is not available: building without profile-guided optimisation"
  cargo build --release -p djreview-cli --quiet
  cp "$target/release/djreview" "$out/djreview"
  exit 0
fi

# 1. An instrumented build (--target keeps the flags off build scripts, which would write profiles too).
say "instrumented build"
CARGO_TARGET_DIR="$target/pgo-generate" RUSTFLAGS="-Cprofile-generate=$profiles" \
  cargo build --release -p djreview-cli --target "$host" --quiet

# 2. Training runs: every input kind, every output format (exit status 1 means findings, not failure).
# The profile is kept while neither the instrumented binary nor the training files changed: profiles
# of two runs differ in a few bytes, and rustc records the profile as an input of every crate.
trained="$target/pgo-generate/$host/release/djreview"
if [ -f "$out/merged.profdata" ] && [ "$out/merged.profdata" -nt "$trained" ] &&
  [ -z "$(find "${training[@]}" -newer "$out/merged.profdata" -print -quit)" ]; then
  say "the profile is up to date"
else
  say "training run on ${training[*]}"
  rm -rf "$profiles"
  mkdir -p "$profiles"
  for format in json text sarif markdown; do
    status=0
    LLVM_PROFILE_FILE="$profiles/%p-%m.profraw" \
      "$trained" check --format "$format" --color never "${training[@]}" >/dev/null 2>"$out/training.log" || status=$?
    if [ "$status" -gt 1 ]; then
      cat "$out/training.log" >&2
      exit "$status"
    fi
  done
  "$profdata" merge -o "$out/merged.profdata" "$profiles"
fi

# 3. The optimised build. Functions the training never ran keep the usual optimisation.
say "optimised build"
CARGO_TARGET_DIR="$target/pgo-use" RUSTFLAGS="-Cprofile-use=$out/merged.profdata" \
  cargo build --release -p djreview-cli --target "$host" --quiet
cp "$target/pgo-use/$host/release/djreview" "$out/djreview"
say "wrote $out/djreview"

if [ "$check" = 1 ]; then
  # The optimisation must change speed only: same report, byte for byte, as the plain build.
  cargo build -p djreview-cli --quiet
  for format in json sarif; do
    "$target/debug/djreview" check --format "$format" --fail-on never "${training[@]}" >"$out/plain.$format"
    "$out/djreview" check --format "$format" --fail-on never "${training[@]}" >"$out/pgo.$format"
    cmp "$out/plain.$format" "$out/pgo.$format"
  done
  say "the optimised build reports exactly what the plain build reports"
fi
