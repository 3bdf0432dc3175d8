//! `ReportStore` on the scale-out engine. A write locks its report's row (`FOR UPDATE`) and its
//! ledger lane's head until commit; reports of different communes never wait for each other.

use crate::plan::{self, Row, Value};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use deadpool_postgres::Transaction;
use std::sync::Arc;
use tinhso_kernel::ids::{AccountId, AgencyCode};
use tinhso_postgres::{ledger, map_err, outbox, Cached, PgStore};
use tinhso_reports::routing::Route;
use tinhso_reports::{Category, Event, Report};
use tinhso_store::admin::{self, AdminAct, AdminChange, Basis};
use tinhso_store::codec::from_json;
use tinhso_store::migrate::{Migration, Migrations};
use tinhso_store::{
    Notification, ReportAudience, ReportQuery, ReportStat, ReportStore, Result, StoreError, StoredReport,
    StoredReportEvent,
};
use tokio_postgres::types::ToSql;

/// The module's tables on PostgreSQL, oldest first.
pub const MIGRATIONS: Migrations = Migrations {
    module: crate::MODULE,
    steps: &[
        Migration { version: 1, name: "reports", sql: include_str!("../migrations/postgres/0001_reports.sql") },
        Migration {
            version: 2,
            name: "follower_account",
            sql: include_str!("../migrations/postgres/0002_follower_account.sql"),
        },
    ],
};

pub struct ReportsPg {
    db: Arc<PgStore>,
}

impl ReportsPg {
    pub fn new(db: Arc<PgStore>) -> Self {
        Self { db }
    }
}

fn ph(n: usize) -> String {
    format!("${n}")
}

/// The bound values as PostgreSQL parameters.
fn params(values: &[Value]) -> Vec<Box<dyn ToSql + Sync + Send>> {
    values
        .iter()
        .map(|v| -> Box<dyn ToSql + Sync + Send> {
            match v {
                Value::Text(s) => Box::new(s.clone()),
                Value::Int(i) => Box::new(*i),
                Value::Real(f) => Box::new(*f),
            }
        })
        .collect()
}

async fn put_row(tx: &Transaction<'_>, r: &Row) -> Result<()> {
    tx.execute_cached(
        "INSERT INTO report (id, lane, kind, category, commune, agency, state, is_open, lat, lon, search, received_at,
                             handle_due, client_token, version, body, handled_on)
         VALUES ($1, $2, $16, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $17)
         ON CONFLICT (id) DO UPDATE SET category = excluded.category, commune = excluded.commune,
             agency = excluded.agency, state = excluded.state, is_open = excluded.is_open, lat = excluded.lat,
             lon = excluded.lon, search = excluded.search, handle_due = excluded.handle_due,
             version = excluded.version, body = excluded.body, handled_on = excluded.handled_on",
        &[
            &r.id,
            &r.lane,
            &r.category,
            &r.commune,
            &r.agency,
            &r.state,
            &r.is_open,
            &r.lat,
            &r.lon,
            &r.search,
            &r.received_at,
            &r.handle_due,
            &r.client_token,
            &r.version,
            &r.body,
            &r.kind,
            &r.handled_on,
        ],
    )
    .await
    .map_err(map_err)
    .map(drop)
}

async fn append(tx: &Transaction<'_>, id: i64, lane: &str, events: &[Event]) -> Result<()> {
    for (kind, public, link) in plan::entries(id, lane, events)? {
        ledger::append_entry(tx, kind, public, &link).await?;
    }
    Ok(())
}

/// The advisory lock the categories' and routing table's saves take first, so that two at
/// once see each other's and a [`Basis`] check cannot miss one.
const ADMIN_LOCK: i64 = 0x5250_5254_4144_4d4e; // "RPRTADMN"

const CATEGORIES: &str = "SELECT code, name, name_en, public_service, active FROM report_category";

fn category(r: &tokio_postgres::Row) -> Category {
    Category { code: r.get(0), name: r.get(1), name_en: r.get(2), public_service: r.get(3), active: r.get(4) }
}

/// The routing table as [`ReportStore::report_routes`] reads it.
async fn routes_in(c: &impl deadpool_postgres::GenericClient) -> Result<Vec<Route>> {
    let rows = c
        .query("SELECT category, commune, agency FROM report_route ORDER BY category, commune", &[])
        .await
        .map_err(map_err)?;
    rows.iter()
        .map(|r| {
            let agency: String = r.get(2);
            let commune: Option<i64> = r.get(1);
            Ok(Route {
                category: r.get(0),
                commune: commune.and_then(|c| u32::try_from(c).ok()),
                agency: AgencyCode::parse("agency", &agency)
                    .map_err(|_| StoreError::Corrupt(format!("routing agency {agency}")))?,
            })
        })
        .collect()
}

#[async_trait]
impl ReportStore for ReportsPg {
    async fn create_report(&self, first: &Event) -> Result<Report> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let id: i64 = tx.query_one_cached("SELECT nextval('report_id')", &[]).await.map_err(map_err)?.get(0);
        let r = plan::fold(None, id, std::slice::from_ref(first))?;
        let row = plan::row(&r)?;
        put_row(&tx, &row).await?;
        append(&tx, id, &row.lane, std::slice::from_ref(first)).await?;
        if let Some(a) = r.reporter {
            tx.execute_cached(
                "INSERT INTO report_follower (report, account) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&id, &a],
            )
            .await
            .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(r)
    }

    async fn record_report_events(
        &self,
        id: i64,
        version: i64,
        events: &[Event],
        notify: &[Notification],
    ) -> Result<Report> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let row = tx
            .query_opt_cached("SELECT lane, body FROM report WHERE id = $1 FOR UPDATE", &[&id])
            .await
            .map_err(map_err)?
            .ok_or_else(|| StoreError::Conflict(format!("no report {id}")))?;
        let (lane, body): (String, String) = (row.get(0), row.get(1));
        let r: Report = from_json(&body)?;
        if r.version != version {
            return Err(StoreError::Conflict(format!("report {id} changed (version {})", r.version)));
        }
        let r = plan::fold(Some(r), id, events)?;
        let mut row = plan::row(&r)?;
        row.lane = lane;
        put_row(&tx, &row).await?;
        append(&tx, id, &row.lane, events).await?;
        for n in notify {
            outbox::enqueue(&tx, n, None, None).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(r)
    }

    async fn report(&self, id: i64) -> Result<Option<Report>> {
        let client = self.db.client().await?;
        let row = client.query_opt_cached("SELECT body FROM report WHERE id = $1", &[&id]).await.map_err(map_err)?;
        row.map(|r| from_json(&r.get::<_, String>(0))).transpose()
    }

    async fn report_by_token(&self, token: &str) -> Result<Option<i64>> {
        let client = self.db.client().await?;
        let row = client
            .query_opt_cached("SELECT id FROM report WHERE client_token = $1", &[&token])
            .await
            .map_err(map_err)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn report_history(&self, id: i64) -> Result<Vec<StoredReportEvent>> {
        let client = self.db.client().await?;
        let entries = ledger::entries(&client, &plan::subject(id)).await?;
        entries.iter().map(|(link, _, public)| plan::stored_event(link, *public)).collect()
    }

    async fn reports(&self, q: &ReportQuery) -> Result<Vec<Report>> {
        let (clause, values) = plan::filter(q, ph, "is_open");
        let sql =
            format!("SELECT body FROM report WHERE {clause} ORDER BY {} LIMIT {}", plan::order(q), plan::limit(q));
        let client = self.db.client().await?;
        let boxed = params(&values);
        let refs: Vec<&(dyn ToSql + Sync)> = boxed.iter().map(|b| b.as_ref() as &(dyn ToSql + Sync)).collect();
        let rows = client.query(&sql, &refs).await.map_err(map_err)?;
        rows.iter().map(|r| from_json(&r.get::<_, String>(0))).collect()
    }

    async fn report_count(&self, q: &ReportQuery) -> Result<i64> {
        let (clause, values) = plan::filter(q, ph, "is_open");
        let sql = format!("SELECT count(*) FROM report WHERE {clause}");
        let client = self.db.client().await?;
        let boxed = params(&values);
        let refs: Vec<&(dyn ToSql + Sync)> = boxed.iter().map(|b| b.as_ref() as &(dyn ToSql + Sync)).collect();
        Ok(client.query_one(&sql, &refs).await.map_err(map_err)?.get(0))
    }

    async fn report_stats(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<Vec<ReportStat>> {
        let client = self.db.client().await?;
        let rows = client
            .query(
                "SELECT category, commune, agency, count(*), sum(CASE WHEN is_open THEN 1 ELSE 0 END),
                        sum(CASE WHEN is_open AND handle_due < $3 THEN 1 ELSE 0 END),
                        sum(CASE WHEN handled_on IS NOT NULL THEN 1 ELSE 0 END),
                        sum(CASE WHEN handled_on IS NOT NULL AND handled_on <= handle_due THEN 1 ELSE 0 END)
                 FROM report WHERE received_at >= $1 AND received_at < $2 AND state <> 'duplicate'
                 GROUP BY category, commune, agency",
                &[&plan::micros(since), &plan::micros(until), &today.to_string()],
            )
            .await
            .map_err(map_err)?;
        Ok(rows
            .iter()
            .map(|r| ReportStat {
                category: r.get(0),
                commune: r.get::<_, Option<i64>>(1).and_then(|c| u32::try_from(c).ok()),
                agency: r.get(2),
                total: r.get(3),
                open: r.get(4),
                overdue: r.get(5),
                handled: r.get(6),
                on_time: r.get(7),
            })
            .collect())
    }

    async fn service_feedback(&self, since: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<Report>> {
        let client = self.db.client().await?;
        let rows = client
            .query(
                "SELECT body FROM report WHERE kind = 'service' AND received_at >= $1 AND received_at < $2 ORDER BY id",
                &[&plan::micros(since), &plan::micros(until)],
            )
            .await
            .map_err(map_err)?;
        rows.iter().map(|r| from_json(&r.get::<_, String>(0))).collect()
    }

    async fn report_rows_with_history(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(StoredReport, Vec<StoredReportEvent>)>> {
        let client = self.db.client().await?;
        let rows = client
            .query(
                &format!("SELECT {} FROM report WHERE id > $1 ORDER BY id LIMIT $2", plan::STORED_COLUMNS),
                &[&after, &(limit as i64)],
            )
            .await
            .map_err(map_err)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let row = StoredReport {
                id: r.get(0),
                lane: r.get(1),
                kind: r.get(2),
                category: r.get(3),
                commune: r.get(4),
                agency: r.get(5),
                state: r.get(6),
                is_open: r.get(7),
                lat: r.get(8),
                lon: r.get(9),
                received_at: r.get(10),
                handle_due: r.get(11),
                handled_on: r.get(12),
                version: r.get(13),
                body: r.get(14),
            };
            let history = ledger::entries(&client, &plan::subject(row.id))
                .await?
                .iter()
                .map(|(l, _, public)| plan::stored_event(l, *public))
                .collect::<Result<Vec<_>>>()?;
            out.push((row, history));
        }
        Ok(out)
    }

    async fn report_categories(&self) -> Result<Vec<Category>> {
        let client = self.db.client().await?;
        let rows = client.query(&format!("{CATEGORIES} ORDER BY position, code"), &[]).await.map_err(map_err)?;
        Ok(rows.iter().map(category).collect())
    }

    async fn put_report_category(&self, c: &Category, basis: &Basis, by: &AdminAct) -> Result<()> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&ADMIN_LOCK]).await.map_err(map_err)?;
        let stored = tx.query_opt(&format!("{CATEGORIES} WHERE code = $1"), &[&c.code]).await.map_err(map_err)?;
        basis.admits(&format!("report category {}", c.code), stored.as_ref().map(category).as_ref())?;
        tx.execute(
            "INSERT INTO report_category (code, name, name_en, public_service, active, position)
             VALUES ($1, $2, $3, $4, $5, (SELECT coalesce(max(position), 0) + 1 FROM report_category))
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en,
                 public_service = excluded.public_service, active = excluded.active",
            &[&c.code, &c.name, &c.name_en, &c.public_service, &c.active],
        )
        .await
        .map_err(map_err)?;
        let change = AdminChange::category_saved(c)?;
        ledger::append_admin(&tx, &change, by).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn report_routes(&self) -> Result<Vec<Route>> {
        routes_in(&self.db.client().await?).await
    }

    async fn set_report_routes(&self, routes: &[Route], basis: &Basis, by: &AdminAct) -> Result<()> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&ADMIN_LOCK]).await.map_err(map_err)?;
        basis.admits("the report routing table", Some(&routes_in(&tx).await?))?;
        tx.execute("DELETE FROM report_route", &[]).await.map_err(map_err)?;
        for r in routes {
            tx.execute(
                "INSERT INTO report_route (category, commune, agency) VALUES ($1, $2, $3)",
                &[&r.category, &r.commune.map(i64::from), &r.agency.to_string()],
            )
            .await
            .map_err(map_err)?;
        }
        ledger::append_admin(&tx, &admin::routes_change(routes), by).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn add_open311_key(&self, name: &str, hash: &[u8], by: &AdminAct) -> Result<()> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        tx.execute(
            "INSERT INTO open311_key (hash, name, created_at) VALUES ($1, $2, $3)",
            &[&hash, &name, &chrono::Utc::now().to_rfc3339()],
        )
        .await
        .map_err(map_err)?;
        ledger::append_admin(&tx, &AdminChange::open311_key_issued(name, hash), by).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn open311_keys(&self) -> Result<Vec<tinhso_store::settings::Open311Key>> {
        let client = self.db.client().await?;
        let rows = client
            .query("SELECT name, hash, revoked_at IS NOT NULL FROM open311_key ORDER BY name", &[])
            .await
            .map_err(map_err)?;
        Ok(rows
            .iter()
            .map(|r| tinhso_store::settings::Open311Key { client: r.get(0), hash: r.get(1), revoked: r.get(2) })
            .collect())
    }

    async fn open311_client(&self, hash: &[u8]) -> Result<Option<String>> {
        let client = self.db.client().await?;
        let row = client
            .query_opt_cached("SELECT name FROM open311_key WHERE hash = $1 AND revoked_at IS NULL", &[&hash])
            .await
            .map_err(map_err)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn revoke_open311_keys(&self, name: &str, by: &AdminAct) -> Result<u64> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let count = tx
            .execute(
                "UPDATE open311_key SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL",
                &[&name, &chrono::Utc::now().to_rfc3339()],
            )
            .await
            .map_err(map_err)?;
        if count > 0 {
            let change = AdminChange::Open311KeysRevoked { client: name.to_owned(), count };
            ledger::append_admin(&tx, &change, by).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(count)
    }

    async fn set_commune_boundaries(&self, b: &[(u32, tinhso_reports::geo::Territory)], by: &AdminAct) -> Result<()> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        tx.execute("DELETE FROM commune_boundary", &[]).await.map_err(map_err)?;
        for (code, t) in b {
            tx.execute(
                "INSERT INTO commune_boundary (code, territory) VALUES ($1, $2)",
                &[&i64::from(*code), &tinhso_store::codec::to_json(t)?],
            )
            .await
            .map_err(map_err)?;
        }
        tx.execute("UPDATE commune_boundary_version SET version = version + 1", &[]).await.map_err(map_err)?;
        ledger::append_admin(&tx, &AdminChange::boundaries_set(b)?, by).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn commune_boundaries(&self) -> Result<Vec<(u32, tinhso_reports::geo::Territory)>> {
        let client = self.db.client().await?;
        let rows =
            client.query("SELECT code, territory FROM commune_boundary ORDER BY code", &[]).await.map_err(map_err)?;
        rows.iter()
            .map(|r| {
                let code: i64 = r.get(0);
                let code = u32::try_from(code).map_err(|_| StoreError::Corrupt(format!("commune code {code}")))?;
                Ok((code, from_json(&r.get::<_, String>(1))?))
            })
            .collect()
    }

    async fn commune_boundaries_version(&self) -> Result<i64> {
        let client = self.db.client().await?;
        let row =
            client.query_one_cached("SELECT version FROM commune_boundary_version", &[]).await.map_err(map_err)?;
        Ok(row.get(0))
    }
}

#[async_trait]
impl ReportAudience for ReportsPg {
    async fn follow_report(&self, id: i64, account: AccountId) -> Result<()> {
        let client = self.db.client().await?;
        client
            .execute_cached(
                "INSERT INTO report_follower (report, account) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&id, &account],
            )
            .await
            .map_err(map_err)
            .map(drop)
    }

    async fn report_followers(&self, id: i64) -> Result<Vec<AccountId>> {
        let client = self.db.client().await?;
        let rows = client
            .query_cached("SELECT account FROM report_follower WHERE report = $1 ORDER BY account", &[&id])
            .await
            .map_err(map_err)?;
        Ok(rows.iter().map(|r| AccountId(r.get(0))).collect())
    }

    async fn followed_reports(&self, account: AccountId) -> Result<Vec<i64>> {
        let client = self.db.client().await?;
        let rows = client
            .query_cached("SELECT report FROM report_follower WHERE account = $1 ORDER BY report DESC", &[&account])
            .await
            .map_err(map_err)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    async fn subscribe_commune(&self, commune: u32, account: AccountId, on: bool) -> Result<()> {
        let client = self.db.client().await?;
        let sql = if on {
            "INSERT INTO report_subscription (commune, account) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM report_subscription WHERE commune = $1 AND account = $2"
        };
        client.execute(sql, &[&i64::from(commune), &account]).await.map_err(map_err).map(drop)
    }

    async fn commune_subscribers(&self, commune: u32) -> Result<Vec<AccountId>> {
        let client = self.db.client().await?;
        let rows = client
            .query_cached(
                "SELECT account FROM report_subscription WHERE commune = $1 ORDER BY account",
                &[&i64::from(commune)],
            )
            .await
            .map_err(map_err)?;
        Ok(rows.iter().map(|r| AccountId(r.get(0))).collect())
    }
}
