#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the fuzz configuration in build-fuzz/ (at the top of the source tree)
# and run each fuzzer for a fixed number of executions on its corpus.
#
#   tests/fuzz/run-long.sh [RUNS [TARGET...]]
#
# RUNS defaults to 10000000; TARGET defaults to every fuzz-* target below.
# VG_FUZZ_BUILD_DIR overrides the build directory.
# New inputs go to build-fuzz/tests/fuzz/corpus/<target>/ (the checked-in
# seeds are only read), crashes to build-fuzz/tests/fuzz/artifacts/<target>/.
# Exits non-zero when any fuzzer reports a finding.
set -u
set -o pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${VG_FUZZ_BUILD_DIR:-$src/build-fuzz}
runs=${1:-10000000}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	targets=(fuzz-vif-mac fuzz-vif-ip fuzz-vif-keys fuzz-vif-path fuzz-config fuzz-resolve
		 fuzz-nfmsg fuzz-explain fuzz-ruleset fuzz-xs-wire)
fi

case "$runs" in
'' | *[!0-9]*)
	echo "usage: $0 [RUNS [TARGET...]]" >&2
	exit 2
	;;
esac

CC=${CC:-clang} cmake -S "$src" -B "$build" -DVIFGUARD_FUZZ=ON -DVIFGUARD_TESTS=ON >/dev/null ||
	exit 1
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" || exit 1

failed=0
for t in "${targets[@]}"; do
	scratch="$build/tests/fuzz/corpus/$t"
	artifacts="$build/tests/fuzz/artifacts/$t/"
	log="$build/tests/fuzz/$t.log"
	mkdir -p "$scratch" "$artifacts"

	start=$(date +%s)
	# -max_len: room for values beyond VIF_VALUE_MAX (4096), so the length check is reachable.
	"$build/tests/fuzz/$t" -runs="$runs" -timeout=5 -max_len=8192 -print_final_stats=1 \
		-artifact_prefix="$artifacts" "$scratch" "$src/tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	corpus=$(find "$scratch" -type f | wc -l)

	if [ $rc -eq 0 ]; then
		printf '%-16s ok     %12s execs  %6ss  %5s new corpus files\n' "$t" "${execs:-?}" \
			"$secs" "$corpus"
	else
		failed=1
		printf '%-16s FAILED (exit %d) after %s execs; see %s\n' "$t" "$rc" "${execs:-?}" "$log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -n 5
	fi
done
exit $failed
