#!/usr/bin/env bash
# Seeds the 10,000-expert / 50,000-client demo database RUNS times with the release build and
# prints each time, the median, and the database's size; then generates its site RUNS times from
# scratch and RUNS times with nothing changed.
set -euo pipefail
ft=${FT:-.build/release/ft}
runs=${RUNS:-3}
experts=${EXPERTS:-10000}
clients=${CLIENTS:-50000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

times=()
for ((i = 1; i <= runs; i++)); do
  out=$("$ft" seed --data-dir "$dir" --experts "$experts" --clients "$clients" --seed 42 --today 2026-11-20 --replace)
  line=$(grep -E '^[0-9]+ rows in' <<<"$out")
  echo "seed run $i: $line"
  times+=("$(sed -E 's/.* in ([0-9.]+) s.*/\1/' <<<"$line")")
done
size=$(du -m "$dir/financialtracker.sqlite" | cut -f1)
echo "seed ${experts} experts / ${clients} clients: median $(printf '%s\n' "${times[@]}" | median) s over ${runs} runs, database ${size} MB"

full=()
again=()
for ((i = 1; i <= runs; i++)); do
  out="$dir/site-$i"
  if [[ -x /usr/bin/time ]]; then
    line=$(/usr/bin/time -f 'peak memory %M KB' "$ft" generate --data-dir "$dir" --out "$out" 2>&1 | tr '\n' ' ')
  else
    line=$("$ft" generate --data-dir "$dir" --out "$out")
  fi
  echo "full build $i: $line"
  full+=("$(sed -E 's/.* in ([0-9.]+) s.*/\1/' <<<"$line")")
  line=$("$ft" generate --data-dir "$dir" --out "$out")
  echo "no-change build $i: $line"
  again+=("$(sed -E 's/.* in ([0-9.]+) s.*/\1/' <<<"$line")")
done
files=$(find "$dir/site-1" -type f | wc -l)
echo "site of ${experts} experts (${files} files): full build median $(printf '%s\n' "${full[@]}" | median) s, no-change build median $(printf '%s\n' "${again[@]}" | median) s over ${runs} runs"

if [[ -x .venv/bin/python ]]; then
  .venv/bin/python Tests/browser/bench_search.py "$dir/site-1"
else
  echo "search timing skipped: run 'make test' once to create .venv with Selenium"
fi

# The same site with Hugo (Debian's package), for comparison: same experts, bios, reviews,
# listings and taxonomies (.ci/hugo/).
if ! command -v hugo >/dev/null && [[ $(id -u) -eq 0 ]]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hugo >/dev/null 2>&1 || true
fi
if command -v hugo >/dev/null; then
  python3 .ci/hugo/export.py "$dir/financialtracker.sqlite" "$dir/hugo" >/dev/null
  hugo_times=()
  for ((i = 1; i <= runs; i++)); do
    rm -rf "$dir/hugo-out"
    start=$(date +%s.%N)
    if [[ -x /usr/bin/time ]]; then
      peak=$( { /usr/bin/time -f '%M' hugo --quiet --source "$dir/hugo" --destination "$dir/hugo-out" >/dev/null; } 2>&1 | tail -1)
    else
      hugo --quiet --source "$dir/hugo" --destination "$dir/hugo-out" >/dev/null
      peak="?"
    fi
    end=$(date +%s.%N)
    elapsed=$(python3 -c "print(f'{$end - $start:.2f}')")
    hugo_times+=("$elapsed")
    echo "hugo run $i: ${elapsed} s, peak memory ${peak} KB"
  done
  pages=$(find "$dir/hugo-out" -name '*.html' | wc -l)
  echo "hugo $(hugo version | cut -d' ' -f2) on the same experts (${pages} pages): median $(printf '%s\n' "${hugo_times[@]}" | median) s over ${runs} runs"
else
  echo "hugo comparison skipped: hugo is not installed"
fi

# Push throughput through the real server on that database (one client, batches of 100).
port=$((20000 + RANDOM % 20000))
"$ft" serve --data-dir "$dir" --port "$port" --public "$dir/site-1" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
python3 .ci/bench_push.py "$port" || echo "push benchmark failed"
kill "$server"; wait "$server" 2>/dev/null || true
