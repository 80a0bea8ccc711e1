#!/usr/bin/env bash
# What a user of `cors-axum` pays, against tower-http's CorsLayer, in one run on this machine:
# for each dependency, a scratch crate outside the workspace (with the workspace's lock file,
# so the same versions) is built clean in release mode, and the crates in its normal
# dependency tree are counted. Prints crates, seconds and the ratios to tower-http.
#
#   scripts/weight.sh              # the three builds, under a minute on two cores
#   scripts/weight.sh --features   # and each optional feature's cost on top of the defaults
#
# Targets (issue 19): cors-axum with default features at most 25 crates and 8x tower-http's
# build time; with `default-features = false` at most 15 crates and 4x.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export CARGO_TERM_COLOR=never CARGO_INCREMENTAL=0

# name|dependency line
variants=(
  "tower-http|tower-http = { version = \"=0.7.1\", features = [\"cors\"] }"
  "cors-axum|cors-axum = { path = \"$root/crates/cors-axum\" }"
  "cors-axum (no default features)|cors-axum = { path = \"$root/crates/cors-axum\", default-features = false }"
)
# `--features`: also each optional feature on top of the defaults, and all of them.
if [ "${1:-}" = "--features" ]; then
  for f in json yaml regex psl live lookup metrics; do
    variants+=("cors-axum + $f|cors-axum = { path = \"$root/crates/cors-axum\", features = [\"$f\"] }")
  done
  variants+=("cors-axum, every feature|cors-axum = { path = \"$root/crates/cors-axum\", features = [\"json\", \"yaml\", \"regex\", \"psl\", \"live\", \"lookup\", \"metrics\"] }")
fi

measure() {
  local name="$1" dep="$2" dir="$work/$3"
  mkdir -p "$dir/src"
  printf '[package]\nname = "weight"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[dependencies]\n%s\n\n[workspace]\n' "$dep" >"$dir/Cargo.toml"
  echo 'fn main() {}' >"$dir/src/main.rs"
  cp "$root/Cargo.lock" "$dir/Cargo.lock"
  # Fetch first (not timed), then the clean build alone.
  (cd "$dir" && cargo fetch -q)
  local crates start end
  crates=$(cd "$dir" && cargo tree -e normal --prefix none 2>/dev/null | sed 's/ (\*)$//' | sort -u | grep -vc '^weight v')
  start=$(date +%s.%N)
  (cd "$dir" && cargo build -q --release)
  end=$(date +%s.%N)
  echo "$name|$crates|$(echo "$end - $start" | bc)"
}

results=()
i=0
for v in "${variants[@]}"; do
  results+=("$(measure "${v%%|*}" "${v#*|}" "v$i")")
  i=$((i + 1))
done

base_crates=$(echo "${results[0]}" | cut -d'|' -f2)
base_secs=$(echo "${results[0]}" | cut -d'|' -f3)
printf '\n| dependency | crates in its normal tree | clean release build | vs tower-http |\n| --- | ---: | ---: | ---: |\n'
for r in "${results[@]}"; do
  IFS='|' read -r name crates secs <<<"$r"
  printf '| %s | %s | %.1f s | %.1fx crates, %.1fx time |\n' "$name" "$crates" "$secs" \
    "$(echo "$crates / $base_crates" | bc -l)" "$(echo "$secs / $base_secs" | bc -l)"
done
echo
echo "($(nproc) cores; rustc $(rustc --version | cut -d' ' -f2))"
