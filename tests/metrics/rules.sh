#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The example alert rules: promtool accepts them, and its rule unit tests
# (vifguard.rules.test.yml) show each alert fires when it should.
. "$VG_SOURCE_DIR/tests/lib/common.sh"
vg_require_cmd promtool

out=$(promtool check rules "$VG_SOURCE_DIR/docs/vifguard.rules.yml" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/#   /'
vg_expect_eq "promtool check rules docs/vifguard.rules.yml" 0 "$rc"
# promtool resolves rule_files relative to the test file
out=$(cd "$VG_SOURCE_DIR/tests/metrics" && promtool test rules vifguard.rules.test.yml 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/#   /'
vg_expect_eq "promtool test rules: the alerts fire as meant" 0 "$rc"
vg_done
