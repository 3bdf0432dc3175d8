//! The one-stop desk screen: a receptionist registers an in-person or postal dossier for the
//! applicant in front of them, ticks the papers received, scans what should be digitised, and
//! prints the receipt slip (Mẫu 01). The dossier is received in the same motion.

use super::apply::{component_inputs, field_views, form_json, ComponentInput, FieldView};
use super::desk_registry;
use super::dossier::store_uploads;
use crate::service::{self as dossiers, DeskIntake, FileInput, SubmitInput};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use tinhso_catalogue::procedure::CompetentAgency;
use tinhso_catalogue::search::Filters;
use tinhso_catalogue_web::live;
use tinhso_dossier::Channel;
use tinhso_http::auth::Viewer;
use tinhso_http::choices::{self, ChoiceGroup};
use tinhso_http::error::AppError;
use tinhso_http::form::{FormData, FormWithFiles, PageQuery};
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_kernel::ids::AgencyCode;
use tinhso_kernel::FieldError;
use tinhso_policy::Action;

#[derive(Template)]
#[template(path = "dossier/desk.html")]
pub struct DeskPage {
    pub layout: Layout,
    pub desk: String,
    pub q: String,
    /// Search results: (code, name, field).
    pub found: Vec<(String, String, String)>,
    pub procedure: Option<(String, String)>,
    pub needs_commune: bool,
    pub commune: String,
    pub communes: Vec<ChoiceGroup>,
    pub fields: Vec<FieldView>,
    pub components: Vec<ComponentInput>,
    /// Components ticked as received on paper.
    pub paper: Vec<usize>,
    pub applicant: (String, String, String),
    pub postal: bool,
    pub org: super::organization::OrganizationBlock,
    pub errors: Vec<FieldError>,
    /// The desk may ask the national population database about the applicant.
    pub registry: bool,
    /// The record read from it.
    pub record: Option<super::desk_registry::RecordView>,
    /// It could not answer.
    pub unavailable: bool,
}

impl DeskPage {
    pub fn error(&self, field: &str) -> Option<&str> {
        tinhso_http::views::error_for(&self.errors, field, self.layout.en)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeskParams {
    q: Option<String>,
    #[serde(rename = "thu-tuc")]
    procedure: Option<String>,
}

/// The receptionist's desk, or 403 for anyone else.
fn desk_of(viewer: &Viewer) -> Result<AgencyCode, AppError> {
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated)?;
    let agency = account.agency.clone().ok_or(AppError::Forbidden)?;
    viewer.require(&Action::ReceiveDossier { agency: agency.clone() })?;
    Ok(agency)
}

/// One of a select's options; the first when nothing was chosen. A value the select does not
/// offer is an error, never quietly the first option.
fn choice<T: Copy>(form: &FormData, key: &str, options: &[(&str, T)], errors: &mut Vec<FieldError>) -> T {
    let sent = form.text(key);
    let first = options[0].1;
    if sent.is_empty() {
        return first;
    }
    match options.iter().find(|(k, _)| *k == sent) {
        Some((_, v)) => *v,
        None => {
            errors.push(FieldError::new(
                key,
                "invalid_choice",
                "Chọn một giá trị trong danh sách",
                "Choose a listed value",
            ));
            first
        }
    }
}

fn page(
    state: &AppState,
    viewer: &Viewer,
    desk: &AgencyCode,
    q: &str,
    code: Option<&str>,
    values: &FormData,
    errors: Vec<FieldError>,
) -> Result<DeskPage, AppError> {
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    let catalogue = live::index(state);
    let found = if code.is_none() && !q.trim().is_empty() {
        let hits = catalogue.search(q, &Filters::default(), 0, 20);
        hits.items.iter().map(|p| (p.code.to_string(), p.name.clone(), p.field.clone())).collect()
    } else {
        Vec::new()
    };
    let p = match code {
        Some(c) => Some(catalogue.get(c).ok_or(AppError::NotFound)?),
        None => None,
    };
    // A commune's desk mostly receives for its own commune: offered first, until changed.
    let commune = match values.get("commune") {
        Some(chosen) => chosen.to_owned(),
        None => state
            .agencies
            .iter()
            .find(|a| a.code == *desk)
            .and_then(|a| a.unit_code)
            .map(|u| u.to_string())
            .unwrap_or_default(),
    };
    Ok(DeskPage {
        layout: Layout::new(
            state,
            viewer,
            viewer.locale.pick("Tiếp nhận hồ sơ tại Bộ phận Một cửa", "Receiving dossiers at the one-stop desk"),
        ),
        desk: state.agency_name(desk.as_str()).unwrap_or(desk.as_str()).to_owned(),
        q: q.to_owned(),
        found,
        procedure: p.map(|p| (p.code.to_string(), p.name.clone())),
        needs_commune: p.is_some_and(|p| p.competent_agency == CompetentAgency::CommuneCommittee),
        communes: choices::communes(state),
        commune,
        // The applicant's name, personal id and phone are asked once, in the desk's own block.
        fields: p
            .map(|p| {
                let mut f = field_views(p, values, &errors, en);
                f.retain(|v| !ASKED_ONCE.iter().any(|(key, _)| v.id == format!("form.{key}")));
                f
            })
            .unwrap_or_default(),
        components: p.map(|p| component_inputs(p, &errors, en)).unwrap_or_default(),
        paper: p
            .map(|p| (0..p.components.len()).filter(|i| values.get(&format!("paper.{i}")).is_some()).collect())
            .unwrap_or_default(),
        applicant: (values.text("desk.full_name"), values.text("desk.personal_id"), values.text("desk.phone")),
        postal: values.text("desk.channel") == "postal",
        org: super::organization::OrganizationBlock {
            at_desk: true,
            ..super::organization::OrganizationBlock::new(
                values,
                &errors,
                en,
                p.map(|p| p.applicants).unwrap_or_default(),
            )
        },
        errors,
        registry: state.capabilities.residents.get().is_some(),
        record: None,
        unavailable: false,
    })
}

/// E-form fields the desk's applicant block already asks for: (e-form key, desk field).
const ASKED_ONCE: [(&str, &str); 3] =
    [("ho_ten", "desk.full_name"), ("so_dinh_danh", "desk.personal_id"), ("so_dien_thoai", "desk.phone")];

pub async fn desk(State(state): State<AppState>, viewer: Viewer, PageQuery(q): PageQuery<DeskParams>) -> PageResult {
    let err = page_err(&viewer);
    let desk = desk_of(&viewer).map_err(&err)?;
    let code = q.procedure.as_deref().filter(|c| !c.is_empty());
    let view = page(&state, &viewer, &desk, q.q.as_deref().unwrap_or(""), code, &FormData::parse(b""), Vec::new())
        .map_err(&err)?;
    Ok(viewer.finish(render(&view)))
}

/// The desk form's target opened as a page (a reload after an error came back on it): the
/// same procedure's form, empty.
pub async fn reopen(Path(code): Path<String>) -> axum::response::Redirect {
    match tinhso_kernel::ids::ProcedureCode::parse("procedure", &code) {
        Ok(code) => axum::response::Redirect::to(&format!("/mot-cua?thu-tuc={code}")),
        Err(_) => axum::response::Redirect::to("/mot-cua"),
    }
}

pub async fn register(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    body: FormWithFiles,
) -> PageResult {
    let err = page_err(&viewer);
    let desk = desk_of(&viewer).map_err(&err)?;
    let mut form = body.form;
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    if form.get("tra-cuu").is_some() {
        // Only the applicant's record is read; nothing is registered, no scan is kept.
        live::index(&state).get(&code).ok_or(AppError::NotFound).map_err(&err)?;
        let looked = desk_registry::fill(&state, account, &code, &mut form).await.map_err(&err)?;
        let status = if looked.errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
        let mut view = page(&state, &viewer, &desk, "", Some(&code), &form, looked.errors).map_err(&err)?;
        view.record = looked.record;
        view.unavailable = looked.unavailable;
        return Ok(match looked.retry_after {
            Some(secs) => viewer.finish_waiting(secs, render(&view)),
            None => viewer.finish((status, render(&view))),
        });
    }
    let (components, applicants) = live::index(&state)
        .get(&code)
        .map(|p| (p.components.len(), p.applicants))
        .ok_or(AppError::NotFound)
        .map_err(&err)?;
    // Scans go to the receptionist's store first; submission copies them to the applicant's.
    let (uploaded, mut upload_errors) = store_uploads(&state, account, body.files).await.map_err(&err)?;
    let files = (0..components)
        .filter_map(|i| {
            let key = format!("file.{i}");
            let sha = uploaded.iter().find(|(f, _)| *f == key).map(|(_, h)| h.clone())?;
            Some(FileInput { component: u16::try_from(i).ok()?, sha256: sha })
        })
        .collect();
    let mut choice_errors = Vec::new();
    let letter = super::organization::letter_of(&uploaded, &form, &mut upload_errors);
    let (applicant_type, organization) = super::organization::organization_typed(&form, applicants, letter);
    let channel = choice(
        &form,
        "desk.channel",
        &[("in_person", Channel::InPerson), ("postal", Channel::Postal)],
        &mut choice_errors,
    );
    // The e-form's copies of the applicant's details come from the desk's block, typed once.
    let mut eform = form_json(&state, &code, &form);
    for (key, desk_field) in ASKED_ONCE {
        if eform.contains_key(key) {
            eform.insert(key.to_owned(), serde_json::Value::String(form.text(desk_field)));
        }
    }
    let input = SubmitInput {
        procedure: code.clone(),
        applicant_type,
        organization,
        commune: form.text("commune").parse().ok(),
        form: eform,
        files,
        desk: Some(DeskIntake {
            full_name: form.text("desk.full_name"),
            personal_id: form.text("desk.personal_id"),
            phone: form.text("desk.phone"),
            channel,
            paper_components: (0..u16::try_from(components).unwrap_or(u16::MAX))
                .filter(|i| form.get(&format!("paper.{i}")).is_some())
                .collect(),
        }),
    };
    let result = if upload_errors.is_empty() && choice_errors.is_empty() {
        dossiers::submit(&state, account, input).await
    } else {
        Err(AppError::Invalid(upload_errors.into_iter().chain(choice_errors).collect()))
    };
    match result {
        Ok(d) => Ok(Redirect::to(&format!("/ho-so/{}/phieu/tiep-nhan", d.code)).into_response()),
        Err(AppError::Invalid(errors)) => {
            // An error of the e-form's copy is the desk field's: said once, where it was typed.
            let mut shown: Vec<FieldError> = Vec::new();
            for mut e in errors {
                if let Some((_, desk_field)) = ASKED_ONCE.iter().find(|(key, _)| e.field == format!("form.{key}")) {
                    e.field = (*desk_field).to_owned();
                }
                if !shown.iter().any(|x| x.field == e.field) {
                    shown.push(e);
                }
            }
            let status = tinhso_http::files::form_status(&shown);
            let view = page(&state, &viewer, &desk, "", Some(&code), &form, shown).map_err(&err)?;
            Ok(viewer.finish((status, render(&view))))
        }
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict { .. })) => {
            let errors = vec![FieldError::new(
                "desk",
                e.code(),
                e.message(tinhso_http::i18n::Locale::Vi),
                e.message(tinhso_http::i18n::Locale::En),
            )];
            let view = page(&state, &viewer, &desk, "", Some(&code), &form, errors).map_err(&err)?;
            Ok(viewer.finish((e.status(), render(&view))))
        }
        Err(e) => Err(err(e)),
    }
}
