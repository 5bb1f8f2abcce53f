// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * LD_PRELOAD library that lets Debian's C xenstored serve socket clients on a
 * machine without a hypervisor (see docs/xen-vif-facts.md, "Running a real
 * xenstored without a hypervisor").
 *
 * xenstored only touches Xen at start (dom0 introduction) and when domains
 * are introduced, so it is enough to replace the handful of libxenctrl,
 * libxenevtchn and libxengnttab calls it imports plus the two /proc/xen files
 * it reads.  Nothing here talks to a real hypervisor.
 *
 * The Xen headers are included so every definition is checked against the
 * real prototype.  The definitions are unversioned while xenstored asks for
 * e.g. xc_domain_getinfo@VERS_4.17.0: ld.so accepts an unversioned
 * (VER_NDX_GLOBAL) definition for a versioned reference, and the preloaded
 * object comes first in the lookup scope, so no version script is needed.
 */

/*
 * With _FORTIFY_SOURCE, <fcntl.h> turns open() into an always-inline wrapper
 * and a definition of our own would clash with it.  Nothing in this file
 * benefits from fortification.
 */
#undef _FORTIFY_SOURCE

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>

/* Domids from DOMID_FIRST_RESERVED (0x7FF0) on are special, never domains. */
#define SHIM_DOMID_FIRST_RESERVED 0x7FF0u

/* The opaque handle types of the real libraries; only their addresses matter. */
struct xc_interface_core {
	int unused;
};

struct xengntdev_handle {
	int unused;
};

struct xenevtchn_handle {
	int fd;
	evtchn_port_t next_port;
};

xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger,
				unsigned open_flags)
{
	(void)logger;
	(void)dombuild_logger;
	(void)open_flags;
	return calloc(1, sizeof(struct xc_interface_core));
}

int xc_interface_close(xc_interface *xch)
{
	free(xch);
	return 0;
}

/*
 * xenstored asks for exactly one domain at a time to learn whether it still
 * exists (dom0 at start, introduced domains when it checks for dead ones).
 * Answering "exists and runs" for every real domid means no domain is ever
 * reaped behind a test's back.
 */
int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid, unsigned int max_doms,
		      xc_dominfo_t *info)
{
	(void)xch;
	if (first_domid >= SHIM_DOMID_FIRST_RESERVED || max_doms == 0 || !info)
		return 0;
	memset(&info[0], 0, sizeof(info[0]));
	info[0].domid = first_domid;
	info[0].running = 1;
	return 1;
}

xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger, unsigned open_flags)
{
	(void)logger;
	(void)open_flags;
	return calloc(1, sizeof(struct xengntdev_handle));
}

int xengnttab_close(xengnttab_handle *xgt)
{
	free(xgt);
	return 0;
}

int xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants)
{
	(void)xgt;
	(void)nr_grants;
	return 0;
}

/*
 * A granted ring page becomes a private zeroed page: xenstored sees an empty
 * ring and never finds a request in it, which is what a silent domain does.
 */
void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot)
{
	void *p;

	(void)xgt;
	(void)domid;
	(void)ref;
	p = mmap(NULL, (size_t)getpagesize(), prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

int xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count)
{
	(void)xgt;
	return munmap(start_address, (size_t)count * (size_t)getpagesize());
}

static xenevtchn_handle *evtchn_new(int fd)
{
	xenevtchn_handle *xce;

	xce = calloc(1, sizeof(*xce));
	if (!xce)
		return NULL;
	xce->fd = fd;
	/* Port 0 is never valid in Xen; xenstored treats it as "unbound". */
	xce->next_port = 1;
	return xce;
}

/*
 * The fd xenstored polls is an eventfd nobody ever signals, so the event
 * channel path of its main loop stays idle and only socket clients are served.
 */
xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger, unsigned int flags)
{
	xenevtchn_handle *xce;
	int fd;

	(void)logger;
	fd = eventfd(0, EFD_NONBLOCK | ((flags & XENEVTCHN_NO_CLOEXEC) ? 0 : EFD_CLOEXEC));
	if (fd < 0)
		return NULL;
	xce = evtchn_new(fd);
	if (!xce)
		close(fd);
	return xce;
}

/* Live update hands the old handle's fd to the new xenstored; keep using it. */
xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger, int fd, unsigned open_flags)
{
	(void)logger;
	if (open_flags & XENEVTCHN_NO_CLOEXEC) {
		errno = EINVAL;
		return NULL;
	}
	return evtchn_new(fd);
}

int xenevtchn_close(xenevtchn_handle *xce)
{
	if (!xce)
		return 0;
	close(xce->fd);
	free(xce);
	return 0;
}

int xenevtchn_fd(xenevtchn_handle *xce)
{
	return xce->fd;
}

int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
	(void)xce;
	(void)port;
	return 0;
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
						     evtchn_port_t remote_port)
{
	(void)domid;
	(void)remote_port;
	return (xenevtchn_port_or_error_t)xce->next_port++;
}

xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce, unsigned int virq)
{
	(void)virq;
	return (xenevtchn_port_or_error_t)xce->next_port++;
}

int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
	(void)xce;
	(void)port;
	return 0;
}

int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
	(void)xce;
	(void)port;
	return 0;
}

xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
	(void)xce;
	errno = EAGAIN;
	return -1;
}

/*
 * /proc/xen/xsd_port holds the event channel of dom0's xenstore ring as
 * decimal text, /proc/xen/xsd_kva is mmap()ed as that ring.  A memfd stands
 * in for each; the port value is arbitrary since nothing ever signals it.
 */
static int fake_proc_xen(const char *path, int flags)
{
	unsigned int mfd_flags = (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0;
	int fd;

	if (strcmp(path, "/proc/xen/xsd_port") == 0) {
		static const char port[] = "1";

		fd = memfd_create("xsd_port", mfd_flags);
		if (fd < 0)
			return -1;
		if (write(fd, port, sizeof(port) - 1) != (ssize_t)(sizeof(port) - 1) ||
		    lseek(fd, 0, SEEK_SET) != 0)
			goto fail;
		return fd;
	}
	if (strcmp(path, "/proc/xen/xsd_kva") == 0) {
		fd = memfd_create("xsd_kva", mfd_flags);
		if (fd < 0)
			return -1;
		if (ftruncate(fd, getpagesize()) < 0)
			goto fail;
		return fd;
	}
	errno = ENOENT;
	return -2;

fail:
	close(fd);
	return -1;
}

typedef int (*open_fn)(const char *path, int flags, ...);

/* O_CREAT and O_TMPFILE are the only flags that make open() read a mode. */
static mode_t open_mode(int flags, va_list ap)
{
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		return (mode_t)va_arg(ap, int);
	return 0;
}

static int shim_open(const char *name, const char *path, int flags, mode_t mode)
{
	open_fn real;
	int saved = errno;
	int fd;

	fd = path ? fake_proc_xen(path, flags) : -2;
	if (fd != -2)
		return fd;
	errno = saved;

	/*
	 * Looked up on every call rather than cached: xenstored opens a handful
	 * of files in its lifetime, and no static state means no race with
	 * libxenstore's reader thread should a client ever preload this.
	 */
	real = (open_fn)dlsym(RTLD_NEXT, name);
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	return real(path, flags, mode);
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return shim_open("open", path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return shim_open("open64", path, flags, mode);
}
