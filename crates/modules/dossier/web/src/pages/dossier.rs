//! Dossier pages: applying online and the dossier page with the actions its viewer may take.

use super::organization::{organization_typed, OrganizationBlock};
use super::slips::slips_for;
use crate::service::{self as dossiers, SubmitInput};
use crate::views::{form_rows, history, step_rows, summary, DossierSummary, HistoryRow, Names, StepRow};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tinhso_catalogue::procedure::{CompetentAgency, FieldType, OnlineLevel, Procedure};
use tinhso_dossier::{available, Command, CommandKind, DossierState, EventKind, Party};
use tinhso_http::auth::Viewer;
use tinhso_http::choices::{self, ChoiceGroup};
use tinhso_http::error::AppError;
use tinhso_http::form::{FormData, FormWithFiles, PageQuery, Upload};
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Choice, Layout};
use tinhso_kernel::format::thousands;
use tinhso_kernel::ids::Sha256;
use tinhso_kernel::FieldError;
use tinhso_policy::Action;

/// One e-form field as the submission page renders it.
pub struct FieldView {
    pub id: String,
    pub label: String,
    pub kind: &'static str,
    pub required: bool,
    pub value: String,
    pub commune: String,
    pub options: Vec<Choice>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "dossier/apply.html")]
pub struct ApplyPage {
    pub layout: Layout,
    pub code: String,
    pub name: String,
    pub needs_commune: bool,
    pub commune: String,
    pub communes: Vec<ChoiceGroup>,
    pub fields: Vec<FieldView>,
    pub components: Vec<ComponentInput>,
    pub documents: Vec<Choice>,
    pub errors: Vec<FieldError>,
    pub org: OrganizationBlock,
}

/// One required document on the apply page: upload it, or reuse one already in the store.
pub struct ComponentInput {
    pub index: usize,
    pub name: String,
    pub mandatory: bool,
    pub error: Option<String>,
    /// The file already given for it (sha256, name), kept across an error.
    pub kept: Option<(String, String)>,
    /// The declaration the platform writes from the e-form: nothing to upload.
    pub written: bool,
    /// The paper form to print and fill in: the province's linked template, else the
    /// platform's own printout of the e-form for the declaration.
    pub template: Option<String>,
}

#[derive(Template)]
#[template(path = "dossier/show.html")]
pub struct ShowPage {
    pub layout: Layout,
    pub d: DossierSummary,
    pub staff: bool,
    /// The applicant reads it in English (the staff's workspace stays Vietnamese).
    pub en: bool,
    /// The applicant arrives from submitting it: the page opens with the confirmation.
    pub just_submitted: bool,
    /// What the action just carried out did, said at the top.
    pub done: Option<&'static str>,
    pub form: Vec<(String, String)>,
    pub history: Vec<HistoryRow>,
    pub steps: Vec<StepRow>,
    /// Who may take the current step (for `assign`) and the next one (for `complete_step`).
    pub assignees_now: Vec<Choice>,
    pub assignees_next: Vec<Choice>,
    pub actions: Vec<&'static str>,
    pub supplement_items: String,
    /// The papers the last supplement request named, each with a file input of its own.
    pub supplement_files: Vec<String>,
    pub amount_due: String,
    pub agencies: Vec<ChoiceGroup>,
    /// How and when the result was handed over, once it was.
    pub returned: Option<String>,
    /// The declaration written from the e-form, by name, when the procedure has one.
    pub declaration: Option<String>,
    pub slips: Vec<(&'static str, &'static str)>,
    pub files: Vec<FileRow>,
    pub errors: Vec<FieldError>,
}

/// An attached file as the dossier page lists it.
pub struct FileRow {
    pub sha256: String,
    pub name: String,
    /// What it stands for: the procedure's component by name ("Giấy chứng sinh"), a supplement,
    /// or the result, so that the desk checks each paper against the list it must match.
    pub what: String,
    pub result: bool,
    pub size: String,
}

/// The e-form's fields as inputs, with the values typed so far and their errors.
pub(crate) fn field_views(p: &Procedure, values: &FormData, errors: &[FieldError], en: bool) -> Vec<FieldView> {
    let err_for = |id: &str| errors.iter().find(|e| e.field == id).map(|e| message(e, en));
    p.form_fields
        .iter()
        .map(|f| {
            let id = format!("form.{}", f.key);
            FieldView {
                value: values.text(&id),
                commune: values.text(&format!("{id}.commune")),
                error: err_for(&id),
                kind: match f.field_type {
                    FieldType::Text => "text",
                    FieldType::LongText => "textarea",
                    FieldType::Number => "number",
                    FieldType::Date => "date",
                    FieldType::Select => "select",
                    FieldType::PersonalId => "personal_id",
                    FieldType::Phone => "tel",
                    FieldType::Email => "email",
                    FieldType::Address => "address",
                },
                options: f
                    .options
                    .iter()
                    .map(|o| Choice { value: o.clone(), label: o.clone(), selected: values.text(&id) == *o })
                    .collect(),
                label: f.label.clone(),
                required: f.required,
                id,
            }
        })
        .collect()
}

/// An error's message in the page's language.
fn message(e: &FieldError, en: bool) -> String {
    if en {
        e.message_en.clone()
    } else {
        e.message.clone()
    }
}

/// The procedure's components, each with the error under `files.N`.
pub(crate) fn component_inputs(p: &Procedure, errors: &[FieldError], en: bool) -> Vec<ComponentInput> {
    let written = p.declarations();
    p.components
        .iter()
        .enumerate()
        .map(|(i, c)| ComponentInput {
            index: i,
            name: c.name.clone(),
            mandatory: c.mandatory,
            error: errors.iter().find(|e| e.field == format!("files.{i}")).map(|e| message(e, en)),
            kept: None,
            written: written.contains(&i),
            template: c
                .template
                .clone()
                .or_else(|| written.contains(&i).then(|| format!("/thu-tuc/{}/to-khai", p.code))),
        })
        .collect()
}

fn apply_page(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
    values: &FormData,
    documents: &[tinhso_store::Document],
    errors: Vec<FieldError>,
) -> Result<ApplyPage, AppError> {
    let catalogue = state.catalogue();
    let p = catalogue.get(code).ok_or(AppError::NotFound)?;
    let commune = values.text("commune");
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    Ok(ApplyPage {
        layout: Layout::new(state, viewer, format!("{}: {}", if en { "Apply" } else { "Nộp hồ sơ" }, p.name)),
        code: p.code.to_string(),
        name: p.name.clone(),
        needs_commune: p.competent_agency == CompetentAgency::CommuneCommittee,
        communes: choices::communes(state),
        commune,
        fields: field_views(p, values, &errors, en),
        components: component_inputs(p, &errors, en),
        documents: documents
            .iter()
            .map(|d| Choice { value: d.sha256.to_string(), label: d.name.clone(), selected: false })
            .collect(),
        org: OrganizationBlock::new(values, &errors, en, p.applicants),
        errors,
    })
}

/// Applying online is the citizen's `SubmitDossier` right (desk staff register at the desk).
fn must_be_citizen(viewer: &Viewer) -> Result<(), AppError> {
    viewer.require(&Action::SubmitDossier).map(|_| ())
}

/// `?organization=last`: the apply form with the organisation the applicant last represented
/// filled in (the link the form offers a representative, so nothing is typed again).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplyParams {
    organization: Option<LastOrganization>,
}

#[derive(Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
enum LastOrganization {
    Last,
}

pub async fn apply_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<ApplyParams>,
) -> PageResult {
    let err = page_err(&viewer);
    if viewer.account.is_none() {
        // Log in (or register) and come straight back to this form.
        let back = format!("/thu-tuc/{}/nop", tinhso_kernel::text::clean(&code));
        return Ok(Redirect::to(&tinhso_http::pages::account::with_next("/dang-nhap", &back)).into_response());
    }
    must_be_citizen(&viewer).map_err(&err)?;
    let (applicants, online_level) = state
        .catalogue()
        .get(&code)
        .map(|p| (p.applicants, p.online_level))
        .unwrap_or((Default::default(), OnlineLevel::PartlyOnline));
    if online_level == OnlineLevel::InPerson {
        return Err(err(AppError::bad_request(
            "not_online",
            "Thủ tục này chỉ nộp trực tiếp tại Bộ phận Một cửa",
            "This procedure is only done in person",
        )));
    }
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let docs = state.store.documents.documents(account.id).await.map_err(|e| err(e.into()))?;
    let last = last_form(&state, account).await.map_err(&err)?;
    // The organisation the applicant last represented: filled in where only organisations
    // apply or when asked for, else offered by a link in the closed block.
    let organization =
        if applicants.admits_organizations() { last_organization(&state, account).await.map_err(&err)? } else { None };
    let filled = !applicants.admits_people() || q.organization == Some(LastOrganization::Last);
    let known = known_of(account, &last, organization.as_ref().filter(|_| filled));
    let mut page = apply_page(&state, &viewer, &code, &known, &docs, Vec::new()).map_err(&err)?;
    if !filled {
        let code_word = if page.org.en { "code" } else { "mã số" };
        page.org.offer = organization.map(|(_, o)| format!("{} ({code_word} {})", o.name, o.tax_code.as_str()));
    }
    Ok(viewer.finish(render(&page)))
}

/// The applicant's own contact fields of the catalogue's e-forms: what they declared in their
/// last dossier is offered again. Never a procedure's own fields (a child's name, a plot).
const REMEMBERED: [&str; 2] = ["dia_chi", "email"];

/// The e-form of the applicant's most recent dossier (`Null` before their first).
async fn last_form(state: &AppState, account: &tinhso_store::Account) -> Result<Value, AppError> {
    let query = tinhso_store::DossierQuery { applicant: Some(account.id), limit: 1, ..Default::default() };
    let Some(last) = state.store.dossiers.dossiers(&query).await?.into_iter().next() else {
        return Ok(Value::Null);
    };
    Ok(state.store.dossiers.dossier(&last.code).await?.map(|r| r.form).unwrap_or(Value::Null))
}

/// The organisation the applicant's most recent dossier for one was for, among their latest
/// dossiers (a representative's are mostly their organisation's).
async fn last_organization(
    state: &AppState,
    account: &tinhso_store::Account,
) -> Result<Option<(tinhso_dossier::ApplicantType, tinhso_dossier::Organization)>, AppError> {
    let query = tinhso_store::DossierQuery { applicant: Some(account.id), limit: 50, ..Default::default() };
    let mine = state.store.dossiers.dossiers(&query).await?;
    Ok(mine.into_iter().find_map(|d| Some((d.applicant_type, d.organization?))))
}

/// What the platform already knows of the applicant, as the e-form's first values: name,
/// personal id and phone from the account, their contact address (and the commune it is in,
/// as the commune to decide) from their last dossier, and the organisation given; never typed
/// again, editable where they differ.
fn known_of(
    account: &tinhso_store::Account,
    last: &Value,
    organization: Option<&(tinhso_dossier::ApplicantType, tinhso_dossier::Organization)>,
) -> FormData {
    let mut known = form_urlencoded::Serializer::new(String::new());
    if let Some((kind, o)) = organization {
        let kind =
            if *kind == tinhso_dossier::ApplicantType::HouseholdBusiness { "household_business" } else { "business" };
        known.append_pair("organization.kind", kind);
        known.append_pair("organization.name", &o.name);
        known.append_pair("organization.tax_code", o.tax_code.as_str());
    }
    known.append_pair("form.ho_ten", &account.full_name);
    if let Some(id) = &account.personal_id {
        known.append_pair("form.so_dinh_danh", id.as_str());
    }
    if tinhso_kernel::ids::Phone::parse("phone", &account.login).is_ok() {
        known.append_pair("form.so_dien_thoai", &account.login);
    }
    for key in REMEMBERED {
        match last.get(key) {
            Some(Value::String(v)) => {
                known.append_pair(&format!("form.{key}"), v);
            }
            Some(Value::Object(address)) => {
                let detail = address.get("detail").and_then(Value::as_str).unwrap_or_default();
                known.append_pair(&format!("form.{key}"), detail);
                let commune = address.get("commune").and_then(|c| c.as_u64().or_else(|| c.as_str()?.parse().ok()));
                if let Some(commune) = commune {
                    known.append_pair(&format!("form.{key}.commune"), &commune.to_string());
                    if key == "dia_chi" {
                        known.append_pair("commune", &commune.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    FormData::parse(known.finish().as_bytes())
}

/// The e-form's HTML fields as the JSON the domain checks (`form.KEY`, `form.KEY.commune`).
pub(crate) fn form_json(state: &AppState, code: &str, f: &FormData) -> Map<String, Value> {
    let catalogue = state.catalogue();
    let mut out = Map::new();
    let Some(p) = catalogue.get(code) else { return out };
    for field in &p.form_fields {
        let id = format!("form.{}", field.key);
        let value = match field.field_type {
            FieldType::Address => {
                let (detail, commune) = (f.text(&id), f.text(&format!("{id}.commune")));
                if detail.is_empty() && commune.is_empty() {
                    continue;
                }
                json!({ "detail": detail, "commune": commune })
            }
            _ => Value::String(f.text(&id)),
        };
        out.insert(field.key.clone(), value);
    }
    out
}

/// Stores uploaded files in the account's document store; returns (field, sha256) pairs, and
/// errors under `files.N` for the component inputs they came from.
pub(crate) async fn store_uploads(
    state: &AppState,
    account: &tinhso_store::Account,
    uploads: Vec<Upload>,
) -> Result<(Vec<(String, Sha256)>, Vec<FieldError>), AppError> {
    let mut stored = Vec::new();
    let mut errors = Vec::new();
    let limits = state.upload_limits().await?;
    let quota = tinhso_http::files::quota_for(limits, account);
    // A refusal under the component input it came from (`file.N` -> `files.N`).
    let refused = |field: &str, e: AppError| {
        let (vi, en) = (e.message(tinhso_http::i18n::Locale::Vi), e.message(tinhso_http::i18n::Locale::En));
        FieldError::new(field.replace("file.", "files."), e.code(), vi, en)
    };
    for up in uploads {
        let f = match up.stored {
            Ok(f) => f,
            Err(e) => {
                errors.push(refused(&up.field, e));
                continue;
            }
        };
        let name = tinhso_kernel::files::clean_name(&up.name);
        match state.store.documents.add_document(account.id, &f, &name, quota.as_ref()).await? {
            tinhso_store::Added::Added => stored.push((up.field, f.sha256)),
            tinhso_store::Added::OverQuota { today, total } => {
                errors.push(refused(&up.field, tinhso_http::files::over_quota(limits, today, total)))
            }
        }
    }
    Ok((stored, errors))
}

pub async fn apply(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    body: FormWithFiles,
) -> PageResult {
    let err = page_err(&viewer);
    must_be_citizen(&viewer).map_err(&err)?;
    let form = body.form;
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let (uploaded, mut upload_errors) = store_uploads(&state, account, body.files).await.map_err(&err)?;
    let components = state.catalogue().get(&code).map(|p| p.components.len()).unwrap_or(0);
    let mut files = Vec::new();
    for i in 0..components {
        let fresh = uploaded.iter().find(|(f, _)| *f == format!("file.{i}")).map(|(_, h)| h.clone());
        let chosen = form.text(&format!("reuse.{i}"));
        let reused = match chosen.as_str() {
            "" => None,
            h => match Sha256::parse(&format!("files.{i}"), h) {
                Ok(h) => Some(h),
                Err(e) => {
                    upload_errors.push(e);
                    None
                }
            },
        };
        if let (Some(sha256), Ok(component)) = (fresh.or(reused), u16::try_from(i)) {
            files.push(dossiers::FileInput { component, sha256 });
        }
    }
    let applicants = state.catalogue().get(&code).map(|p| p.applicants).unwrap_or_default();
    let (applicant_type, organization) = organization_typed(&form, applicants);
    let input = SubmitInput {
        procedure: code.clone(),
        applicant_type,
        organization,
        commune: form.text("commune").parse().ok(),
        form: form_json(&state, &code, &form),
        files,
        desk: None,
    };
    // Files that went up are kept across an error: they are in the applicant's document store
    // and come back chosen, so nothing is uploaded twice on a 3G line.
    let kept: Vec<(usize, Sha256)> = (0..components)
        .filter_map(|i| input.files.iter().find(|f| usize::from(f.component) == i).map(|f| (i, f.sha256.clone())))
        .collect();
    let result = if upload_errors.is_empty() {
        dossiers::submit(&state, account, input).await
    } else {
        // A refused upload and every other problem, said in one pass.
        let mut errors = dossiers::check(&state, account, input).await;
        errors.retain(|e| !upload_errors.iter().any(|u| u.field == e.field));
        Err(AppError::Invalid(errors))
    };
    match result {
        Ok(d) => Ok(Redirect::to(&format!("/ho-so/{}?da-nop=1", d.code)).into_response()),
        Err(AppError::Invalid(mut errors)) => {
            errors.append(&mut upload_errors);
            let docs = state.store.documents.documents(account.id).await.map_err(|e| err(e.into()))?;
            let mut page = apply_page(&state, &viewer, &code, &form, &docs, errors).map_err(&err)?;
            for (i, sha) in kept {
                if let Some(c) = page.components.get_mut(i) {
                    let name = docs.iter().find(|d| d.sha256 == sha).map(|d| d.name.clone()).unwrap_or_default();
                    c.kept = Some((sha.to_string(), name));
                }
            }
            Ok(viewer.finish((StatusCode::BAD_REQUEST, render(&page))))
        }
        Err(e) => Err(err(e)),
    }
}

async fn show_page(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
    errors: Vec<FieldError>,
) -> Result<ShowPage, AppError> {
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated)?;
    let rec = dossiers::load(state, account, code).await?;
    let d = &rec.dossier;
    let owner = account.id == d.applicant;
    // The applicant's page follows their language; the staff's workspace stays Vietnamese.
    let en = owner && viewer.locale == tinhso_http::i18n::Locale::En;
    let events = state.store.dossiers.dossier_events(&d.code).await?;
    let catalogue = state.catalogue();
    let party = if owner { Party::Applicant } else { Party::Staff };
    let mut actions: Vec<&'static str> = available(d, party)
        .into_iter()
        .filter(|k| owner || dossiers::may_issue(account, *k, d))
        .map(CommandKind::key)
        .collect();
    // The main action first; those that end or turn a dossier away after it.
    actions.sort_by_key(|a| match *a {
        "withdraw" => 2,
        "refuse" | "stop" => 1,
        _ => 0,
    });
    let requested = events.iter().rev().find_map(|e| match &e.event.kind {
        EventKind::SupplementRequested { items, reason } => Some((items.clone(), reason.clone())),
        _ => None,
    });
    let why = if en { "Why" } else { "Lý do" };
    let supplement_items =
        requested.as_ref().map(|(items, reason)| format!("{}. {why}: {reason}", items.join("; "))).unwrap_or_default();
    // One file input per paper asked for, so a citizen sends them all in one go.
    let supplement_files = requested.map(|(items, _)| items).unwrap_or_default();
    let amount_due = events
        .iter()
        .rev()
        .find_map(|e| match &e.event.kind {
            EventKind::PaymentRequested { amount_vnd } => Some(tinhso_kernel::format::money(*amount_vnd, en)),
            _ => None,
        })
        .unwrap_or_default();
    let staff = if owner { Vec::new() } else { state.store.identity.staff(&d.competent_agency).await? };
    let names: Names = staff.iter().map(|a| (a.id, a.full_name.clone())).collect();
    let choices = |list: Vec<tinhso_store::Account>| {
        list.into_iter()
            .map(|a| Choice { value: a.id.to_string(), label: a.full_name, selected: false })
            .collect::<Vec<_>>()
    };
    let (assignees_now, assignees_next) = if owner || d.state != DossierState::Processing {
        (Vec::new(), Vec::new())
    } else {
        let now = usize::from(d.step);
        (
            choices(dossiers::step_candidates(state, d, now).await?),
            choices(dossiers::step_candidates(state, d, now + 1).await?),
        )
    };
    Ok(ShowPage {
        just_submitted: false,
        done: None,
        layout: Layout::new(state, viewer, format!("{} {code}", if en { "Dossier" } else { "Hồ sơ" })),
        steps: if owner { Vec::new() } else { step_rows(state, d, &events, &names) },
        assignees_now,
        assignees_next,
        d: summary(state, d, en),
        en,
        staff: !owner,
        form: form_rows(state, catalogue.get(d.procedure.as_str()).map(|p| p.as_ref()), &rec.form),
        returned: events.iter().rev().find_map(|e| match e.event.kind {
            tinhso_dossier::EventKind::Returned { method } => {
                let on = tinhso_kernel::format::date_vi(tinhso_dossier::deadline::local_date(e.event.at));
                Some(if en {
                    format!("Handed over {} on {on}", crate::views::method_en(method))
                } else {
                    format!("Đã trả kết quả {} ngày {on}", crate::views::method_vi(method))
                })
            }
            _ => None,
        }),
        history: history(state, &events, !owner, &names, en),
        actions,
        supplement_items,
        supplement_files,
        amount_due,
        agencies: choices::agencies(state, |a| a.code != d.competent_agency, ""),
        slips: slips_for(d),
        declaration: catalogue
            .get(d.procedure.as_str())
            .and_then(|p| p.declaration().and_then(|i| p.components.get(i)).map(|c| c.name.clone())),
        files: state
            .store
            .dossiers
            .dossier_files(&d.code)
            .await?
            .into_iter()
            .map(|f| {
                use tinhso_kernel::files::FilePurpose;
                let component = f
                    .attachment
                    .component
                    .and_then(|i| catalogue.get(d.procedure.as_str())?.components.get(usize::from(i)))
                    .map(|c| c.name.clone());
                let what = match f.attachment.purpose {
                    FilePurpose::Component => component.unwrap_or_else(|| "Thành phần hồ sơ".into()),
                    FilePurpose::Supplement => if en { "Added later" } else { "Bổ sung" }.into(),
                    FilePurpose::Result => if en { "The result" } else { "Kết quả giải quyết" }.into(),
                };
                FileRow {
                    sha256: f.attachment.sha256.to_string(),
                    name: f.attachment.name,
                    what,
                    result: f.attachment.purpose == FilePurpose::Result,
                    size: format!("{} KB", thousands(f.size.div_ceil(1024))),
                }
            })
            .collect(),
        errors,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShowParams {
    /// Set by the redirect after applying: the page opens with the confirmation.
    #[serde(rename = "da-nop")]
    da_nop: Option<String>,
    /// Set by the redirect after an action: which one was done.
    xong: Option<String>,
}

/// The action a redirect reports, as a known key (an unknown one reports nothing).
fn done_key(action: &str) -> &'static str {
    CommandKind::parse(action).map(CommandKind::key).unwrap_or("")
}

/// What the page says after an action was carried out.
fn done_message(key: &str) -> Option<&'static str> {
    Some(match CommandKind::parse(key)? {
        CommandKind::Receive => "Đã tiếp nhận hồ sơ. Phiếu tiếp nhận và hẹn trả kết quả (Mẫu 01) có ở mục Phiếu.",
        CommandKind::Refuse => "Đã từ chối tiếp nhận; người nộp đã được thông báo lý do.",
        CommandKind::RequestSupplement => "Đã gửi yêu cầu bổ sung (Mẫu 02) cho người nộp.",
        CommandKind::Supplement => "Đã gửi giấy tờ bổ sung.",
        CommandKind::RequestPayment => "Đã gửi yêu cầu nộp phí, lệ phí.",
        CommandKind::RecordPayment => "Đã ghi nhận nộp phí, lệ phí.",
        CommandKind::StartProcessing => "Đã nhận xử lý hồ sơ.",
        CommandKind::CompleteStep => "Đã chuyển bước xử lý.",
        CommandKind::Assign => "Đã giao bước xử lý.",
        CommandKind::Transfer => "Đã chuyển hồ sơ.",
        CommandKind::Approve => "Đã phê duyệt; hồ sơ chờ trả kết quả.",
        CommandKind::Return => "Đã trả kết quả; hồ sơ đã kết thúc.",
        CommandKind::Withdraw => "Đã rút hồ sơ.",
        CommandKind::Stop => "Đã dừng xử lý hồ sơ.",
        CommandKind::Apologise => "Đã gửi thư xin lỗi và hẹn lại ngày trả.",
        CommandKind::Rate => "Cảm ơn ông/bà đã đánh giá.",
    })
}

/// `done_message` for the applicant's own actions, in English.
fn done_message_en(key: &str) -> Option<&'static str> {
    Some(match CommandKind::parse(key)? {
        CommandKind::Supplement => "The documents were sent.",
        CommandKind::Withdraw => "The dossier was withdrawn.",
        CommandKind::Rate => "Thank you for your rating.",
        _ => return done_message(key),
    })
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<ShowParams>,
) -> PageResult {
    let mut page = show_page(&state, &viewer, &code, Vec::new()).await.map_err(page_err(&viewer))?;
    page.just_submitted = q.da_nop.is_some() && !page.staff;
    page.done = q.xong.as_deref().and_then(|k| if page.en { done_message_en(k) } else { done_message(k) });
    Ok(viewer.finish(render(&page)))
}

pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    body: FormWithFiles,
) -> PageResult {
    let err = page_err(&viewer);
    let form = body.form;
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&[
        "action",
        "reason",
        "items",
        "note",
        "amount",
        "to_agency",
        "assignee",
        "next_assignee",
        "electronic_result",
        "method",
        "new_due_on",
        "rating",
        "comment",
        "xac_nhan",
    ])
    .map_err(&err)?;
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let (uploaded, upload_errors) = store_uploads(&state, account, body.files).await.map_err(&err)?;
    let hashes: Vec<Sha256> = uploaded.into_iter().map(|(_, h)| h).collect();
    let action = form.text("action");
    // Withdrawing cannot be undone: the page asks for a ticked confirmation (no script needed).
    let unconfirmed = action == "withdraw" && form.get("xac_nhan") != Some("co");
    let result = match (upload_errors.is_empty(), crate::command_form::command(&form)) {
        (_, _) if unconfirmed => Err(AppError::Invalid(vec![FieldError::new(
            "xac_nhan",
            "confirmation_required",
            "Đánh dấu ô \"Tôi muốn rút hồ sơ này\" để xác nhận rút hồ sơ",
            "Tick the box to confirm withdrawing the dossier",
        )])),
        (false, _) => Err(AppError::Invalid(upload_errors)),
        (true, Ok(mut cmd)) => {
            match &mut cmd {
                Command::Supplement { files, .. } => *files = hashes,
                Command::Approve { result, .. } => *result = hashes.into_iter().next(),
                _ => {}
            }
            dossiers::act(&state, account, &code, cmd).await
        }
        (true, Err(e)) => Err(e),
    };
    match result {
        // Back to the dossier, which says what was done (the action's own words, never the input).
        Ok(_) => Ok(Redirect::to(&format!("/ho-so/{code}?xong={}", done_key(&action))).into_response()),
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict { .. } | AppError::Invalid(_))) => {
            let status = e.status();
            let errors = match e {
                AppError::Invalid(errs) => errs,
                other => vec![FieldError::new(
                    "action",
                    other.code(),
                    other.message(viewer.locale),
                    other.message(tinhso_http::i18n::Locale::En),
                )],
            };
            let page = show_page(&state, &viewer, &code, errors).await.map_err(&err)?;
            Ok(viewer.finish((status, render(&page))))
        }
        Err(e) => Err(err(e)),
    }
}

/// A file attached to the dossier, for those who may see the dossier.
pub async fn file(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((code, sha256)): Path<(String, String)>,
) -> PageResult {
    let err = page_err(&viewer);
    let account = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?;
    crate::api::attached_file(&state, account, &code, &sha256).await.map_err(err)
}
