#!/usr/bin/env bash
# The standard benchmark shapes on the device Hearth runs on, as one
# Markdown table: decode (tg) and prefill (pp) tokens/s, dispatches and
# barriers per token, bytes read per decoded token and the % of the
# device's bandwidth bound. The models are random-weight GGUFs that
# `hearth-cli make-model` writes (weights do not change speed).
#
#   tools/gpu-bench.sh            1B, 3B, 8B in Q4_K_M and Q8_0, 12B-class shapes
#   tools/gpu-bench.sh --small    a few layers of each, for a CPU device (lavapipe)
#
# Environment: HEARTH_CLI (default build/app/hearth-cli), BENCH_DIR for the
# model files (default a temporary folder, removed at the end).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

cli=${HEARTH_CLI:-build/app/hearth-cli}
[ -x "$cli" ] || { echo "gpu-bench: $cli not found; run ./hearth build first" >&2; exit 2; }
layers=()
pp=512 tg=128 reps=3
if [ "${1:-}" = "--small" ]; then
  layers=(--layers 2) pp=64 tg=16 reps=2
fi
dir=${BENCH_DIR:-$(mktemp -d /tmp/hearth-gpu-bench.XXXXXX)}
[ -n "${BENCH_DIR:-}" ] || trap 'rm -rf "$dir"' EXIT
results="$dir/results.jsonl"
: > "$results"

# make PRESET TYPE: the model file, made once; empty when this build has no such preset.
make () {
  local file="$dir/$1-$2${layers[*]:+-small}.gguf"
  if [ ! -f "$file" ] && ! "$cli" make-model --preset "$1" --type "$2" "${layers[@]}" -o "$file" >/dev/null 2>"$dir/make.err"; then
    echo "gpu-bench: skipping $1 $2: $(tail -1 "$dir/make.err")" >&2
    return 0
  fi
  echo "$file"
}

for preset in 1b 3b 8b 12b llama4-compact-12b; do
  for type in q4_k_m q8_0; do
    model=$(make "$preset" "$type")
    [ -n "$model" ] || continue
    "$cli" bench -m "$model" -p "$pp" -n "$tg" -r "$reps" --json |
      python3 -c 'import json,sys; [print(json.dumps(dict(r, shape=sys.argv[1], type=sys.argv[2]))) for r in json.load(sys.stdin)]' \
        "$preset" "$type" >> "$results"
  done
done

python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
if not rows:
    sys.exit("gpu-bench: no results")
print(f"device: {rows[0]['device']}")
print("| shape | type | MiB | test | t/s | dispatches / barriers per token | bytes/token | bandwidth GB/s | % of bound |")
print("|---|---|---:|---|---:|---:|---:|---:|---:|")
for r in rows:
    test = f"tg{r['n_gen']}" if r["n_prompt"] == 0 else f"pp{r['n_prompt']}"
    bound = f"{r['pct_of_bound']:.1f}" if "pct_of_bound" in r else ""
    bw = f"{r['bandwidth_gbs']:.1f}" if "bandwidth_gbs" in r else ""
    per_token = f"{r['bytes_per_token'] / 1e6:.1f} MB" if "bytes_per_token" in r else ""
    print(f"| {r['shape']} | {r['type']} | {r['size_mib']:.0f} | {test} | {r['avg_ts']:.2f} ± {r['stddev_ts']:.2f} "
          f"| {r['dispatches_per_token']:.1f} / {r['barriers_per_token']:.1f} | {per_token} | {bw} | {bound} |")
PY
