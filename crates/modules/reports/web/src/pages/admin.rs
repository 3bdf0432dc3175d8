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
use tinhso_store::admin::Basis;
use tinhso_store::StoreError;

#[derive(Template)]
#[template(path = "reports/admin.html")]
pub struct AdminPage {
    pub layout: Layout,
    pub categories: Vec<Category>,
    /// The category being edited (or a new one), and what its form began from
    /// ([`Basis::token`]: empty for a new one).
    pub edit: Category,
    pub revision: String,
    /// (the rule's key, category name, commune name or "every commune", agency name)
    pub routes: Vec<(String, String, String, String)>,
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

/// The page, with `edit`'s form holding a category as typed and what it began from.
async fn page(
    state: &AppState,
    viewer: &Viewer,
    edit: Option<(Category, Basis)>,
    errors: Vec<FieldError>,
    saved: bool,
) -> Result<AdminPage, AppError> {
    let (edit, basis) = edit.unzip();
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
        revision: basis.as_ref().map(Basis::token).unwrap_or_default().to_owned(),
        routes: routes
            .iter()
            .map(|r| {
                let commune = match r.commune {
                    Some(c) => crate::views::commune_name(state, Some(c)),
                    None => viewer.locale.pick("Mọi xã, phường", "Every commune").to_owned(),
                };
                (route_key(r), name_of(&r.category), commune, crate::views::agency_name(state, r.agency.as_str()))
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
    let edit = edit.map(|c| Basis::of(Some(&c)).map(|b| (c, b))).transpose().map_err(|e| err(e.into()))?;
    let page = page(&state, &viewer, edit, Vec::new(), q.saved == Some(1)).await.map_err(&err)?;
    Ok(viewer.finish(render(&page)))
}

/// Adds or edits a category.
pub async fn save_category(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    let err = page_err(&viewer);
    require(&viewer).map_err(&err)?;
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["code", "name", "name_en", "public_service", "active", "revision"]).map_err(&err)?;
    // A page without a token, or a forged one, began from no stored category (a new one).
    let basis = Basis::from_token(&form.text("revision")).unwrap_or(Basis::Absent);
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
        let page = page(&state, &viewer, Some((c, basis)), errors, false).await.map_err(&err)?;
        return Ok(viewer.finish((StatusCode::BAD_REQUEST, render(&page))));
    }
    match state.store.reports.put_report_category(&c, &basis, &by(&viewer).map_err(&err)?).await {
        Ok(()) => Ok(viewer.finish(Redirect::to("/quan-tri/phan-anh?da-luu=1").into_response())),
        // A new category whose code is taken, or one saved by someone else since its form was
        // opened: theirs stays, what was typed here is shown again, beginning from theirs.
        Err(StoreError::Conflict(_)) => {
            let categories = state.store.reports.report_categories().await.map_err(|e| err(e.into()))?;
            let now = Basis::of(categories.iter().find(|x| x.code == c.code)).map_err(|e| err(e.into()))?;
            let problem = if basis == Basis::Absent {
                FieldError::new(
                    "code",
                    "duplicate_category",
                    format!("Mã {} đã có; để sửa lĩnh vực đó, bấm \u{201c}Sửa\u{201d} ở dòng của nó", c.code),
                    format!("Code {} is taken; to change that category, use \u{201c}Edit\u{201d} on its row", c.code),
                )
            } else {
                FieldError::new(
                    "revision",
                    "changed_meanwhile",
                    "Trong lúc bạn sửa, lĩnh vực này đã được lưu với nội dung khác (xem bảng trên). Nội dung bạn nhập \
                     vẫn còn dưới đây và chưa được lưu; nếu vẫn muốn thay bằng nội dung của bạn, bấm lưu lần nữa.",
                    "While you were editing, this category was saved by someone else (see the table above). What you \
                     typed is still below and has not been saved; to replace it with yours, save again.",
                )
            };
            let basis = if basis == Basis::Absent { Basis::Absent } else { now };
            let page = page(&state, &viewer, Some((c, basis)), vec![problem], false).await.map_err(&err)?;
            Ok(viewer.finish((StatusCode::CONFLICT, render(&page))))
        }
        Err(e) => Err(err(e.into())),
    }
}

/// How a page names a routing rule: its category and commune, which no other rule shares
/// (`rac-thai@2269`; `rac-thai@` for every commune), so a removal from a page opened before
/// another change still removes the rule it showed.
fn route_key(r: &Route) -> String {
    format!("{}@{}", r.category, r.commune.map(|c| c.to_string()).unwrap_or_default())
}

/// Adds a routing rule (replacing one for the same category and commune) or removes one.
pub async fn save_route(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    let err = page_err(&viewer);
    require(&viewer).map_err(&err)?;
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["category", "commune", "agency", "remove"]).map_err(&err)?;
    let change = match form.get("remove") {
        Some(key) => Change::Remove(key.to_owned()),
        None => match new_route(&state, &form).await.map_err(&err)? {
            Ok(route) => Change::Put(route),
            Err(errors) => {
                let page = page(&state, &viewer, None, errors, false).await.map_err(&err)?;
                return Ok(viewer.finish((StatusCode::BAD_REQUEST, render(&page))));
            }
        },
    };
    // One rule is changed in the table as it stands when saved: a change another admin made
    // meanwhile (read after ours, or saved between our read and write) is kept, never undone.
    let by = by(&viewer).map_err(&err)?;
    let mut tries = 0;
    loop {
        let mut routes = state.store.reports.report_routes().await.map_err(|e| err(e.into()))?;
        let basis = Basis::of(Some(&routes)).map_err(|e| err(e.into()))?;
        match &change {
            Change::Remove(key) => routes.retain(|r| route_key(r) != *key),
            Change::Put(route) => {
                routes.retain(|r| !(r.category == route.category && r.commune == route.commune));
                routes.push(route.clone());
            }
        }
        match state.store.reports.set_report_routes(&routes, &basis, &by).await {
            Ok(()) => return Ok(viewer.finish(Redirect::to("/quan-tri/phan-anh?da-luu=1").into_response())),
            Err(StoreError::Conflict(_)) if tries < 20 => tries += 1,
            Err(StoreError::Conflict(_)) => {
                return Err(err(AppError::Conflict {
                    code: "routes_busy",
                    vi: "Bảng phân công đang được sửa liên tục ở nơi khác; hãy thử lại sau ít phút.".into(),
                    en: "The routing table is being changed elsewhere without pause; try again in a few minutes."
                        .into(),
                }))
            }
            Err(e) => return Err(err(e.into())),
        }
    }
}

/// What a routing form asks: one rule put in, or the rule with this key taken out.
enum Change {
    Put(Route),
    Remove(String),
}

/// The rule the form describes, or what is wrong with it (every problem at once).
async fn new_route(state: &AppState, form: &FormData) -> Result<Result<Route, Vec<FieldError>>, AppError> {
    let categories = state.store.reports.report_categories().await?;
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
    let agency =
        AgencyCode::parse("agency", &form.text("agency")).ok().filter(|a| state.agencies.iter().any(|x| &x.code == a));
    if agency.is_none() {
        errors.push(FieldError::new("agency", "unknown_agency", "Chọn cơ quan xử lý", "Choose an agency"));
    }
    Ok(match agency {
        Some(agency) if errors.is_empty() => Ok(Route { category, commune, agency }),
        _ => Err(errors),
    })
}
