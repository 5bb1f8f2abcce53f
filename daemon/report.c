// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "report.h"

void report_identity(const struct vif_entry *e, const char *port, struct log_vif *ret, char *buf,
		     size_t len)
{
	if (!port)
		port = vif_entry_port(e);
	if (port)
		snprintf(buf, len, "%s", port);
	else
		snprintf(buf, len, "vif%u.%u", e->domid, e->devid);
	*ret = (struct log_vif){.interface = buf,
				.domid = e->domid,
				.devid = e->devid,
				.domain_name = e->xs.domain_name};
}

void report_addrs(const struct vif_addr *a, size_t n, char *buf, size_t len)
{
	size_t k = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n && k + 1 < len; i++) {
		char s[VIF_ADDR_STRLEN];

		vif_addr_to_string(&a[i], s, sizeof(s));
		k += (size_t)snprintf(buf + k, len - k, "%s%s", i ? " " : "", s);
	}
	if (!buf[0])
		snprintf(buf, len, "%s", "none");
}

void report_enforced(const struct vif_entry *e)
{
	const struct vif *v = vif_entry_rules(e);
	char name[IFNAMSIZ + 8], addrs[1024], mac[18];
	struct log_vif lv;

	if (!v)
		return;
	report_identity(e, v->name, &lv, name, sizeof(name));
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0], v->mac[1], v->mac[2],
		 v->mac[3], v->mac[4], v->mac[5]);
	report_addrs(v->addrs, v->n_addrs, addrs, sizeof(addrs));
	log_vif(LOG_NOTICE, &lv, MSGID_VIF_ENFORCED, NULL, "enforced: mac %s, addresses %s%s%s",
		mac, addrs, v->emu_name[0] ? ", also on " : "", v->emu_name);
}

void report_removed(const struct vif_entry *e, const struct vif *old)
{
	char name[IFNAMSIZ + 8];
	struct log_vif lv;

	report_identity(e, old->name, &lv, name, sizeof(name));
	log_vif(LOG_NOTICE, &lv, MSGID_VIF_REMOVED, NULL, "removed: rules deleted");
}

/* Is a one of the space-terminated words of said ("a1 a2 ")?  A plain
 * strstr() would take 192.0.2.1 for said when 192.0.2.10 was. */
static bool word_in(const char *said, const char *a)
{
	size_t n = strlen(a);

	for (const char *p = said; (p = strstr(p, a)); p++)
		if ((p == said || p[-1] == ' ') && p[n] == ' ')
			return true;
	return false;
}

static void report_error(const struct vif_entry *e, char **said)
{
	enum vif_state s = vif_entry_state(e);
	const char *err = vif_entry_error(e);
	char name[IFNAMSIZ + 8];
	struct log_vif lv;

	if (!e->xs.present || (s != VIF_STATE_REJECTED && s != VIF_STATE_FAILED)) {
		vif_entry_text_set(said, NULL);
		return;
	}
	if (!vif_entry_text_set(said, err))
		return;
	report_identity(e, NULL, &lv, name, sizeof(name));
	log_vif(LOG_ERR, &lv, s == VIF_STATE_FAILED ? MSGID_KERNEL_REJECTED : MSGID_VIF_REJECTED,
		NULL, "%s; its ports stay fail-closed", err);
}

/* Each newly withheld address once, from the verdict's description
 * ("ADDR conflict PORT/DOMAIN/DOMID; ADDR protected P; ADDR shared NAME S"). */
static void report_withheld(const struct vif_entry *e, char **said)
{
	const char *words = e->verdict.withheld_words ? e->verdict.withheld_words : "";
	const char *desc = e->verdict.withheld_desc ? e->verdict.withheld_desc : "";
	char name[IFNAMSIZ + 8];
	struct log_vif lv;

	if (strcmp(words, *said ? *said : "") == 0)
		return;
	report_identity(e, NULL, &lv, name, sizeof(name));
	for (const char *p = desc; *p;) {
		char part[256], a[VIF_ADDR_STRLEN], kind[16], who[200];
		size_t n = strcspn(p, ";");

		snprintf(part, sizeof(part), "%.*s", (int)n, p);
		p += n;
		while (*p == ';' || *p == ' ')
			p++;
		if (sscanf(part, "%45s %15s %199[^\n]", a, kind, who) != 3)
			continue;
		if (*said && word_in(*said, a))
			continue;
		if (strcmp(kind, "conflict") == 0) {
			char port[IFNAMSIZ + 1] = "?", dom[80] = "?";
			unsigned int domid = 0;

			sscanf(who, "%16[^/]/%79[^/]/%u", port, dom, &domid);
			log_vif(LOG_WARNING, &lv, MSGID_CONFLICT, a,
				"address %s withheld: it belongs to %s (%s, dom %u)", a, port,
				strcmp(dom, "-") == 0 ? "?" : dom, domid);
		} else if (strcmp(kind, "shared") == 0) {
			log_vif(LOG_WARNING, &lv, MSGID_CONFLICT, a,
				"address %s withheld: shared by other domains ([shared] %s)", a,
				who);
		} else {
			log_vif(LOG_WARNING, &lv, MSGID_CONFLICT, a,
				"address %s withheld: protected (%s)", a, who);
		}
	}
	vif_entry_text_set(said, words);
}

void report_changes(struct vif_table *t)
{
	for (size_t i = 0; i < t->n_list[VIF_LIST_CHANGED]; i++) {
		struct vif_entry *e = t->lists[VIF_LIST_CHANGED][i];

		report_error(e, &e->reported.error);
		if (vif_entry_wanted(e))
			report_withheld(e, &e->reported.withheld);
	}
}
