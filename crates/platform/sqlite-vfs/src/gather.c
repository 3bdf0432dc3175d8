/* A SQLite VFS that gathers a WAL's appends into a few large writes.
 *
 * SQLite writes each WAL frame as two pwrite calls (a 24-byte header, then the page), so a
 * commit of 180 pages is 360 system calls, each walking the kernel's buffered-write path for
 * the one or two pages of page cache it touches. This shim, used only by the connection that
 * writes (the store's writer), keeps a WAL's contiguous appends in memory and writes them in
 * pieces of 124 KiB when SQLite next syncs, reads, truncates, asks the size of or closes that
 * file, when a write is not contiguous, or when GATHER_CAP bytes are waiting.
 *
 * Nothing about durability changes: SQLite acknowledges a commit only after xSync returns, and
 * xSync first writes everything gathered; a crash before that loses only writes that were not
 * synced, which SQLite's WAL recovery already discards by their checksums. A failed write is
 * reported by the call that attempted it (xSync at the latest), so the commit fails.
 *
 * Every other file (the database, its -shm, a reader's WAL) and every other method is passed
 * to the VFS this one wraps (the platform default, "unix"), unchanged. */
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include "sqlite3.h"

#define GATHER_CAP (4 * 1024 * 1024)
/* The unix VFS writes at most 0x1ffff bytes per call (seekAndWriteFd masks the length, so a
 * multiple of 128 KiB would write nothing): gathered bytes go out in pieces of 31 pages. */
#define GATHER_PIECE (31 * 4096)

typedef struct GatherFile {
  sqlite3_file base;     /* methods: gather_io */
  sqlite3_file *real;    /* the wrapped file, allocated right after this struct */
  int is_wal;            /* only WAL files gather */
  char *buf;             /* GATHER_CAP bytes, allocated at the first gathered write */
  sqlite3_int64 start;   /* file offset of buf[0] */
  int len;               /* bytes waiting in buf */
} GatherFile;

static sqlite3_vfs *real_vfs;

/* Writes what is waiting. On an error the bytes are dropped and the error returned: to SQLite
 * that is a failed write, the commit it belongs to fails, and the writer stops (writer.rs). */
static int gather_flush(GatherFile *p) {
  int len = p->len, done = 0, rc = SQLITE_OK;
  p->len = 0;
  while (done < len && rc == SQLITE_OK) {
    int piece = len - done < GATHER_PIECE ? len - done : GATHER_PIECE;
    rc = p->real->pMethods->xWrite(p->real, p->buf + done, piece, p->start + done);
    done += piece;
  }
  return rc;
}

static int gather_close(sqlite3_file *f) {
  GatherFile *p = (GatherFile *)f;
  int rc = gather_flush(p);
  int rc2 = p->real->pMethods->xClose(p->real);
  sqlite3_free(p->buf);
  p->buf = 0;
  return rc != SQLITE_OK ? rc : rc2;
}

static int gather_read(sqlite3_file *f, void *out, int amt, sqlite3_int64 off) {
  GatherFile *p = (GatherFile *)f;
  int rc = gather_flush(p);
  if (rc != SQLITE_OK) return rc;
  return p->real->pMethods->xRead(p->real, out, amt, off);
}

static int gather_write(sqlite3_file *f, const void *data, int amt, sqlite3_int64 off) {
  GatherFile *p = (GatherFile *)f;
  int rc;
  if (!p->is_wal || amt > GATHER_PIECE) {
    rc = gather_flush(p);
    if (rc != SQLITE_OK) return rc;
    return p->real->pMethods->xWrite(p->real, data, amt, off);
  }
  /* Anything but the next append (SQLite rewriting a frame or a header in place, the WAL
   * starting over at offset 0) first writes what is waiting, so writes reach the file in the
   * order SQLite made them. */
  if (p->len > 0 && (off != p->start + p->len || p->len + amt > GATHER_CAP)) {
    rc = gather_flush(p);
    if (rc != SQLITE_OK) return rc;
  }
  if (p->buf == 0) {
    p->buf = sqlite3_malloc(GATHER_CAP);
    if (p->buf == 0) return p->real->pMethods->xWrite(p->real, data, amt, off);
  }
  if (p->len == 0) p->start = off;
  memcpy(p->buf + p->len, data, (size_t)amt);
  p->len += amt;
  return SQLITE_OK;
}

static int gather_truncate(sqlite3_file *f, sqlite3_int64 size) {
  GatherFile *p = (GatherFile *)f;
  int rc = gather_flush(p);
  if (rc != SQLITE_OK) return rc;
  return p->real->pMethods->xTruncate(p->real, size);
}

/* Nanoseconds spent in syncs (writing what was gathered, then the real sync) since the last
 * tinhso_gather_take_sync_nanos: how long commits waited for the disk, for /metrics. */
static _Atomic unsigned long long sync_nanos;

static unsigned long long now_nanos(void) {
  struct timespec t;
  if (clock_gettime(CLOCK_MONOTONIC, &t) != 0) return 0;
  return (unsigned long long)t.tv_sec * 1000000000ull + (unsigned long long)t.tv_nsec;
}

static int gather_sync(sqlite3_file *f, int flags) {
  GatherFile *p = (GatherFile *)f;
  unsigned long long started = now_nanos();
  int rc = gather_flush(p);
  if (rc == SQLITE_OK) rc = p->real->pMethods->xSync(p->real, flags);
  unsigned long long ended = now_nanos();
  if (ended > started) atomic_fetch_add(&sync_nanos, ended - started);
  return rc;
}

/* The sync time counted since the last call, and a fresh count. */
unsigned long long tinhso_gather_take_sync_nanos(void) {
  return atomic_exchange(&sync_nanos, 0);
}

static int gather_file_size(sqlite3_file *f, sqlite3_int64 *size) {
  GatherFile *p = (GatherFile *)f;
  int rc = gather_flush(p);
  if (rc != SQLITE_OK) return rc;
  return p->real->pMethods->xFileSize(p->real, size);
}

static int gather_lock(sqlite3_file *f, int level) {
  GatherFile *p = (GatherFile *)f;
  return p->real->pMethods->xLock(p->real, level);
}

static int gather_unlock(sqlite3_file *f, int level) {
  GatherFile *p = (GatherFile *)f;
  return p->real->pMethods->xUnlock(p->real, level);
}

static int gather_check_reserved_lock(sqlite3_file *f, int *out) {
  GatherFile *p = (GatherFile *)f;
  return p->real->pMethods->xCheckReservedLock(p->real, out);
}

/* A file control may act on the file's contents (a size hint, a chunk size, SQLite's own
 * tests): what is waiting is written first. */
static int gather_file_control(sqlite3_file *f, int op, void *arg) {
  GatherFile *p = (GatherFile *)f;
  int rc = gather_flush(p);
  if (rc != SQLITE_OK) return rc;
  return p->real->pMethods->xFileControl(p->real, op, arg);
}

static int gather_sector_size(sqlite3_file *f) {
  GatherFile *p = (GatherFile *)f;
  return p->real->pMethods->xSectorSize(p->real);
}

static int gather_device_characteristics(sqlite3_file *f) {
  GatherFile *p = (GatherFile *)f;
  return p->real->pMethods->xDeviceCharacteristics(p->real);
}

static int gather_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **out) {
  GatherFile *p = (GatherFile *)f;
  return p->real->pMethods->xShmMap(p->real, region, size, extend, out);
}

static int gather_shm_lock(sqlite3_file *f, int offset, int n, int flags) {
  GatherFile *p = (GatherFile *)f;
  return p->real->pMethods->xShmLock(p->real, offset, n, flags);
}

static void gather_shm_barrier(sqlite3_file *f) {
  GatherFile *p = (GatherFile *)f;
  p->real->pMethods->xShmBarrier(p->real);
}

static int gather_shm_unmap(sqlite3_file *f, int delete_flag) {
  GatherFile *p = (GatherFile *)f;
  return p->real->pMethods->xShmUnmap(p->real, delete_flag);
}

/* Memory maps are of the database file, which never gathers: nothing to write first. */
static int gather_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **out) {
  GatherFile *p = (GatherFile *)f;
  return p->real->pMethods->xFetch(p->real, off, amt, out);
}

static int gather_unfetch(sqlite3_file *f, sqlite3_int64 off, void *ptr) {
  GatherFile *p = (GatherFile *)f;
  return p->real->pMethods->xUnfetch(p->real, off, ptr);
}

static const sqlite3_io_methods gather_io = {
  .iVersion = 3,
  .xClose = gather_close,
  .xRead = gather_read,
  .xWrite = gather_write,
  .xTruncate = gather_truncate,
  .xSync = gather_sync,
  .xFileSize = gather_file_size,
  .xLock = gather_lock,
  .xUnlock = gather_unlock,
  .xCheckReservedLock = gather_check_reserved_lock,
  .xFileControl = gather_file_control,
  .xSectorSize = gather_sector_size,
  .xDeviceCharacteristics = gather_device_characteristics,
  .xShmMap = gather_shm_map,
  .xShmLock = gather_shm_lock,
  .xShmBarrier = gather_shm_barrier,
  .xShmUnmap = gather_shm_unmap,
  .xFetch = gather_fetch,
  .xUnfetch = gather_unfetch,
};

static int gather_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *out_flags) {
  GatherFile *p = (GatherFile *)f;
  int rc;
  (void)vfs;
  memset(p, 0, sizeof(*p));
  p->real = (sqlite3_file *)&p[1];
  p->is_wal = (flags & SQLITE_OPEN_WAL) != 0;
  rc = real_vfs->xOpen(real_vfs, name, p->real, flags, out_flags);
  /* The wrapped file's methods decide ours: none when the open failed (SQLite then calls no
   * xClose), and the unix VFS's are version 3, as gather_io is. */
  p->base.pMethods = p->real->pMethods ? &gather_io : 0;
  return rc;
}

static int gather_delete(sqlite3_vfs *v, const char *name, int sync_dir) {
  (void)v;
  return real_vfs->xDelete(real_vfs, name, sync_dir);
}
static int gather_access(sqlite3_vfs *v, const char *name, int flags, int *out) {
  (void)v;
  return real_vfs->xAccess(real_vfs, name, flags, out);
}
static int gather_full_pathname(sqlite3_vfs *v, const char *name, int n, char *out) {
  (void)v;
  return real_vfs->xFullPathname(real_vfs, name, n, out);
}
static void *gather_dl_open(sqlite3_vfs *v, const char *name) {
  (void)v;
  return real_vfs->xDlOpen(real_vfs, name);
}
static void gather_dl_error(sqlite3_vfs *v, int n, char *out) {
  (void)v;
  real_vfs->xDlError(real_vfs, n, out);
}
static void (*gather_dl_sym(sqlite3_vfs *v, void *h, const char *sym))(void) {
  (void)v;
  return real_vfs->xDlSym(real_vfs, h, sym);
}
static void gather_dl_close(sqlite3_vfs *v, void *h) {
  (void)v;
  real_vfs->xDlClose(real_vfs, h);
}
static int gather_randomness(sqlite3_vfs *v, int n, char *out) {
  (void)v;
  return real_vfs->xRandomness(real_vfs, n, out);
}
static int gather_sleep(sqlite3_vfs *v, int us) {
  (void)v;
  return real_vfs->xSleep(real_vfs, us);
}
static int gather_current_time(sqlite3_vfs *v, double *out) {
  (void)v;
  return real_vfs->xCurrentTime(real_vfs, out);
}
static int gather_get_last_error(sqlite3_vfs *v, int n, char *out) {
  (void)v;
  return real_vfs->xGetLastError(real_vfs, n, out);
}
static int gather_current_time_int64(sqlite3_vfs *v, sqlite3_int64 *out) {
  (void)v;
  return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static sqlite3_vfs gather_vfs = {
  .iVersion = 2,
  .zName = "tinhso-gather",
  .xOpen = gather_open,
  .xDelete = gather_delete,
  .xAccess = gather_access,
  .xFullPathname = gather_full_pathname,
  .xDlOpen = gather_dl_open,
  .xDlError = gather_dl_error,
  .xDlSym = gather_dl_sym,
  .xDlClose = gather_dl_close,
  .xRandomness = gather_randomness,
  .xSleep = gather_sleep,
  .xCurrentTime = gather_current_time,
  .xGetLastError = gather_get_last_error,
  .xCurrentTimeInt64 = gather_current_time_int64,
};

/* Registers the VFS (not as the default) over the current default VFS. Idempotent: the Rust
 * side calls it once, behind a std::sync::OnceLock. Returns a SQLite result code. */
int tinhso_gather_register(void) {
  int rc = sqlite3_initialize();
  if (rc != SQLITE_OK) return rc;
  if (sqlite3_vfs_find("tinhso-gather") != 0) return SQLITE_OK;
  real_vfs = sqlite3_vfs_find(0);
  if (real_vfs == 0) return SQLITE_ERROR;
  gather_vfs.szOsFile = (int)sizeof(GatherFile) + real_vfs->szOsFile;
  gather_vfs.mxPathname = real_vfs->mxPathname;
  return sqlite3_vfs_register(&gather_vfs, 0);
}
