//! An officer promoted or transferred: the admin gives their staff account another role or
//! agency, instead of a new account (which would split the officer's history in two). The
//! admin must be allowed both the account as it is and the post it goes to; the move ends the
//! officer's sessions, tells them, and is recorded on the administrators' log, which the audit
//! holds the account's role and agency to. The page carries the post the admin saw, so a move
//! made meanwhile by another admin is not silently overwritten.

use crate::staff::{self, StaffPage};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::form::FormData;
use tinhso_http::i18n::Locale;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{error_for, render, Choice, Layout};
use tinhso_http::HeldWork;
use tinhso_kernel::FieldError;
use tinhso_policy::Action;
use tinhso_store::admin::AdminAct;
use tinhso_store::staff_change::StaffChange;
use tinhso_store::{Account, StaffPost};

#[derive(Template)]
#[template(path = "admin/staff_reassign.html")]
pub struct ReassignPage {
    pub layout: Layout,
    pub id: i64,
    /// The post as the page found it, said in words.
    pub now: String,
    /// The post as the page found it, given back on saving (`role|agency`).
    pub was: String,
    pub roles: Vec<Choice>,
    pub agencies: Vec<Choice>,
    /// The work the officer holds, one sentence per module that has some.
    pub holds: Vec<String>,
    pub errors: Vec<FieldError>,
}

impl ReassignPage {
    pub fn err(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field, self.layout.en)
    }
}

/// A post as the page carries it: the role's key and the agency's code (empty for none).
fn token(p: &StaffPost) -> String {
    format!("{}|{}", p.role.key(), p.agency.as_ref().map(|c| c.as_str()).unwrap_or_default())
}

/// A post in words: "Chuyên viên, Sở Tư pháp".
fn words(state: &AppState, p: &StaffPost, locale: Locale) -> String {
    let role = locale.pick(p.role.label_vi(), p.role.label_en());
    match p.agency.as_ref().and_then(|c| state.agency_name(c.as_str())) {
        Some(agency) => format!("{role}, {agency}"),
        None => role.to_owned(),
    }
}

/// The form, its choices set to `chosen` (the account's post on first showing).
async fn page(
    state: &AppState,
    viewer: &Viewer,
    target: &Account,
    chosen: (&str, &str),
    errors: Vec<FieldError>,
    held: &[HeldWork],
) -> Result<ReassignPage, AppError> {
    let l = viewer.locale;
    let holds = staff::holds(state, viewer, target, held).await?;
    let post = StaffPost::of(target);
    let (role, agency) = chosen;
    let who = format!("{} ({})", target.full_name, target.login);
    Ok(ReassignPage {
        layout: Layout::new(
            state,
            viewer,
            l.pick(format!("Đổi vai trò, cơ quan của {who}"), format!("Change the role or agency of {who}")),
        ),
        id: target.id.0,
        now: words(state, &post, l),
        was: token(&post),
        roles: staff::grantable(viewer)
            .into_iter()
            .map(|r| Choice {
                value: r.key().into(),
                label: l.pick(r.label_vi(), r.label_en()).into(),
                selected: r.key() == role,
            })
            .collect(),
        agencies: staff::agency_choices(state, viewer, agency),
        holds,
        errors,
    })
}

pub async fn form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    held: &[HeldWork],
) -> PageResult {
    let err = page_err(&viewer);
    let t = staff::target(&state, &viewer, &id).await.map_err(&err)?;
    let post = StaffPost::of(&t);
    let agency = post.agency.as_ref().map(|c| c.as_str()).unwrap_or_default();
    let p = page(&state, &viewer, &t, (post.role.key(), agency), Vec::new(), held).await.map_err(&err)?;
    Ok(viewer.finish(render(&p)))
}

/// The post asked for, if the viewer may give it: a role they may grant, at an agency whose
/// staff they manage (or none, for a province-wide role), and not the post the account has.
fn asked(viewer: &Viewer, now: &StaffPost, role: &str, agency: &str) -> Result<StaffPost, Vec<FieldError>> {
    let mut errors = Vec::new();
    let role = staff::role_for(viewer, role).map_err(|e| errors.push(e)).ok();
    // An agency the viewer manages; none only for a province-wide role.
    let unmanaged = || {
        FieldError::new("agency", "invalid_agency", "Chọn cơ quan trong danh sách", "Choose an agency from the list")
    };
    let agency = match staff::agency_for(role, agency) {
        Ok(Some(a)) if !viewer.may(&Action::ManageStaff { agency: a.clone() }) => Err(unmanaged()),
        other => other,
    };
    let agency = agency.map_err(|e| errors.push(e)).ok();
    let (Some(role), Some(agency)) = (role, agency) else {
        return Err(errors);
    };
    let to = StaffPost { role, agency };
    if &to == now {
        return Err(vec![FieldError::new(
            "role",
            "unchanged",
            "Cán bộ đang có đúng vai trò và cơ quan này: chọn vai trò hoặc cơ quan khác",
            "The officer already has this role and agency: choose another role or agency",
        )]);
    }
    Ok(to)
}

fn changed_meanwhile() -> FieldError {
    FieldError::new(
        "was",
        "changed_meanwhile",
        "Trong lúc bạn chọn, vai trò hoặc cơ quan của cán bộ đã được đổi: trang hiện vai trò, cơ quan mới nhất; hãy xem lại rồi lưu lại nếu vẫn muốn đổi",
        "While you were choosing, the officer's role or agency was changed: the page shows the latest; check it and save again if you still want the change",
    )
}

pub async fn save(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: FormData,
    held: &[HeldWork],
) -> PageResult {
    let err = page_err(&viewer);
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["was", "role", "agency"]).map_err(&err)?;
    let admin = viewer.account.as_ref().ok_or(AppError::Unauthenticated).map_err(&err)?.id;
    // The account as it is now, which the viewer must be allowed to change.
    let t = staff::target(&state, &viewer, &id).await.map_err(&err)?;
    let now = StaffPost::of(&t);
    let (role, agency) = (form.text("role"), form.text("agency"));
    let refused = |status: StatusCode, errors: Vec<FieldError>| {
        let (state, viewer, t, role, agency) = (&state, &viewer, &t, &role, &agency);
        async move {
            let p = page(state, viewer, t, (role, agency), errors, held).await?;
            Ok::<_, AppError>(viewer.finish((status, render(&p))))
        }
    };
    // Saved from a page that showed another post: someone moved the officer meanwhile.
    if form.text("was") != token(&now) {
        return refused(StatusCode::CONFLICT, vec![changed_meanwhile()]).await.map_err(&err);
    }
    let to = match asked(&viewer, &now, &role, &agency) {
        Ok(to) => to,
        Err(errors) => return refused(StatusCode::BAD_REQUEST, errors).await.map_err(&err),
    };
    let (vi_was, vi_now) = (words(&state, &now, Locale::Vi), words(&state, &to, Locale::Vi));
    let (en_was, en_now) = (words(&state, &now, Locale::En), words(&state, &to, Locale::En));
    let note = tinhso_store::Notification::new(
        t.id,
        "Vai trò, cơ quan của tài khoản đã được đổi",
        format!(
            "Quản trị đã đổi vai trò, cơ quan của tài khoản ông/bà lúc {}: từ {vi_was} sang {vi_now}. Mọi phiên đăng nhập cũ đã kết thúc; hãy đăng nhập lại để làm việc với vai trò mới.",
            tinhso_http::notices::now_vi()
        ),
    )
    .with_english(
        "Your account's role or agency was changed",
        format!(
            "An administrator changed your account's role or agency at {}: from {en_was} to {en_now}. Every old session ended; log in again to work in the new role.",
            tinhso_http::notices::now_en()
        ),
    );
    let who = format!("{} ({})", t.full_name, t.login);
    let what = (
        format!("Cán bộ {who} đã được chuyển từ {vi_was} sang {vi_now}"),
        format!("{who} was moved from {en_was} to {en_now}"),
    );
    let leaders = staff::leaders_told(&state, &t, held, what).await.map_err(&err)?;
    let by = AdminAct { actor: admin, at: chrono::Utc::now() };
    // Only from the post the viewer was allowed to change: a move between the read and this
    // write makes it refuse, rather than act on what the viewer never saw. The officer and the
    // agency's leaders are told in the same transaction.
    let moved = match StaffChange::reassign(t.id, &now, &to) {
        Some(change) => {
            let change = change.telling([note]).telling(leaders);
            state.store.identity.change_staff(&change, &by).await.map_err(|e| err(e.into()))?
        }
        None => false,
    };
    if !moved {
        let t = staff::target(&state, &viewer, &id).await.map_err(&err)?;
        let p = page(&state, &viewer, &t, (&role, &agency), vec![changed_meanwhile()], held).await.map_err(&err)?;
        return Ok(viewer.finish((StatusCode::CONFLICT, render(&p))));
    }
    state.forget_sessions_of(t.id);
    tracing::info!(admin = admin.0, account = t.id.0, role = to.role.key(), "a staff account was given another post");
    let done = viewer.locale.pick(
        format!("Đã đổi {who} sang {vi_now}; mọi phiên đăng nhập của cán bộ đã kết thúc."),
        format!("{who} now works as {en_now}; every session of the officer ended."),
    );
    let mut p: StaffPage = staff::page(&state, &viewer, ("", "", "", ""), Vec::new(), None).await.map_err(&err)?;
    p.done = Some(done);
    Ok(viewer.finish(render(&p)))
}
