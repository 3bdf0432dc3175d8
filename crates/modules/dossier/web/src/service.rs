//! The dossier service shared by the API and the pages: it gathers what the domain's rules
//! need (the catalogue, the applicant's documents, the dossier as stored), lets the domain
//! decide (`dossier::intake` for routing and documents, `dossier::access` for who may issue a
//! command, `dossier::decide` for the state machine, `dossier::notice` for what the applicant
//! is told) and hands the result to the store in one transaction. No rule lives here.

use chrono::Utc;
use serde_json::Value;
use tinhso_catalogue_web::live;
use tinhso_dossier::access::Denied;
use tinhso_dossier::FileRef;
use tinhso_dossier::{self as dossier, Channel, Command, CommandKind, Dossier, Event, EventKind};
use tinhso_http::capability::documents::Issued;
use tinhso_http::error::AppError;
use tinhso_http::i18n::Locale;
use tinhso_http::state::AppState;
use tinhso_kernel::files::FilePurpose;
use tinhso_kernel::ids::{AccountId, AgencyCode, DossierCode, Phone, Sha256};
use tinhso_kernel::FieldError;
use tinhso_policy::{decide as policy, Action, Actor, Decision, DossierScope, Role};
use tinhso_store::{Account, Attachment, DossierQuery, DossierRecord, NewDossier, Notification, StoreError};

pub use tinhso_api::dossiers::{DeskIntake, FileInput, SubmitInput};

/// Resolves files the actor names to their own documents; others' files cannot be attached.
async fn own_documents(
    state: &AppState,
    account: &Account,
    hashes: &[Sha256],
) -> Result<Vec<tinhso_store::Document>, AppError> {
    if hashes.is_empty() {
        return Ok(Vec::new());
    }
    let docs = state.store.documents.documents_named(account.id, hashes).await?;
    hashes
        .iter()
        .map(|h| {
            docs.iter().find(|d| &d.sha256 == h).cloned().ok_or_else(|| {
                AppError::bad_request(
                    "unknown_file",
                    "Tệp không có trong kho dữ liệu của ông/bà; hãy tải tệp lên trước",
                    "That file is not in your document store; upload it first",
                )
            })
        })
        .collect()
}

fn actor(a: &Account) -> Actor {
    Actor { role: a.role, agency: a.agency.clone() }
}

fn allowed(a: &Account, action: &Action) -> bool {
    policy(&actor(a), action) == Decision::Allow
}

fn notifications(applicant: AccountId, code: &str, event: &EventKind) -> Vec<Notification> {
    let Some((subject, body)) = dossier::notice::message(code, event) else { return Vec::new() };
    let note = Notification::new(applicant, subject, body);
    vec![match dossier::notice::message_en(code, event) {
        Some((subject, body)) => note.with_english(subject, body),
        None => note,
    }]
}

/// Submits a dossier: online for a citizen; at the desk, a receptionist registers it for the
/// applicant in front of them and receives it at once.
pub async fn submit(state: &AppState, account: &Account, input: SubmitInput) -> Result<Dossier, AppError> {
    submit_or_check(state, account, input, true)
        .await?
        .ok_or_else(|| AppError::Internal("submission not written".into()))
}

/// Every problem `input` has (the commune, the e-form, the documents), reported at once,
/// without writing anything: for a page that must also report problems of its own (an
/// upload refused) in the same pass.
pub async fn check(state: &AppState, account: &Account, input: SubmitInput) -> Vec<FieldError> {
    match submit_or_check(state, account, input, false).await {
        Ok(_) => Vec::new(),
        Err(AppError::Invalid(errors)) => errors,
        Err(e) => vec![FieldError::new("procedure", e.code(), e.message(Locale::Vi), e.message(Locale::En))],
    }
}

async fn submit_or_check(
    state: &AppState,
    account: &Account,
    input: SubmitInput,
    write: bool,
) -> Result<Option<Dossier>, AppError> {
    if !write && input.desk.is_some() {
        // A desk check would register the walk-in applicant's account: checks are for citizens.
        return Err(AppError::Internal("a desk submission cannot be checked without writing".into()));
    }
    let catalogue = live::index(state);
    let procedure = catalogue.get(input.procedure.trim()).ok_or_else(|| {
        AppError::bad_request("unknown_procedure", "Không có thủ tục này trong danh mục", "No such procedure")
    })?;
    let (channel, desk, citizen, paper) = match (account.role, &input.desk) {
        (Role::Citizen, None) => (Channel::Online, None, Some(account.clone()), Vec::new()),
        (Role::Receptionist, Some(intake)) => {
            let agency = account.agency.clone().ok_or(AppError::Forbidden)?;
            if !allowed(account, &Action::ReceiveDossier { agency: agency.clone() }) {
                return Err(AppError::Forbidden);
            }
            let mut paper = intake.paper_components.clone();
            paper.sort_unstable();
            paper.dedup();
            (intake.channel, Some(agency), None, paper)
        }
        (Role::Receptionist, None) => {
            return Err(AppError::bad_request(
                "desk_intake_required",
                "Nhập thông tin người nộp hồ sơ (họ tên, số định danh, số điện thoại)",
                "A desk dossier needs the applicant's name, personal ID and phone (`desk`)",
            ))
        }
        (Role::Citizen, Some(_)) => {
            return Err(AppError::Denied {
                code: "desk_only",
                vi: "Chỉ cán bộ Một cửa mới tiếp nhận hồ sơ tại quầy".into(),
                en: "Only one-stop desk staff register desk dossiers".into(),
            })
        }
        _ => return Err(AppError::Forbidden),
    };
    // Every problem at once: the applicant at the desk (held against the population database
    // when there is one), the commune, the e-form and the documents are checked together.
    let mut errors = Vec::new();
    let walk_in = match &input.desk {
        Some(intake) => match crate::walk_in::parse(intake) {
            Ok(w) => {
                errors.extend(crate::walk_in::phone_problem(state, &w).await?);
                errors.extend(crate::registry::hold(state, account, procedure.code.as_str(), &w).await?);
                Some(w)
            }
            Err(mut es) => {
                errors.append(&mut es);
                None
            }
        },
        None => None,
    };
    let competent =
        dossier::intake::competent_agency(procedure, input.commune, &state.agencies).map_err(|e| errors.push(e)).ok();
    let units = state.units.clone();
    let form = dossier::form::validate(&procedure.form_fields, &input.form, &|c| units.iter().any(|u| u.code == c))
        .map_err(|mut es| errors.append(&mut es))
        .ok();
    let typed = input.organization.clone().unwrap_or_default();
    let organization = dossier::intake::organization(
        procedure.applicants,
        input.applicant_type,
        &typed.name,
        &typed.tax_code,
        typed.capacity,
    )
    .map_err(|mut es| errors.append(&mut es))
    .ok()
    .flatten()
    .map(Box::new);
    let for_organization = input.applicant_type != dossier::ApplicantType::Citizen;
    let letter = typed.authorization.clone();
    errors.extend(dossier::intake::authorization(for_organization, typed.capacity, letter.is_some(), desk.is_some()));
    let file_components: Vec<u16> = input.files.iter().map(|f| f.component).collect();
    errors.extend(dossier::intake::document_errors(
        procedure,
        &dossier::intake::Arrived { channel, at_desk: desk.is_some(), paper: &paper, files: &file_components },
    ));
    let (Some(competent), Some(form), true) = (competent, form, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    // Only now is the walk-in's account found or made: a refused registration makes none.
    let applicant = match (citizen, walk_in) {
        (Some(a), _) => a,
        (None, Some(w)) => crate::walk_in::account(state, &w).await?,
        (None, None) => return Err(AppError::Internal("a desk dossier without its applicant".into())),
    };
    let receiving = dossier::intake::receiving_agency(procedure, desk.as_ref(), &competent, &state.agencies);
    // The phone the public lookup asks for: the e-form's, else the account's when its login is one.
    let as_phone = |s: &str| Phone::parse("phone", s).ok();
    let form_phone = form.values().find_map(|v| v.as_str().and_then(as_phone));
    let form = Value::Object(form);
    let applicant_phone = match &input.desk {
        Some(_) => as_phone(&applicant.login),
        None => form_phone.or_else(|| as_phone(&account.login)),
    };
    // The components' files, then the letter of authorisation (filed apart from the components:
    // it proves who may act, not what the procedure asks for).
    let mut hashes: Vec<Sha256> = input.files.iter().map(|f| f.sha256.clone()).collect();
    hashes.extend(letter);
    let docs = own_documents(state, account, &hashes).await?;
    if !write {
        return Ok(None);
    }
    let attachments: Vec<Attachment> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let component = input.files.get(i).map(|f| f.component);
            Attachment {
                sha256: d.sha256.clone(),
                name: d.name.clone(),
                purpose: if component.is_some() { FilePurpose::Component } else { FilePurpose::Authorization },
                component,
            }
        })
        .collect();
    let now = Utc::now();
    // A result or receipt the platform issued is digitised data by fact, however recently.
    let mut issued = Vec::with_capacity(docs.len());
    let register = tinhso_http::capability::issued::register(state)?;
    for d in &docs {
        issued.push(register.by_sha256(d.sha256.as_str()).await?.is_some());
    }
    let kind = EventKind::Submitted {
        procedure: procedure.code.clone(),
        applicant: applicant.id,
        applicant_type: input.applicant_type,
        channel,
        receiving_agency: receiving,
        competent_agency: competent,
        processing_days: dossier::intake::processing_days(procedure.processing_time),
        fee_vnd: procedure.fee.amount_vnd,
        files: attachments
            .iter()
            .zip(docs.iter().zip(&issued))
            .map(|(a, (d, issued))| FileRef {
                sha256: a.sha256.clone(),
                component: a.component,
                reused: *issued || dossier::intake::is_reused(d.created_at, now, desk.is_some()),
            })
            .collect(),
        paper_components: paper,
        steps: procedure.workflow(),
        form_sha256: Some(dossier::form_digest(&form)),
        phone_sha256: Some(dossier::phone_digest(applicant_phone.as_ref().map_or("", |p| p.as_str()))),
        organization,
    };
    if desk.is_some() {
        // Scans made at the desk join the applicant's document store, for reuse next time.
        for d in &docs {
            let file = tinhso_store::StoredFile { sha256: d.sha256.clone(), size: d.size, kind: d.kind };
            state.store.documents.add_document(applicant.id, &file, &d.name, None).await?;
        }
    }
    let submitted = Event { kind, at: now, actor: account.id };
    // The store allocates the code and writes it where the notification says `{code}`.
    let notify = notifications(applicant.id, "{code}", &submitted.kind);
    let new = NewDossier { submitted, form, applicant_phone, files: attachments, notify };
    match state.store.dossiers.submit_dossier(&new).await {
        Ok(d) if desk.is_some() => act(state, account, d.code.as_str(), Command::Receive).await.map(Some),
        Ok(d) => Ok(Some(d)),
        Err(StoreError::DailyCodesExhausted(_)) => Err(AppError::Conflict {
            code: "daily_limit_reached",
            vi: "Nơi tiếp nhận đã nhận đủ 9.999 hồ sơ trong ngày theo định dạng mã hồ sơ quốc gia. Vui lòng nộp lại vào ngày làm việc tiếp theo hoặc chọn nơi tiếp nhận khác.".into(),
            en: "This desk has received 9,999 dossiers today, the most the national code format allows. Submit on the next working day or at another desk.".into(),
        }),
        Err(e) => Err(e.into()),
    }
}

/// The public lookup, as the page and the API do it: the dossier with this code whose applicant
/// gave this phone, if any. Lookups that find nothing count against the asking address (a
/// person mistyping twice is not slowed; someone probing codes soon waits, then longer) and
/// against the code (a phone guessed from many addresses: a short wait, so its owner is slowed,
/// never locked out); lookups that find their dossier never count. Requests sent at once are
/// decided as if sent one after another (`tinhso_http::unsettled`).
pub async fn look_up(
    state: &AppState,
    client: std::net::IpAddr,
    code: &str,
    phone: &tinhso_kernel::ids::Phone,
) -> Result<Option<dossier::notice::Standing>, AppError> {
    use tinhso_kernel::guard::Rule;
    let from = tinhso_identity::guard_key("lookup-miss", &[&tinhso_http::client::limit_key(client)]);
    let now = Utc::now();
    let code = DossierCode::parse("code", code.trim()).ok();
    let start = tinhso_http::unsettled::ReadStart::now();
    let (keys, raw) = match &code {
        Some(c) => {
            // Every well-formed code counts its misses, found or not, so the limit itself does
            // not tell which codes exist.
            let at_code = tinhso_identity::guard_key("lookup-miss-code", &[c.as_str()]);
            let ([by_address, by_code], raw) = state.store.dossiers.dossier_for_lookup(c, &[from, at_code]).await?;
            (vec![(from, Rule::LOOKUP_MISSES, by_address), (at_code, Rule::LOOKUP_CODE_MISSES, by_code)], raw)
        }
        None => (vec![(from, Rule::LOOKUP_MISSES, state.store.guard.guard_tally(&from).await?)], None),
    };
    // Only a dossier the phone matches is parsed: a miss learns nothing and costs little.
    let hit = match (raw, &code) {
        (Some(r), Some(c)) if r.applicant_phone.as_deref() == Some(phone.as_str()) => Some((r, c)),
        _ => None,
    };
    let counted = state.unsettled.decide(start, &keys, hit.is_none(), now).map_err(|retry_after| {
        // Waiting for the code's misses alone is others' doing: say so, not "you tried too often".
        let for_code = keys.len() == 2 && state.unsettled.decide(start, &keys[..1], false, now).is_ok();
        if for_code {
            code_paused(retry_after)
        } else {
            AppError::Throttled { retry_after }
        }
    })?;
    if let Some(counted) = counted {
        let rules: Vec<_> = keys.iter().map(|(k, rule, _)| (*k, *rule)).collect();
        state.store.guard.guard_fail(&rules, now).await?;
        drop(counted);
    }
    hit.map(|(r, c)| r.parse(c)).transpose().map_err(AppError::from)
}

/// The answer while a dossier code's lookups wait for wrong phones tried on it.
fn code_paused(retry_after: i64) -> AppError {
    let (vi, en) = tinhso_http::error::wait_words(retry_after);
    AppError::Paused {
        retry_after,
        code: "lookup_paused",
        vi: format!("Hồ sơ này vừa bị tra cứu với số điện thoại không đúng nhiều lần, nên việc tra cứu tạm dừng để bảo vệ thông tin. Vui lòng thử lại sau {vi}."),
        en: format!("This dossier was just looked up with a wrong phone number several times, so its lookup is paused to protect it. Please try again in {en}."),
    }
}

/// What the public lookup says of `d` today, on the page and over the API: where it stands and
/// what is left to the applicant in their words (that it is late, when it is), and its due
/// status.
pub fn lookup_words(
    state: &AppState,
    d: &dossier::notice::Standing,
    en: bool,
) -> (&'static str, &'static str, dossier::deadline::DueStatus) {
    let (status, next) =
        if en { dossier::notice::for_applicant_en(d.state) } else { dossier::notice::for_applicant(d.state) };
    let due = d.due_status(&state.calendar(), dossier::deadline::local_date(Utc::now()));
    let late = dossier::notice::late_next(d.state, due, d.apology_due_on.is_some(), en);
    (status, late.unwrap_or(next), due)
}

/// Where the applicant collects the result of `d`, once there is one: its receiving desk. What
/// the public lookup tells, on the page and over the API.
pub fn collect_at<'a>(state: &'a AppState, d: &'a dossier::notice::Standing) -> Option<&'a str> {
    (d.state == dossier::DossierState::ResultReady)
        .then(|| state.agency_name(d.receiving_agency.as_str()).unwrap_or(d.receiving_agency.as_str()))
}

/// Which dossiers `account` may list: a citizen their own, province-wide roles every agency's,
/// staff their agency's. The pages and the API both ask here.
pub fn visible(account: &Account) -> Result<DossierQuery, AppError> {
    match tinhso_policy::dossier_scope(&actor(account)) {
        Some(DossierScope::Own) => Ok(DossierQuery { applicant: Some(account.id), ..Default::default() }),
        Some(DossierScope::All) => Ok(DossierQuery::default()),
        Some(DossierScope::Agency(agency)) => Ok(DossierQuery { agency: Some(agency), ..Default::default() }),
        None => Err(AppError::Forbidden),
    }
}

/// Whether `account` may see `d` at all (owners and staff of the two agencies, leaders, auditors).
pub fn can_view(account: &Account, d: &Dossier) -> bool {
    may_view(account, d.applicant, &d.receiving_agency, &d.competent_agency)
}

/// `can_view` from the three facts it depends on.
pub fn may_view(account: &Account, applicant: AccountId, receiving: &AgencyCode, competent: &AgencyCode) -> bool {
    account.id == applicant
        || allowed(account, &Action::ViewAgencyDossiers { agency: receiving.clone() })
        || allowed(account, &Action::ViewAgencyDossiers { agency: competent.clone() })
}

/// Whether `account` may issue `kind` on `d` now (for listing the actions a page offers).
pub fn may_issue(account: &Account, kind: CommandKind, d: &Dossier) -> bool {
    dossier::access::authorize(&actor(account), account.id, kind, d).is_ok()
}

/// Staff of the competent agency who may hold step `index` (its role; leaders may always).
pub async fn step_candidates(state: &AppState, d: &Dossier, index: usize) -> Result<Vec<Account>, AppError> {
    let role = d.steps.get(index).map(|s| s.role.role()).unwrap_or(Role::Specialist);
    let staff = state.store.identity.staff(&d.competent_agency).await?;
    Ok(staff.into_iter().filter(|a| !a.disabled && (a.role == role || a.role == Role::Approver)).collect())
}

async fn check_assignee(state: &AppState, d: &Dossier, index: usize, who: AccountId) -> Result<(), AppError> {
    if step_candidates(state, d, index).await?.iter().any(|a| a.id == who) {
        return Ok(());
    }
    Err(AppError::bad_request(
        "unknown_assignee",
        "Chọn cán bộ của cơ quan giải quyết có vai trò phù hợp với bước xử lý",
        "Choose a staff member of the deciding agency with the step's role",
    ))
}

/// Loads a dossier `account` may see; others get "not found", so codes cannot be probed.
pub async fn load(state: &AppState, account: &Account, code: &str) -> Result<DossierRecord, AppError> {
    let code = code_of(code)?;
    let rec = state.store.dossiers.dossier(&code).await?.ok_or(AppError::NotFound)?;
    if !can_view(account, &rec.dossier) {
        return Err(AppError::NotFound);
    }
    Ok(rec)
}

/// A dossier code from a path or a form: one that cannot be a code is "not found", like a code
/// nobody may see, so codes cannot be probed by their shape either.
pub fn code_of(code: &str) -> Result<DossierCode, AppError> {
    DossierCode::parse("code", code).map_err(|_| AppError::NotFound)
}

/// Carries out a staff command on behalf of the platform (a fee confirmed by the gateway),
/// recorded as no person's ([`AccountId::NO_PERSON`]): the state machine decides as for staff;
/// no person's rights are involved, so callers are the modules that verified the outside
/// party's word (a signed notification), through [`crate::flow`].
pub(crate) async fn act_as_platform(state: &AppState, code: &DossierCode, cmd: Command) -> Result<Dossier, AppError> {
    let d = state.store.dossiers.dossier(code).await?.ok_or(AppError::NotFound)?.dossier;
    let now = Utc::now();
    let kind = dossier::decide(&d, &cmd, dossier::Party::Staff, now, &state.calendar())
        .map_err(|r| AppError::Conflict { code: r.code, vi: r.vi, en: r.en })?;
    let event = Event { kind, at: now, actor: AccountId::NO_PERSON };
    let next = dossier::apply(Some(d.clone()), &d.code, &event)
        .ok_or_else(|| AppError::Internal("event did not apply".into()))?;
    let notify = notifications(d.applicant, d.code.as_str(), &event.kind);
    state.store.dossiers.append_event(&d, &event, &next, &notify, &[]).await.map_err(|e| match e {
        StoreError::Conflict(_) => AppError::Conflict {
            code: "concurrent_change",
            vi: "Hồ sơ vừa được cập nhật; thử lại".into(),
            en: "The dossier was just changed; try again".into(),
        },
        e => e.into(),
    })?;
    Ok(next)
}

/// Carries out `cmd` on dossier `code` for `account`.
pub async fn act(state: &AppState, account: &Account, code: &str, cmd: Command) -> Result<Dossier, AppError> {
    let d = load(state, account, code).await?.dossier;
    let party =
        dossier::access::authorize(&actor(account), account.id, cmd.kind(), &d).map_err(|denied| match denied {
            Denied::Forbidden => AppError::Forbidden,
            Denied::StepHeldByOther => AppError::Conflict {
                code: "step_held_by_other",
                vi: "Bước xử lý này đã được giao cho cán bộ khác. Lãnh đạo có thể giao lại.".into(),
                en: "This step is assigned to someone else. A leader can reassign it.".into(),
            },
        })?;
    match &cmd {
        Command::Assign { assignee } => check_assignee(state, &d, usize::from(d.step), *assignee).await?,
        Command::CompleteStep { next_assignee: Some(a), .. } => {
            check_assignee(state, &d, usize::from(d.step) + 1, *a).await?
        }
        _ => {}
    }
    if let Command::Transfer { to_agency, .. } = &cmd {
        if state.agency_name(to_agency.as_str()).is_none() {
            return Err(AppError::bad_request("unknown_agency", "Không có cơ quan này trong tỉnh", "No such agency"));
        }
    }
    // Approving with an electronic result and no file of the approver's: the deciding agency
    // signs one now (the platform's document capability), before the approval that names it
    // is written.
    let mut cmd = cmd;
    let mut issued = Vec::new();
    let mut signed = Vec::new();
    if let Command::Approve { electronic_result: true, result } = &mut cmd {
        if result.is_none() {
            if let Some(issuer) = state.capabilities.documents.get() {
                if dossier::permits(&d, CommandKind::Approve, party) {
                    let done = crate::result::issue(state, issuer.as_ref(), &d, account).await?;
                    *result = Some(done.attachment.sha256.clone());
                    issued.push(done.attachment.clone());
                    signed.push(done);
                }
            }
        }
    }
    let (hashes, purpose) = match &cmd {
        Command::Approve { result: Some(_), .. } if !issued.is_empty() => (Vec::new(), FilePurpose::Result),
        Command::Supplement { files, .. } => (files.clone(), FilePurpose::Supplement),
        Command::Approve { result: Some(r), .. } => (vec![r.clone()], FilePurpose::Result),
        _ => (Vec::new(), FilePurpose::Supplement),
    };
    let outcome = match name_files(state, &signed).await {
        Ok(()) => record(state, account, &d, &cmd, party, &hashes, purpose, issued).await,
        Err(e) => Err(e),
    };
    file_results(state, &d, &signed, outcome.is_ok()).await;
    outcome
}

/// Before the approval's write: the results it names are known files, held by no one yet.
async fn name_files(state: &AppState, signed: &[Issued]) -> Result<(), AppError> {
    for done in signed {
        state.store.documents.add_file(&done.file).await?;
    }
    Ok(())
}

/// After the approval's write: a result it names goes to the applicant's document store; one
/// signed for an approval that was not written (refused, or overtaken by another change) is
/// withdrawn, so the verifier says so rather than vouch for it, and no one holds it.
async fn file_results(state: &AppState, d: &Dossier, signed: &[Issued], written: bool) {
    let Some(issuer) = state.capabilities.documents.get() else { return };
    for done in signed {
        if !written {
            issuer.withdraw(state, &done.attachment.sha256, crate::result::WITHDRAWN).await;
        } else if let Err(e) =
            state.store.documents.add_document(d.applicant, &done.file, &done.attachment.name, None).await
        {
            // The approval stands and the result is on the dossier, where the applicant downloads it.
            tracing::error!(dossier = %d.code, error = %e, "a signed result could not be put in the applicant's document store");
        }
    }
}

/// Decides `cmd` on `d` and writes the event with its attachments (the account's own
/// documents named by `hashes`, and files `issued` for it).
#[allow(clippy::too_many_arguments)]
async fn record(
    state: &AppState,
    account: &Account,
    d: &Dossier,
    cmd: &Command,
    party: dossier::Party,
    hashes: &[Sha256],
    purpose: FilePurpose,
    issued: Vec<Attachment>,
) -> Result<Dossier, AppError> {
    let attachments: Vec<Attachment> = own_documents(state, account, hashes)
        .await?
        .into_iter()
        .map(|d| Attachment { sha256: d.sha256, name: d.name, purpose, component: None })
        .chain(issued)
        .collect();
    let now = Utc::now();
    let kind = dossier::decide(d, cmd, party, now, &state.calendar()).map_err(|r| {
        if r.code == "forbidden" {
            AppError::Forbidden
        } else if r.code == "illegal_transition" || r.code == "out_of_order" {
            AppError::Conflict { code: r.code, vi: r.vi, en: r.en }
        } else {
            AppError::BadRequest { code: r.code, vi: r.vi, en: r.en }
        }
    })?;
    let event = Event { kind, at: now, actor: account.id };
    let next = dossier::apply(Some(d.clone()), &d.code, &event)
        .ok_or_else(|| AppError::Internal("event did not apply".into()))?;
    let mut notify = notifications(d.applicant, d.code.as_str(), &event.kind);
    // The officer a step was given to hears of it, in the same transaction as the event.
    if let Some((to, (subject, body), (subject_en, body_en))) = dossier::notice::to_holder(&next, &event) {
        notify.push(Notification::new(to, subject, body).with_english(subject_en, body_en));
    }
    match state.store.dossiers.append_event(d, &event, &next, &notify, &attachments).await {
        Ok(()) => Ok(next),
        Err(StoreError::Conflict(_)) => Err(AppError::Conflict {
            code: "concurrent_change",
            vi: "Hồ sơ vừa được người khác cập nhật. Vui lòng tải lại và thử lại.".into(),
            en: "The dossier was just changed by someone else. Reload and try again.".into(),
        }),
        Err(e) => Err(e.into()),
    }
}
