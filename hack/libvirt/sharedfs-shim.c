/*
 * Test hosts only: LD_PRELOADed into the libvirtd daemons that hack/libvirt-hosts.sh starts.
 *
 * All test hosts run on one kernel, so the directory $VMHA_SHARED_FS_DIR really is shared
 * storage: every host sees the same files at the same path, with coherent caches and locks.
 * libvirt cannot know that. Before a live migration it calls statfs() on each disk and refuses
 * ("Migration without shared storage is unsafe") unless the filesystem type is one it knows to
 * be shared (NFS, GFS2, Ceph, ...). Here that type is ext4, so a real operator's ordinary
 * migration call would fail on the test hosts and pass in production.
 *
 * This reports NFS as the filesystem type of paths under that one directory, and changes
 * nothing else: every other path, and all I/O, stay untouched. QEMU inherits LD_PRELOAD from
 * libvirtd but not VMHA_SHARED_FS_DIR, so there it does nothing at all.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>

#define NFS_SUPER_MAGIC 0x6969

static int under_shared_dir(const char *path)
{
    const char *dir = getenv("VMHA_SHARED_FS_DIR");
    char resolved[PATH_MAX];
    size_t n;

    if (dir == NULL || *dir == '\0' || path == NULL)
        return 0;
    if (realpath(path, resolved) != NULL)
        path = resolved;
    n = strlen(dir);
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int statfs64(const char *path, struct statfs64 *buf)
{
    static int (*real)(const char *, struct statfs64 *);
    int rc;

    if (real == NULL)
        real = (int (*)(const char *, struct statfs64 *)) dlsym(RTLD_NEXT, "statfs64");
    rc = real(path, buf);
    if (rc == 0 && under_shared_dir(path))
        buf->f_type = NFS_SUPER_MAGIC;
    return rc;
}

int statfs(const char *path, struct statfs *buf)
{
    static int (*real)(const char *, struct statfs *);
    int rc;

    if (real == NULL)
        real = (int (*)(const char *, struct statfs *)) dlsym(RTLD_NEXT, "statfs");
    rc = real(path, buf);
    if (rc == 0 && under_shared_dir(path))
        buf->f_type = NFS_SUPER_MAGIC;
    return rc;
}
