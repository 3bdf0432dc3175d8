//! `/quan-tri/phan-anh` (province admins): the categories reporters choose from and the routing
//! table (category x commune -> responsible agency), edited without JavaScript.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use tinhso_http::auth::Viewer;
use tinhso_http::choices::{agencies, communes, ChoiceGroup};
use tinhso_http::error::AppError;
use tinhso_http::form::{FormData, PageQuery};
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_kernel::ids::AgencyCode;
use tinhso_kernel::FieldError;
use tinhso_policy::Action;
use tinhso_reports::category::valid_code;
use tinhso_reports::routing::Route;
use tinhso_reports::Category;

#[derive(Template)]
#[template(path = "reports/admin.html")]
pub struct AdminPage {
    pub layout: Layout,
    pub categories: Vec<Category>,
    /// The category being edited (or a new one).
    pub edit: Category,
    /// (index, category name, commune name or "every commune", agency name)
    pub routes: Vec<(usize, String, String, String)>,
    pub communes: Vec<ChoiceGroup>,
    pub agencies: Vec<ChoiceGroup>,
    pub errors: Vec<FieldError>,
    pub saved: bool,
}

impl AdminPage {
    pub fn err(&self, field: &str) -> Option<&str> {
        tinhso_http::views::error_for(&self.errors, field, self.layout.en)
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AdminParams {
    sua: Option<String>,
    #[serde(rename = "da-luu")]
    saved: Option<u8>,
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    edit: Option<Category>,
    errors: Vec<FieldError>,
    saved: bool,
) -> Result<AdminPage, AppError> {
    let categories = state.store.reports.report_categories().await?;
    let routes = state.store.reports.report_routes().await?;
    let name_of = |code: &str| crate::views::category_name(&categories, code);
    Ok(AdminPage {
        layout: Layout::new(
            state,
            viewer,
            viewer.locale.pick("Phản ánh: lĩnh vực và phân công xử lý", "Reports: categories and who handles them"),
        ),
        edit: edit.unwrap_or(Category {
            code: String::new(),
            name: String::new(),
            name_en: String::new(),
            public_service: false,
            active: true,
        }),
        routes: routes
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let commune = match r.commune {
                    Some(c) => crate::views::commune_name(state, Some(c)),
                    None => viewer.locale.pick("Mọi xã, phường", "Every commune").to_owned(),
                };
                (i, name_of(&r.category), commune, crate::views::agency_name(state, r.agency.as_str()))
            })
            .collect(),
        categories,
        communes: communes(state),
        agencies: agencies(state, |_| true, ""),
        errors,
        saved,
    })
}

fn require(viewer: &Viewer) -> Result<(), AppError> {
    viewer.require(&Action::ManageReportRouting).map(drop)
}

/// The change's maker, for the administrators' log.
fn by(viewer: &Viewer) -> Result<tinhso_store::admin::AdminAct, AppError> {
    let actor = viewer.account.as_ref().ok_or(AppError::Unauthenticated)?.id;
    Ok(tinhso_store::admin::AdminAct { actor, at: chrono::Utc::now() })
}

pub async fn show(State(state): State<AppState>, viewer: Viewer, PageQuery(q): PageQuery<AdminParams>) -> PageResult {
    let err = page_err(&viewer);
    require(&viewer).map_err(&err)?;
    let categories = state.store.reports.report_categories().await.map_err(|e| err(e.into()))?;
    let edit = q.sua.and_then(|c| categories.into_iter().find(|x| x.code == c));
    let page = page(&state, &viewer, edit, Vec::new(), q.saved == Some(1)).await.map_err(&err)?;
    Ok(viewer.finish(render(&page)))
}

/// Adds or edits a category.
pub async fn save_category(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    let err = page_err(&viewer);
    require(&viewer).map_err(&err)?;
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["code", "name", "name_en", "public_service", "active"]).map_err(&err)?;
    let c = Category {
        code: form.text("code"),
        name: tinhso_kernel::text::clean(&form.text("name")),
        name_en: tinhso_kernel::text::clean(&form.text("name_en")),
        public_service: form.get("public_service") == Some("1"),
        active: form.get("active") == Some("1"),
    };
    let mut errors = Vec::new();
    if !valid_code(&c.code) {
        errors.push(FieldError::new(
            "code",
            "bad_code",
            "Mã gồm chữ thường không dấu, số và dấu gạch ngang, ví dụ: cho-tam",
            "Lower-case letters, digits and dashes",
        ));
    }
    for (field, v) in [("name", &c.name), ("name_en", &c.name_en)] {
        if v.trim().is_empty() || v.chars().count() > 100 {
            errors.push(FieldError::new(
                field,
                "name_required",
                "Nhập tên (tối đa 100 ký tự)",
                "Enter a name (up to 100 characters)",
            ));
        }
    }
    if !errors.is_empty() {
        let page = page(&state, &viewer, Some(c), errors, false).await.map_err(&err)?;
        return Ok(viewer.finish((StatusCode::BAD_REQUEST, render(&page))));
    }
    state.store.reports.put_report_category(&c, &by(&viewer).map_err(&err)?).await.map_err(|e| err(e.into()))?;
    Ok(viewer.finish(Redirect::to("/quan-tri/phan-anh?da-luu=1").into_response()))
}

/// Adds a routing rule (replacing one for the same category and commune) or removes one.
pub async fn save_route(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    let err = page_err(&viewer);
    require(&viewer).map_err(&err)?;
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["category", "commune", "agency", "remove"]).map_err(&err)?;
    let mut routes = state.store.reports.report_routes().await.map_err(|e| err(e.into()))?;
    if let Some(i) = form.get("remove") {
        let i: usize = i.parse().map_err(|_| err(AppError::NotFound))?;
        if i >= routes.len() {
            return Err(err(AppError::NotFound));
        }
        routes.remove(i);
    } else {
        let categories = state.store.reports.report_categories().await.map_err(|e| err(e.into()))?;
        let mut errors = Vec::new();
        let category = form.text("category");
        if !categories.iter().any(|c| c.code == category) {
            errors.push(FieldError::new("category", "unknown_category", "Chọn lĩnh vực", "Choose a category"));
        }
        let commune = match form.text("commune").as_str() {
            "" => None,
            c => match c.parse::<u32>().ok().filter(|c| state.units.iter().any(|u| u.code == *c)) {
                Some(c) => Some(c),
                None => {
                    errors.push(FieldError::new("commune", "unknown_commune", "Chọn xã, phường", "Choose a commune"));
                    None
                }
            },
        };
        let agency = AgencyCode::parse("agency", &form.text("agency"))
            .ok()
            .filter(|a| state.agencies.iter().any(|x| &x.code == a));
        if agency.is_none() {
            errors.push(FieldError::new("agency", "unknown_agency", "Chọn cơ quan xử lý", "Choose an agency"));
        }
        match (agency, errors.is_empty()) {
            (Some(agency), true) => {
                routes.retain(|r| !(r.category == category && r.commune == commune));
                routes.push(Route { category, commune, agency });
            }
            _ => {
                let page = page(&state, &viewer, None, errors, false).await.map_err(&err)?;
                return Ok(viewer.finish((StatusCode::BAD_REQUEST, render(&page))));
            }
        }
    }
    state.store.reports.set_report_routes(&routes, &by(&viewer).map_err(&err)?).await.map_err(|e| err(e.into()))?;
    Ok(viewer.finish(Redirect::to("/quan-tri/phan-anh?da-luu=1").into_response()))
}
