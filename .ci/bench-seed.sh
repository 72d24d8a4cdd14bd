#!/usr/bin/env bash
# Seeds the 10,000-expert / 50,000-client demo database RUNS times with the release build and
# prints each time, the median, and the database's size.
set -euo pipefail
ft=${FT:-.build/release/ft}
runs=${RUNS:-3}
experts=${EXPERTS:-10000}
clients=${CLIENTS:-50000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

times=()
for ((i = 1; i <= runs; i++)); do
  out=$("$ft" seed --data-dir "$dir" --experts "$experts" --clients "$clients" --seed 42 --today 2026-11-20 --replace)
  line=$(grep -E '^[0-9]+ rows in' <<<"$out")
  echo "run $i: $line"
  times+=("$(sed -E 's/.* in ([0-9.]+) s.*/\1/' <<<"$line")")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
size=$(du -m "$dir/financialtracker.sqlite" | cut -f1)
echo "seed ${experts} experts / ${clients} clients: median ${median} s over ${runs} runs, database ${size} MB"
