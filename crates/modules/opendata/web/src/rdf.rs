//! DCAT-AP 3 over HTTP: the catalogue at `/catalog.{ttl,rdf,xml,jsonld}` and each dataset at
//! `/dataset/{id}.{ext}`, or at `/catalog` and `/dataset/{id}` by content negotiation
//! (`Accept: text/turtle`, `application/rdf+xml`, `application/ld+json`); a browser asking
//! `/dataset/{id}` for HTML is sent to the dataset's page.

use crate::service;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use tinhso_http::state::AppState;
use tinhso_opendata::dcat::{self, Catalogue};
use tinhso_opendata::rdf::Graph;
use tinhso_opendata::Dataset;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Syntax {
    Turtle,
    RdfXml,
    JsonLd,
}

impl Syntax {
    fn of_extension(ext: &str) -> Option<Self> {
        match ext {
            "ttl" => Some(Self::Turtle),
            "rdf" | "xml" => Some(Self::RdfXml),
            "jsonld" | "json" => Some(Self::JsonLd),
            _ => None,
        }
    }

    /// The first RDF syntax `Accept` names; `None` when it names none (a browser).
    fn of_accept(headers: &HeaderMap) -> Option<Self> {
        let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
        accept.split(',').map(|p| p.split(';').next().unwrap_or("").trim()).find_map(|m| match m {
            "text/turtle" | "application/x-turtle" => Some(Self::Turtle),
            "application/rdf+xml" => Some(Self::RdfXml),
            "application/ld+json" => Some(Self::JsonLd),
            _ => None,
        })
    }

    /// The graph in this syntax; `shared`: whether shared caches may keep it (`answer`).
    fn render(self, g: &Graph, shared: bool) -> Response {
        let (ctype, body) = match self {
            Self::Turtle => ("text/turtle; charset=utf-8", g.turtle()),
            Self::RdfXml => ("application/rdf+xml; charset=utf-8", g.rdf_xml()),
            Self::JsonLd => ("application/ld+json; charset=utf-8", g.json_ld().to_string()),
        };
        let cache = if shared { "public, max-age=60" } else { "private, max-age=60" };
        ([(header::CONTENT_TYPE, ctype), (header::CACHE_CONTROL, cache), (header::VARY, "Accept")], body)
            .into_response()
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Không tìm thấy bộ dữ liệu.").into_response()
}

fn failed(e: tinhso_store::StoreError) -> Response {
    tracing::error!(error = %e, "DCAT failed in the store");
    (StatusCode::INTERNAL_SERVER_ERROR, "Lỗi hệ thống; vui lòng thử lại sau.").into_response()
}

async fn graph_of(state: &AppState, base: &str, one: Option<&Dataset>) -> Result<Graph, tinhso_store::StoreError> {
    let portal = service::portal(state);
    let datasets = match one {
        Some(_) => Vec::new(),
        None => {
            let ids = {
                let cat = portal.read(state).await?;
                cat.index
                    .search(&tinhso_opendata::index::Request {
                        parsed: &Default::default(),
                        sort: &[(tinhso_opendata::query::SortKey::Name, false)],
                        start: 0,
                        rows: usize::MAX,
                        facets: &[],
                        facet_limit: 0,
                        facet_mincount: 1,
                        scope: &Default::default(),
                    })
                    .ids
            };
            let mut all = crate::opendata_port(state)?.datasets(&ids).await?;
            all.sort_by(|a, b| a.name.cmp(&b.name));
            all
        }
    };
    let cat = portal.read(state).await?;
    let title = format!("Cổng dữ liệu mở {}", state.province.name);
    let c = Catalogue {
        base,
        title: &title,
        description:
            "Dữ liệu mở do các cơ quan nhà nước của tỉnh công bố, tự do sử dụng, dùng lại và chia sẻ có ghi nguồn.",
        publisher: &state.province.name,
        organizations: &cat.organizations,
        groups: &cat.groups,
    };
    Ok(match one {
        Some(d) => dcat::single(&c, d),
        None => dcat::catalogue(&c, &datasets),
    })
}

/// The catalogue's graph, or `one` dataset's, in `syntax`. Shared caches may keep it only when
/// its addresses are the configured `--public-url`: without it they come from the request's
/// `Host`, which the client chooses, and a proxy's cache keyed on its own upstream address would
/// hand one client's `Host: attacker.example` to everyone.
async fn answer(state: &AppState, headers: &HeaderMap, one: Option<&Dataset>, syntax: Syntax) -> Response {
    match graph_of(state, &state.site_url(headers), one).await {
        Ok(g) => syntax.render(&g, state.config.public_url.is_some()),
        Err(e) => failed(e),
    }
}

/// `/catalog` (by `Accept`, Turtle when it names nothing) and `/catalog.{ext}`.
pub async fn catalogue(State(state): State<AppState>, uri: axum::http::Uri, headers: HeaderMap) -> Response {
    let file = uri.path().trim_start_matches('/');
    let syntax = match file.split_once('.') {
        Some(("catalog", ext)) => Syntax::of_extension(ext),
        None if file == "catalog" => Some(Syntax::of_accept(&headers).unwrap_or(Syntax::Turtle)),
        _ => None,
    };
    let Some(syntax) = syntax else { return not_found() };
    answer(&state, &headers, None, syntax).await
}

/// `/dataset/{id}` (by `Accept`; HTML goes to the page) and `/dataset/{id}.{ext}`.
pub async fn dataset(State(state): State<AppState>, Path(file): Path<String>, headers: HeaderMap) -> Response {
    let (key, syntax) = match file.rsplit_once('.').and_then(|(k, e)| Syntax::of_extension(e).map(|s| (k, Some(s)))) {
        Some((k, s)) => (k.to_owned(), s),
        None => (file.clone(), Syntax::of_accept(&headers)),
    };
    let found = async { crate::opendata_port(&state)?.dataset(&key).await }.await;
    let d = match found {
        Ok(Some(d)) if d.is_public() => d,
        Ok(_) => return not_found(),
        Err(e) => return failed(e),
    };
    let Some(syntax) = syntax else { return Redirect::to(&format!("/du-lieu/{}", d.name)).into_response() };
    answer(&state, &headers, Some(&d), syntax).await
}
