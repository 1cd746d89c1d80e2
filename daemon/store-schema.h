/* SPDX-License-Identifier: MIT */
/*
 * store-schema.h - the session database's schema and migrations, and the
 * checks that tell a gymhub database from any other file. Shared by the
 * writer (store.c) and the reader (session-query.c).
 *
 * Any thread, on a connection that thread owns at the time.
 */
#ifndef GYMHUB_STORE_SCHEMA_H
#define GYMHUB_STORE_SCHEMA_H

#include <sqlite3.h>

/* PRAGMA application_id of every gymhub database: "GYMH". */
#define STORE_SCHEMA_APPLICATION_ID 0x47594d48
/* PRAGMA user_version this build writes (and the newest it reads). */
#define STORE_SCHEMA_VERSION 4

/*
 * Maps an SQLite result code on @db (may be NULL) to -errno: SQLITE_FULL
 * -ENOSPC, SQLITE_READONLY -EROFS, SQLITE_BUSY/LOCKED -EBUSY, SQLITE_CORRUPT
 * and SQLITE_NOTADB -EBADMSG, SQLITE_CANTOPEN the system's errno, a
 * refused row (constraint, type) -EINVAL, anything else -EIO.
 */
int store_schema_errno(sqlite3 *db, int rc);

/*
 * Reads the file's identity without writing to it. 0 with the schema
 * version in *ret_version (0 for an empty, new database); -EPROTO when the
 * file is another program's database, -EPROTONOSUPPORT when its schema is
 * newer than STORE_SCHEMA_VERSION, -EBADMSG when it is not a database at
 * all or is damaged.
 */
int store_schema_check(sqlite3 *db, int *ret_version);

/*
 * Brings a database at version @from (as store_schema_check() found it)
 * to STORE_SCHEMA_VERSION, one step per transaction, so an interrupted
 * migration leaves a file at a known version.
 */
int store_schema_migrate(sqlite3 *db, int from);

#endif
