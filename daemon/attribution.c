// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>

#include <string.h>

#include "attribution.h"
#include "chains.h"
#include "explain.h"
#include "log.h"
#include "nflog.h"
#include "own-judge.h"
#include "report.h"
#include "resolve.h"

struct attribution {
	sd_event *ev;
	sd_event_source *source;
	struct nflog *nflog;
	const struct policy *pol;    /* the manager's: replaced in place on reload */
	const struct decide *decide; /* the protected addresses in the kernel */
	struct vif_table *t;
	struct ownership *own; /* claims go there */
};

/* Whose rules hold an address overlapping a.  A pass over all vifs, but
 * only for a drop that gets a journal entry (rate limited per vif). */
static const struct vif_entry *owner_of(const struct vif_table *t, const struct vif_entry *self,
					const struct vif_addr *a)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct vif_entry *o = t->entries[i];
		const struct vif *v = vif_entry_rules(o);

		if (o == self || !v)
			continue;
		for (size_t k = 0; k < v->n_addrs; k++)
			if (resolve_addrs_overlap(&v->addrs[k], a))
				return o;
	}
	return NULL;
}

static void on_drop(const struct nfmsg_nflog *pkt, void *userdata)
{
	struct attribution *at = userdata;
	struct explain_frame f = {.hw = pkt->hw,
				  .hw_len = pkt->hw_len,
				  .proto = pkt->hw_protocol,
				  .has_vlan = pkt->has_vlan,
				  .vlan_proto = pkt->vlan_proto,
				  .vlan_tci = pkt->vlan_tci,
				  .payload = pkt->payload,
				  .payload_len = pkt->payload_len,
				  .snaplen = 256};
	char name[IFNAMSIZ + 8], who[160] = "", claim[VIF_ADDR_STRLEN] = "", more[48] = "";
	char port[IF_NAMESIZE];
	struct explain ex;
	struct log_vif lv;
	const struct vif_addr *prot;
	struct vif_entry *e;
	size_t n_prot;
	uint64_t now;

	/* the input port names the vif: the bridge port itself, reported as
	 * physindev when br_netfilter is loaded, else as indev */
	if (!if_indextoname(pkt->physindev ?: pkt->indev, port))
		return;
	if (strcmp(pkt->prefix, CHAINS_OWN_PREFIX) == 0) {
		struct vif_addr a;
		enum own_how how;

		/* a claim (own-judge.h): judged at once, never rate limited
		 * here (the kernel's limiter bounds them per vif) */
		if (own_claim_address(pkt->payload, pkt->payload_len, pkt->hw_protocol, &a, &how) <
		    0)
			return;
		prot = decide_protected(at->decide, &n_prot);
		ownership_claim(at->own, port, &a, own_how_to_string(how), prot, n_prot);
		return;
	}
	e = vif_table_by_port(at->t, port);
	if (!e)
		return;
	sd_event_now(at->ev, CLOCK_MONOTONIC, &now);
	if (now - e->drops.window_usec >= at->pol->log_rate_interval_sec * 1000000ULL) {
		if (e->drops.suppressed)
			snprintf(more, sizeof(more), " (%u more suppressed before)",
				 e->drops.suppressed);
		e->drops.window_usec = now;
		e->drops.logged = 0;
		e->drops.suppressed = 0;
	}
	if (e->drops.logged >= at->pol->log_rate_burst) {
		e->drops.suppressed++;
		return;
	}
	e->drops.logged++;
	prot = decide_protected(at->decide, &n_prot);
	if (explain_frame(&f, at->pol, prot, n_prot, vif_entry_rules(e), &ex) < 0)
		return;
	if (ex.has_claim) {
		/* a protected address inside another vif's prefix is still no
		 * one's but the host's */
		const struct vif_entry *o =
		    ex.reason == EXPLAIN_REASON_PROTECTED ? NULL : owner_of(at->t, e, &ex.claim);

		vif_addr_to_string(&ex.claim, claim, sizeof(claim));
		if (o)
			snprintf(who, sizeof(who), ", owned by %s (%s, dom %u)",
				 vif_entry_rules(o)->name,
				 o->xs.domain_name[0] ? o->xs.domain_name : "?", o->domid);
		else if (resolve_addrs_overlap_any(prot, n_prot, &ex.claim))
			snprintf(who, sizeof(who), ", a protected address");
	}
	report_identity(e, NULL, &lv, name, sizeof(name));
	log_vif(LOG_WARNING, &lv, MSGID_DROPPED, claim[0] ? claim : NULL, "dropped: %s%s%s",
		ex.what, who, more);
}

static int on_nflog(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct attribution *at = userdata;
	int r;

	(void)s;
	(void)fd;
	(void)revents;
	r = nflog_read(at->nflog, on_drop, at);
	if (r < 0)
		log_warning_errno(r, "Reading dropped frames failed: %m");
	return 0;
}

int attribution_new(sd_event *ev, const struct policy *pol, const struct decide *d,
		    struct vif_table *t, struct ownership *own, struct attribution **ret)
{
	struct attribution *at;
	int r;

	*ret = NULL;
	if (pol->log_group < 0)
		return 0;
	at = calloc(1, sizeof(*at));
	if (!at)
		return -ENOMEM;
	*at = (struct attribution){.ev = ev, .pol = pol, .decide = d, .t = t, .own = own};
	r = nflog_new((uint16_t)pol->log_group, &at->nflog);
	if (r < 0) {
		/* attribution is a bonus: without it we still enforce */
		log_warning_errno(r,
				  "Cannot read dropped frames (nflog group %d): %m; drops will "
				  "not be attributed",
				  pol->log_group);
		free(at);
		return 0;
	}
	r = sd_event_add_io(ev, &at->source, nflog_fd(at->nflog), EPOLLIN, on_nflog, at);
	if (r < 0) {
		attribution_free(at);
		return r;
	}
	*ret = at;
	return 0;
}

struct attribution *attribution_free(struct attribution *a)
{
	if (!a)
		return NULL;
	sd_event_source_disable_unref(a->source);
	nflog_free(a->nflog);
	free(a);
	return NULL;
}
