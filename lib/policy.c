// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>

#include "policy.h"

static const char *const no_ip_names[_POLICY_NO_IP_MAX] = {
    [POLICY_NO_IP_BLOCK] = "block",
    [POLICY_NO_IP_MAC_ONLY] = "mac-only",
};

void policy_default(struct policy *ret)
{
	memset(ret, 0, sizeof(*ret));
	strcpy(ret->table, "vifguard");
	strcpy(ret->port_patterns[0], "vif*");
	ret->n_port_patterns = 1;
	ret->no_ip = POLICY_NO_IP_BLOCK;
	vif_limits_default(&ret->limits);
	/* Before every other bridge filter: what we drop, nobody sees. */
	ret->priority = -300;
	ret->protect_bridge_addrs = true;
	ret->log_rate_interval_sec = 30;
	ret->log_rate_burst = 10;
	ret->owned_max = POLICY_OWNED_DEFAULT;
	ret->log_group = 7331;
	ret->log_kernel_rate = 20;
}

const char *policy_no_ip_to_string(enum policy_no_ip p)
{
	if (p < 0 || p >= _POLICY_NO_IP_MAX)
		return NULL;
	return no_ip_names[p];
}

int policy_no_ip_from_string(const char *s)
{
	for (int i = 0; i < _POLICY_NO_IP_MAX; i++)
		if (strcmp(s, no_ip_names[i]) == 0)
			return i;
	return -EINVAL;
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

bool policy_table_name_is_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= POLICY_TABLE_MAX)
		return false;
	if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z')))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_name_char(name[i]) || name[i] == '.')
			return false;
	return true;
}

bool policy_port_pattern_is_valid(const char *pattern)
{
	size_t n = strlen(pattern);

	if (n == 0 || n >= IFNAMSIZ)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (pattern[i] == '*' && i == n - 1 && i > 0)
			continue;
		if (!is_name_char(pattern[i]))
			return false;
	}
	return true;
}

int policy_vmac_family(const uint8_t mac[6])
{
	/* RFC 5798 7.3: 00-00-5E-00-01-{VRID} (IPv4), 00-00-5E-00-02-{VRID} (IPv6) */
	static const uint8_t oui[4] = {0x00, 0x00, 0x5e, 0x00};

	if (memcmp(mac, oui, sizeof(oui)) != 0 || (mac[4] != 1 && mac[4] != 2) || mac[5] == 0)
		return -EINVAL;
	return mac[4] - 1;
}

bool policy_domain_name_is_valid(const char *name)
{
	static const char *const suffixes[] = {"--incoming", "--migratedaway"};
	size_t n = strlen(name);

	if (n == 0 || n >= POLICY_DOMAIN_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_name_char(name[i]) && name[i] != ':' && name[i] != '+' && name[i] != '@')
			return false;
	/* membership compares names without them (resolve_base_name_len()) */
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t m = strlen(suffixes[i]);

		if (n >= m && strcmp(name + n - m, suffixes[i]) == 0)
			return false;
	}
	return true;
}
