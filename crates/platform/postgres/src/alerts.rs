//! Staff by role and the alerts' deduplicated notifications (platform: identity, notify).

use crate::Cached;
use crate::{map_err, rows, PgStore};
use chrono::Utc;
use tinhso_policy::Role;
use tinhso_store::{Account, Notification, Result};

impl PgStore {
    pub(crate) async fn staff_with_role_q(&self, role: Role) -> Result<Vec<Account>> {
        let sql = format!("SELECT {} FROM account WHERE role = $1 ORDER BY id", rows::ACCOUNT_COLUMNS);
        let rows = self.client().await?.query(&sql, &[&role.key()]).await.map_err(map_err)?;
        rows.iter().map(|r| rows::account_at(r, 0)).collect()
    }

    pub(crate) async fn send_alert_q(&self, key: &str, notes: &[Notification]) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let fresh = tx
            .execute_cached(
                "INSERT INTO ioc_alert (key, created_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                &[&key, &Utc::now().to_rfc3339()],
            )
            .await
            .map_err(map_err)?;
        if fresh == 1 {
            for n in notes {
                tx.execute_cached(
                    "INSERT INTO outbox (account_id, subject, body, subject_en, body_en, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    &[&n.account_id, &n.subject, &n.body, &n.subject_en, &n.body_en, &Utc::now()],
                )
                .await
                .map_err(map_err)?;
            }
        }
        tx.commit().await.map_err(map_err)?;
        Ok(fresh == 1)
    }
}
