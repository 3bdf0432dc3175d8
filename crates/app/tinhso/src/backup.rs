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

/// Copies the data directory `data` (SQLite) into the new directory `out`.
pub fn backup(data: &Path, out: &Path) -> Result<String> {
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
    let files = copy_tree(&data.join(FILES), &out.join(FILES))?;
    let manifest = serde_json::json!({
        "format": "tinhso-backup-1",
        "engine": "sqlite",
        "started_at": started,
        "finished_at": chrono::Utc::now(),
        "dossiers": dossiers,
        "files": files,
    });
    std::fs::write(out.join(MANIFEST), serde_json::to_vec_pretty(&manifest)?)?;
    sync_tree(out)?;
    Ok(format!(
        "Đã sao lưu {dossiers} hồ sơ và {files} tệp vào {} / backed up {dossiers} dossiers and {files} files",
        out.display()
    ))
}

/// Restores a backup made by [`backup`] into the data directory `data`, which must hold no
/// database (restoring over live data is refused: move it away first).
pub fn restore(backup: &Path, data: &Path) -> Result<String> {
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(backup.join(MANIFEST))
            .with_context(|| format!("{} is not a Tỉnh Số backup", backup.display()))?,
    )?;
    if manifest["format"] != "tinhso-backup-1" {
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
    let files = copy_tree(&backup.join(FILES), &data.join(FILES))?;
    sync_tree(&data.join(FILES))?;
    std::fs::rename(&partial, data.join(DB))?;
    std::fs::File::open(data)?.sync_all()?;
    Ok(format!("Đã khôi phục {} hồ sơ và {files} tệp vào {} / restored", manifest["dossiers"], data.display()))
}

/// Copies the regular files under `from` into `to` (same layout); returns how many.
fn copy_tree(from: &Path, to: &Path) -> Result<u64> {
    if !from.is_dir() {
        return Ok(0);
    }
    std::fs::create_dir_all(to)?;
    let mut n = 0;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let dest = to.join(entry.file_name());
        if kind.is_dir() {
            n += copy_tree(&entry.path(), &dest)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &dest)?;
            n += 1;
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
