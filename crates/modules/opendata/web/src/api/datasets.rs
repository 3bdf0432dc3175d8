//! Datasets: listing, CKAN's `package_search` over the in-memory index, showing, and the
//! writes (create, update, patch, delete), each through the service's one save path.

use super::{Answer, Call, CkanError};
use crate::service;
use serde_json::{json, Map, Value};
use tinhso_opendata::index::Request;
use tinhso_opendata::input::Mode;
use tinhso_opendata::query::{self, Field};
use tinhso_opendata::{ckan, Dataset, State};

pub struct Found {
    pub count: usize,
    pub results: Vec<Value>,
    pub facets: Vec<(Field, Vec<(String, usize)>)>,
}

/// Runs a public search for the caller, as CKAN dicts.
pub async fn search(
    c: &Call,
    q: &str,
    fq: &str,
    sort: &str,
    start: usize,
    rows: usize,
    facets: &[Field],
) -> Result<Found, CkanError> {
    let f = service::Find {
        q,
        fq,
        sort,
        start,
        rows,
        facets,
        facet_limit: 50,
        facet_mincount: 1,
        private: false,
        drafts: false,
    };
    search_with(c, &f).await
}

async fn search_with(c: &Call, f: &service::Find<'_>) -> Result<Found, CkanError> {
    let found = match service::find(&c.state, c.actor().as_ref(), f).await {
        Ok(found) => found,
        Err(service::FindError::Query(m)) => return Err(CkanError::SearchQuery(m)),
        Err(service::FindError::Store(e)) => return Err(e.into()),
    };
    let portal = service::portal(&c.state);
    let cat = portal.read(&c.state).await?;
    let cx = ckan::Context { base: &c.base, organizations: &cat.organizations, groups: &cat.groups };
    Ok(Found {
        count: found.count,
        results: found.datasets.iter().map(|d| ckan::package(&cx, d)).collect(),
        facets: found.facets,
    })
}

pub async fn package_list(c: &Call) -> Answer {
    let limit = c.number("limit", usize::MAX, usize::MAX)?;
    let offset = c.number("offset", 0, usize::MAX)?;
    let private = c.flag("include_private", false)?;
    let drafts = c.flag("include_drafts", false)?;
    let portal = service::portal(&c.state);
    let parsed = query::Parsed::default();
    let sort = [(query::SortKey::Name, false)];
    let names = {
        let cat = portal.read(&c.state).await?;
        let scope =
            if private || drafts { service::scope(c.actor().as_ref(), &cat, drafts) } else { Default::default() };
        cat.index
            .search(&Request {
                parsed: &parsed,
                sort: &sort,
                start: offset,
                rows: limit,
                facets: &[],
                facet_limit: 0,
                facet_mincount: 1,
                scope: &scope,
            })
            .names
    };
    Ok(json!(names))
}

fn facet_title(
    field: Field,
    value: &str,
    orgs: &[tinhso_opendata::Organization],
    groups: &[tinhso_opendata::Group],
) -> String {
    match field {
        Field::Organization => orgs.iter().find(|o| o.name == value).map_or(value.to_owned(), |o| o.title.clone()),
        Field::Groups => groups.iter().find(|g| g.name == value).map_or(value.to_owned(), |g| g.title.clone()),
        Field::LicenseId => tinhso_opendata::licence::find(value).map_or(value.to_owned(), |l| l.title.to_owned()),
        Field::Frequency => tinhso_opendata::Frequency::parse(value).map_or(value.to_owned(), |f| f.label().to_owned()),
        _ => value.to_owned(),
    }
}

pub async fn package_search(c: &Call) -> Answer {
    let q = c.text("q").unwrap_or_default();
    let mut fq = c.text("fq").unwrap_or_default();
    if let Some(list) = c.list("fq_list")? {
        for f in list {
            fq.push(' ');
            fq.push_str(&f);
        }
    }
    let sort = c.text("sort").unwrap_or_default();
    let rows = c.number("rows", 10, 1000)?;
    let start = c.number("start", 0, usize::MAX)?;
    let facet = c.flag("facet", true)?;
    let names = c.list("facet.field")?.unwrap_or_default();
    let mut fields = Vec::new();
    for n in &names {
        match Field::parse(n).filter(|f| Field::FACETS.contains(f)) {
            Some(f) => fields.push(f),
            None => {
                return Err(CkanError::SearchQuery(format!(
                    "không có mặt lọc “{n}”; dùng organization, groups, tags, res_format, license_id, frequency"
                )))
            }
        }
    }
    if !facet {
        fields.clear();
    }
    let limit = match c.text("facet.limit") {
        Some(s) => s.trim().parse::<i64>().map_err(|_| super::invalid("facet.limit", "Phải là số nguyên."))?,
        None => 50,
    };
    let mincount = c.number("facet.mincount", 1, usize::MAX)?;
    let private = c.flag("include_private", false)?;
    let drafts = c.flag("include_drafts", false)?;
    let f = service::Find {
        q: &q,
        fq: &fq,
        sort: &sort,
        start,
        rows,
        facets: &fields,
        facet_limit: limit,
        facet_mincount: mincount,
        private,
        drafts,
    };
    let found = search_with(c, &f).await?;
    let portal = service::portal(&c.state);
    let cat = portal.read(&c.state).await?;
    let (orgs, groups) = (&cat.organizations, &cat.groups);
    let mut facets = Map::new();
    let mut search_facets = Map::new();
    for (field, values) in &found.facets {
        facets.insert(
            field.key().into(),
            values.iter().map(|(v, n)| (v.clone(), json!(n))).collect::<Map<_, _>>().into(),
        );
        let items: Vec<Value> = values
            .iter()
            .map(|(v, n)| json!({ "name": v, "display_name": facet_title(*field, v, orgs, groups), "count": n }))
            .collect();
        search_facets.insert(field.key().into(), json!({ "title": field.key(), "items": items }));
    }
    Ok(json!({
        "count": found.count,
        "sort": if sort.is_empty() { "score desc, metadata_modified desc".to_owned() } else { sort },
        "facets": facets,
        "search_facets": search_facets,
        "results": found.results,
    }))
}

pub async fn package_show(c: &Call) -> Answer {
    let id = c.text("id").or_else(|| c.text("name")).ok_or_else(|| super::invalid("id", "Thiếu giá trị."))?;
    let d = super::visible_dataset(c, &id).await?;
    dict(c, &d).await
}

pub async fn dict(c: &Call, d: &Dataset) -> Answer {
    let portal = service::portal(&c.state);
    let cat = portal.read(&c.state).await?;
    let cx = ckan::Context { base: &c.base, organizations: &cat.organizations, groups: &cat.groups };
    Ok(ckan::package(&cx, d))
}

pub async fn current_with_resources(c: &Call) -> Answer {
    let limit = c.number("limit", 10, 1000)?;
    let offset = c.number("offset", 0, usize::MAX)?;
    let found = search(c, "", "", "metadata_modified desc", offset, limit, &[]).await?;
    Ok(Value::Array(found.results))
}

pub async fn package_create(c: &Call) -> Answer {
    let (actor, account) = c.require()?;
    let d = service::save(&c.state, &actor, account, &c.params, None, Mode::Create, |_| {}).await?;
    dict(c, &d).await
}

/// The stored dataset a write names by `id` or `name`, for a caller who may edit it.
async fn target(c: &Call) -> Result<Dataset, CkanError> {
    let key = c.text("id").or_else(|| c.text("name")).ok_or_else(|| super::invalid("id", "Thiếu giá trị."))?;
    crate::opendata_port(&c.state)?.dataset(&key).await?.ok_or_else(|| CkanError::NotFound("Dataset".into()))
}

pub async fn package_update(c: &Call, mode: Mode) -> Answer {
    let (actor, account) = c.require()?;
    let existing = target(c).await?;
    let d = service::save(&c.state, &actor, account, &c.params, Some(&existing), mode, |_| {}).await?;
    dict(c, &d).await
}

pub async fn package_delete(c: &Call) -> Answer {
    let (actor, account) = c.require()?;
    let existing = target(c).await?;
    if existing.state == State::Deleted {
        return Ok(Value::Null);
    }
    service::save(&c.state, &actor, account, &Map::new(), Some(&existing), Mode::Patch, |d| d.state = State::Deleted)
        .await?;
    Ok(Value::Null)
}
