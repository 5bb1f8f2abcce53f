/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The table of vif devices vifguardd knows: entries, their lookups by id and
 * by port, and the lists that let an event touch only the entries it
 * concerns (an event never walks every vif).
 *
 * An entry is split by owner: each part below is written by the one module
 * named above it and only read by the others.  What an operator sees (its
 * state and error) is derived from those parts by vif_entry_state() and
 * vif_entry_error(), never stored.
 */
#ifndef VIFGUARD_VIF_TABLE_H
#define VIFGUARD_VIF_TABLE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr-index.h"
#include "port-judge.h"
#include "strmap.h"
#include "vif-box.h"

enum vif_state {
	VIF_STATE_PENDING, /* seen, not yet enforced */
	VIF_STATE_ENFORCED,
	VIF_STATE_REJECTED, /* bad xenstore input or port name: fail-closed */
	VIF_STATE_FAILED,   /* the kernel refused its rules: fail-closed */
	_VIF_STATE_MAX,
};

const char *vif_state_to_string(enum vif_state s);

/* Whose list: see struct vif_table. */
enum vif_list {
	VIF_LIST_DIRTY,	  /* xs-sync.c: to be read from xenstore again */
	VIF_LIST_CHANGED, /* anyone: changed in this reconcile (status, journal) */
	_VIF_LIST_MAX,
};

struct vif_entry {
	/* vif-table.c */
	uint32_t domid;
	uint32_t devid;
	char id_key[24]; /* "domid/devid": its key in the ids map */
	uint64_t rank;	 /* arrival order: the first owner of an address keeps it */
	bool listed[_VIF_LIST_MAX];

	/* xs-sync.c: what the backend directory says */
	struct {
		bool present; /* the backend directory exists */
		bool valid;   /* vif holds a validated vif */
		struct vif_box *vif;
		char *error; /* why not valid: a bad key, an unreadable directory */
		char domain_name[72];
		/* the port name the device claims, valid or not */
		char claim_name[IFNAMSIZ];
		bool custom_name;	     /* claim_name is the backend's vifname */
		unsigned int read_failures;  /* in a row: the retry backs off */
		unsigned int retry_delay_ms; /* the last delay before reading it again */
		bool in_domain;		     /* counted in xs-sync's domain of its domid */
	} xs;

	/* decide.c: the verdict on its names and addresses */
	struct {
		struct port_claimant claimant;
		bool claim_failed; /* out of memory: it claims nothing */
		bool host[2];	   /* its port / -emu name is a host interface */
		bool name_refused;
		char *name_error;
		char bridge[IFNAMSIZ];	  /* the bridge counted for it ("": none) */
		struct addr_holder addrs; /* its wanted addresses, indexed */
		/* "ADDR conflict PORT/DOMAIN/DOMID; ADDR protected P" */
		char *withheld_desc;
		char *withheld_words; /* "a1 a2 " (report.c logs new ones) */
	} verdict;

	/* enforce.c: what the kernel has */
	struct {
		bool has_rules;
		struct vif_box *rules;
		bool refused; /* its last rules were refused: none in force */
		char *error;
		unsigned int retry_delay_ms; /* the last delay before sending them again */
		bool enforced_quietly;	     /* startup: journal entry after READY=1 */
	} kernel;

	/* report.c: what the journal was told */
	struct {
		char *error;
		char *withheld;
	} reported;

	/* status.c: its line of the status file, made again only when changed */
	struct {
		char *line;
		bool stale;
	} status;

	/* ownership.c: the link-local addresses it configured itself and owns
	 * (first come, first served), in the order it claimed them */
	struct {
		struct vif_addr *addrs; /* allocated on its first claim */
		size_t n, n_alloc;
		bool cap_reported; /* the journal was told it hit the cap */
		/* the last refusal logged: the same one is logged once a minute */
		struct vif_addr refused;
		uint64_t refused_usec;
	} own;

	/* attribution.c: journal rate limit of its dropped frames */
	struct {
		uint64_t window_usec;
		unsigned int logged;
		unsigned int suppressed;
	} drops;
};

/* What the shown state and error come from: read, verdict, kernel. */
enum vif_state vif_entry_state(const struct vif_entry *e);
const char *vif_entry_error(const struct vif_entry *e); /* "" when none */
/* The vif it wants enforced (NULL: none: not valid or its name refused). */
const struct vif *vif_entry_wanted(const struct vif_entry *e);
/* The vif whose rules the kernel has (NULL: none). */
const struct vif *vif_entry_rules(const struct vif_entry *e);
/* Its port for the journal: the wanted one, else the enforced one (NULL:
 * neither; "vif<domid>.<devid>" then). */
const char *vif_entry_port(const struct vif_entry *e);

/* *slot = a copy of v ("" and NULL: none); whether it changed.  Out of
 * memory loses the text, which costs only a log line or a status field. */
bool vif_entry_text_set(char **slot, const char *v);

struct vif_table {
	struct vif_entry **entries; /* in no particular order */
	size_t n;
	size_t n_alloc;
	uint64_t next_rank;
	struct strmap ids; /* id_key -> entry */
	/* port name -> entry whose rules the kernel has (enforce.c keeps it
	 * with vif_table_port_set/del; attribution.c reads it) */
	struct strmap ports;
	struct vif_entry **lists[_VIF_LIST_MAX];
	size_t n_list[_VIF_LIST_MAX];
	size_t n_list_alloc[_VIF_LIST_MAX];
};

void vif_table_done(struct vif_table *t);
struct vif_entry *vif_table_find(const struct vif_table *t, uint32_t domid, uint32_t devid);
/* Found or added (new entries are dirty).  NULL: out of memory. */
struct vif_entry *vif_table_get(struct vif_table *t, uint32_t domid, uint32_t devid);
/* Drop e: it is gone from xenstore and from the kernel. */
void vif_table_drop(struct vif_table *t, struct vif_entry *e);

/* Put e on a list (once); lists are emptied by their consumer. */
void vif_table_list_add(struct vif_table *t, enum vif_list l, struct vif_entry *e);
void vif_table_list_clear(struct vif_table *t, enum vif_list l);
#define vif_table_changed(t, e) vif_table_list_add(t, VIF_LIST_CHANGED, e)

/* The entry whose rules the kernel has on port (an -emu twin too). */
struct vif_entry *vif_table_by_port(const struct vif_table *t, const char *port);
void vif_table_port_set(struct vif_table *t, const char *port, struct vif_entry *e);
void vif_table_port_del(struct vif_table *t, const char *port, const struct vif_entry *e);

#endif
