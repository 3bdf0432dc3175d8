//! Dossier writes and reads.

use crate::map_err;
use deadpool_postgres::Transaction;
use std::collections::BTreeMap;
use tinhso_domain::dossier::chain::{self, Hash, Link};
use tinhso_domain::dossier::code::dossier_code;
use tinhso_domain::dossier::deadline::local_date;
use tinhso_domain::dossier::{apply, tally, Dossier, Event, EventKind};
use tinhso_domain::ioc;
use tinhso_store::codec::to_json;
use tinhso_store::{chain_link, Attachment, Grain, NewDossier, Notification, Result, StoreError, CHECKPOINT_EVERY};
use tokio_postgres::Row;

/// Appends one event to the chain. The head row is locked until commit, so concurrent
/// servers append one at a time and ids stay gap-free.
async fn chain_append(tx: &Transaction<'_>, code: &str, event: &Event) -> Result<i64> {
    let head =
        tx.query_one("SELECT last_id, hash FROM chain_head WHERE one = 1 FOR UPDATE", &[]).await.map_err(map_err)?;
    let last: i64 = head.get(0);
    let prev: Hash =
        head.get::<_, Vec<u8>>(1).as_slice().try_into().map_err(|_| StoreError::Corrupt("chain head hash".into()))?;
    let id = last + 1;
    let link = chain_link(id, code, event)?;
    let hash = chain::hash(&prev, &link).to_vec();
    tx.execute(
        "INSERT INTO dossier_event (id, dossier_code, at, actor, kind, public, payload, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[&id, &code, &link.at, &link.actor, &event.kind.key(), &event.kind.is_public(), &link.payload, &hash],
    )
    .await
    .map_err(map_err)?;
    tx.execute("UPDATE chain_head SET last_id = $1, hash = $2 WHERE one = 1", &[&id, &hash]).await.map_err(map_err)?;
    if id % CHECKPOINT_EVERY == 0 {
        tx.execute("INSERT INTO chain_checkpoint (event_id, hash, created_at) VALUES ($1, $2, now())", &[&id, &hash])
            .await
            .map_err(map_err)?;
    }
    Ok(id)
}

async fn notify(tx: &Transaction<'_>, code: &str, event_id: i64, notes: &[Notification]) -> Result<()> {
    for n in notes.iter().map(|n| n.for_code(code)) {
        tx.execute(
            "INSERT INTO outbox (account_id, dossier_code, event_id, subject, body, created_at) VALUES ($1, $2, $3, $4, $5, now())",
            &[&n.account_id, &code, &event_id, &n.subject, &n.body],
        )
        .await
        .map_err(map_err)?;
    }
    Ok(())
}

async fn attach(tx: &Transaction<'_>, code: &str, files: &[Attachment]) -> Result<()> {
    for f in files {
        tx.execute(
            "INSERT INTO dossier_file (dossier_code, sha256, name, purpose, component, created_at) VALUES ($1, $2, $3, $4, $5, now())",
            &[&code, &f.sha256, &f.name, &f.purpose.key(), &f.component.map(i32::from)],
        )
        .await
        .map_err(map_err)?;
    }
    Ok(())
}

pub async fn submit(tx: &Transaction<'_>, new: &NewDossier) -> Result<Dossier> {
    let EventKind::Submitted { receiving_agency, .. } = &new.submitted.kind else {
        return Err(StoreError::Corrupt("a dossier starts with a Submitted event".into()));
    };
    let day = local_date(new.submitted.at);
    let row = tx
        .query_one(
            "INSERT INTO dossier_sequence (agency, day, last) VALUES ($1, $2, 1)
             ON CONFLICT (agency, day) DO UPDATE SET last = dossier_sequence.last + 1 RETURNING last",
            &[&receiving_agency.as_str(), &day],
        )
        .await
        .map_err(map_err)?;
    let seq = u32::try_from(row.get::<_, i32>(0)).unwrap_or(0);
    let code = dossier_code(receiving_agency, day, seq)
        .ok_or_else(|| StoreError::DailyCodesExhausted(format!("{receiving_agency} on {day}")))?;
    let dossier = apply(None, &code, &new.submitted).ok_or_else(|| StoreError::Corrupt("submitted event".into()))?;
    tx.execute(
        "INSERT INTO dossier (code, procedure_code, applicant_id, applicant_phone, receiving_agency, competent_agency,
                              state, due_on, submitted_at, version, body, form)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::text::jsonb, $12::text::jsonb)",
        &[
            &code,
            &dossier.procedure.as_str(),
            &dossier.applicant,
            &new.applicant_phone,
            &dossier.receiving_agency.as_str(),
            &dossier.competent_agency.as_str(),
            &dossier.state.key(),
            &dossier.due_on,
            &new.submitted.at,
            &(dossier.version as i32),
            &to_json(&dossier)?,
            &to_json(&new.form)?,
        ],
    )
    .await
    .map_err(map_err)?;
    attach(tx, &code, &new.files).await?;
    let id = chain_append(tx, &code, &new.submitted).await?;
    notify(tx, &code, id, &new.notify).await?;
    apply_counts(tx, None, &dossier).await?;
    Ok(dossier)
}

/// Everything counted about dossiers, moved from `before` to `after`: the operations centre's
/// aggregates and the staff inboxes' counters.
pub async fn apply_counts(tx: &Transaction<'_>, before: Option<&Dossier>, after: &Dossier) -> Result<()> {
    let (delta, membership) = ioc::change(before, after);
    apply_facts(tx, &delta).await?;
    apply_members(tx, &after.code, &membership).await?;
    apply_tally(tx, &tally::delta(before, after)).await
}

/// Moves the dossier between the counters it is behind (the drill-down's index). Rows are the
/// dossier's own, so concurrent transactions never wait on each other here.
async fn apply_members(tx: &Transaction<'_>, code: &str, m: &ioc::Membership) -> Result<()> {
    fn columns(keys: &[ioc::FactKey]) -> (Vec<&str>, Vec<&'static str>, Vec<chrono::NaiveDate>) {
        let agencies = keys.iter().map(|k| k.agency.as_str()).collect();
        let measures = keys.iter().map(|k| k.measure.key()).collect();
        (agencies, measures, keys.iter().map(|k| k.day).collect())
    }
    if !m.left.is_empty() {
        let (a, ms, d) = columns(&m.left);
        tx.execute(
            "DELETE FROM ioc_member t USING unnest($1::text[], $2::text[], $3::date[]) AS u(agency, measure, day)
             WHERE t.agency = u.agency AND t.measure = u.measure AND t.day = u.day AND t.code = $4",
            &[&a, &ms, &d, &code],
        )
        .await
        .map_err(map_err)?;
    }
    if !m.joined.is_empty() {
        let (a, ms, d) = columns(&m.joined);
        tx.execute(
            "INSERT INTO ioc_member (agency, measure, day, code)
             SELECT agency, measure, day, $4 FROM unnest($1::text[], $2::text[], $3::date[]) AS u(agency, measure, day)",
            &[&a, &ms, &d, &code],
        )
        .await
        .map_err(map_err)?;
    }
    Ok(())
}

/// Migration 11's Rust step: `ioc_member` filled from the dossiers already stored, a page at
/// a time so that memory stays flat.
pub async fn members_of_stored_dossiers(tx: &Transaction<'_>) -> Result<()> {
    let mut after = String::new();
    loop {
        let rows = tx
            .query("SELECT code, body::text FROM dossier WHERE code > $1 ORDER BY code LIMIT 5000", &[&after])
            .await
            .map_err(map_err)?;
        let Some(last) = rows.last() else { return Ok(()) };
        after = last.get(0);
        for r in &rows {
            let d: Dossier = tinhso_store::codec::from_json(r.get::<_, &str>(1))?;
            apply_members(tx, r.get(0), &ioc::membership(None, &d)).await?;
        }
    }
}

/// Adds inbox counter deltas in one statement (rows in the tally's global order, so concurrent
/// transactions cannot deadlock), then removes counters back at zero.
async fn apply_tally(tx: &Transaction<'_>, t: &tally::Tally) -> Result<()> {
    if t.is_empty() {
        return Ok(());
    }
    let (mut a, mut k, mut v) = (Vec::new(), Vec::new(), Vec::new());
    for ((agency, key), n) in t {
        a.push(agency.as_str());
        k.push(key.key());
        v.push(*n);
    }
    tx.execute(
        "INSERT INTO inbox_tally (agency, key, n) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
         ON CONFLICT (agency, key) DO UPDATE SET n = inbox_tally.n + excluded.n",
        &[&a, &k, &v],
    )
    .await
    .map_err(map_err)?;
    tx.execute(
        "DELETE FROM inbox_tally t USING unnest($1::text[], $2::text[]) AS u(agency, key)
         WHERE t.agency = u.agency AND t.key = u.key AND t.n = 0",
        &[&a, &k],
    )
    .await
    .map_err(map_err)?;
    Ok(())
}

/// Adds counter deltas to the day and month buckets in one statement, rows in one global
/// order so that concurrent transactions cannot deadlock on them.
pub async fn apply_facts(tx: &Transaction<'_>, facts: &ioc::Facts) -> Result<()> {
    if facts.is_empty() {
        return Ok(());
    }
    let mut rows: BTreeMap<(&str, String, &str, &str), i64> = BTreeMap::new();
    for (k, v) in facts {
        for grain in [Grain::Day, Grain::Month] {
            *rows.entry((grain.key(), grain.bucket(k.day), k.agency.as_str(), k.measure.key())).or_default() += v;
        }
    }
    let (mut g, mut b, mut a, mut m, mut v) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for ((grain, bucket, agency, measure), value) in rows {
        g.push(grain);
        b.push(bucket);
        a.push(agency);
        m.push(measure);
        v.push(value);
    }
    tx.execute(
        "INSERT INTO ioc_aggregate (grain, bucket, agency, measure, value)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
         ON CONFLICT (grain, bucket, agency, measure) DO UPDATE SET value = ioc_aggregate.value + excluded.value",
        &[&g, &b, &a, &m, &v],
    )
    .await
    .map_err(map_err)?;
    Ok(())
}

/// A whole history: submit, then each event folded and appended.
pub async fn import(tx: &Transaction<'_>, new: &NewDossier, events: &[Event]) -> Result<()> {
    let first = submit(tx, new).await?;
    let mut d = first.clone();
    for e in events {
        d = apply(Some(d), &first.code, e).ok_or_else(|| StoreError::Corrupt("event did not apply".into()))?;
        chain_append(tx, &first.code, e).await?;
    }
    if d.version == first.version {
        return Ok(());
    }
    // The folded dossier and the counters once for the whole history, not once per event.
    set_state(tx, &first.code, first.version, &d).await?;
    apply_counts(tx, Some(&first), &d).await
}

async fn set_state(tx: &Transaction<'_>, code: &str, expected: u32, next: &Dossier) -> Result<()> {
    let changed = tx
        .execute(
            "UPDATE dossier SET state = $1, due_on = $2, version = $3, body = $4::text::jsonb WHERE code = $5 AND version = $6",
            &[&next.state.key(), &next.due_on, &(next.version as i32), &to_json(next)?, &code, &(expected as i32)],
        )
        .await
        .map_err(map_err)?;
    if changed != 1 {
        return Err(StoreError::Conflict(format!("dossier {code} changed meanwhile")));
    }
    Ok(())
}

pub async fn append(
    tx: &Transaction<'_>,
    before: &Dossier,
    event: &Event,
    next: &Dossier,
    notes: &[Notification],
    files: &[Attachment],
) -> Result<()> {
    append_row(tx, &before.code, before.version, event, next, notes, files).await?;
    apply_counts(tx, Some(before), next).await
}

async fn append_row(
    tx: &Transaction<'_>,
    code: &str,
    expected: u32,
    event: &Event,
    next: &Dossier,
    notes: &[Notification],
    files: &[Attachment],
) -> Result<()> {
    set_state(tx, code, expected, next).await?;
    attach(tx, code, files).await?;
    let id = chain_append(tx, code, event).await?;
    notify(tx, code, id, notes).await
}

pub const LINK_COLUMNS: &str = "id, dossier_code, at, actor, payload, hash, public";

pub fn link(r: &Row) -> (Link, Vec<u8>, bool) {
    (Link { id: r.get(0), dossier: r.get(1), at: r.get(2), actor: r.get(3), payload: r.get(4) }, r.get(5), r.get(6))
}
