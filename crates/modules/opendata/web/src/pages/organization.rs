//! A publisher's page: the agency and the datasets it publishes.

use super::views::{card, DatasetCard};
use crate::service::{self, Find, FindError};
use askama::Template;
use axum::extract::{Path, State};
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};

#[derive(Template)]
#[template(path = "opendata/organization.html")]
pub struct OrganizationPage {
    pub layout: Layout,
    pub name: String,
    pub title: String,
    pub count: usize,
    pub datasets: Vec<DatasetCard>,
}

pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(name): Path<String>) -> PageResult {
    let err = page_err(&viewer);
    let portal = service::portal(&state);
    let (org_name, title) = {
        let cat = portal.read(&state).await.map_err(|e| err(e.into()))?;
        let o = cat.organization(&name).ok_or_else(|| err(AppError::NotFound))?;
        (o.name.clone(), o.title.clone())
    };
    let fq = format!("organization:{org_name}");
    let actor = viewer.actor();
    let f = Find {
        q: "",
        fq: &fq,
        sort: "title_string asc",
        start: 0,
        rows: 200,
        facets: &[],
        facet_limit: 0,
        facet_mincount: 1,
        private: actor.is_some(),
        drafts: actor.is_some(),
    };
    let found = service::find(&state, actor.as_ref(), &f).await.map_err(|e| match e {
        FindError::Store(e) => err(e.into()),
        FindError::Query(_) => err(AppError::NotFound),
    })?;
    let cat = portal.read(&state).await.map_err(|e| err(e.into()))?;
    let page = OrganizationPage {
        layout: Layout::new(&state, &viewer, title.clone()),
        name: org_name,
        title,
        count: found.count,
        datasets: found.datasets.iter().map(|d| card(d, &cat)).collect(),
    };
    Ok(viewer.finish(render(&page)))
}
