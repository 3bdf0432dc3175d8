//! Reads the operations centre and the alerts need from other modules' tables through this backend
//! (every dossier's events, staff by role) and the alerts' outbox write. The operations centre's
//! own tables are `tinhso-ioc-store`'s.

use crate::{dossier, map_err, rows, PgStore};
use chrono::Utc;
use tinhso_policy::Role;
use tinhso_store::{group_links, Account, EventPage, Notification, Result};

impl PgStore {
    pub(crate) async fn events_by_dossier_q(&self, after: Option<&str>, dossiers: usize) -> Result<EventPage> {
        let client = self.client().await?;
        let codes = client
            .query(
                "SELECT code FROM dossier WHERE code > $1 ORDER BY code LIMIT $2",
                &[&after.unwrap_or(""), &(dossiers as i64)],
            )
            .await
            .map_err(map_err)?;
        let (Some(first), Some(last)) = (codes.first(), codes.last()) else {
            return Ok(EventPage { dossiers: Vec::new(), next: None });
        };
        let (first, last): (String, String) = (first.get(0), last.get(0));
        let rows = client
            .query(
                &format!(
                    "SELECT {} FROM dossier_event WHERE dossier_code BETWEEN $1 AND $2 ORDER BY dossier_code, id",
                    dossier::LINK_COLUMNS
                ),
                &[&first, &last],
            )
            .await
            .map_err(map_err)?;
        let dossiers = group_links(rows.iter().map(|r| dossier::link(r).0).collect())?;
        Ok(EventPage { dossiers, next: Some(last) })
    }

    pub(crate) async fn staff_with_role_q(&self, role: Role) -> Result<Vec<Account>> {
        let sql = format!("SELECT {} FROM account WHERE role = $1 ORDER BY id", rows::ACCOUNT_COLUMNS);
        let rows = self.client().await?.query(&sql, &[&role.key()]).await.map_err(map_err)?;
        rows.iter().map(|r| rows::account_at(r, 0)).collect()
    }

    pub(crate) async fn send_alert_q(&self, key: &str, notes: &[Notification]) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let fresh = tx
            .execute(
                "INSERT INTO ioc_alert (key, created_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                &[&key, &Utc::now().to_rfc3339()],
            )
            .await
            .map_err(map_err)?;
        if fresh == 1 {
            for n in notes {
                tx.execute(
                    "INSERT INTO outbox (account_id, subject, body, created_at) VALUES ($1, $2, $3, $4)",
                    &[&n.account_id, &n.subject, &n.body, &Utc::now()],
                )
                .await
                .map_err(map_err)?;
            }
        }
        tx.commit().await.map_err(map_err)?;
        Ok(fresh == 1)
    }
}
