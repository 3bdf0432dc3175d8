//! The public lookup (`/tra-cuu`): a dossier's code and the applicant's phone, posted so
//! that the phone stays out of addresses and logs, give where the dossier stands in plain
//! words, what is expected of the applicant and where the result is; nothing more personal.

use crate::service as dossiers;
use crate::views::{due_en, due_vi};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tinhso_http::auth::Viewer;
use tinhso_http::client::ClientAddr;
use tinhso_http::error::AppError;
use tinhso_http::form::{FormData, PageQuery};
use tinhso_http::i18n::Locale;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Layout};
use tinhso_kernel::FieldError;

#[derive(Template)]
#[template(path = "dossier/lookup.html")]
pub struct LookupPage {
    pub layout: Layout,
    pub code: String,
    pub phone: String,
    pub found: Option<LookupFound>,
    pub errors: Vec<FieldError>,
}

/// What the public lookup tells: where the dossier stands in plain words, what is expected of
/// the applicant, the due date, where the result is handed over.
pub struct LookupFound {
    pub code: String,
    pub status: &'static str,
    pub state_key: &'static str,
    pub next_step: &'static str,
    pub due: String,
    /// "Quá hạn", "Sắp đến hạn"... beside the due date, and its key for the style.
    pub due_status: String,
    pub due_status_key: &'static str,
    pub collect_at: Option<String>,
}

fn title(viewer: &Viewer) -> &'static str {
    match viewer.locale {
        tinhso_http::i18n::Locale::En => "Track a dossier",
        tinhso_http::i18n::Locale::Vi => "Tra cứu hồ sơ",
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupParams {
    /// The code, as the receipt's QR link carries it; the phone is asked for in the form.
    ma: Option<String>,
    /// A phone put in the address (by a hand-made link or an integrator) is refused, not
    /// used: addresses end up in logs and browser histories. Named here because pages
    /// otherwise leave out parameters they do not know.
    sdt: Option<String>,
}

/// The public lookup's form, the code filled in when the visitor came from a receipt's QR code.
pub async fn lookup_form(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(q): PageQuery<LookupParams>,
) -> PageResult {
    if q.sdt.is_some() {
        return Err(page_err(&viewer)(AppError::bad_request(
            "phone_in_address",
            "Không ghi số điện thoại vào địa chỉ trang: nhập số điện thoại vào ô trong trang tra cứu",
            "Do not put the phone in the page address: type it into the lookup form",
        )));
    }
    let code = q.ma.unwrap_or_default().trim().to_owned();
    // A citizen who logs in with their phone is not asked to type it again; staff look up
    // other people's dossiers, so theirs stays empty.
    let phone = viewer
        .account
        .as_ref()
        .filter(|a| a.role == tinhso_policy::Role::Citizen)
        .and_then(|a| tinhso_kernel::ids::Phone::parse("sdt", &a.login).ok())
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let page = LookupPage {
        layout: Layout::new(&state, &viewer, title(&viewer)),
        code,
        phone,
        found: None,
        errors: Vec::new(),
    };
    Ok(viewer.finish(render(&page)))
}

/// Public lookup: code and phone (posted, so that the phone stays out of addresses and logs)
/// give where the dossier stands and what happens next; rate-limited per address.
pub async fn lookup(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientAddr(client): ClientAddr,
    form: FormData,
) -> PageResult {
    let err = page_err(&viewer);
    viewer.check_csrf(form.get("csrf")).map_err(&err)?;
    form.only(&["ma", "sdt"]).map_err(&err)?;
    let code = form.text("ma");
    let phone = form.text("sdt");
    let mut errors = Vec::new();
    let mut found = None;
    // A lookup that must wait says so on the form, with what was typed still in it.
    let mut wait = None;
    if code.is_empty() {
        errors.push(FieldError::new("ma", "required", "Nhập mã hồ sơ in trên phiếu hẹn", "Enter the dossier code"));
    }
    if phone.is_empty() {
        errors.push(FieldError::new("sdt", "required", "Nhập số điện thoại đã khai khi nộp hồ sơ", "Enter the phone"));
    }
    if errors.is_empty() {
        match tinhso_kernel::ids::Phone::parse("sdt", &phone) {
            Err(e) => errors.push(e),
            Ok(p) => match dossiers::look_up(&state, client, &code, &p).await {
                Err(e) if e.retry_after().is_some() => {
                    wait = e.retry_after();
                    errors.push(FieldError::new("ma", e.code(), e.message(Locale::Vi), e.message(Locale::En)));
                }
                Err(e) => return Err(err(e)),
                Ok(Some(d)) => {
                    let en = viewer.locale == Locale::En;
                    let (status, next_step, due) = dossiers::lookup_words(&state, &d, en);
                    let collect_at = dossiers::collect_at(&state, &d).map(str::to_owned);
                    found = Some(LookupFound {
                        code: d.code.to_string(),
                        status,
                        state_key: d.state.key(),
                        next_step,
                        due_status: due.say(crate::views::late_by(&state, due, d.apology_due_on.or(d.due_on)), en),
                        due_status_key: crate::views::status_key(due),
                        due: match viewer.locale {
                            tinhso_http::i18n::Locale::En => due_en(d.apology_due_on, d.due_on),
                            tinhso_http::i18n::Locale::Vi => due_vi(d.apology_due_on, d.due_on),
                        },
                        collect_at,
                    });
                }
                Ok(None) => errors.push(FieldError::new(
                    "ma",
                    "not_found",
                    "Không tìm thấy hồ sơ với mã và số điện thoại này. Kiểm tra lại mã trên phiếu hẹn.",
                    "No dossier with this code and phone number",
                )),
            },
        }
    }
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let page = LookupPage { layout: Layout::new(&state, &viewer, title(&viewer)), code, phone, found, errors };
    Ok(match wait {
        Some(s) => viewer.finish_waiting(s, render(&page)),
        None => viewer.finish((status, render(&page))),
    })
}
