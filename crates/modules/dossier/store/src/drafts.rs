//! Saved applications (`DraftStore`) on both engines: one row per account and procedure,
//! the form's fields as a JSON array of pairs. The count an account may keep is checked in the
//! saving transaction (PostgreSQL takes an advisory lock on the account for it; SQLite's writer
//! is alone).

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use tinhso_kernel::ids::AccountId;
use tinhso_store::{ApplicationDraft, DraftSaved, DraftStore, Result, StoreError};

const COLUMNS: &str = "account_id, procedure, fields, saved_at";

/// The advisory lock namespace of an account's drafts (PostgreSQL).
const LOCK_SPACE: i32 = 0x4452_4654; // "DRFT"

fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn encode(fields: &[(String, String)]) -> Result<String> {
    serde_json::to_string(fields).map_err(|e| StoreError::Corrupt(format!("draft fields: {e}")))
}

fn decode(account: i64, procedure: String, fields: &str, saved_at: &str) -> Result<ApplicationDraft> {
    let bad = |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("draft of {account}/{procedure}: {e}"));
    Ok(ApplicationDraft {
        account: AccountId(account),
        fields: serde_json::from_str(fields).map_err(|e| bad(&e))?,
        saved_at: DateTime::parse_from_rfc3339(saved_at).map_err(|e| bad(&e))?.with_timezone(&Utc),
        procedure,
    })
}

mod sqlite {
    use super::*;
    use crate::DossierSqlite;
    use rusqlite::{params, OptionalExtension};
    use tinhso_sqlite::{exec, map_err};

    type Raw = (i64, String, String, String);

    fn raw(r: &rusqlite::Row<'_>) -> rusqlite::Result<Raw> {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    }

    fn draft((account, procedure, fields, saved_at): Raw) -> Result<ApplicationDraft> {
        decode(account, procedure, &fields, &saved_at)
    }

    #[async_trait]
    impl DraftStore for DossierSqlite {
        async fn save_draft(&self, d: &ApplicationDraft, most: usize) -> Result<DraftSaved> {
            let (account, procedure, fields, saved_at) =
                (d.account.0, d.procedure.clone(), encode(&d.fields)?, at(d.saved_at));
            let most = i64::try_from(most).unwrap_or(i64::MAX);
            self.db()
                .write(move |tx| {
                    let others: i64 = tx
                        .query_row(
                            "SELECT count(*) FROM application_draft WHERE account_id = ?1 AND procedure <> ?2",
                            params![account, procedure],
                            |r| r.get(0),
                        )
                        .map_err(map_err)?;
                    if others >= most {
                        return Ok(DraftSaved::TooMany);
                    }
                    exec(
                        tx,
                        &format!(
                            "INSERT INTO application_draft ({COLUMNS}) VALUES (?1, ?2, ?3, ?4) \
                             ON CONFLICT (account_id, procedure) DO UPDATE SET fields = excluded.fields, \
                             saved_at = excluded.saved_at"
                        ),
                        params![account, procedure, fields, saved_at],
                    )?;
                    Ok(DraftSaved::Saved)
                })
                .await
        }

        async fn draft(&self, account: AccountId, procedure: &str) -> Result<Option<ApplicationDraft>> {
            let procedure = procedure.to_owned();
            let row = self
                .db()
                .read(move |c| {
                    c.prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM application_draft WHERE account_id = ?1 AND procedure = ?2"
                    ))?
                    .query_row(params![account.0, procedure], raw)
                    .optional()
                })
                .await?;
            row.map(draft).transpose()
        }

        async fn drafts(&self, account: AccountId) -> Result<Vec<ApplicationDraft>> {
            let rows = self
                .db()
                .read(move |c| {
                    let mut st = c.prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM application_draft WHERE account_id = ?1 ORDER BY saved_at DESC"
                    ))?;
                    let rows = st.query_map(params![account.0], raw)?;
                    rows.collect::<rusqlite::Result<Vec<Raw>>>()
                })
                .await?;
            rows.into_iter().map(draft).collect()
        }

        async fn delete_draft(&self, account: AccountId, procedure: &str) -> Result<bool> {
            let procedure = procedure.to_owned();
            self.db()
                .write(move |tx| {
                    let n = exec(
                        tx,
                        "DELETE FROM application_draft WHERE account_id = ?1 AND procedure = ?2",
                        params![account.0, procedure],
                    )?;
                    Ok(n > 0)
                })
                .await
        }

        async fn drafts_saved_before(&self, before: DateTime<Utc>, limit: usize) -> Result<Vec<ApplicationDraft>> {
            let (before, limit) = (at(before), i64::try_from(limit).unwrap_or(i64::MAX));
            let rows = self
                .db()
                .read(move |c| {
                    let mut st = c.prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM application_draft WHERE saved_at < ?1 ORDER BY saved_at LIMIT ?2"
                    ))?;
                    let rows = st.query_map(params![before, limit], raw)?;
                    rows.collect::<rusqlite::Result<Vec<Raw>>>()
                })
                .await?;
            rows.into_iter().map(draft).collect()
        }

        async fn sweep_drafts(&self, before: DateTime<Utc>) -> Result<u64> {
            let before = at(before);
            self.db()
                .write(move |tx| {
                    let n = exec(tx, "DELETE FROM application_draft WHERE saved_at < ?1", params![before])?;
                    Ok(u64::try_from(n).unwrap_or(0))
                })
                .await
        }
    }
}

mod postgres {
    use super::*;
    use crate::DossierPg;
    use tinhso_postgres::map_err;

    fn draft(r: &tokio_postgres::Row) -> Result<ApplicationDraft> {
        decode(r.get(0), r.get(1), r.get::<_, &str>(2), r.get::<_, &str>(3))
    }

    #[async_trait]
    impl DraftStore for DossierPg {
        async fn save_draft(&self, d: &ApplicationDraft, most: usize) -> Result<DraftSaved> {
            let (fields, saved_at) = (encode(&d.fields)?, at(d.saved_at));
            let most = i64::try_from(most).unwrap_or(i64::MAX);
            let mut client = self.db().client().await?;
            let tx = client.transaction().await.map_err(map_err)?;
            // Two saves of one account at once count each other's drafts.
            tx.execute(
                "SELECT pg_advisory_xact_lock($1, hashtext($2::text))",
                &[&LOCK_SPACE, &d.account.0.to_string()],
            )
            .await
            .map_err(map_err)?;
            let others: i64 = tx
                .query_one(
                    "SELECT count(*) FROM application_draft WHERE account_id = $1 AND procedure <> $2",
                    &[&d.account.0, &d.procedure],
                )
                .await
                .map_err(map_err)?
                .get(0);
            if others >= most {
                return Ok(DraftSaved::TooMany);
            }
            tx.execute(
                &format!(
                    "INSERT INTO application_draft ({COLUMNS}) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (account_id, procedure) DO UPDATE SET fields = excluded.fields, \
                     saved_at = excluded.saved_at"
                ),
                &[&d.account.0, &d.procedure, &fields, &saved_at],
            )
            .await
            .map_err(map_err)?;
            tx.commit().await.map_err(map_err)?;
            Ok(DraftSaved::Saved)
        }

        async fn draft(&self, account: AccountId, procedure: &str) -> Result<Option<ApplicationDraft>> {
            let client = self.db().client().await?;
            let sql = format!("SELECT {COLUMNS} FROM application_draft WHERE account_id = $1 AND procedure = $2");
            let row = client.query_opt(&sql, &[&account.0, &procedure]).await.map_err(map_err)?;
            row.as_ref().map(draft).transpose()
        }

        async fn drafts(&self, account: AccountId) -> Result<Vec<ApplicationDraft>> {
            let client = self.db().client().await?;
            let sql = format!("SELECT {COLUMNS} FROM application_draft WHERE account_id = $1 ORDER BY saved_at DESC");
            client.query(&sql, &[&account.0]).await.map_err(map_err)?.iter().map(draft).collect()
        }

        async fn delete_draft(&self, account: AccountId, procedure: &str) -> Result<bool> {
            let client = self.db().client().await?;
            let n = client
                .execute(
                    "DELETE FROM application_draft WHERE account_id = $1 AND procedure = $2",
                    &[&account.0, &procedure],
                )
                .await
                .map_err(map_err)?;
            Ok(n > 0)
        }

        async fn drafts_saved_before(&self, before: DateTime<Utc>, limit: usize) -> Result<Vec<ApplicationDraft>> {
            let client = self.db().client().await?;
            let sql = format!("SELECT {COLUMNS} FROM application_draft WHERE saved_at < $1 ORDER BY saved_at LIMIT $2");
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            client.query(&sql, &[&at(before), &limit]).await.map_err(map_err)?.iter().map(draft).collect()
        }

        async fn sweep_drafts(&self, before: DateTime<Utc>) -> Result<u64> {
            let client = self.db().client().await?;
            client.execute("DELETE FROM application_draft WHERE saved_at < $1", &[&at(before)]).await.map_err(map_err)
        }
    }
}
