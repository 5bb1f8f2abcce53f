#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build and run the whole test suite through ctest.
#   scripts/test.sh                 normal build in build/
#   scripts/test.sh --sanitize      ASan+UBSan build in build-asan/
#   scripts/test.sh --fuzz          clang libFuzzer build in build-fuzz/ (fuzz tests only)
# Extra arguments after "--" go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=build
cmake_args=()
ctest_args=(--output-on-failure)
while [ $# -gt 0 ]; do
	case "$1" in
	--sanitize) dir=build-asan; cmake_args+=(-DVIFGUARD_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug) ;;
	--fuzz) dir=build-fuzz; cmake_args+=(-DVIFGUARD_FUZZ=ON -DCMAKE_C_COMPILER=clang)
		ctest_args+=(-L fuzz) ;;
	--) shift; ctest_args+=("$@"); break ;;
	*) echo "usage: $0 [--sanitize|--fuzz] [-- ctest args]" >&2; exit 2 ;;
	esac
	shift
done

# VIFGUARD_XEN_WORLD=1: the normal suite includes the real-Xen world under
# QEMU (label xen, minutes; install-deps.sh unpacks what it boots).
if [ "${VIFGUARD_XEN_WORLD:-0}" = 1 ] && [ "$dir" = build ]; then
	cmake_args+=(-DVIFGUARD_XEN_WORLD=ON)
fi

# A fresh machine: install what is missing first (a quick no-op otherwise).
if [ "$(id -u)" -eq 0 ]; then
	scripts/install-deps.sh
fi

cmake -S . -B "$dir" "${cmake_args[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)"
ctest --test-dir "$dir" "${ctest_args[@]}" 2>&1 | tee "$dir/ctest.log"
