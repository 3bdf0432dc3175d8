//! The platform's pages for people and their accounts, built like a module's web half: logging
//! in and out, registration (with the code that proves a login, and a desk account's claim),
//! the account page (password, texts), password resets (by a mailed code or at the desk), the
//! notices inbox, the copy of one's personal data (each module adds its part), staff accounts
//! (add, lock, a new password, another role or agency, naming the work each module says an
//! officer holds) and the
//! administrators' log. [`module`] hands the composition root its routes.
//!
//! May depend on: the kernel, the policy, the storage ports, identity (passwords and codes),
//! notifications (a registration's code sent at once) and the HTTP platform (sessions, the
//! login check, layout, errors). No module depends on it: what modules share with these pages
//! (where to go after a login, telling an account's owner) lives in `tinhso_http`.

mod account;
mod admin_log;
mod personal_data;
mod reassign;
mod reset;
mod signup;
mod staff;
mod views;

use axum::extract::{Path, State};
use axum::response::Redirect;
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;
use tinhso_http::auth::Viewer;
use tinhso_http::form::FormData;
use tinhso_http::{AccountLinks, AppState, WebModule};

/// What the modules offer a person on their account page, in the modules' order.
#[derive(Clone)]
struct Offered(Arc<Vec<AccountLinks>>);

/// The account pages, with what `modules` keep about a person (for the personal-data copy),
/// say an officer holds (before a lock or a move) and offer on a person's account page.
pub fn module(modules: &[WebModule]) -> WebModule {
    let offered = Offered(Arc::new(modules.iter().filter_map(|m| m.account_links).collect()));
    let parts: Arc<Vec<_>> = Arc::new(modules.iter().filter_map(|m| m.personal_data).collect());
    let personal_data = move |State(state): State<AppState>, viewer: Viewer| {
        let parts = parts.clone();
        async move { personal_data::download(state, viewer, &parts).await }
    };
    let held: Arc<Vec<_>> = Arc::new(modules.iter().filter_map(|m| m.held_work).collect());
    let ask_lock = {
        let held = held.clone();
        move |state: State<AppState>, viewer: Viewer, id: Path<String>| {
            let held = held.clone();
            async move { staff::ask_lock(state, viewer, id, &held).await }
        }
    };
    let lock = {
        let held = held.clone();
        move |state: State<AppState>, viewer: Viewer, id: Path<String>, form: FormData| {
            let held = held.clone();
            async move { staff::lock(state, viewer, id, form, &held).await }
        }
    };
    let reassign_form = {
        let held = held.clone();
        move |state: State<AppState>, viewer: Viewer, id: Path<String>| {
            let held = held.clone();
            async move { reassign::form(state, viewer, id, &held).await }
        }
    };
    let reassign = move |state: State<AppState>, viewer: Viewer, id: Path<String>, form: FormData| {
        let held = held.clone();
        async move { reassign::save(state, viewer, id, form, &held).await }
    };
    let routes = Router::new()
        .route("/dang-nhap", get(account::login_form).post(account::login))
        .route("/dang-xuat", post(account::logout))
        .route("/dang-ky", get(account::register_form).post(account::register))
        .route("/dang-ky/xac-nhan", get(signup::form).post(signup::prove))
        .route("/dang-ky/gui-lai-ma", post(signup::resend))
        .route("/tai-khoan", get(account::account))
        .route("/tai-khoan/mat-khau", post(account::change_password))
        .route("/tai-khoan/tin-nhan", post(account::set_texts).get(|| async { Redirect::to("/tai-khoan") }))
        .route("/tai-khoan/du-lieu", get(personal_data))
        .route("/dat-lai-mat-khau", get(reset::form).post(reset::reset))
        .route("/dat-lai-mat-khau/gui-ma", post(reset::mail_code))
        .route("/can-bo/dat-lai-mat-khau", get(reset::desk_form).post(reset::desk_reset))
        .route("/thong-bao", get(account::notifications))
        .route("/quan-tri/nhat-ky", get(admin_log::show))
        .route("/quan-tri/tai-khoan", get(staff::list).post(staff::create))
        // Locking and a new password ask first (their page is the question); unlocking has no
        // page of its own: opened, the list it is on.
        .route("/quan-tri/tai-khoan/{id}/khoa", post(lock).get(ask_lock))
        .route(
            "/quan-tri/tai-khoan/{id}/mo-khoa",
            post(staff::unlock).get(|| async { Redirect::to("/quan-tri/tai-khoan") }),
        )
        .route("/quan-tri/tai-khoan/{id}/cap-lai-mat-khau", post(staff::new_password).get(staff::ask_new_password))
        .route("/quan-tri/tai-khoan/{id}/vai-tro", get(reassign_form).post(reassign))
        .layer(axum::Extension(offered));
    WebModule {
        routes,
        api: utoipa::openapi::OpenApi::default(),
        own_upload_auth: &[],
        // The platform's own part of the copy is written by the copy itself.
        personal_data: None,
        held_work: None,
        account_links: None,
    }
}
