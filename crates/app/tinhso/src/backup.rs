//! `tinhso backup <dir>` and `tinhso restore <dir>` for the embedded engine: an online,
//! consistent copy of the database (SQLite's `VACUUM INTO`, a read transaction: the server
//! keeps serving and writing) and then of the stored files. Files are content-addressed and
//! written (and synced) before any row names them, so every file the copied database names
//! is already on disk when the files are copied: the copy is whole. Everything is synced
//! before the command says it is done. PostgreSQL deployments use `pg_dump`/`pg_restore`
//! and copy the files directory (README, tested the same way).

#![allow(clippy::disallowed_methods)] // a command-line tool: blocking file IO is its job

use anyhow::{bail, Context, Result};
use std::path::Path;

const DB: &str = "tinhso.db";
const FILES: &str = "files";
const MANIFEST: &str = "sao-luu.json";
const FORMAT: &str = "tinhso-backup-1";

/// Copies the data directory `data` (SQLite) into the new directory `out`.
pub fn backup(data: &Path, out: &Path) -> Result<String> {
    let made = backup_linked(data, out, None)?;
    Ok(format!(
        "Đã sao lưu {} hồ sơ và {} tệp vào {} / backed up {} dossiers and {} files",
        made.dossiers,
        made.files.total(),
        out.display(),
        made.dossiers,
        made.files.total()
    ))
}

/// What one backup holds.
struct Made {
    dossiers: i64,
    files: Copied,
}

/// `tinhso backup --into <parent> [--keep N]`, what a daily timer runs (deploy/): the backup
/// goes into a new directory of `parent` named by its start time (UTC, so names sort by age).
/// Stored files already in the newest earlier backup there are hard-linked, not copied: files
/// are content-addressed and never change, so a day's backup costs the database and the day's
/// new files. Then backups of `parent` beyond the newest `keep` are removed. Only complete
/// backups (their manifest written, which is the last step) are linked from or removed: a
/// directory left by a run cut short, or anything else in `parent`, is left alone.
pub fn backup_into(data: &Path, parent: &Path, keep: Option<usize>) -> Result<String> {
    std::fs::create_dir_all(parent)?;
    let earlier = complete_backups(parent)?;
    let name = chrono::Utc::now().format("%Y-%m-%dT%H%M%SZ").to_string();
    let out = parent.join(&name);
    if out.exists() {
        bail!("{} đã có: chờ một giây rồi chạy lại / already exists", out.display());
    }
    let previous = earlier.last().map(|(_, dir)| dir.join(FILES));
    let made = backup_linked(data, &out, previous.as_deref())?;
    let mut removed = 0;
    if let Some(keep) = keep {
        // The new backup is the newest; of the earlier ones, `keep - 1` stay.
        let surplus = (earlier.len() + 1).saturating_sub(keep);
        for (_, dir) in earlier.iter().take(surplus) {
            std::fs::remove_dir_all(dir).with_context(|| format!("cannot remove {}", dir.display()))?;
            removed += 1;
        }
        std::fs::File::open(parent)?.sync_all()?;
    }
    Ok(format!(
        "Đã sao lưu {} hồ sơ và {} tệp ({} tệp không đổi liên kết từ bản trước) vào {}; xoá {removed} bản cũ \
         / backed up {} dossiers and {} files ({} unchanged, linked); {removed} old backups removed",
        made.dossiers,
        made.files.total(),
        made.files.linked,
        out.display(),
        made.dossiers,
        made.files.total(),
        made.files.linked,
    ))
}

/// What `/metrics` says of the backups in `parent` (`serve --backup-dir`), read at each
/// scrape: whether they are watched, when the newest complete one began (the data it holds is
/// as of then; -1 for none), and how many are kept. An alert fires when the newest is over a
/// day old (deploy/prometheus-alerts.yml).
pub fn samples(parent: Option<&Path>) -> Vec<tinhso_http::metrics::Sample> {
    let found = match parent.filter(|p| p.exists()).map(complete_backups) {
        Some(Ok(found)) => found,
        Some(Err(e)) => {
            tracing::warn!(error = %e, "the backups' directory could not be read");
            Vec::new()
        }
        None => Vec::new(),
    };
    let newest = found.last().map_or(-1.0, |(at, _)| at.timestamp() as f64);
    use tinhso_http::metrics::Sample;
    vec![
        Sample::one(
            "tinhso_backup_watched",
            "1 when this server watches the nightly backups' directory (--backup-dir).",
            if parent.is_some() { 1.0 } else { 0.0 },
        ),
        Sample::one(
            "tinhso_backup_newest_timestamp_seconds",
            "When the newest complete backup began (its data is as of then); -1 for none.",
            newest,
        ),
        Sample::one("tinhso_backups_kept", "Complete backups in the backups' directory.", found.len() as f64),
    ]
}

/// When the newest complete backup in `parent` began (None when there is none), and how many
/// complete backups are there.
pub fn newest(parent: &Path) -> Result<(Option<chrono::DateTime<chrono::Utc>>, usize)> {
    let found = complete_backups(parent)?;
    Ok((found.last().map(|(at, _)| *at), found.len()))
}

/// The complete backups directly inside `parent`, oldest first (by the time each started).
fn complete_backups(parent: &Path) -> Result<Vec<(chrono::DateTime<chrono::Utc>, std::path::PathBuf)>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(parent)? {
        let dir = entry?.path();
        let Ok(bytes) = std::fs::read(dir.join(MANIFEST)) else { continue };
        let Ok(manifest) = serde_json::from_slice::<serde_json::Value>(&bytes) else { continue };
        let started = manifest["started_at"].as_str().and_then(|t| t.parse::<chrono::DateTime<chrono::Utc>>().ok());
        match started {
            Some(at) if manifest["format"] == FORMAT && manifest["engine"] == "sqlite" => found.push((at, dir)),
            _ => {}
        }
    }
    found.sort();
    Ok(found)
}

/// The backup itself: the database, then the files (linked from `previous` where they are
/// already there), then the manifest, then a sync of everything.
fn backup_linked(data: &Path, out: &Path, previous: Option<&Path>) -> Result<Made> {
    let db = data.join(DB);
    if !db.is_file() {
        bail!("không có cơ sở dữ liệu SQLite ở {} / no SQLite database there", db.display());
    }
    if out.exists() && std::fs::read_dir(out)?.next().is_some() {
        bail!("thư mục sao lưu {} đã có dữ liệu: chọn thư mục mới / backup directory not empty", out.display());
    }
    std::fs::create_dir_all(out)?;
    let started = chrono::Utc::now();
    let target = out.join(DB);
    let conn = rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    let target_text = target.to_str().context("backup path is not UTF-8")?;
    conn.execute("VACUUM INTO ?1", [target_text]).context("VACUUM INTO")?;
    let dossiers: i64 =
        rusqlite::Connection::open(&target)?.query_row("SELECT COUNT(*) FROM dossier", [], |r| r.get(0))?;
    let files = copy_tree(&data.join(FILES), &out.join(FILES), previous)?;
    let manifest = serde_json::json!({
        "format": FORMAT,
        "engine": "sqlite",
        "started_at": started,
        "finished_at": chrono::Utc::now(),
        "dossiers": dossiers,
        "files": files.total(),
    });
    sync_tree(out)?;
    // Written last (and synced): a backup with a manifest is whole.
    std::fs::write(out.join(MANIFEST), serde_json::to_vec_pretty(&manifest)?)?;
    std::fs::File::open(out.join(MANIFEST))?.sync_all()?;
    std::fs::File::open(out)?.sync_all()?;
    Ok(Made { dossiers, files })
}

/// Restores a backup made by [`backup`] into the data directory `data`, which must hold no
/// database (restoring over live data is refused: move it away first).
pub fn restore(backup: &Path, data: &Path) -> Result<String> {
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(backup.join(MANIFEST))
            .with_context(|| format!("{} is not a Tỉnh Số backup", backup.display()))?,
    )?;
    if manifest["format"] != FORMAT {
        bail!("định dạng sao lưu không rõ / unknown backup format: {}", manifest["format"]);
    }
    if data.join(DB).exists() {
        bail!(
            "{} đã có cơ sở dữ liệu: khôi phục vào thư mục trống / the data directory already has a database",
            data.display()
        );
    }
    std::fs::create_dir_all(data)?;
    // Copied under a temporary name and renamed once whole: a restore cut short leaves no
    // database that looks complete.
    let partial = data.join(format!("{DB}.restoring"));
    std::fs::copy(backup.join(DB), &partial)?;
    std::fs::File::open(&partial)?.sync_all()?;
    let files = copy_tree(&backup.join(FILES), &data.join(FILES), None)?.total();
    sync_tree(&data.join(FILES))?;
    std::fs::rename(&partial, data.join(DB))?;
    std::fs::File::open(data)?.sync_all()?;
    Ok(format!("Đã khôi phục {} hồ sơ và {files} tệp vào {} / restored", manifest["dossiers"], data.display()))
}

/// How many files a tree's copy copied, and how many it linked.
#[derive(Default)]
struct Copied {
    copied: u64,
    linked: u64,
}

impl Copied {
    fn total(&self) -> u64 {
        self.copied + self.linked
    }
}

/// Copies the regular files under `from` into `to` (same layout). A file that `link` (an
/// earlier backup's tree) has under the same name and size is hard-linked from there instead:
/// names are contents' hashes. Where linking fails (another file system), it is copied.
fn copy_tree(from: &Path, to: &Path, link: Option<&Path>) -> Result<Copied> {
    let mut n = Copied::default();
    if !from.is_dir() {
        return Ok(n);
    }
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let dest = to.join(entry.file_name());
        let earlier = link.map(|l| l.join(entry.file_name()));
        if kind.is_dir() {
            let sub = copy_tree(&entry.path(), &dest, earlier.as_deref())?;
            n.copied += sub.copied;
            n.linked += sub.linked;
        } else if kind.is_file() {
            let same = earlier.as_deref().filter(|e| {
                std::fs::metadata(e).is_ok_and(|m| m.is_file() && entry.metadata().is_ok_and(|f| f.len() == m.len()))
            });
            match same.map(|e| std::fs::hard_link(e, &dest)) {
                Some(Ok(())) => n.linked += 1,
                _ => {
                    std::fs::copy(entry.path(), &dest)?;
                    n.copied += 1;
                }
            }
        }
    }
    Ok(n)
}

/// fsyncs every file and directory under `dir`.
fn sync_tree(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            sync_tree(&entry.path())?;
        } else {
            std::fs::File::open(entry.path())?.sync_all()?;
        }
    }
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}
