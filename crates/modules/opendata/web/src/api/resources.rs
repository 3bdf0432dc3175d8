//! Resources: shown, created (linked or uploaded), updated, patched and deleted, each a save
//! of the dataset that holds them (one kept version, one ledger entry per change).

use super::{Answer, Call, CkanError};
use crate::service;
use serde_json::{Map, Value};
use tinhso_opendata::input::{self, Fresh, Mode};
use tinhso_opendata::model::Upload;
use tinhso_opendata::{ckan, Dataset, Resource};

async fn holder(c: &Call, id: &str) -> Result<Dataset, CkanError> {
    let ds = crate::opendata_port(&c.state)?
        .resource_dataset(id)
        .await?
        .ok_or_else(|| CkanError::NotFound("Resource".into()))?;
    super::visible_dataset(c, &ds).await.map_err(|_| CkanError::NotFound("Resource".into()))
}

async fn resource_dict(c: &Call, d: &Dataset, id: &str) -> Answer {
    let pos = d.resources.iter().position(|r| r.id == id).ok_or_else(|| CkanError::NotFound("Resource".into()))?;
    let portal = service::portal(&c.state);
    let cat = portal.read(&c.state).await?;
    let cx = ckan::Context { base: &c.base, organizations: &cat.organizations, groups: &cat.groups };
    Ok(ckan::resource(&cx, d, &d.resources[pos], pos))
}

pub async fn resource_show(c: &Call) -> Answer {
    let id = c.required("id")?;
    let d = holder(c, &id).await?;
    resource_dict(c, &d, &id).await
}

/// The file sent along, typed by its format when the client named no useful type.
fn upload(c: &Call) -> Option<Upload> {
    c.upload.as_ref().map(|u| {
        let format = input::format_of("", &u.filename);
        let mimetype = match tinhso_opendata::dcat::media_type(&format) {
            Some(m) if u.mimetype.is_empty() || u.mimetype == "application/octet-stream" => m.to_owned(),
            _ => u.mimetype.clone(),
        };
        Upload { sha256: u.sha256.clone(), filename: u.filename.clone(), size: u.size, mimetype }
    })
}

/// Reads the call's resource fields over `old`, with the file sent along if any.
fn read(c: &Call, old: Option<&Resource>, patch: bool) -> Result<Resource, CkanError> {
    let now = chrono::Utc::now().naive_utc();
    let mut id = service::fresh_id;
    let mut fresh = Fresh { now, id: &mut id };
    let mut fields = c.params.clone();
    fields.remove("package_id");
    let res = input::resource(&fields, old, patch, c.upload.is_some(), &mut fresh).map_err(CkanError::Validation)?;
    Ok(match upload(c) {
        Some(up) => input::with_upload(res, up, now),
        None => res,
    })
}

async fn save_with(c: &Call, d: &Dataset, change: impl Fn(&mut Dataset)) -> Result<Dataset, CkanError> {
    let (actor, account) = c.require()?;
    Ok(service::save(&c.state, &actor, account, &Map::new(), Some(d), Mode::Patch, change).await?)
}

pub async fn resource_create(c: &Call) -> Answer {
    c.require()?;
    let pkg = c.required("package_id")?;
    let d = super::visible_dataset(c, &pkg).await?;
    let res = read(c, None, false)?;
    if d.resource(&res.id).is_some() || crate::opendata_port(&c.state)?.resource_dataset(&res.id).await?.is_some() {
        return Err(super::invalid("id", "Mã tài nguyên này đã được dùng."));
    }
    let id = res.id.clone();
    let saved = save_with(c, &d, |x| x.resources.push(res.clone())).await?;
    if c.upload.is_some() {
        if let Some(r) = saved.resource(&id) {
            crate::datastore::spawn_load(&c.state, &saved.id, r);
        }
    }
    resource_dict(c, &saved, &id).await
}

pub async fn resource_update(c: &Call, patch: bool) -> Answer {
    c.require()?;
    let id = c.required("id")?;
    let d = holder(c, &id).await?;
    let old = d.resource(&id).cloned().ok_or_else(|| CkanError::NotFound("Resource".into()))?;
    // Checked now, so every problem is told at once; applied again to the version the save
    // finds (a data-store load may have marked the resource meanwhile).
    read(c, Some(&old), patch)?;
    let saved = save_with(c, &d, |x| {
        if let Some(slot) = x.resources.iter_mut().find(|r| r.id == id) {
            if let Ok(res) = read(c, Some(slot), patch) {
                *slot = res;
            }
        }
    })
    .await?;
    if c.upload.is_some() {
        if let Some(r) = saved.resource(&id) {
            crate::datastore::spawn_load(&c.state, &saved.id, r);
        }
    }
    resource_dict(c, &saved, &id).await
}

pub async fn resource_delete(c: &Call) -> Answer {
    c.require()?;
    let id = c.required("id")?;
    let d = holder(c, &id).await?;
    save_with(c, &d, |x| x.resources.retain(|r| r.id != id)).await?;
    crate::datastore_port(&c.state)?.datastore_delete(&id).await?;
    Ok(Value::Null)
}
