//! The catalogue's lists: the portal's status, licences, publishers, themes and tags.

use super::{Answer, Call, CkanError};
use crate::service;
use serde_json::{json, Value};
use tinhso_opendata::index::{Request, Scope};
use tinhso_opendata::query::{Field, Parsed};
use tinhso_opendata::{ckan, licence};

pub fn status_show(c: &Call) -> Answer {
    Ok(json!({
        "site_title": format!("Cổng dữ liệu mở {}", c.state.province.name),
        "site_description": "Dữ liệu mở và kho dữ liệu dùng chung của tỉnh.",
        "site_url": c.base,
        "ckan_version": "2.10.5",
        "error_emails_to": Value::Null,
        "locale_default": "vi",
        "extensions": ["tinhso", "dcat", "activity"],
    }))
}

pub fn license_list() -> Value {
    Value::Array(
        licence::ALL
            .iter()
            .map(|l| {
                json!({
                    "id": l.id, "title": l.title, "url": l.url, "status": "active", "maintainer": "",
                    "family": "", "domain_content": true, "domain_data": true, "domain_software": false,
                    "od_conformance": if l.open { "approved" } else { "not reviewed" },
                    "osd_conformance": "not reviewed", "is_okd_compliant": l.open, "is_osi_compliant": false,
                })
            })
            .collect(),
    )
}

/// How many public datasets each value of `field` has.
fn counts(cat: &service::Catalogue, field: Field, scope: &Scope) -> Vec<(String, usize)> {
    let parsed = Parsed::default();
    let answer = cat.index.search(&Request {
        parsed: &parsed,
        sort: &[],
        start: 0,
        rows: 0,
        facets: &[field],
        facet_limit: -1,
        facet_mincount: 1,
        scope,
    });
    answer.facets.into_iter().next().map(|(_, v)| v).unwrap_or_default()
}

/// `organization_list` (`orgs`) and `group_list`: names, or dicts with `all_fields`.
pub async fn organization_list(c: &Call, orgs: bool) -> Answer {
    let all_fields = c.flag("all_fields", false)?;
    let limit = c.number("limit", 1000, 1000)?;
    let offset = c.number("offset", 0, usize::MAX)?;
    let sort = c.text("sort").unwrap_or_else(|| "title asc".into());
    let portal = service::portal(&c.state);
    let cat = portal.read(&c.state).await?;
    let scope = service::scope(c.actor().as_ref(), &cat, false);
    let field = if orgs { Field::Organization } else { Field::Groups };
    let n = counts(&cat, field, &scope);
    let count = |name: &str| n.iter().find(|(k, _)| k == name).map_or(0, |(_, c)| *c);
    let mut rows: Vec<(String, String, Value)> = if orgs {
        cat.organizations
            .iter()
            .map(|o| (o.name.clone(), o.title.clone(), ckan::organization(o, Some(count(&o.name)))))
            .collect()
    } else {
        cat.groups.iter().map(|g| (g.name.clone(), g.title.clone(), ckan::group(g, Some(count(&g.name))))).collect()
    };
    let mut parts = sort.split_whitespace();
    let (key, dir) = (parts.next().unwrap_or("title"), parts.next().unwrap_or("asc"));
    match key {
        "name" => rows.sort_by(|a, b| a.0.cmp(&b.0)),
        "title" | "display_name" => rows.sort_by(|a, b| tinhso_kernel::text::vi_cmp(&a.1, &b.1)),
        "package_count" => rows.sort_by_key(|r| count(&r.0)),
        other => return Err(super::invalid("sort", &format!("Không sắp xếp được theo “{other}”."))),
    }
    if dir == "desc" {
        rows.reverse();
    }
    let rows = rows.into_iter().skip(offset).take(limit);
    Ok(Value::Array(if all_fields { rows.map(|r| r.2).collect() } else { rows.map(|r| Value::String(r.0)).collect() }))
}

pub async fn organization_show(c: &Call, orgs: bool) -> Answer {
    let id = c.required("id")?;
    let include = c.flag("include_datasets", false)?;
    let portal = service::portal(&c.state);
    let (mut dict, fq) = {
        let cat = portal.read(&c.state).await?;
        let scope = service::scope(c.actor().as_ref(), &cat, false);
        if orgs {
            let o = cat.organization(&id).ok_or_else(|| CkanError::NotFound("Organization".into()))?;
            let n =
                counts(&cat, Field::Organization, &scope).into_iter().find(|(k, _)| *k == o.name).map_or(0, |x| x.1);
            (ckan::organization(o, Some(n)), format!("organization:{}", o.name))
        } else {
            let g = cat.group(&id).ok_or_else(|| CkanError::NotFound("Group".into()))?;
            let n = counts(&cat, Field::Groups, &scope).into_iter().find(|(k, _)| *k == g.name).map_or(0, |x| x.1);
            (ckan::group(g, Some(n)), format!("groups:{}", g.name))
        }
    };
    if include {
        let found = super::datasets::search(c, "", &fq, "metadata_modified desc", 0, 1000, &[]).await?;
        if let Some(m) = dict.as_object_mut() {
            m.insert("packages".into(), Value::Array(found.results));
        }
    }
    Ok(dict)
}

pub async fn tag_list(c: &Call) -> Answer {
    let query = c.text("query").map(|q| tinhso_kernel::text::fold(&q)).unwrap_or_default();
    let all_fields = c.flag("all_fields", false)?;
    let portal = service::portal(&c.state);
    let cat = portal.read(&c.state).await?;
    let mut tags: Vec<String> = counts(&cat, Field::Tags, &Scope::default())
        .into_iter()
        .map(|(t, _)| t)
        .filter(|t| query.is_empty() || tinhso_kernel::text::fold(t).contains(&query))
        .collect();
    tags.sort_by(|a, b| tinhso_kernel::text::vi_cmp(a, b));
    Ok(Value::Array(if all_fields {
        tags.iter().map(|t| ckan::tag(t)).collect()
    } else {
        tags.into_iter().map(Value::String).collect()
    }))
}

/// The publishers the caller may publish for (CKAN's `organization_list_for_user`).
pub async fn organization_list_for_user(c: &Call) -> Answer {
    let Some(actor) = c.actor() else { return Ok(Value::Array(Vec::new())) };
    let portal = service::portal(&c.state);
    let cat = portal.read(&c.state).await?;
    Ok(Value::Array(
        cat.organizations
            .iter()
            .filter(|o| crate::access::may_publish(&actor, o))
            .map(|o| ckan::organization(o, None))
            .collect(),
    ))
}
