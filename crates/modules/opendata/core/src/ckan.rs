//! Writing the catalogue back as CKAN's data dicts (what `package_show`, `resource_show`,
//! `organization_show` and `group_show` answer), so CKAN's clients read them unchanged.

use crate::licence;
use crate::model::{Dataset, Group, Organization, Resource};
use chrono::NaiveDateTime;
use serde_json::{json, Value};

/// CKAN's time format: ISO 8601 without a zone, in UTC, with microseconds.
pub fn time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// What a dict needs from around the dataset.
pub struct Context<'a> {
    /// The portal's address, without a trailing `/` (uploads' links are built on it).
    pub base: &'a str,
    pub organizations: &'a [Organization],
    pub groups: &'a [Group],
}

/// The portal's link to an uploaded resource's file.
pub fn download_url(base: &str, dataset: &str, res: &Resource) -> String {
    match &res.upload {
        Some(u) => format!("{base}/dataset/{dataset}/resource/{}/download/{}", res.id, percent(&u.filename)),
        None => res.url.clone(),
    }
}

/// Percent-encodes what a path segment cannot hold.
fn percent(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn resource(ctx: &Context<'_>, d: &Dataset, r: &Resource, position: usize) -> Value {
    json!({
        "id": r.id,
        "package_id": d.id,
        "name": r.name,
        "description": r.description,
        "format": r.format,
        "url": download_url(ctx.base, &d.id, r),
        "url_type": if r.upload.is_some() { Value::from("upload") } else { Value::Null },
        "mimetype": r.upload.as_ref().map(|u| u.mimetype.clone()),
        "size": r.upload.as_ref().map(|u| u.size),
        "hash": r.upload.as_ref().map(|u| format!("sha256:{}", u.sha256)).unwrap_or_default(),
        "created": time(r.created),
        "last_modified": r.last_modified.map(time),
        "metadata_modified": time(r.last_modified.unwrap_or(r.created)),
        "position": position,
        "state": "active",
        "datastore_active": r.datastore_active,
        "cache_url": Value::Null,
        "resource_type": Value::Null,
    })
}

pub fn organization(o: &Organization, package_count: Option<usize>) -> Value {
    let mut v = json!({
        "id": o.id,
        "name": o.name,
        "title": o.title,
        "display_name": o.title,
        "description": o.description,
        "image_url": "",
        "image_display_url": "",
        "is_organization": true,
        "type": "organization",
        "state": "active",
        "approval_status": "approved",
        "agency_code": o.agency,
    });
    if let (Some(n), Some(m)) = (package_count, v.as_object_mut()) {
        m.insert("package_count".into(), n.into());
    }
    v
}

pub fn group(g: &Group, package_count: Option<usize>) -> Value {
    let mut v = json!({
        "id": g.id,
        "name": g.name,
        "title": g.title,
        "display_name": g.title,
        "description": g.description,
        "image_url": "",
        "image_display_url": "",
        "is_organization": false,
        "type": "group",
        "state": "active",
        "approval_status": "approved",
    });
    if let (Some(n), Some(m)) = (package_count, v.as_object_mut()) {
        m.insert("package_count".into(), n.into());
    }
    v
}

pub fn tag(t: &str) -> Value {
    json!({ "id": crate::name::derived_id(&format!("tag:{t}")), "name": t, "display_name": t, "state": "active", "vocabulary_id": Value::Null })
}

/// The extras a dict carries: the typed fields CKAN keeps as extras, then the free ones.
fn extras(d: &Dataset) -> Vec<Value> {
    let mut out = Vec::new();
    let mut push = |k: &str, v: String| {
        if !v.is_empty() {
            out.push(json!({ "key": k, "value": v }));
        }
    };
    push("contact_name", d.contact_name.clone());
    push("contact_email", d.contact_email.clone());
    push("frequency", d.frequency.map(|f| f.key().to_owned()).unwrap_or_default());
    push("spatial", d.spatial.clone().unwrap_or_default());
    push("temporal_end", d.temporal_end.map(|x| x.to_string()).unwrap_or_default());
    push("temporal_start", d.temporal_start.map(|x| x.to_string()).unwrap_or_default());
    for e in &d.extras {
        out.push(json!({ "key": e.key, "value": e.value }));
    }
    out
}

pub fn package(ctx: &Context<'_>, d: &Dataset) -> Value {
    let lic = licence::find(&d.license_id);
    let org = ctx.organizations.iter().find(|o| o.id == d.owner_org);
    let groups: Vec<Value> = d
        .groups
        .iter()
        .filter_map(|id| ctx.groups.iter().find(|g| &g.id == id))
        .map(|g| {
            json!({ "id": g.id, "name": g.name, "title": g.title, "display_name": g.title,
                    "description": g.description, "image_display_url": "" })
        })
        .collect();
    json!({
        "id": d.id,
        "name": d.name,
        "title": d.title,
        "notes": d.notes,
        "type": "dataset",
        "state": d.state.key(),
        "private": d.private,
        "owner_org": d.owner_org,
        "organization": org.map(|o| organization(o, None)),
        "license_id": d.license_id,
        "license_title": lic.map(|l| l.title),
        "license_url": lic.map(|l| l.url),
        "isopen": lic.is_some_and(|l| l.open),
        "url": d.url,
        "version": d.version,
        "author": d.author,
        "author_email": d.author_email,
        "maintainer": d.maintainer,
        "maintainer_email": d.maintainer_email,
        "metadata_created": time(d.created),
        "metadata_modified": time(d.modified),
        "creator_user_id": d.creator.map(|c| c.to_string()),
        "num_tags": d.tags.len(),
        "tags": d.tags.iter().map(|t| tag(t)).collect::<Vec<_>>(),
        "groups": groups,
        "num_resources": d.resources.len(),
        "resources": d.resources.iter().enumerate().map(|(i, r)| resource(ctx, d, r, i)).collect::<Vec<_>>(),
        "extras": extras(d),
        "relationships_as_object": [],
        "relationships_as_subject": [],
        "metadata_revision": d.revision,
    })
}
