//! Province admin: the procedure catalogue and its editor.

use super::components::{self, ComponentRow};
use super::fields::{self, FieldRow};
use super::groups;
use super::steps::{self, StepRow};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use chrono::Datelike;
use tinhso_catalogue::procedure::{Applicants, CompetentAgency, Fee, Level, OnlineLevel, Procedure, ProcessingTime};
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::form::FormData;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{error_for, render, Choice, Layout};
use tinhso_kernel::error::Errors;
use tinhso_kernel::ids::{AgencyCode, ProcedureCode};
use tinhso_kernel::FieldError;
use tinhso_policy::Action;
use tinhso_store::admin::{AdminAct, Basis};
use tinhso_store::StoreError;

#[derive(Template)]
#[template(path = "admin/home.html")]
pub struct AdminHome {
    pub layout: Layout,
    pub procedures: Vec<(String, String, String, bool)>,
    pub year: i32,
}

#[derive(Template)]
#[template(path = "admin/procedure.html")]
pub struct ProcedureForm {
    pub layout: Layout,
    pub is_new: bool,
    pub errors: Vec<FieldError>,
    pub v: ProcedureFormValues,
    pub agencies: Vec<Choice>,
    pub levels: Vec<Choice>,
    pub online: Vec<Choice>,
    pub applicants: Vec<Choice>,
    /// What an e-form field may ask for, what kind of paper a document is, who does a step:
    /// (key, label in the page's language).
    pub kinds: Vec<(String, &'static str)>,
    pub copy_kinds: Vec<(String, &'static str)>,
    pub roles: Vec<(String, &'static str)>,
    pub blank_rows: usize,
    /// What the page began from ([`Basis::token`]), so a save never undoes one made meanwhile.
    pub revision: String,
}

impl ProcedureForm {
    /// The problem with input `attr` of group `i` of list `area` (`groups.rs`).
    pub fn item_err(&self, area: &str, i: &usize, attr: &str) -> Option<&str> {
        error_for(&self.errors, &format!("{area}[{i}].{attr}"), self.layout.en)
    }

    pub fn err(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field, self.layout.en)
    }

    /// Whether group `i` of list `area` opens by itself: when one of its inputs has a problem,
    /// or its removal is ticked (after a failed save), so nothing asked of the admin is hidden.
    pub fn is_open(&self, area: &str, i: &usize, slot: &groups::Slot) -> bool {
        let prefix = format!("{area}[{i}].");
        slot.remove || self.errors.iter().any(|e| e.field.starts_with(&prefix))
    }

    /// The label of `key` among `choices` (a kind of field or paper, a step's role), for a
    /// closed group's summary; the key itself if it is not one of them.
    pub fn label_of<'a>(&self, choices: &'a [(String, &'static str)], key: &'a str) -> &'a str {
        choices.iter().find(|(k, _)| k == key).map_or(key, |(_, label)| *label)
    }
}

/// The form's values as typed, so a failed save shows them again.
#[derive(Default)]
pub struct ProcedureFormValues {
    pub code: String,
    pub name: String,
    pub field: String,
    pub levels: Vec<String>,
    pub agency: String,
    pub applicants: String,
    pub time_value: String,
    pub time_unit: String,
    pub estimated: bool,
    pub fee: String,
    pub fee_note: String,
    pub online: String,
    /// The documents, the e-form's fields and the steps, a group of inputs each (`groups.rs`).
    pub components: Vec<ComponentRow>,
    pub fields: Vec<FieldRow>,
    pub steps: Vec<StepRow>,
    pub legal_basis: String,
    pub result_type: String,
}

pub async fn home(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let err = page_err(&viewer);
    if viewer.account.is_none() {
        return Err(err(AppError::Unauthenticated));
    }
    if !viewer.may(&Action::ManageCatalogue) {
        // Agency admins manage their staff; other staff roles get their workspaces with the
        // dossier lifecycle, and see their account meanwhile.
        let agency_admin = viewer.account.as_ref().is_some_and(|a| a.role == tinhso_policy::Role::AgencyAdmin);
        let to = if agency_admin { "/quan-tri/tai-khoan" } else { "/tai-khoan" };
        return Ok(Redirect::to(to).into_response());
    }
    let procedures = crate::live::index(&state)
        .all()
        .iter()
        .map(|p| (p.code.to_string(), p.name.clone(), p.field.clone(), p.processing_time_estimated))
        .collect();
    let page = AdminHome {
        layout: Layout::new(&state, &viewer, viewer.locale.pick("Quản trị", "Administration")),
        procedures,
        year: chrono::Utc::now().year(),
    };
    Ok(viewer.finish(render(&page)))
}

/// The editor's page, of a new procedure or of a stored one as `basis` says it stood.
fn form_page(
    state: &AppState,
    viewer: &Viewer,
    (is_new, basis): (bool, &Basis),
    v: ProcedureFormValues,
    errors: Vec<FieldError>,
) -> ProcedureForm {
    let pick = |value: &str, label: &str, current: &str| Choice {
        value: value.to_owned(),
        label: label.to_owned(),
        selected: value == current,
    };
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    let commune = if en {
        "The commune's People's Committee (the applicant's choice)"
    } else {
        "UBND xã, phường, đặc khu (nơi người nộp chọn)"
    };
    let mut agencies = vec![pick("commune_committee", commune, &v.agency)];
    agencies.extend(
        state
            .agencies
            .iter()
            .filter(|a| a.level == tinhso_kernel::province::AgencyLevel::Province)
            .map(|a| pick(a.code.as_str(), &a.name, &v.agency)),
    );
    let levels = Level::ALL
        .iter()
        .map(|l| Choice {
            value: l.key().into(),
            label: if en { l.label_en() } else { l.label_vi() }.into(),
            selected: v.levels.iter().any(|x| x == l.key()),
        })
        .collect();
    let online = OnlineLevel::ALL
        .iter()
        .map(|o| pick(o.key(), if en { o.label_en() } else { o.label_vi() }, &v.online))
        .collect();
    let applicants = Applicants::ALL
        .iter()
        .map(|a| pick(a.key(), if en { a.label_en() } else { a.label_vi() }, &v.applicants))
        .collect();
    let title = match (is_new, en) {
        (true, false) => "Thêm thủ tục".to_owned(),
        (true, true) => "Add a procedure".to_owned(),
        (false, false) => format!("Sửa thủ tục {}", v.code),
        (false, true) => format!("Edit procedure {}", v.code),
    };
    let kinds = tinhso_catalogue::procedure::FieldType::ALL
        .iter()
        .map(|k| (k.key().to_owned(), if en { k.label_en() } else { k.label_vi() }))
        .collect();
    ProcedureForm {
        layout: Layout::new(state, viewer, title),
        is_new,
        errors,
        v,
        agencies,
        levels,
        online,
        applicants,
        kinds,
        copy_kinds: tinhso_catalogue::procedure::CopyKind::ALL
            .iter()
            .map(|k| (k.key().to_owned(), if en { k.label_en() } else { k.label_vi() }))
            .collect(),
        roles: tinhso_catalogue::workflow::StepRole::ALL
            .iter()
            .map(|r| (r.key().to_owned(), if en { r.label_en() } else { r.label_vi() }))
            .collect(),
        blank_rows: groups::BLANK_ROWS,
        revision: basis.token().to_owned(),
    }
}

fn values_of(p: &Procedure) -> ProcedureFormValues {
    let (time_value, time_unit) = match p.processing_time {
        Some(ProcessingTime::WorkingDays(n)) => (n.to_string(), "days"),
        Some(ProcessingTime::WorkingHours(n)) => (n.to_string(), "hours"),
        None => (String::new(), "days"),
    };
    ProcedureFormValues {
        code: p.code.to_string(),
        name: p.name.clone(),
        field: p.field.clone(),
        levels: p.levels.iter().map(|l| l.key().to_owned()).collect(),
        agency: match &p.competent_agency {
            CompetentAgency::CommuneCommittee => "commune_committee".into(),
            CompetentAgency::Agency(c) => c.to_string(),
        },
        applicants: p.applicants.key().into(),
        time_value,
        time_unit: time_unit.into(),
        estimated: p.processing_time_estimated,
        fee: p.fee.amount_vnd.map(|n| n.to_string()).unwrap_or_default(),
        fee_note: p.fee.note.clone(),
        online: p.online_level.key().into(),
        components: components::rows_of(&p.components),
        fields: fields::rows_of(&p.form_fields),
        steps: steps::rows_of(&p.steps),
        legal_basis: p.legal_basis.clone(),
        result_type: p.result_type.clone(),
    }
}

pub async fn new_form(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    viewer.require(&Action::ManageCatalogue).map_err(page_err(&viewer))?;
    let v = ProcedureFormValues {
        time_unit: "days".into(),
        online: "partly_online".into(),
        applicants: Applicants::default().key().into(),
        components: components::rows_of(&[]),
        fields: fields::rows_of(&[]),
        steps: steps::rows_of(&[]),
        ..Default::default()
    };
    Ok(viewer.finish(render(&form_page(&state, &viewer, (true, &Basis::Absent), v, Vec::new()))))
}

pub async fn edit_form(State(state): State<AppState>, viewer: Viewer, Path(code): Path<String>) -> PageResult {
    let err = page_err(&viewer);
    viewer.require(&Action::ManageCatalogue).map_err(&err)?;
    let catalogue = crate::live::index(&state);
    let p = catalogue.get(&code).ok_or(AppError::NotFound).map_err(&err)?;
    let basis = Basis::of(Some(p.as_ref())).map_err(|e| err(e.into()))?;
    Ok(viewer.finish(render(&form_page(&state, &viewer, (false, &basis), values_of(p), Vec::new()))))
}

fn parse_procedure(
    f: &FormData,
    fixed_code: Option<&str>,
) -> (ProcedureFormValues, Result<Procedure, Vec<FieldError>>) {
    let mut v = ProcedureFormValues {
        code: fixed_code.map(str::to_owned).unwrap_or_else(|| f.text("code")),
        name: f.text("name"),
        field: f.text("field"),
        levels: f.all("levels").into_iter().map(str::to_owned).collect(),
        agency: f.text("agency"),
        applicants: f.text("applicants"),
        time_value: f.text("time_value"),
        time_unit: f.text("time_unit"),
        estimated: f.get("estimated").is_some(),
        fee: f.text("fee"),
        fee_note: f.text("fee_note"),
        online: f.text("online"),
        components: groups::rows_from(f.pairs()),
        fields: groups::rows_from(f.pairs()),
        steps: groups::rows_from(f.pairs()),
        legal_basis: f.text("legal_basis"),
        result_type: f.text("result_type"),
    };
    let mut errs = Errors::default();
    let code = errs.take(ProcedureCode::parse("code", &v.code));
    let levels: Vec<Level> = v.levels.iter().filter_map(|l| Level::parse(l)).collect();
    let agency = if v.agency == "commune_committee" {
        Some(CompetentAgency::CommuneCommittee)
    } else {
        errs.take(AgencyCode::parse("agency", &v.agency)).map(CompetentAgency::Agency)
    };
    let processing_time = if v.time_value.is_empty() {
        None
    } else {
        match v.time_value.parse::<u16>() {
            Ok(n) if v.time_unit == "hours" => Some(ProcessingTime::WorkingHours(n)),
            Ok(n) => Some(ProcessingTime::WorkingDays(n)),
            Err(_) => {
                errs.push(FieldError::new(
                    "time_value",
                    "invalid_number",
                    "Nhập thời hạn giải quyết bằng số, ví dụ 5",
                    "Enter the time limit as a number, e.g. 5",
                ));
                None
            }
        }
    };
    let fee = if v.fee.is_empty() {
        None
    } else {
        match v.fee.replace(['.', ' '], "").parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errs.push(FieldError::new(
                    "fee",
                    "invalid_number",
                    "Nhập lệ phí bằng số đồng, ví dụ 135000; để trống nếu do HĐND tỉnh quy định",
                    "Enter the fee in dong, e.g. 135000; leave empty if set by the provincial council",
                ));
                None
            }
        }
    };
    let online = OnlineLevel::parse(&v.online);
    if online.is_none() {
        errs.push(FieldError::new(
            "online",
            "required",
            "Chọn mức độ dịch vụ công trực tuyến",
            "Choose the online level",
        ));
    }
    // A form from before the choice existed (or a script posting it) keeps the default.
    let applicants =
        if v.applicants.is_empty() { Some(Applicants::default()) } else { Applicants::parse(&v.applicants) };
    if applicants.is_none() {
        errs.push(FieldError::new(
            "applicants",
            "invalid_choice",
            "Chọn đối tượng thực hiện trong danh sách",
            "Choose who may apply from the list",
        ));
    }
    let (components, component_groups) = components::components(&v.components, &mut errs);
    let (form_fields, field_groups) = fields::fields(&v.fields, &mut errs);
    let (steps, step_groups) = steps::steps(&v.steps, &mut errs);
    // The catalogue's own checks run even when the form's have found problems, so that every
    // problem is told at once; what could not be read stands in with a harmless value, which
    // those checks do not look at.
    let complete = errs.is_empty();
    let Some(code) = code.or_else(|| ProcedureCode::parse("code", "0.000000").ok()) else {
        return (v, Err(errs.0));
    };
    let checked = Procedure {
        code,
        name: v.name.clone(),
        field: v.field.clone(),
        levels,
        competent_agency: agency.unwrap_or(CompetentAgency::CommuneCommittee),
        processing_time,
        processing_time_estimated: v.estimated && processing_time.is_some(),
        fee: Fee { amount_vnd: fee, note: v.fee_note.clone() },
        applicants: applicants.unwrap_or_default(),
        online_level: online.unwrap_or(OnlineLevel::PartlyOnline),
        // Chosen by the province's admin: no longer an estimate.
        online_level_estimated: false,
        components,
        form_fields,
        legal_basis: v.legal_basis.clone(),
        result_type: v.result_type.clone(),
        steps,
    }
    .normalise();
    let result = match checked {
        Ok(p) if complete => Ok(p),
        Ok(_) => Err(errs.0),
        Err(found) => {
            let mut all = errs.0;
            all.extend(found.into_iter().map(|e| {
                let e = groups::by_group(e, "components", &component_groups, &[]);
                let e = groups::by_group(e, "form_fields", &field_groups, &[]);
                groups::by_group(e, "steps", &step_groups, steps::RENAMED)
            }));
            Err(all)
        }
    };
    if result.is_err() {
        groups::with_blanks(&mut v.components);
        groups::with_blanks(&mut v.fields);
        groups::with_blanks(&mut v.steps);
    }
    (v, result)
}

const PROCEDURE_FIELDS: &[&str] = &[
    "code",
    "name",
    "field",
    "levels",
    "agency",
    "applicants",
    "time_value",
    "time_unit",
    "estimated",
    "fee",
    "fee_note",
    "online",
    "legal_basis",
    "result_type",
    "revision",
];

async fn save(state: AppState, viewer: Viewer, form: FormData, fixed_code: Option<String>) -> PageResult {
    let err = page_err(&viewer);
    viewer.require(&Action::ManageCatalogue).map_err(&err)?;
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    let grouped = |name: &str| {
        groups::is_input::<ComponentRow>(name)
            || groups::is_input::<FieldRow>(name)
            || groups::is_input::<StepRow>(name)
    };
    form.only_with(PROCEDURE_FIELDS, grouped).map_err(&err)?;
    let is_new = fixed_code.is_none();
    let (values, parsed) = parse_procedure(&form, fixed_code.as_deref());
    let parsed = parsed.and_then(|p| {
        let exists = crate::live::index(&state).get(p.code.as_str()).is_some();
        if let CompetentAgency::Agency(code) = &p.competent_agency {
            if state.agency_name(code.as_str()).is_none() {
                return Err(vec![FieldError::new(
                    "agency",
                    "unknown_agency",
                    "Chọn cơ quan có trong danh sách",
                    "Choose an agency from the list",
                )]);
            }
        }
        if is_new && exists {
            return Err(vec![duplicate_code(&p.code)]);
        }
        Ok(p)
    });
    // What the admin began from: nothing for a new procedure, else the page's token (a page
    // without one, or with a forged one, began from nothing and so cannot replace anything).
    let basis = if is_new { Basis::Absent } else { Basis::from_token(&form.text("revision")).unwrap_or(Basis::Absent) };
    let p = match parsed {
        Ok(p) => p,
        Err(errors) => {
            let page = form_page(&state, &viewer, (is_new, &basis), values, errors);
            return Ok(viewer.finish((StatusCode::BAD_REQUEST, render(&page))));
        }
    };
    let admin = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?.id;
    let by = AdminAct { actor: admin, at: chrono::Utc::now() };
    match state.store.catalogue.save_procedure(&p, &basis, &by).await {
        Ok(()) => {
            crate::live::reload(&state).await.map_err(|e| err(e.into()))?;
            Ok(Redirect::to(&format!("/thu-tuc/{}?da-luu=1", p.code)).into_response())
        }
        // Saved by someone else since this page was opened: nothing of theirs is undone and
        // nothing typed here is lost; the page now begins from theirs, so saving again is a
        // choice made knowing it.
        Err(StoreError::Conflict(_)) => {
            crate::live::reload(&state).await.map_err(|e| err(e.into()))?;
            let now = crate::live::index(&state)
                .get(p.code.as_str())
                .map(|stored| Basis::of(Some(stored.as_ref())))
                .transpose();
            let now = now.map_err(|e| err(e.into()))?.unwrap_or(Basis::Absent);
            let problem = if is_new { duplicate_code(&p.code) } else { changed_meanwhile() };
            let page = form_page(&state, &viewer, (is_new, &now), values, vec![problem]);
            Ok(viewer.finish((StatusCode::CONFLICT, render(&page))))
        }
        Err(e) => Err(err(e.into())),
    }
}

fn duplicate_code(code: &ProcedureCode) -> FieldError {
    FieldError::new(
        "code",
        "duplicate_code",
        format!("Mã thủ tục {code} đã có trong danh mục; hãy sửa thủ tục đó"),
        format!("Procedure {code} is already in the catalogue; edit it instead"),
    )
}

/// The problem of a save that would undo another made since its page was opened; `revision`
/// is where the page says it (the hidden input's neighbour).
fn changed_meanwhile() -> FieldError {
    FieldError::new(
        "revision",
        "changed_meanwhile",
        "Trong lúc bạn sửa, thủ tục này đã được lưu với nội dung khác. Nội dung bạn nhập vẫn còn dưới đây \
         và chưa được lưu. Hãy xem bản đang lưu; nếu vẫn muốn thay bằng nội dung của bạn, bấm \u{201c}Lưu thủ tục\u{201d} lần nữa.",
        "While you were editing, this procedure was saved by someone else. What you typed is still below \
         and has not been saved. Look at the saved version; to replace it with yours, press \u{201c}Save the procedure\u{201d} again.",
    )
}

pub async fn create(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    save(state, viewer, form, None).await
}

pub async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    form: FormData,
) -> PageResult {
    if crate::live::index(&state).get(&code).is_none() {
        return Err(page_err(&viewer)(AppError::NotFound));
    }
    save(state, viewer, form, Some(code)).await
}
