//! `OpenDataStore` on the embedded engine: saves in the single writer's group commit (so the
//! catalogue's counter is simply the next number), reads on the pooled readers.

use crate::plan::{self, Save};
use async_trait::async_trait;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use std::sync::Arc;
use tinhso_kernel::ids::AccountId;
use tinhso_opendata::{Dataset, Group, Organization};
use tinhso_opendata_port::{ApiToken, DatasetRow, DatasetVersion, HarvestSource, OpenDataStore};
use tinhso_sqlite::{exec, ledger, map_err, SqliteStore};
use tinhso_store::codec::{from_json, to_json};
use tinhso_store::migrate::{Migration, Migrations};
use tinhso_store::{Result, StoreError};

pub const MIGRATIONS: Migrations = Migrations {
    module: crate::MODULE,
    steps: &[
        Migration { version: 1, name: "opendata", sql: include_str!("../migrations/sqlite/0001_opendata.sql") },
        Migration { version: 2, name: "datastore", sql: include_str!("../migrations/sqlite/0002_datastore.sql") },
        Migration { version: 3, name: "harvest", sql: include_str!("../migrations/sqlite/0003_harvest.sql") },
    ],
};

pub struct OpenDataSqlite {
    db: Arc<SqliteStore>,
}

impl OpenDataSqlite {
    pub fn new(db: Arc<SqliteStore>) -> Self {
        Self { db }
    }
}

fn write_save(tx: &Connection, s: &Save, expected: Option<i64>) -> Result<i64> {
    let stored: Option<i64> = tx
        .prepare_cached("SELECT revision FROM dataset WHERE id = ?1")
        .and_then(|mut st| st.query_row([&s.id], |r| r.get(0)).optional())
        .map_err(map_err)?;
    if stored != expected {
        return Err(StoreError::Conflict(format!("dataset {} is at revision {stored:?}, not {expected:?}", s.id)));
    }
    let seq: i64 = tx
        .prepare_cached("SELECT coalesce(max(seq), 0) + 1 FROM dataset")
        .and_then(|mut st| st.query_row([], |r| r.get(0)))
        .map_err(map_err)?;
    exec(
        tx,
        "INSERT INTO dataset (id, name, org, state, private, revision, seq, modified, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, org = excluded.org, state = excluded.state,
             private = excluded.private, revision = excluded.revision, seq = excluded.seq,
             modified = excluded.modified, body = excluded.body",
        params![s.id, s.name, s.org, s.state, s.private, s.revision, seq, s.modified, s.body],
    )?;
    exec(
        tx,
        "INSERT INTO dataset_version (dataset, revision, at, actor, body) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![s.id, s.revision, s.at, s.actor, s.body],
    )?;
    exec(tx, "DELETE FROM dataset_resource WHERE dataset = ?1", [&s.id])?;
    for r in &s.resources {
        exec(tx, "INSERT INTO dataset_resource (id, dataset) VALUES (?1, ?2)", params![r, s.id])?;
    }
    ledger::append_entry(tx, s.kind, true, &s.entry)?;
    Ok(seq)
}

fn bodies(c: &Connection, sql: &str, values: &[String]) -> rusqlite::Result<Vec<String>> {
    let mut st = c.prepare(sql)?;
    let rows = st.query_map(params_from_iter(values.iter()), |r| r.get(0))?;
    rows.collect()
}

fn placeholders(n: usize) -> String {
    (1..=n).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
}

#[async_trait]
impl OpenDataStore for OpenDataSqlite {
    async fn sync_organizations(&self, orgs: &[Organization]) -> Result<()> {
        let orgs = orgs.to_vec();
        self.db
            .write(move |tx| {
                for o in &orgs {
                    exec(
                        tx,
                        "INSERT INTO data_organization (id, name, title, description, agency) VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT (id) DO UPDATE SET title = excluded.title",
                        params![o.id, o.name, o.title, o.description, o.agency],
                    )?;
                }
                Ok(())
            })
            .await
    }

    async fn organizations(&self) -> Result<Vec<Organization>> {
        self.db
            .read(|c| {
                let mut st = c.prepare_cached("SELECT id, name, title, description, agency FROM data_organization")?;
                let rows = st.query_map([], |r| {
                    Ok(Organization {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        title: r.get(2)?,
                        description: r.get(3)?,
                        agency: r.get(4)?,
                    })
                })?;
                rows.collect()
            })
            .await
    }

    async fn data_groups(&self) -> Result<Vec<Group>> {
        self.db
            .read(|c| {
                let mut st = c.prepare_cached("SELECT id, name, title, description FROM data_group")?;
                let rows = st.query_map([], |r| {
                    Ok(Group { id: r.get(0)?, name: r.get(1)?, title: r.get(2)?, description: r.get(3)? })
                })?;
                rows.collect()
            })
            .await
    }

    async fn put_data_group(&self, g: &Group) -> Result<()> {
        let g = g.clone();
        self.db
            .write(move |tx| {
                exec(
                    tx,
                    "INSERT INTO data_group (id, name, title, description) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, title = excluded.title,
                         description = excluded.description",
                    params![g.id, g.name, g.title, g.description],
                )
                .map(drop)
            })
            .await
    }

    async fn save_dataset(&self, d: &Dataset, expected: Option<i64>, actor: i64, kind: &'static str) -> Result<i64> {
        let s = plan::save(d, actor, kind)?;
        self.db.write(move |tx| write_save(tx, &s, expected)).await
    }

    async fn dataset(&self, id_or_name: &str) -> Result<Option<Dataset>> {
        let key = id_or_name.to_owned();
        let body: Option<String> = self
            .db
            .read(move |c| {
                c.prepare_cached("SELECT body FROM dataset WHERE id = ?1 OR name = ?1")?
                    .query_row([key], |r| r.get(0))
                    .optional()
            })
            .await?;
        body.map(|b| plan::dataset(&b)).transpose()
    }

    async fn datasets(&self, ids: &[String]) -> Result<Vec<Dataset>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(plan::CHUNK) {
            let sql = format!("SELECT body FROM dataset WHERE id IN ({})", placeholders(chunk.len()));
            let values = chunk.to_vec();
            for b in self.db.read(move |c| bodies(c, &sql, &values)).await? {
                out.push(plan::dataset(&b)?);
            }
        }
        Ok(out)
    }

    async fn datasets_changed(&self, after: i64, limit: usize) -> Result<Vec<(i64, Dataset)>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows: Vec<(i64, String)> = self
            .db
            .read(move |c| {
                let mut st = c.prepare_cached("SELECT seq, body FROM dataset WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
                let rows = st.query_map(params![after, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect()
            })
            .await?;
        rows.into_iter().map(|(s, b)| Ok((s, plan::dataset(&b)?))).collect()
    }

    async fn catalogue_seq(&self) -> Result<i64> {
        self.db.read_now(|c| c.prepare_cached("SELECT coalesce(max(seq), 0) FROM dataset")?.query_row([], |r| r.get(0)))
    }

    async fn dataset_versions(&self, id: &str) -> Result<Vec<DatasetVersion>> {
        let id = id.to_owned();
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached(
                    "SELECT revision, at, actor FROM dataset_version WHERE dataset = ?1 ORDER BY revision DESC",
                )?;
                let rows = st
                    .query_map([id], |r| Ok(DatasetVersion { revision: r.get(0)?, at: r.get(1)?, actor: r.get(2)? }))?;
                rows.collect()
            })
            .await
    }

    async fn dataset_version(&self, id: &str, revision: i64) -> Result<Option<Dataset>> {
        let id = id.to_owned();
        let body: Option<String> = self
            .db
            .read(move |c| {
                c.prepare_cached("SELECT body FROM dataset_version WHERE dataset = ?1 AND revision = ?2")?
                    .query_row(params![id, revision], |r| r.get(0))
                    .optional()
            })
            .await?;
        body.map(|b| plan::dataset(&b)).transpose()
    }

    async fn resource_dataset(&self, id: &str) -> Result<Option<String>> {
        let id = id.to_owned();
        self.db
            .read(move |c| {
                c.prepare_cached("SELECT dataset FROM dataset_resource WHERE id = ?1")?
                    .query_row([id], |r| r.get(0))
                    .optional()
            })
            .await
    }

    async fn add_api_token(&self, t: &ApiToken, hash: &[u8]) -> Result<()> {
        let (t, hash) = (t.clone(), hash.to_vec());
        self.db
            .write(move |tx| {
                exec(
                    tx,
                    "INSERT INTO data_api_token (id, account, name, hash, created) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![t.id, t.account.0, t.name, hash, t.created],
                )
                .map(drop)
            })
            .await
    }

    async fn api_token_account(&self, hash: &[u8]) -> Result<Option<AccountId>> {
        let hash = hash.to_vec();
        let found: Option<(String, i64)> = self.db.read_now(|c| {
            c.prepare_cached("SELECT id, account FROM data_api_token WHERE hash = ?1 AND revoked IS NULL")?
                .query_row([&hash], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })?;
        Ok(found.map(|(_, a)| AccountId(a)))
    }

    async fn api_tokens(&self, account: AccountId) -> Result<Vec<ApiToken>> {
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached(
                    "SELECT id, name, created, last_used FROM data_api_token
                     WHERE account = ?1 AND revoked IS NULL ORDER BY created DESC",
                )?;
                let rows = st.query_map([account.0], |r| {
                    Ok(ApiToken { id: r.get(0)?, account, name: r.get(1)?, created: r.get(2)?, last_used: r.get(3)? })
                })?;
                rows.collect()
            })
            .await
    }

    async fn revoke_api_token(&self, account: AccountId, id: &str) -> Result<bool> {
        let id = id.to_owned();
        let now = chrono::Utc::now().to_rfc3339();
        self.db
            .write(move |tx| {
                exec(
                    tx,
                    "UPDATE data_api_token SET revoked = ?3 WHERE id = ?1 AND account = ?2 AND revoked IS NULL",
                    params![id, account.0, now],
                )
                .map(|n| n > 0)
            })
            .await
    }

    async fn add_downloads(&self, counts: &[(String, i64)]) -> Result<()> {
        let counts = counts.to_vec();
        self.db
            .write(move |tx| {
                for (r, n) in &counts {
                    exec(
                        tx,
                        "INSERT INTO resource_download (resource, count) VALUES (?1, ?2)
                         ON CONFLICT (resource) DO UPDATE SET count = count + excluded.count",
                        params![r, n],
                    )?;
                }
                Ok(())
            })
            .await
    }

    async fn harvest_sources(&self) -> Result<Vec<HarvestSource>> {
        let rows: Vec<(String, String, String, i64, String, Option<String>, Option<String>)> = self
            .db
            .read(|c| {
                let mut st = c.prepare_cached(
                    "SELECT id, url, org, every_hours, datasets, last_run, last_result FROM data_harvest_source ORDER BY url",
                )?;
                let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?;
                rows.collect()
            })
            .await?;
        rows.into_iter()
            .map(|(id, url, org, every_hours, datasets, last_run, last_result)| {
                Ok(HarvestSource { id, url, org, every_hours, datasets: from_json(&datasets)?, last_run, last_result })
            })
            .collect()
    }

    async fn put_harvest_source(&self, h: &HarvestSource) -> Result<()> {
        let (h, datasets) = (h.clone(), to_json(&h.datasets)?);
        self.db
            .write(move |tx| {
                exec(
                    tx,
                    "INSERT INTO data_harvest_source (id, url, org, every_hours, datasets, last_run, last_result)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (id) DO UPDATE SET url = excluded.url, org = excluded.org,
                         every_hours = excluded.every_hours, datasets = excluded.datasets,
                         last_run = excluded.last_run, last_result = excluded.last_result",
                    params![h.id, h.url, h.org, h.every_hours, datasets, h.last_run, h.last_result],
                )
                .map(drop)
            })
            .await
    }

    async fn downloads(&self, resources: &[String]) -> Result<Vec<(String, i64)>> {
        let mut out = Vec::new();
        for chunk in resources.chunks(plan::CHUNK) {
            let sql = format!(
                "SELECT resource, count FROM resource_download WHERE resource IN ({})",
                placeholders(chunk.len())
            );
            let values = chunk.to_vec();
            let rows: Vec<(String, i64)> = self
                .db
                .read(move |c| {
                    let mut st = c.prepare(&sql)?;
                    let rows = st.query_map(params_from_iter(values.iter()), |r| Ok((r.get(0)?, r.get(1)?)))?;
                    rows.collect()
                })
                .await?;
            out.extend(rows);
        }
        Ok(out)
    }

    async fn datasets_with_entries(
        &self,
        after: &str,
        limit: usize,
    ) -> Result<Vec<(DatasetRow, Vec<(String, String)>)>> {
        let (a, l) = (after.to_owned(), i64::try_from(limit).unwrap_or(i64::MAX));
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached(
                    "SELECT id, name, org, state, private, revision, modified, body FROM dataset WHERE id > ?1 ORDER BY id LIMIT ?2",
                )?;
                let rows = st
                    .query_map(params![a, l], |r| {
                        Ok(DatasetRow {
                            id: r.get(0)?,
                            name: r.get(1)?,
                            org: r.get(2)?,
                            state: r.get(3)?,
                            private: r.get(4)?,
                            revision: r.get(5)?,
                            modified: r.get(6)?,
                            body: r.get(7)?,
                        })
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                rows.into_iter()
                    .map(|d| {
                        let entries = ledger::entries(c, &plan::subject(&d.id))?
                            .into_iter()
                            .map(|(l, _, _)| (l.lane, l.payload))
                            .collect();
                        Ok((d, entries))
                    })
                    .collect()
            })
            .await
    }
}
