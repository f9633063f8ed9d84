#!/usr/bin/env bash
# Prints the line CI reads, "N passed, N failed", summed over the .trx files of a results folder, and exits with the
# test command's status. A failed command whose results show no failed test (a crash, a build error) counts one.
#   scripts/test-summary.sh RESULTS_DIR STATUS
set -uo pipefail
results=$1; status=$2
passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
exit "$status"
