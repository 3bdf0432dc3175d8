//! The declaration (tờ khai, đơn) the platform writes from a procedure's e-form, so that no
//! applicant uploads what they have just typed: blank, as the paper form to fill by hand at a
//! desk or at home; filled, for a dossier, with what was declared and how it was signed.

use crate::service as dossiers;
use crate::views::form_rows;
use askama::Template;
use axum::extract::{Path, State};
use chrono::Datelike;
use tinhso_catalogue::procedure::Procedure;
use tinhso_catalogue_web::live;
use tinhso_dossier::{Channel, EventKind};
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_kernel::format::date_vi;

#[derive(Template)]
#[template(path = "dossier/declaration.html")]
pub struct DeclarationPage {
    pub layout: Layout,
    /// The component's name ("Tờ khai đăng ký khai sinh").
    pub title: String,
    pub procedure: String,
    pub addressee: String,
    /// (label, value); values are empty on the blank form.
    pub rows: Vec<(String, String)>,
    pub code: Option<String>,
    pub place_date: String,
    /// How the filled declaration was signed: by the account online, or on paper at the desk.
    pub signed: String,
    pub back: String,
}

fn title_of(p: &Procedure) -> Result<String, AppError> {
    let i = p.declaration().ok_or(AppError::NotFound)?;
    p.components.get(i).map(|c| c.name.clone()).ok_or(AppError::NotFound)
}

fn addressee(state: &AppState, p: &Procedure) -> String {
    match &p.competent_agency {
        tinhso_catalogue::procedure::CompetentAgency::Agency(a) => {
            state.agency_name(a.as_str()).unwrap_or_default().into()
        }
        tinhso_catalogue::procedure::CompetentAgency::CommuneCommittee => "Ủy ban nhân dân xã, phường, đặc khu".into(),
    }
}

/// `/thu-tuc/{code}/to-khai`: the blank declaration of a procedure, to print.
pub async fn blank(State(state): State<AppState>, viewer: Viewer, Path(code): Path<String>) -> PageResult {
    let err = page_err(&viewer);
    let catalogue = live::index(&state);
    let p = catalogue.get(&code).ok_or(AppError::NotFound).map_err(&err)?;
    let title = title_of(p).map_err(&err)?;
    let page = DeclarationPage {
        layout: Layout::new(&state, &viewer, title.clone()),
        title,
        procedure: p.name.clone(),
        addressee: addressee(&state, p),
        rows: p.form_fields.iter().map(|f| (f.label.clone(), String::new())).collect(),
        code: None,
        place_date: "…………, ngày …… tháng …… năm ……".into(),
        signed: String::new(),
        back: format!("/thu-tuc/{}", p.code),
    };
    Ok(viewer.finish(render(&page)))
}

/// `/ho-so/{code}/to-khai`: a dossier's declaration as the applicant made it, for whoever may
/// see the dossier.
pub async fn filled(State(state): State<AppState>, viewer: Viewer, Path(code): Path<String>) -> PageResult {
    let err = page_err(&viewer);
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let rec = dossiers::load(&state, account, &code).await.map_err(&err)?;
    let d = &rec.dossier;
    let catalogue = live::index(&state);
    let p = catalogue.get(d.procedure.as_str()).ok_or(AppError::NotFound).map_err(&err)?;
    let title = title_of(p).map_err(&err)?;
    let events = state.store.dossiers.dossier_events(&d.code).await.map_err(|e| err(e.into()))?;
    let submitted_at = events
        .iter()
        .find(|e| matches!(e.event.kind, EventKind::Submitted { .. }))
        .map(|e| tinhso_kernel::calendar::local_time(e.event.at));
    let day = d.submitted_on;
    let signed = match (d.channel, submitted_at) {
        (Channel::Online, Some(at)) => format!(
            "Khai và gửi trực tuyến bằng tài khoản của người khai lúc {} ngày {}.",
            at.format("%H:%M"),
            date_vi(at.date())
        ),
        _ => "Người khai ký trên bản in khi nộp tại Bộ phận Một cửa.".into(),
    };
    let page = DeclarationPage {
        layout: Layout::new(&state, &viewer, title.clone()),
        title,
        procedure: p.name.clone(),
        addressee: state.agency_name(d.competent_agency.as_str()).unwrap_or_default().into(),
        // The declaration is a Vietnamese document: its labels are the labels of record.
        rows: form_rows(&state, Some(p), &rec.form, false).into_iter().map(|r| (r.label, r.value)).collect(),
        code: Some(d.code.to_string()),
        place_date: format!("{}, ngày {} tháng {} năm {}", state.province.name, day.day(), day.month(), day.year()),
        signed,
        back: format!("/ho-so/{}", d.code),
    };
    Ok(viewer.finish(render(&page)))
}
