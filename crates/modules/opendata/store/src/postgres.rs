//! `OpenDataStore` on the scale-out engine. Saves of datasets take one transaction-level
//! advisory lock so the catalogue's counter is handed out in commit order: a server catching
//! up from counter `n` never misses a save that commits later with a smaller number.
//! Catalogue edits are rare; dossier and report writes never take this lock.

use crate::plan::{self, Save};
use async_trait::async_trait;
use deadpool_postgres::Transaction;
use std::sync::Arc;
use tinhso_kernel::ids::AccountId;
use tinhso_opendata::{Dataset, Group, Organization};
use tinhso_opendata_port::{ApiToken, DatasetRow, DatasetVersion, HarvestSource, OpenDataStore};
use tinhso_postgres::{ledger, map_err, Cached, PgStore};
use tinhso_store::codec::{from_json, to_json};
use tinhso_store::migrate::{Migration, Migrations};
use tinhso_store::{Result, StoreError};

pub const MIGRATIONS: Migrations = Migrations {
    module: crate::MODULE,
    steps: &[
        Migration { version: 1, name: "opendata", sql: include_str!("../migrations/postgres/0001_opendata.sql") },
        Migration { version: 2, name: "datastore", sql: include_str!("../migrations/postgres/0002_datastore.sql") },
        Migration { version: 3, name: "harvest", sql: include_str!("../migrations/postgres/0003_harvest.sql") },
    ],
};

/// The advisory lock key of catalogue saves ("opendata" in ASCII, as a number).
const CATALOGUE_LOCK: i64 = 0x6f70_656e_6461_7461;

pub struct OpenDataPg {
    db: Arc<PgStore>,
}

impl OpenDataPg {
    pub fn new(db: Arc<PgStore>) -> Self {
        Self { db }
    }
}

async fn write_save(tx: &Transaction<'_>, s: &Save, expected: Option<i64>) -> Result<i64> {
    tx.execute_cached("SELECT pg_advisory_xact_lock($1)", &[&CATALOGUE_LOCK]).await.map_err(map_err)?;
    let stored: Option<i64> = tx
        .query_opt_cached("SELECT revision FROM dataset WHERE id = $1 FOR UPDATE", &[&s.id])
        .await
        .map_err(map_err)?
        .map(|r| r.get(0));
    if stored != expected {
        return Err(StoreError::Conflict(format!("dataset {} is at revision {stored:?}, not {expected:?}", s.id)));
    }
    let seq: i64 =
        tx.query_one_cached("SELECT coalesce(max(seq), 0) + 1 FROM dataset", &[]).await.map_err(map_err)?.get(0);
    tx.execute_cached(
        "INSERT INTO dataset (id, name, org, state, private, revision, seq, modified, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, org = excluded.org, state = excluded.state,
             private = excluded.private, revision = excluded.revision, seq = excluded.seq,
             modified = excluded.modified, body = excluded.body",
        &[&s.id, &s.name, &s.org, &s.state, &s.private, &s.revision, &seq, &s.modified, &s.body],
    )
    .await
    .map_err(map_err)?;
    tx.execute_cached(
        "INSERT INTO dataset_version (dataset, revision, at, actor, body) VALUES ($1, $2, $3, $4, $5)",
        &[&s.id, &s.revision, &s.at, &s.actor, &s.body],
    )
    .await
    .map_err(map_err)?;
    tx.execute_cached("DELETE FROM dataset_resource WHERE dataset = $1", &[&s.id]).await.map_err(map_err)?;
    if !s.resources.is_empty() {
        tx.execute_cached(
            "INSERT INTO dataset_resource (id, dataset) SELECT unnest($1::text[]), $2",
            &[&s.resources, &s.id],
        )
        .await
        .map_err(map_err)?;
    }
    ledger::append_entry(tx, s.kind, true, &s.entry).await?;
    Ok(seq)
}

#[async_trait]
impl OpenDataStore for OpenDataPg {
    async fn sync_organizations(&self, orgs: &[Organization]) -> Result<()> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        for o in orgs {
            tx.execute_cached(
                "INSERT INTO data_organization (id, name, title, description, agency) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (id) DO UPDATE SET title = excluded.title",
                &[&o.id, &o.name, &o.title, &o.description, &o.agency],
            )
            .await
            .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn organizations(&self) -> Result<Vec<Organization>> {
        let client = self.db.client().await?;
        let rows = client
            .query_cached("SELECT id, name, title, description, agency FROM data_organization", &[])
            .await
            .map_err(map_err)?;
        Ok(rows
            .iter()
            .map(|r| Organization {
                id: r.get(0),
                name: r.get(1),
                title: r.get(2),
                description: r.get(3),
                agency: r.get(4),
            })
            .collect())
    }

    async fn data_groups(&self) -> Result<Vec<Group>> {
        let client = self.db.client().await?;
        let rows =
            client.query_cached("SELECT id, name, title, description FROM data_group", &[]).await.map_err(map_err)?;
        Ok(rows
            .iter()
            .map(|r| Group { id: r.get(0), name: r.get(1), title: r.get(2), description: r.get(3) })
            .collect())
    }

    async fn put_data_group(&self, g: &Group) -> Result<()> {
        let client = self.db.client().await?;
        client
            .execute_cached(
                "INSERT INTO data_group (id, name, title, description) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, title = excluded.title,
                     description = excluded.description",
                &[&g.id, &g.name, &g.title, &g.description],
            )
            .await
            .map_err(map_err)
            .map(drop)
    }

    async fn save_dataset(&self, d: &Dataset, expected: Option<i64>, actor: i64, kind: &'static str) -> Result<i64> {
        let s = plan::save(d, actor, kind)?;
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let seq = write_save(&tx, &s, expected).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(seq)
    }

    async fn dataset(&self, id_or_name: &str) -> Result<Option<Dataset>> {
        let client = self.db.client().await?;
        let row = client
            .query_opt_cached("SELECT body FROM dataset WHERE id = $1 OR name = $1", &[&id_or_name])
            .await
            .map_err(map_err)?;
        row.map(|r| plan::dataset(r.get(0))).transpose()
    }

    async fn datasets(&self, ids: &[String]) -> Result<Vec<Dataset>> {
        let client = self.db.client().await?;
        let rows =
            client.query_cached("SELECT body FROM dataset WHERE id = ANY($1)", &[&ids]).await.map_err(map_err)?;
        rows.iter().map(|r| plan::dataset(r.get(0))).collect()
    }

    async fn datasets_changed(&self, after: i64, limit: usize) -> Result<Vec<(i64, Dataset)>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let client = self.db.client().await?;
        let rows = client
            .query_cached("SELECT seq, body FROM dataset WHERE seq > $1 ORDER BY seq LIMIT $2", &[&after, &limit])
            .await
            .map_err(map_err)?;
        rows.iter().map(|r| Ok((r.get(0), plan::dataset(r.get(1))?))).collect()
    }

    async fn catalogue_seq(&self) -> Result<i64> {
        let client = self.db.client().await?;
        Ok(client.query_one_cached("SELECT coalesce(max(seq), 0) FROM dataset", &[]).await.map_err(map_err)?.get(0))
    }

    async fn dataset_versions(&self, id: &str) -> Result<Vec<DatasetVersion>> {
        let client = self.db.client().await?;
        let rows = client
            .query_cached(
                "SELECT revision, at, actor FROM dataset_version WHERE dataset = $1 ORDER BY revision DESC",
                &[&id],
            )
            .await
            .map_err(map_err)?;
        Ok(rows.iter().map(|r| DatasetVersion { revision: r.get(0), at: r.get(1), actor: r.get(2) }).collect())
    }

    async fn dataset_version(&self, id: &str, revision: i64) -> Result<Option<Dataset>> {
        let client = self.db.client().await?;
        let row = client
            .query_opt_cached(
                "SELECT body FROM dataset_version WHERE dataset = $1 AND revision = $2",
                &[&id, &revision],
            )
            .await
            .map_err(map_err)?;
        row.map(|r| plan::dataset(r.get(0))).transpose()
    }

    async fn resource_dataset(&self, id: &str) -> Result<Option<String>> {
        let client = self.db.client().await?;
        let row = client
            .query_opt_cached("SELECT dataset FROM dataset_resource WHERE id = $1", &[&id])
            .await
            .map_err(map_err)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn add_api_token(&self, t: &ApiToken, hash: &[u8]) -> Result<()> {
        let client = self.db.client().await?;
        client
            .execute_cached(
                "INSERT INTO data_api_token (id, account, name, hash, created) VALUES ($1, $2, $3, $4, $5)",
                &[&t.id, &t.account.0, &t.name, &hash, &t.created],
            )
            .await
            .map_err(map_err)
            .map(drop)
    }

    async fn api_token_account(&self, hash: &[u8]) -> Result<Option<AccountId>> {
        let client = self.db.client().await?;
        let row = client
            .query_opt_cached("SELECT account FROM data_api_token WHERE hash = $1 AND revoked IS NULL", &[&hash])
            .await
            .map_err(map_err)?;
        Ok(row.map(|r| AccountId(r.get(0))))
    }

    async fn api_tokens(&self, account: AccountId) -> Result<Vec<ApiToken>> {
        let client = self.db.client().await?;
        let rows = client
            .query_cached(
                "SELECT id, name, created, last_used FROM data_api_token
                 WHERE account = $1 AND revoked IS NULL ORDER BY created DESC",
                &[&account.0],
            )
            .await
            .map_err(map_err)?;
        Ok(rows
            .iter()
            .map(|r| ApiToken { id: r.get(0), account, name: r.get(1), created: r.get(2), last_used: r.get(3) })
            .collect())
    }

    async fn revoke_api_token(&self, account: AccountId, id: &str) -> Result<bool> {
        let client = self.db.client().await?;
        let now = chrono::Utc::now().to_rfc3339();
        let n = client
            .execute_cached(
                "UPDATE data_api_token SET revoked = $3 WHERE id = $1 AND account = $2 AND revoked IS NULL",
                &[&id, &account.0, &now],
            )
            .await
            .map_err(map_err)?;
        Ok(n > 0)
    }

    async fn add_downloads(&self, counts: &[(String, i64)]) -> Result<()> {
        let (ids, ns): (Vec<String>, Vec<i64>) = counts.iter().cloned().unzip();
        let client = self.db.client().await?;
        client
            .execute_cached(
                "INSERT INTO resource_download (resource, count) SELECT * FROM unnest($1::text[], $2::bigint[])
                 ON CONFLICT (resource) DO UPDATE SET count = resource_download.count + excluded.count",
                &[&ids, &ns],
            )
            .await
            .map_err(map_err)
            .map(drop)
    }

    async fn harvest_sources(&self) -> Result<Vec<HarvestSource>> {
        let client = self.db.client().await?;
        let rows = client
            .query_cached(
                "SELECT id, url, org, every_hours, datasets, last_run, last_result FROM data_harvest_source ORDER BY url",
                &[],
            )
            .await
            .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(HarvestSource {
                    id: r.get(0),
                    url: r.get(1),
                    org: r.get(2),
                    every_hours: r.get(3),
                    datasets: from_json(r.get(4))?,
                    last_run: r.get(5),
                    last_result: r.get(6),
                })
            })
            .collect()
    }

    async fn put_harvest_source(&self, h: &HarvestSource) -> Result<()> {
        let datasets = to_json(&h.datasets)?;
        let client = self.db.client().await?;
        client
            .execute_cached(
                "INSERT INTO data_harvest_source (id, url, org, every_hours, datasets, last_run, last_result)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (id) DO UPDATE SET url = excluded.url, org = excluded.org,
                     every_hours = excluded.every_hours, datasets = excluded.datasets,
                     last_run = excluded.last_run, last_result = excluded.last_result",
                &[&h.id, &h.url, &h.org, &h.every_hours, &datasets, &h.last_run, &h.last_result],
            )
            .await
            .map_err(map_err)
            .map(drop)
    }

    async fn downloads(&self, resources: &[String]) -> Result<Vec<(String, i64)>> {
        let client = self.db.client().await?;
        let rows = client
            .query_cached("SELECT resource, count FROM resource_download WHERE resource = ANY($1)", &[&resources])
            .await
            .map_err(map_err)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn datasets_with_entries(
        &self,
        after: &str,
        limit: usize,
    ) -> Result<Vec<(DatasetRow, Vec<(String, String)>)>> {
        let client = self.db.client().await?;
        let l = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = client
            .query_cached(
                "SELECT id, name, org, state, private, revision, modified, body FROM dataset WHERE id > $1 ORDER BY id LIMIT $2",
                &[&after, &l],
            )
            .await
            .map_err(map_err)?;
        let datasets: Vec<DatasetRow> = rows
            .iter()
            .map(|r| DatasetRow {
                id: r.get(0),
                name: r.get(1),
                org: r.get(2),
                state: r.get(3),
                private: r.get(4),
                revision: r.get(5),
                modified: r.get(6),
                body: r.get(7),
            })
            .collect();
        let subjects: Vec<String> = datasets.iter().map(|d| plan::subject(&d.id)).collect();
        Ok(datasets.into_iter().zip(ledger::lanes_and_payloads(&client, &subjects).await?).collect())
    }
}
