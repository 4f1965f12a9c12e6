/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Opening, creating and migrating trace database files.
 *
 * A trace database is an ordinary SQLite file marked with our
 * application_id and carrying the format version in user_version. Foreign
 * SQLite files, non-SQLite files and files from a newer vgic-replay are
 * refused with a one-line reason; files from an older vgic-replay open
 * read-only as they are, and are migrated forward, step by step, when
 * opened for writing. A new file is made of format 1's schema and every
 * migration step, so that the steps run on every import.
 */
#define _POSIX_C_SOURCE 200809L
#include "tracedb.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct tracedb {
	sqlite3 *sql;
	char *path;
	int version;
	void (*barrier)(void *); /* the bulk writer's, see tracedb_set_barrier() */
	void *barrier_arg;
	int writable; /* opened or created for writing */
};

/*
 * One migration step upgrades a file from `from` to from + 1, in one
 * transaction. A new version adds its step here (schemas/trace-vN.sql)
 * and bumps VR_TRACE_FORMAT_VERSION.
 */
struct tracedb_migration {
	int from;
	const char *sql;
};

static const struct tracedb_migration migrations[] = {
	{1, vr_schema_v2_sql}, /* LRs into snapshots; snapshot_lrs a view */
	{2, vr_schema_v3_sql}, /* GICv5 PPI snapshots; trace_info.synthetic */
};

/* Run SQL without result rows, reporting the SQLite error with the file name. */
static int exec_sql(sqlite3 *sql, const char *path, const char *text, struct vr_error *err)
{
	char *msg = NULL;

	if (sqlite3_exec(sql, text, NULL, NULL, &msg) != SQLITE_OK) {
		vr_error_set(err, "%s: %s", path, msg ? msg : sqlite3_errmsg(sql));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Read a single integer PRAGMA; -1 with err set when the file is not a database. */
static int read_pragma_int(sqlite3 *sql, const char *path, const char *pragma, int64_t *out,
			   struct vr_error *err)
{
	sqlite3_stmt *st;
	char q[64];
	int rc;

	snprintf(q, sizeof(q), "PRAGMA %s", pragma);
	if (sqlite3_prepare_v2(sql, q, -1, &st, NULL) != SQLITE_OK)
		return vr_error_set(err, "%s: not a readable SQLite database (%s)", path,
				    sqlite3_errmsg(sql));
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		vr_error_set(err, "%s: not a readable SQLite database (%s)", path,
			     sqlite3_errmsg(sql));
		sqlite3_finalize(st);
		return -1;
	}
	*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

/* Apply every migration step from the file's version up to the current one. */
static int migrate_forward(struct tracedb *db, struct vr_error *err)
{
	char q[64];
	size_t i;

	for (i = 0; i < sizeof(migrations) / sizeof(migrations[0]); i++) {
		const struct tracedb_migration *m = &migrations[i];

		if (!m->sql || m->from != db->version)
			continue;
		snprintf(q, sizeof(q), "PRAGMA user_version = %d", m->from + 1);
		if (exec_sql(db->sql, db->path, "BEGIN", err))
			return -1;
		if (exec_sql(db->sql, db->path, m->sql, err) ||
		    exec_sql(db->sql, db->path, q, err) ||
		    exec_sql(db->sql, db->path, "COMMIT", err)) {
			sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		db->version = m->from + 1;
	}
	if (db->version != VR_TRACE_FORMAT_VERSION)
		return vr_error_set(err, "%s: no migration from trace format %d to %d", db->path,
				    db->version, VR_TRACE_FORMAT_VERSION);
	return 0;
}

/*
 * A trace file is input from a stranger: whatever SQL it carries (a
 * trigger, a view, a function call in a schema object) must not run with
 * our rights. Defensive mode keeps it from corrupting itself through
 * PRAGMA writable_schema, a reader's triggers never fire, schema objects may call
 * no function with side effects, and neither extensions nor the
 * two-argument fts3_tokenizer are reachable.
 */
static void harden(sqlite3 *sql, int writer)
{
	sqlite3_db_config(sql, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	sqlite3_db_config(sql, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
	/* A writer's only triggers are its own TEMP ones: check_schema() refuses the file's. */
	sqlite3_db_config(sql, SQLITE_DBCONFIG_ENABLE_TRIGGER, writer, (int *)NULL);
	sqlite3_db_config(sql, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0, (int *)NULL);
	sqlite3_db_config(sql, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *)NULL);
}

/* The tables of the format, which nothing in a file may replace with another kind of object. */
static const char *const format_tables[] = {
	"trace_info", "event_kinds", "vms", "vcpus", "events", "snapshots", "ap_list_entries",
	"gaps", "import_problems", "unknown_events", "replay_runs", "findings", "finding_events",
	"ppi_snapshots",
};

/*
 * The views the format defines, and the TUI cache's (schemas/tui_store.c;
 * tables in files of vgic-replay before the cache's version 4); a file
 * may hold no other.
 */
static const char *const format_views[] = {
	"events_v", "injections_v", "exits_v", "snapshots_v", "lrs_v", "findings_v", "ppis_v",
	"tui_summary", "tui_summary_irq",
};

/* Is name one of the n names? */
static int listed(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(name, names[i]))
			return 1;
	return 0;
}

/*
 * Compare the file's schema with the format's: no trigger at all, no
 * view the format does not define, and every table of the format a
 * table (a view named events would run whatever query it holds for every
 * reader). A foreign schema is refused with the object it names.
 */
static int check_schema(struct tracedb *db, struct vr_error *err)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (sqlite3_prepare_v2(db->sql, "SELECT type, name FROM sqlite_schema", -1, &st, NULL) !=
	    SQLITE_OK)
		return vr_error_set(err, "%s: not a readable SQLite database (%s)", db->path,
				    sqlite3_errmsg(db->sql));
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		size_t nt = sizeof(format_tables) / sizeof(format_tables[0]);
		size_t nv = sizeof(format_views) / sizeof(format_views[0]);

		if (!type || !name)
			continue;
		/* snapshot_lrs: format 1's table, format 2's view (trace-v2.sql). */
		int lrs_ok = strcmp(name, "snapshot_lrs") ||
			     !strcmp(type, db->version >= 2 ? "view" : "table");
		int view_ok = listed(name, format_views, nv) || !strcmp(name, "snapshot_lrs");

		if (!strcmp(type, "trigger") || !lrs_ok || (!strcmp(type, "view") && !view_ok) ||
		    (strcmp(type, "table") && listed(name, format_tables, nt)))
			rc = vr_error_set(err,
					  "%s: a foreign schema object (%s %s): not a trace as "
					  "vgic-replay writes them; refusing to read it",
					  db->path, type, name);
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * Is the file in WAL mode (header bytes 18 and 19 are 2) with no log
 * beside it? A recording from an older collector is left so; a read-only
 * connection to it would create -shm and -wal next to it, and fail where
 * the directory is not writable. With no log there is nothing one could
 * add: such a file is read as immutable, touching nothing.
 */
static int wal_without_log(const char *path)
{
	unsigned char h[20];
	struct stat log;
	char *wal;
	FILE *f = fopen(path, "rb");
	int wal_mode, no_log;

	if (!f)
		return 0;
	wal_mode = fread(h, 1, sizeof(h), f) == sizeof(h) && h[18] == 2 && h[19] == 2;
	fclose(f);
	if (!wal_mode)
		return 0;
	wal = vr_xmalloc(strlen(path) + 5);
	sprintf(wal, "%s-wal", path);
	no_log = stat(wal, &log) != 0 || log.st_size == 0;
	free(wal);
	return no_log;
}

/* path as a file: URI that opens it immutable (characters a URI reserves escaped). */
static char *immutable_uri(const char *path)
{
	static const char tail[] = "?immutable=1";
	char *uri = vr_xmalloc(strlen("file:") + 3 * strlen(path) + sizeof(tail));
	char *o = uri + sprintf(uri, "file:");

	for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		    strchr("/-._~", *c))
			*o++ = (char)*c;
		else
			o += sprintf(o, "%%%02X", *c);
	}
	strcpy(o, tail);
	return uri;
}

/* Open and validate; see tracedb.h. */
struct tracedb *tracedb_open(const char *path, int flags, struct vr_error *err)
{
	struct tracedb *db;
	struct stat stbuf;
	int64_t app_id, version;
	/*
	 * One thread uses a reader's connection: no mutex around every column
	 * read. A writer's may be shared with trace_writer's thread, unless
	 * the caller says it is not.
	 */
	int oflags = !(flags & TRACEDB_READWRITE) ? SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
		     : (flags & TRACEDB_ONE_THREAD) ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
						    : SQLITE_OPEN_READWRITE;

	if (stat(path, &stbuf)) {
		vr_error_set(err, "%s: no such file", path);
		return NULL;
	}
	db = vr_xcalloc(1, sizeof(*db));
	db->path = vr_xstrdup(path);
	db->writable = !!(flags & TRACEDB_READWRITE);
	if (!db->writable && wal_without_log(path)) {
		char *uri = immutable_uri(path);
		int rc = sqlite3_open_v2(uri, &db->sql, oflags | SQLITE_OPEN_URI, NULL);

		free(uri);
		if (rc != SQLITE_OK) {
			vr_error_set(err, "%s: cannot open: %s", path, sqlite3_errmsg(db->sql));
			goto fail;
		}
	} else if (sqlite3_open_v2(path, &db->sql, oflags, NULL) != SQLITE_OK) {
		vr_error_set(err, "%s: cannot open: %s", path, sqlite3_errmsg(db->sql));
		goto fail;
	}
	if (db->writable && sqlite3_db_readonly(db->sql, "main") == 1) {
		/* SQLite opens a file it may not write read-only without a word. */
		vr_error_set(err, "%s: cannot write it (read-only file or directory)", path);
		goto fail;
	}
	sqlite3_busy_timeout(db->sql, 2000);
	harden(db->sql, !!(flags & TRACEDB_READWRITE));
	if (read_pragma_int(db->sql, path, "application_id", &app_id, err) ||
	    read_pragma_int(db->sql, path, "user_version", &version, err))
		goto fail;
	if (app_id != VR_TRACE_APPLICATION_ID) {
		vr_error_set(err,
			     "%s: an SQLite database, but not a vgic-replay trace "
			     "(application_id 0x%llx)",
			     path, (unsigned long long)app_id);
		goto fail;
	}
	db->version = (int)version;
	if (check_schema(db, err))
		goto fail;
	if (version > VR_TRACE_FORMAT_VERSION) {
		vr_error_set(err,
			     "%s: trace format %lld is newer than this vgic-replay understands (%d); "
			     "upgrade vgic-replay",
			     path, (long long)version, VR_TRACE_FORMAT_VERSION);
		goto fail;
	}
	if (version < VR_TRACE_FORMAT_VERSION) {
		if (!(flags & TRACEDB_READWRITE) && version >= VR_TRACE_FORMAT_OLDEST)
			return db; /* read as it is: format 1's snapshot_lrs is a table */
		if (!(flags & TRACEDB_READWRITE)) {
			vr_error_set(err,
				     "%s: trace format %lld is older than %d; open it for writing "
				     "(e.g. `vgic-replay check`) to migrate it",
				     path, (long long)version, VR_TRACE_FORMAT_VERSION);
			goto fail;
		}
		if (migrate_forward(db, err))
			goto fail;
	}
	if ((flags & TRACEDB_READWRITE) &&
	    exec_sql(db->sql, path, vr_schema_lr_writes_sql, err)) /* TEMP: not in the file */
		goto fail;
	return db;
fail:
	tracedb_close(db);
	return NULL;
}

/*
 * Fill the event_kinds table from the kinds table (event_kinds.h), so the
 * file names its kinds for whoever reads it by hand with sqlite3.
 */
static int write_event_kinds(sqlite3 *sql, const char *path, struct vr_error *err)
{
	const struct vr_event_kind_info *k;
	sqlite3_stmt *st;
	int n, i, rc = SQLITE_DONE;

	if (sqlite3_prepare_v2(sql, "INSERT INTO event_kinds VALUES (?,?,?,?,?,?,?,?)", -1, &st,
			       NULL) != SQLITE_OK)
		return vr_error_set(err, "%s: event_kinds: %s", path, sqlite3_errmsg(sql));
	k = vr_event_kinds(&n);
	sqlite3_exec(sql, "BEGIN", NULL, NULL, NULL); /* one transaction: one page in a WAL */
	for (i = 0; i < n && rc == SQLITE_DONE; i++) {
		sqlite3_bind_int(st, 1, k[i].kind);
		sqlite3_bind_text(st, 2, k[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, k[i].source, -1, SQLITE_STATIC);
		for (int a = 0; a < 4; a++) /* NULL binds NULL: an unused argument */
			sqlite3_bind_text(st, 4 + a, k[i].arg[a], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, k[i].description, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		vr_error_set(err, "%s: event_kinds: %s", path, sqlite3_errmsg(sql));
		sqlite3_exec(sql, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return exec_sql(sql, path, "COMMIT", err);
}

/* Create a fresh file with the current schema, with the given journal pragmas. */
static struct tracedb *create_with(const char *path, const char *pragmas, struct vr_error *err)
{
	struct tracedb *db;
	struct stat stbuf;
	char q[64];

	if (!stat(path, &stbuf)) {
		vr_error_set(err, "%s: already exists", path);
		return NULL;
	}
	db = vr_xcalloc(1, sizeof(*db));
	db->path = vr_xstrdup(path);
	db->writable = 1;
	if (sqlite3_open_v2(path, &db->sql, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		vr_error_set(err, "%s: cannot create: %s", path, sqlite3_errmsg(db->sql));
		goto fail;
	}
	/* Defensive mode refuses journal_mode = OFF, which the bulk load wants: harden after. */
	if (exec_sql(db->sql, path, pragmas, err))
		goto fail;
	harden(db->sql, 1);
	if (exec_sql(db->sql, path, vr_schema_sql, err) || write_event_kinds(db->sql, path, err))
		goto fail;
	snprintf(q, sizeof(q), "PRAGMA user_version = %d", VR_TRACE_FORMAT_OLDEST);
	if (exec_sql(db->sql, path, q, err))
		goto fail;
	db->version = VR_TRACE_FORMAT_OLDEST; /* trace-v1.sql; the migrations bring it up to date */
	if (migrate_forward(db, err))
		goto fail;
	return db;
fail:
	tracedb_close(db);
	return NULL;
}

/*
 * A bulk load into a file nobody else sees yet: no journal and no fsync
 * until the end. A crash leaves only the temporary file.
 */
struct tracedb *tracedb_create(const char *path, struct vr_error *err)
{
	return create_with(path,
			   "PRAGMA page_size = 8192; PRAGMA journal_mode = OFF; "
			   "PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE; "
			   "PRAGMA cache_size = -16384; PRAGMA temp_store = FILE;",
			   err);
}

/* Live recording: WAL, so readers can look while it grows and a kill loses only the batch. */
struct tracedb *tracedb_create_durable(const char *path, struct vr_error *err)
{
	return create_with(path,
			   "PRAGMA page_size = 8192; PRAGMA journal_mode = WAL; "
			   "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;",
			   err);
}

/*
 * A writer that used WAL (a live recording) leaves the file in rollback
 * mode when it is done: a WAL file needs -shm and -wal beside it for any
 * later reader, which a user who cannot write the directory cannot make.
 * A reader still attached keeps it in WAL (busy): harmless.
 */
static void leave_wal(sqlite3 *sql)
{
	sqlite3_stmt *st;
	int wal = 0;

	if (sqlite3_prepare_v2(sql, "PRAGMA journal_mode", -1, &st, NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		wal = !strcmp((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	if (wal)
		sqlite3_exec(sql, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
}

/* Close and free; NULL allowed so error paths stay simple. */
void tracedb_close(struct tracedb *db)
{
	if (!db)
		return;
	if (db->writable)
		leave_wal(db->sql);
	sqlite3_close_v2(db->sql);
	free(db->path);
	free(db);
}

/* The raw handle for read queries, once a load under way has stored what it was given. */
sqlite3 *tracedb_sqlite(struct tracedb *db)
{
	if (db->barrier)
		db->barrier(db->barrier_arg);
	return db->sql;
}

/* See tracedb.h. */
void tracedb_set_barrier(struct tracedb *db, void (*barrier)(void *), void *arg)
{
	db->barrier = barrier;
	db->barrier_arg = arg;
}

/* The (possibly migrated) format version. */
int tracedb_format_version(struct tracedb *db)
{
	return db->version;
}

/* Public wrapper of exec_sql naming the database file in errors (after the writer's barrier). */
int tracedb_exec(struct tracedb *db, const char *sql, struct vr_error *err)
{
	if (db->barrier)
		db->barrier(db->barrier_arg);
	return exec_sql(db->sql, db->path, sql, err);
}

/* See tracedb.h. */
int tracedb_set_source_key(struct tracedb *db, const char *key, struct vr_error *err)
{
	char *sql = sqlite3_mprintf("CREATE TABLE capture_source (key TEXT NOT NULL);"
				    "INSERT INTO capture_source VALUES (%Q)",
				    key);
	int rc;

	if (!sql)
		return vr_error_set(err, "%s: out of memory", db->path);
	rc = tracedb_exec(db, sql, err);
	sqlite3_free(sql);
	return rc;
}

/* See tracedb.h. */
int tracedb_source_key_is(struct tracedb *db, const char *key)
{
	sqlite3_stmt *st;
	int same = 0;

	if (sqlite3_prepare_v2(db->sql, "SELECT key FROM capture_source", -1, &st, NULL) !=
	    SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		same = !strcmp((const char *)sqlite3_column_text(st, 0), key);
	sqlite3_finalize(st);
	return same;
}

/* See tracedb.h. */
const char *tracedb_errmsg(struct tracedb *db)
{
	return sqlite3_errmsg(db->sql);
}

/* See tracedb.h. */
const char *tracedb_path(const struct tracedb *db)
{
	return db->path;
}

/* See tracedb.h. */
int64_t tracedb_count_events(struct tracedb *db)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (sqlite3_prepare_v2(db->sql, "SELECT count(*) FROM events", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* See tracedb.h. */
int tracedb_disk_full(struct tracedb *db)
{
	return sqlite3_errcode(db->sql) == SQLITE_FULL ||
	       sqlite3_extended_errcode(db->sql) == SQLITE_IOERR_WRITE;
}

/* See tracedb.h. */
void tracedb_rollback(struct tracedb *db)
{
	if (!sqlite3_get_autocommit(db->sql))
		sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
}
