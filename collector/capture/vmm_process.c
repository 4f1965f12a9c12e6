/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Is a process a VMM with vCPUs (record --pid)? Asked of /proc before a
 * recording loads or attaches anything, because a pid that names no
 * process, or one that runs no VM, would otherwise record nothing, or,
 * on a production host, a typo would end up recording every VMM.
 *
 * A KVM vCPU is a file descriptor KVM_CREATE_VCPU returned
 * ("anon_inode:kvm-vcpu:N" under /proc/PID/fd), and QEMU names each
 * vCPU's thread "CPU N/KVM"; either tells. The lab's VMM (tests/lab/vmm)
 * holds the descriptors without naming its threads.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"

/*
 * The entries of /proc/PID/DIR that matches() accepts (it gets the
 * entry's path); -errno when the directory cannot be read.
 */
static int count_entries(pid_t pid, const char *dir, int (*matches)(const char *path))
{
	char path[64], entry[64 + 256];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, dir);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(entry, sizeof(entry), "%s/%s", path, de->d_name);
		n += matches(entry);
	}
	closedir(d);
	return n;
}

/* Is this /proc/PID/fd entry a KVM vCPU ("anon_inode:kvm-vcpu:N")? */
static int is_vcpu_fd(const char *path)
{
	char link[128];
	ssize_t len = readlink(path, link, sizeof(link) - 1);

	if (len <= 0)
		return 0;
	link[len] = '\0';
	return !strncmp(link, "anon_inode:kvm-vcpu", 19);
}

/* Is this /proc/PID/task entry a thread named as QEMU names vCPU threads ("CPU 0/KVM")? */
static int is_vcpu_thread(const char *path)
{
	char comm_path[64 + 256 + 8], comm[64] = "";
	size_t digits;
	FILE *f;

	snprintf(comm_path, sizeof(comm_path), "%s/comm", path);
	f = fopen(comm_path, "r");
	if (!f)
		return 0;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	if (strncmp(comm, "CPU ", 4))
		return 0;
	digits = strspn(comm + 4, "0123456789");
	return digits && !strcmp(comm + 4 + digits, "/KVM");
}

/*
 * Read the process's name and thread-group id from /proc/PID/status; -1
 * with errno when there is no such process.
 */
static int read_status(pid_t pid, char *name, size_t n, long *tgid)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	*name = '\0';
	*tgid = pid;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Name:", 5))
			snprintf(name, n, "%.*s", (int)strcspn(line + 6, "\n"), line + 6);
		else if (!strncmp(line, "Tgid:", 5))
			*tgid = strtol(line + 5, NULL, 10);
	}
	fclose(f);
	return 0;
}

/* See record.h. */
int vr_record_check_vmm(pid_t pid, struct vr_error *err)
{
	char name[64];
	long tgid;
	int fds, threads;

	if (pid <= 0 || read_status(pid, name, sizeof(name), &tgid))
		return vr_error_set(err, "--pid %d: no such process", (int)pid);
	if (tgid != pid)
		return vr_error_set(err,
				    "--pid %d: a thread of process %ld (%s); give the VMM's "
				    "process id",
				    (int)pid, tgid, name);
	fds = count_entries(pid, "fd", is_vcpu_fd);
	threads = count_entries(pid, "task", is_vcpu_thread);
	if (fds > 0 || threads > 0)
		return 0;
	if (fds < 0)
		return vr_error_set(err,
				    "--pid %d (%s): cannot tell whether it is a VMM: "
				    "/proc/%d/fd: %s, and no thread is named 'CPU N/KVM'",
				    (int)pid, name, (int)pid, strerror(-fds));
	return vr_error_set(err,
			    "--pid %d (%s) is not a VMM: it holds no KVM vCPU (no "
			    "kvm-vcpu descriptor, no 'CPU N/KVM' thread)",
			    (int)pid, name);
}
