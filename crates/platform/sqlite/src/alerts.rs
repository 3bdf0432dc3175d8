//! Staff by role and the alerts' deduplicated notifications (platform: identity, notify).

use crate::{map_err, rows, SqliteStore};
use chrono::Utc;
use rusqlite::params;
use tinhso_policy::Role;
use tinhso_store::{Account, Notification, Result};

impl SqliteStore {
    pub(crate) async fn staff_with_role_q(&self, role: Role) -> Result<Vec<Account>> {
        let role = role.key().to_owned();
        self.read(move |c| {
            let sql = format!("SELECT {} FROM account WHERE role = ?1 ORDER BY id", rows::ACCOUNT_COLUMNS);
            let mut st = c.prepare(&sql)?;
            let rows = st.query_map([role], rows::account)?;
            rows.collect()
        })
        .await
    }

    pub(crate) async fn send_alert_q(&self, key: &str, notes: &[Notification]) -> Result<bool> {
        let (key, notes) = (key.to_owned(), notes.to_vec());
        self.write(move |tx| {
            let fresh = tx
                .execute(
                    "INSERT INTO ioc_alert (key, created_at) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
                    params![key, Utc::now()],
                )
                .map_err(map_err)?;
            if fresh == 1 {
                for n in &notes {
                    tx.execute(
                        "INSERT INTO outbox (account_id, subject, body, subject_en, body_en, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![n.account_id, n.subject, n.body, n.subject_en, n.body_en, Utc::now()],
                    )
                    .map_err(map_err)?;
                }
            }
            Ok(fresh == 1)
        })
        .await
    }
}
