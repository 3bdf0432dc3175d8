//! Applying online: the form (the e-form, the documents, whom the dossier is for), what the
//! platform already knows filled in, and the submission with every problem said at once.

use super::dossier::store_uploads;
use super::organization::{organization_typed, OrganizationBlock};
use crate::service::{self as dossiers, SubmitInput};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tinhso_catalogue::procedure::{CompetentAgency, FieldType, OnlineLevel, Procedure};
use tinhso_catalogue_web::live;
use tinhso_http::auth::Viewer;
use tinhso_http::choices::{self, ChoiceGroup};
use tinhso_http::error::AppError;
use tinhso_http::form::{FormData, FormWithFiles, PageQuery};
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Choice, Layout};
use tinhso_kernel::ids::Sha256;
use tinhso_kernel::FieldError;
use tinhso_policy::Action;

/// One e-form field as the submission page renders it.
pub struct FieldView {
    pub id: String,
    /// The label in the page's language where the procedure gives one, else in Vietnamese.
    pub label: String,
    /// The label is Vietnamese on an English page (marked `lang="vi"`).
    pub label_vi: bool,
    pub kind: &'static str,
    pub required: bool,
    pub value: String,
    pub commune: String,
    /// A select's choices: each keeps the Vietnamese choice as its value (what the dossier
    /// records) and shows it in the page's language where the procedure gives one.
    pub options: Vec<Choice>,
    /// The choices are shown in Vietnamese on an English page (marked `lang="vi"`).
    pub options_vi: bool,
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
    /// When the draft this form goes on from was saved ("09:05 ngày 07/12/2026").
    pub draft: Option<String>,
    /// What the last save or deletion of a draft did.
    pub notice: String,
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

/// The e-form's fields as inputs, with the values typed so far and their errors.
pub(crate) fn field_views(p: &Procedure, values: &FormData, errors: &[FieldError], en: bool) -> Vec<FieldView> {
    let err_for = |id: &str| errors.iter().find(|e| e.field == id).map(|e| message(e, en));
    p.form_fields
        .iter()
        .map(|f| {
            let id = format!("form.{}", f.key);
            let (label, vi) = f.label_in(en);
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
                    .map(|o| Choice {
                        value: o.clone(),
                        label: f.option_in(o, en).0.to_owned(),
                        selected: values.text(&id) == *o,
                    })
                    .collect(),
                options_vi: en && f.options_en.is_empty(),
                label: label.to_owned(),
                label_vi: en && vi,
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
    let catalogue = live::index(state);
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
        draft: None,
        notice: String::new(),
    })
}

/// Shows as uploaded the files a saved form names from the document store (`reuse.N`, and the
/// letter of authorisation), so a draft goes on with them chosen.
fn show_chosen(page: &mut ApplyPage, values: &FormData, documents: &[tinhso_store::Document]) {
    let named = |key: &str| {
        let h = values.text(key);
        documents.iter().find(|d| d.sha256.as_str() == h).map(|d| (h.clone(), d.name.clone()))
    };
    for c in &mut page.components {
        c.kept = named(&format!("reuse.{}", c.index));
    }
    if let Some(letter) = named("reuse.authorization") {
        page.org.letter = Some(letter);
    }
}

/// What the page says after a draft was saved or deleted.
fn draft_notice(done: Option<&str>, en: bool) -> String {
    let (vi, english) = match done {
        Some("da-luu") => (
            format!(
                "Đã lưu nháp. Hồ sơ chưa được gửi: ông/bà có thể quay lại nộp tiếp từ trang Hồ sơ của tôi trong {} ngày.",
                super::draft::KEPT_DAYS
            ),
            format!(
                "Draft saved. The application is not sent yet: come back to it from My dossiers within {} days.",
                super::draft::KEPT_DAYS
            ),
        ),
        Some("da-xoa") => ("Đã xóa bản nháp.".to_owned(), "Draft deleted.".to_owned()),
        _ => return String::new(),
    };
    if en {
        english
    } else {
        vi
    }
}

/// Applying online is the citizen's `SubmitDossier` right (desk staff register at the desk).
pub(crate) fn must_be_citizen(viewer: &Viewer) -> Result<(), AppError> {
    viewer.require(&Action::SubmitDossier).map(|_| ())
}

/// `?organization=last`: the apply form with the organisation the applicant last represented
/// filled in (the link the form offers a representative, so nothing is typed again).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplyParams {
    organization: Option<LastOrganization>,
    /// `da-luu` / `da-xoa`: a draft was just saved / deleted.
    nhap: Option<String>,
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
        return Ok(Redirect::to(&tinhso_http::nav::with_next("/dang-nhap", &back)).into_response());
    }
    must_be_citizen(&viewer).map_err(&err)?;
    let (applicants, online_level) = live::index(&state)
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
    // One read of the applicant's latest dossiers: the newest one's e-form, and the organisation
    // they last represented (looked for only where organisations apply).
    let limit = if applicants.admits_organizations() { 50 } else { 1 };
    let query = tinhso_store::DossierQuery { applicant: Some(account.id), limit, ..Default::default() };
    let recent = state.store.dossiers.dossiers(&query).await.map_err(|e| err(e.into()))?;
    let last = last_form(&state, recent.first()).await.map_err(&err)?;
    // The organisation: filled in where only organisations apply or when asked for, else
    // offered by a link under the closed block.
    let organization = if applicants.admits_organizations() {
        recent.into_iter().find_map(|d| Some((d.applicant_type, d.organization?)))
    } else {
        None
    };
    let filled = !applicants.admits_people() || q.organization == Some(LastOrganization::Last);
    // A saved draft goes on where it stopped; otherwise what the platform knows fills it in.
    let draft = state.store.drafts.draft(account.id, &code).await.map_err(|e| err(e.into()))?;
    let values = match &draft {
        Some(d) => FormData::from_pairs(d.fields.clone()),
        None => known_of(account, &last, organization.as_ref().filter(|_| filled)),
    };
    let mut page = apply_page(&state, &viewer, &code, &values, &docs, Vec::new()).map_err(&err)?;
    page.notice = draft_notice(q.nhap.as_deref(), viewer.locale == tinhso_http::i18n::Locale::En);
    if let Some(d) = &draft {
        page.draft = Some(super::draft::saved_at(d));
        show_chosen(&mut page, &values, &docs);
    } else if !filled {
        let code_word = if page.org.en { "code" } else { "mã số" };
        page.org.offer = organization.map(|(_, o)| format!("{} ({code_word} {})", o.name, o.tax_code.as_str()));
    }
    Ok(viewer.finish(render(&page)))
}

/// The applicant's own contact fields of the catalogue's e-forms: what they declared in their
/// last dossier is offered again. Never a procedure's own fields (a child's name, a plot).
const REMEMBERED: [&str; 2] = ["dia_chi", "email"];

/// The e-form of the applicant's most recent dossier (`Null` before their first).
async fn last_form(state: &AppState, last: Option<&tinhso_dossier::Dossier>) -> Result<Value, AppError> {
    let Some(last) = last else { return Ok(Value::Null) };
    Ok(state.store.dossiers.dossier(&last.code).await?.map(|r| r.form).unwrap_or(Value::Null))
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
        known.append_pair("organization.kind", super::organization::kind_key(*kind));
        known.append_pair("organization.name", &o.name);
        known.append_pair("organization.tax_code", o.tax_code.as_str());
        known.append_pair("organization.capacity", o.capacity.key());
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
    let catalogue = live::index(state);
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

/// Submits the application: the dossier, its files and its notice in one write.
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
    if form.get("lenh") == Some("luu-nhap") {
        return save_draft(&state, &viewer, account, &code, &form, &uploaded, upload_errors).await.map_err(&err);
    }
    let (components, applicants) =
        live::index(&state).get(&code).map(|p| (p.components.len(), p.applicants)).unwrap_or((0, Default::default()));
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
    let letter = super::organization::letter_of(&uploaded, &form, &mut upload_errors);
    let (applicant_type, organization) = organization_typed(&form, applicants, letter.clone());
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
        Ok(d) => {
            // Sent: the draft it went on from is done with (looked for first: a read costs less
            // than a write through the engine's one writer, and most applications have none).
            let drafts = &state.store.drafts;
            let done = match drafts.draft(account.id, &code).await {
                Ok(Some(_)) => drafts.delete_draft(account.id, &code).await.map(|_| ()),
                Ok(None) => Ok(()),
                Err(e) => Err(e),
            };
            if let Err(e) = done {
                tracing::warn!(error = %e, dossier = %d.code, "the application's draft was not deleted");
            }
            Ok(Redirect::to(&format!("/ho-so/{}?da-nop=1", d.code)).into_response())
        }
        Err(AppError::Invalid(mut errors)) => {
            errors.append(&mut upload_errors);
            let docs = state.store.documents.documents(account.id).await.map_err(|e| err(e.into()))?;
            let mut page = apply_page(&state, &viewer, &code, &form, &docs, errors).map_err(&err)?;
            page.org.letter =
                letter.and_then(|sha| docs.iter().find(|d| d.sha256 == sha).map(|d| (sha.to_string(), d.name.clone())));
            for (i, sha) in kept {
                if let Some(c) = page.components.get_mut(i) {
                    let name = docs.iter().find(|d| d.sha256 == sha).map(|d| d.name.clone()).unwrap_or_default();
                    c.kept = Some((sha.to_string(), name));
                }
            }
            Ok(viewer.finish((tinhso_http::files::form_status(&page.errors), render(&page))))
        }
        Err(e) => Err(err(e)),
    }
}

/// "Lưu nháp": keeps what was typed and uploaded, whatever its mistakes, as the person's draft;
/// a refused file or a refused save is said on the form shown again, nothing typed lost.
async fn save_draft(
    state: &AppState,
    viewer: &Viewer,
    account: &tinhso_store::Account,
    code: &str,
    form: &FormData,
    uploaded: &[(String, Sha256)],
    mut errors: Vec<FieldError>,
) -> Result<axum::response::Response, AppError> {
    let online = live::index(state).get(code).ok_or(AppError::NotFound)?.online_level;
    if online == OnlineLevel::InPerson {
        return Err(AppError::bad_request(
            "not_online",
            "Thủ tục này chỉ nộp trực tiếp tại Bộ phận Một cửa",
            "This procedure is only done in person",
        ));
    }
    let fields = super::draft::fields_of(form, uploaded);
    let saved = super::draft::save(state, account, code, fields.clone()).await?;
    if saved.is_ok() && errors.is_empty() {
        return Ok(Redirect::to(&format!("/thu-tuc/{code}/nop?nhap=da-luu")).into_response());
    }
    let saved_ok = saved.is_ok();
    errors.extend(saved.err());
    let values = FormData::from_pairs(fields);
    let docs = state.store.documents.documents(account.id).await?;
    let mut page = apply_page(state, viewer, code, &values, &docs, errors)?;
    show_chosen(&mut page, &values, &docs);
    if saved_ok {
        let en = viewer.locale == tinhso_http::i18n::Locale::En;
        page.notice = if en {
            "Draft saved, without the files refused below."
        } else {
            "Đã lưu nháp, trừ các tệp chưa tải lên được nêu dưới đây."
        }
        .to_owned();
    }
    Ok(viewer.finish((tinhso_http::files::form_status(&page.errors), render(&page))))
}
