#!/usr/bin/env bash
# Maintainers: does TensorFlow's product give the same digits on other CPUs?
# Runs `python -m tfbook.eigen_cache digest` natively and under QEMU's user
# mode as other CPU models (other vendors, instruction sets and cache sizes;
# QEMU emulates AVX2 and FMA, not AVX-512), and compares the pinned digests.
# Not part of `make test`: TensorFlow under emulation takes minutes per CPU.
#   bash scripts/check-cpus.sh [MODEL ...]   # default: Haswell EPYC-Rome
# Needs Debian's qemu-user, QEMU 7.2 or later for AVX2 (installed here with
# apt-get when missing, as root). A model whose cache sizes are the pinned
# ones proves nothing about the pin: the JSON line shows each model's sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(Haswell EPYC-Rome)
if ! command -v qemu-x86_64 >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y -q qemu-user >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q qemu-user >/dev/null; }
  else
    echo "check-cpus.sh: needs qemu-x86_64: install Debian's qemu-user as root." >&2
    exit 1
  fi
fi
pinned() { sed -n 's/.*"pinned": "\([0-9a-f]*\)".*/\1/p'; }
native=$("$PY" -m tfbook.eigen_cache digest)
echo "native: $native"
want=$(pinned <<<"$native")
[ -n "$want" ] || { echo "check-cpus.sh: no pinned digest in the native run" >&2; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
for model in "${models[@]}"; do
  if ! got=$(qemu-x86_64 -cpu "$model" "$PY" -m tfbook.eigen_cache digest 2>"$log"); then
    echo "check-cpus.sh: $model: the run failed:" >&2
    grep -v "TCG doesn't support" "$log" | tail -n 20 >&2 || true
    status=1
    continue
  fi
  echo "$model: $got"
  [ "$(pinned <<<"$got")" = "$want" ] || { echo "check-cpus.sh: $model: pinned digest differs" >&2; status=1; }
done
exit "$status"
