//! Whether PostgreSQL keeps what it acknowledges: a server that would lose acknowledged writes
//! in a crash is refused at start, and the checked `synchronous_commit` is pinned in every
//! session the pool opens afterwards.

use crate::map_err;
use tinhso_store::{Result, StoreError};

/// Refuses a server whose sessions commit without waiting for the WAL flush
/// (`synchronous_commit = off`, set in postgresql.conf, for the database or for the role), or
/// that does not sync at all (`fsync = off`): every acknowledged write could then vanish in a
/// crash, silently voiding the platform's promise. `on`, `local`, `remote_write` and
/// `remote_apply` all flush locally first. Returns the setting, which the pool then pins.
pub(crate) async fn durable_commits(client: &tokio_postgres::Client) -> Result<String> {
    let row = client.query_one("SHOW synchronous_commit", &[]).await.map_err(map_err)?;
    let setting: String = row.get(0);
    if setting.eq_ignore_ascii_case("off") {
        return Err(StoreError::Backend(format!(
            "PostgreSQL đặt synchronous_commit = {setting}: dữ liệu đã xác nhận có thể mất khi máy chủ CSDL gặp sự cố. \
             Đặt synchronous_commit = on (postgresql.conf, ALTER DATABASE hoặc ALTER ROLE) rồi khởi động lại. / \
             synchronous_commit is {setting}: acknowledged writes could be lost in a crash; set it to on"
        )));
    }
    let fsync: String = client.query_one("SHOW fsync", &[]).await.map_err(map_err)?.get(0);
    if fsync.eq_ignore_ascii_case("off") {
        return Err(StoreError::Backend(
            "PostgreSQL đặt fsync = off: dữ liệu đã xác nhận có thể mất khi mất điện. Đặt fsync = on \
             (postgresql.conf) rồi tải lại cấu hình. / fsync is off: acknowledged writes could be lost \
             in a power cut; set it to on"
                .to_owned(),
        ));
    }
    Ok(setting)
}

/// `config` with every session's `synchronous_commit` pinned to `setting` in its startup
/// packet: a client's setting outranks postgresql.conf and ALTER DATABASE / ROLE, so a DBA
/// turning it off while the platform runs cannot reach sessions opened afterwards.
pub(crate) fn pinned(mut config: tokio_postgres::Config, setting: &str) -> tokio_postgres::Config {
    let pin = format!("-c synchronous_commit={setting}");
    let options = match config.get_options() {
        Some(o) if !o.trim().is_empty() => format!("{o} {pin}"),
        _ => pin,
    };
    config.options(options);
    config
}
