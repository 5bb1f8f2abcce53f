#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# ctest's bench-smoke: the benchmark's --quick pass (tiny N, one repeat, short
# durations).  It fails on errors only, never on numbers.
exec bash "$(dirname "${BASH_SOURCE[0]}")/bench.sh" --quick "$@"
