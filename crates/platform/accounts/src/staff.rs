//! Staff accounts: province admins manage every agency's staff, agency admins their own:
//! they add an account, lock one (an officer who left: sessions end at once), unlock it, or
//! give it a new one-time password (an officer who forgot theirs); moving one to another role
//! or agency is `reassign`'s.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::form::FormData;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{error_for, render, Choice, Layout};
use tinhso_http::HeldWork;
use tinhso_kernel::error::Errors;
use tinhso_kernel::ids::{AccountId, AgencyCode, Login};
use tinhso_kernel::{text, FieldError};
use tinhso_policy::{Action, Role};
use tinhso_store::admin::AdminAct;
use tinhso_store::staff_change::StaffChange;
use tinhso_store::{Account, NewAccount, Notification, StoreError};

pub struct StaffRow {
    pub id: i64,
    pub full_name: String,
    pub login: String,
    pub role: &'static str,
    pub agency: String,
    pub disabled: bool,
    /// Whether the viewer may lock it or give it a new password (never their own).
    pub manageable: bool,
}

#[derive(Template)]
#[template(path = "admin/staff.html")]
pub struct StaffPage {
    pub layout: Layout,
    pub staff: Vec<StaffRow>,
    pub roles: Vec<Choice>,
    pub agencies: Vec<Choice>,
    pub full_name: String,
    pub login: String,
    pub errors: Vec<FieldError>,
    /// Set once, right after an account is created: the one-time password to hand over.
    pub created: Option<(String, String)>,
    /// The password was given anew to an existing account, not to a new one.
    pub reissued: bool,
    /// What was just done to an account (locked, unlocked).
    pub done: Option<String>,
    /// The administrators' log is linked only for those who may read it (an agency admin
    /// manages its staff here but does not read the province's log).
    pub reads_log: bool,
}

impl StaffPage {
    pub fn err(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field, self.layout.en)
    }
}

/// The agencies whose staff the viewer may manage.
pub(crate) fn manageable<'a>(state: &'a AppState, viewer: &Viewer) -> Vec<&'a tinhso_kernel::province::Agency> {
    state.agencies.iter().filter(|a| viewer.may(&Action::ManageStaff { agency: a.code.clone() })).collect()
}

/// Roles the viewer may give: agency roles to anyone managing staff; province-wide roles only
/// to those who manage the province.
pub(crate) fn grantable(viewer: &Viewer) -> Vec<Role> {
    viewer.actor().map(|a| tinhso_policy::grantable_roles(&a)).unwrap_or_default()
}

pub(crate) async fn page(
    state: &AppState,
    viewer: &Viewer,
    form: (&str, &str, &str, &str),
    errors: Vec<FieldError>,
    created: Option<(String, String)>,
) -> Result<StaffPage, AppError> {
    let agencies = manageable(state, viewer);
    let codes: std::collections::HashSet<&str> = agencies.iter().map(|a| a.code.as_str()).collect();
    let mut accounts: Vec<_> = state
        .store
        .identity
        .staff_accounts()
        .await?
        .into_iter()
        .filter(|a| match &a.agency {
            Some(c) => codes.contains(c.as_str()),
            None => viewer.may(&Action::ManageProvince),
        })
        .collect();
    // By agency (the province's own staff first), then by name, both the Vietnamese way.
    tinhso_store::by_name(&mut accounts);
    accounts.sort_by_cached_key(|a| {
        a.agency.as_ref().map(|c| tinhso_kernel::text::vi_key(state.agency_name(c.as_str()).unwrap_or_default()))
    });
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    let label = |r: Role| if en { r.label_en() } else { r.label_vi() };
    let staff = accounts
        .into_iter()
        .map(|a| StaffRow {
            id: a.id.0,
            manageable: may_manage(viewer, &a),
            agency: a.agency.as_ref().and_then(|c| state.agency_name(c.as_str())).unwrap_or_default().to_owned(),
            full_name: a.full_name,
            login: a.login,
            role: label(a.role),
            disabled: a.disabled,
        })
        .collect();
    let (full_name, login, role, agency) = form;
    Ok(StaffPage {
        layout: Layout::new(state, viewer, viewer.locale.pick("Tài khoản cán bộ", "Staff accounts")),
        staff,
        roles: grantable(viewer)
            .into_iter()
            .map(|r| Choice { value: r.key().into(), label: label(r).into(), selected: r.key() == role })
            .collect(),
        agencies: agency_choices(state, viewer, agency),
        full_name: full_name.to_owned(),
        login: login.to_owned(),
        errors,
        created,
        reissued: false,
        done: None,
        reads_log: viewer.may(&Action::ViewAuditLog),
    })
}

/// The role a staff form asks for, if the viewer may grant it.
pub(crate) fn role_for(viewer: &Viewer, raw: &str) -> Result<Role, FieldError> {
    Role::parse(raw).filter(|r| grantable(viewer).contains(r)).ok_or_else(|| {
        FieldError::new("role", "invalid_role", "Chọn vai trò trong danh sách", "Choose a role from the list")
    })
}

/// What each module says `target` holds (dossiers at a step, ...), one sentence per module
/// that has some, in the viewer's language: said before a lock or a move.
pub(crate) async fn holds(
    state: &AppState,
    viewer: &Viewer,
    target: &Account,
    held: &[HeldWork],
) -> Result<Vec<String>, AppError> {
    Ok(held_by(state, target, held).await?.into_iter().map(|(vi, en)| viewer.locale.pick(vi, en)).collect())
}

/// The same sentences in both languages.
pub(crate) async fn held_by(
    state: &AppState,
    target: &Account,
    held: &[HeldWork],
) -> Result<Vec<(String, String)>, AppError> {
    let mut out = Vec::new();
    for part in held {
        if let Some(both) = part(state.clone(), target.clone()).await? {
            out.push(both);
        }
    }
    Ok(out)
}

/// After `target` is locked or moved (`what`, in both languages): its agency's leaders (its
/// approvers and agency admins, but not a locked one nor `target`) are told of the work it
/// holds, which waits for them to assign it to someone else; nobody when it holds none.
pub(crate) async fn leaders_told(
    state: &AppState,
    target: &Account,
    held: &[HeldWork],
    what: (String, String),
) -> Result<Vec<Notification>, AppError> {
    let Some(agency) = &target.agency else { return Ok(Vec::new()) };
    let sentences = held_by(state, target, held).await?;
    if sentences.is_empty() {
        return Ok(Vec::new());
    }
    let (vi, en): (Vec<String>, Vec<String>) = sentences.into_iter().unzip();
    let who = format!("{} ({})", target.full_name, target.login);
    let (body, body_en) = (
        format!("{} lúc {}. {}", what.0, tinhso_http::notices::now_vi(), vi.join(" ")),
        format!("{} at {}. {}", what.1, tinhso_http::notices::now_en(), en.join(" ")),
    );
    let leaders = state.store.identity.staff(agency).await?;
    Ok(leaders
        .iter()
        .filter(|a| matches!(a.role, Role::Approver | Role::AgencyAdmin) && !a.disabled && a.id != target.id)
        .map(|a| {
            Notification::new(a.id, format!("Cần giao lại hồ sơ cán bộ {who} đang giữ"), body.clone())
                .with_english(format!("Dossiers held by {who} to assign to someone else"), body_en.clone())
        })
        .collect())
}

/// The agency a staff post names, from the form: an agency-scoped role needs one; a
/// province-wide role (leader, auditor, province admin, DTI appraiser) acts for the whole
/// province, so it may belong to an agency (the provincial People's Committee's office) or to
/// none. Whether the viewer manages that agency is the caller's to decide.
pub(crate) fn agency_for(role: Option<Role>, raw: &str) -> Result<Option<AgencyCode>, FieldError> {
    match (raw.trim(), role) {
        ("", Some(r)) if !r.is_agency_scoped() => Ok(None),
        ("", _) => Err(FieldError::new(
            "agency",
            "required",
            "Chọn cơ quan của cán bộ (chỉ vai trò cấp tỉnh mới có thể không thuộc cơ quan nào)",
            "Choose the staff member's agency (only a province-wide role may belong to none)",
        )),
        (code, _) => AgencyCode::parse("agency", code).map(Some),
    }
}

/// The agency choices of a staff form: the agencies whose staff the viewer manages, led by
/// "no agency" when the viewer may grant a province-wide role.
pub(crate) fn agency_choices(state: &AppState, viewer: &Viewer, chosen: &str) -> Vec<Choice> {
    let province_wide = grantable(viewer).iter().any(|r| !r.is_agency_scoped());
    let none = province_wide.then(|| Choice {
        value: String::new(),
        label: viewer
            .locale
            .pick("Không thuộc cơ quan nào (chỉ cho vai trò cấp tỉnh)", "No agency (province-wide roles only)")
            .into(),
        selected: chosen.is_empty(),
    });

    none.into_iter()
        .chain(manageable(state, viewer).into_iter().map(|a| Choice {
            value: a.code.to_string(),
            label: a.name.clone(),
            selected: a.code.as_str() == chosen,
        }))
        .collect()
}

/// Whether the viewer may lock, unlock or give a new password to `target`: a staff account of
/// an agency whose staff they manage (the province's own staff: whoever manages the province),
/// with a role they could grant, and never their own (they change their own password).
fn may_manage(viewer: &Viewer, target: &Account) -> bool {
    let agency_ok = match &target.agency {
        Some(a) => viewer.may(&Action::ManageStaff { agency: a.clone() }),
        None => viewer.may(&Action::ManageProvince),
    };
    target.role != Role::Citizen
        && agency_ok
        && grantable(viewer).contains(&target.role)
        && viewer.account.as_ref().map(|a| a.id) != Some(target.id)
}

/// What an admin does to an existing staff account.
#[derive(Clone, Copy)]
enum Change {
    Lock,
    Unlock,
    NewPassword,
}

/// The staff account `id` names, if the viewer may change it.
pub(crate) async fn target(state: &AppState, viewer: &Viewer, id: &str) -> Result<Account, AppError> {
    if viewer.account.is_none() {
        return Err(AppError::Unauthenticated);
    }
    let id = id.parse::<i64>().map(AccountId).map_err(|_| AppError::NotFound)?;
    let target = state.store.identity.account(id).await?;
    let target = target.filter(|t| t.role != Role::Citizen).ok_or(AppError::NotFound)?;
    if !may_manage(viewer, &target) {
        return Err(AppError::Forbidden);
    }
    Ok(target)
}

#[derive(Template)]
#[template(path = "admin/staff_confirm.html")]
pub struct ConfirmPage {
    pub layout: Layout,
    pub id: i64,
    /// The address's last part: `khoa` or `cap-lai-mat-khau`.
    pub verb: &'static str,
    pub consequence: String,
    pub confirm: &'static str,
    /// The work the officer holds, one sentence per module that has some.
    pub holds: Vec<String>,
}

/// Before a lock or a new password: what it does to the officer (and, before a lock, the work
/// they hold in each module), and a button to go on.
async fn ask(state: AppState, viewer: Viewer, id: String, what: Change, held: &[HeldWork]) -> PageResult {
    let err = page_err(&viewer);
    let t = target(&state, &viewer, &id).await.map_err(&err)?;
    let holds = match what {
        Change::Lock => holds(&state, &viewer, &t, held).await.map_err(&err)?,
        Change::Unlock | Change::NewPassword => Vec::new(),
    };
    let who = format!("{} ({})", t.full_name, t.login);
    let l = viewer.locale;
    let (verb, title, consequence, confirm) = match what {
        Change::NewPassword => (
            "cap-lai-mat-khau",
            l.pick(format!("Cấp lại mật khẩu cho {who}?"), format!("Issue a new password to {who}?")),
            l.pick(
                "Mật khẩu hiện tại và mọi phiên đăng nhập của cán bộ hết hiệu lực ngay. Mật khẩu mới chỉ hiện một lần, ở trang sau: hãy trao trực tiếp cho cán bộ; lần đăng nhập tới, cán bộ phải đặt mật khẩu của riêng mình.",
                "The current password and every session of the officer stop working at once. The new password is shown once, on the next page: hand it to the officer in person; at their next login they must set their own.",
            ),
            l.pick("Cấp mật khẩu mới", "Issue the new password"),
        ),
        // Unlocking gives back what was taken, at once: it has no question page (no route).
        Change::Unlock => return Err(err(AppError::NotFound)),
        Change::Lock => (
            "khoa",
            l.pick(format!("Khóa tài khoản của {who}?"), format!("Lock the account of {who}?")),
            l.pick(
                "Cán bộ sẽ không đăng nhập được nữa và mọi phiên đăng nhập đang mở kết thúc ngay. Có thể mở khóa lại sau, trên danh sách cán bộ.",
                "The officer will no longer be able to log in, and every open session ends at once. The account can be unlocked later, from the staff list.",
            ),
            l.pick("Khóa tài khoản", "Lock the account"),
        ),
    };
    let page = ConfirmPage {
        layout: Layout::new(&state, &viewer, title),
        id: t.id.0,
        verb,
        consequence: consequence.to_owned(),
        confirm,
        holds,
    };
    Ok(viewer.finish(render(&page)))
}

pub async fn ask_lock(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    held: &[HeldWork],
) -> PageResult {
    ask(state, viewer, id, Change::Lock, held).await
}

pub async fn ask_new_password(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    ask(state, viewer, id, Change::NewPassword, &[]).await
}

async fn change(
    state: AppState,
    viewer: Viewer,
    id: String,
    form: FormData,
    what: Change,
    held: &[HeldWork],
) -> PageResult {
    let err = page_err(&viewer);
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&[]).map_err(&err)?;
    let admin = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?.id;
    let target = target(&state, &viewer, &id).await.map_err(&err)?;
    let id = target.id;
    let identity = &state.store.identity;
    let by = AdminAct { actor: admin, at: chrono::Utc::now() };
    let (mut created, mut done) = (None, None);
    match what {
        Change::Lock | Change::Unlock => {
            let lock = matches!(what, Change::Lock);
            let told = if lock {
                let who = format!("{} ({})", target.full_name, target.login);
                let what =
                    (format!("Tài khoản của cán bộ {who} đã bị khóa"), format!("The account of {who} was locked"));
                leaders_told(&state, &target, held, what).await.map_err(&err)?
            } else {
                Vec::new()
            };
            let change = StaffChange::lock(id, lock).telling(told);
            if !identity.change_staff(&change, &by).await.map_err(|e| err(e.into()))? {
                return Err(err(AppError::NotFound));
            }
            if lock {
                state.forget_sessions_of(id);
            }
            tracing::info!(admin = admin.0, account = id.0, locked = lock, "a staff account was locked or unlocked");
            let (who, login) = (&target.full_name, &target.login);
            done = Some(match (lock, viewer.locale) {
                (true, tinhso_http::i18n::Locale::Vi) => {
                    format!("Đã khóa tài khoản {who} ({login}): không đăng nhập được nữa, mọi phiên đã kết thúc.")
                }
                (true, tinhso_http::i18n::Locale::En) => {
                    format!(
                        "The account of {who} ({login}) is locked: it can no longer log in, and every session ended."
                    )
                }
                (false, tinhso_http::i18n::Locale::Vi) => format!("Đã mở khóa tài khoản {who} ({login})."),
                (false, tinhso_http::i18n::Locale::En) => format!("The account of {who} ({login}) is unlocked."),
            });
        }
        Change::NewPassword => {
            let password = tinhso_identity::new_one_time_password().map_err(|e| err(e.into()))?;
            let hash = tinhso_identity::hash_password_bounded(password.clone()).await.map_err(|e| err(e.into()))?;
            let body = format!(
                "Quản trị đã cấp lại mật khẩu cho tài khoản của ông/bà lúc {}; mọi phiên đăng nhập cũ đã kết thúc. Lần đăng nhập tới, ông/bà sẽ được yêu cầu đặt mật khẩu của riêng mình.",
                tinhso_http::notices::now_vi()
            );
            let body_en = format!(
                "An administrator issued a new password to your account at {}; every old session ended. Next time you log in you will be asked to set your own.",
                tinhso_http::notices::now_en()
            );
            let note = Notification::new(id, "Mật khẩu tài khoản đã được cấp lại", body)
                .with_english("Your account has a new password", body_en);
            let change = StaffChange::new_password(id, &hash).telling([note]);
            // Never show a password that was not stored.
            if !identity.change_staff(&change, &by).await.map_err(|e| err(e.into()))? {
                return Err(err(AppError::NotFound));
            }
            state.forget_sessions_of(id);
            tracing::info!(admin = admin.0, account = id.0, "a staff account was given a new password");
            created = Some((target.login.clone(), password));
        }
    }
    let mut p = page(&state, &viewer, ("", "", "", ""), Vec::new(), created).await.map_err(&err)?;
    p.reissued = matches!(what, Change::NewPassword);
    p.done = done;
    Ok(viewer.finish(render(&p)))
}

pub async fn lock(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: FormData,
    held: &[HeldWork],
) -> PageResult {
    change(state, viewer, id, form, Change::Lock, held).await
}

pub async fn unlock(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    change(state, viewer, id, form, Change::Unlock, &[]).await
}

pub async fn new_password(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    change(state, viewer, id, form, Change::NewPassword, &[]).await
}

pub async fn list(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let err = page_err(&viewer);
    if viewer.account.is_none() {
        return Err(err(AppError::Unauthenticated));
    }
    if manageable(&state, &viewer).is_empty() {
        return Err(err(AppError::Forbidden));
    }
    let p = page(&state, &viewer, ("", "", "", ""), Vec::new(), None).await.map_err(&err)?;
    Ok(viewer.finish(render(&p)))
}

pub async fn create(State(state): State<AppState>, viewer: Viewer, form: FormData) -> PageResult {
    let err = page_err(&viewer);
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["full_name", "login", "role", "agency"]).map_err(&err)?;
    let admin = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?.id;
    let (full_name, raw_login, raw_role, raw_agency) =
        (text::clean(&form.text("full_name")), form.text("login"), form.text("role"), form.text("agency"));
    let mut errs = Errors::default();
    if full_name.is_empty() {
        errs.push(FieldError::new("full_name", "required", "Nhập họ và tên cán bộ", "Enter the staff member's name"));
    }
    let login = errs.take(Login::parse("login", &raw_login));
    let role = errs.take(role_for(&viewer, &raw_role));
    let agency = errs.take(agency_for(role, &raw_agency));
    // The policy decides whether this viewer may add staff to that agency.
    if let Some(Some(a)) = &agency {
        viewer.require(&Action::ManageStaff { agency: a.clone() }).map_err(&err)?;
    }
    let new = match (login, role, agency, errs.is_empty()) {
        (Some(login), Some(role), Some(agency), true) => Some((login, role, agency)),
        _ => None,
    };
    let (errors, created) = match new {
        None => (errs.0, None),
        Some((login, role, agency)) => {
            let password = tinhso_identity::new_one_time_password().map_err(|e| err(e.into()))?;
            let hash = tinhso_identity::hash_password_bounded(password.clone()).await.map_err(|e| err(e.into()))?;
            let account = NewAccount {
                login: login.as_str().to_owned(),
                full_name: full_name.clone(),
                password_hash: hash,
                role,
                agency,
                personal_id: None,
            };
            let by = AdminAct { actor: admin, at: chrono::Utc::now() };
            match state.store.identity.create_staff(&account, &by).await {
                Ok(_) => (Vec::new(), Some((account.login, password))),
                Err(StoreError::Conflict(_)) => (
                    vec![FieldError::new(
                        "login",
                        "login_taken",
                        "Số điện thoại hoặc thư điện tử này đã có tài khoản",
                        "This phone number or email already has an account",
                    )],
                    None,
                ),
                Err(e) => return Err(err(e.into())),
            }
        }
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let keep = if created.is_some() { ("", "", "", "") } else { (&*full_name, &*raw_login, &*raw_role, &*raw_agency) };
    let p = page(&state, &viewer, keep, errors, created).await.map_err(&err)?;
    Ok(viewer.finish((status, render(&p))))
}
