//! The server's condition (`/quan-tri/may-chu`), for the province admin: what each check
//! registered with the ops watch says now (the data disk, the backups, the signing
//! certificates), what needs them first. The same concerns reach their notices hourly.

use super::{page_err, PageResult};
use crate::auth::Viewer;
use crate::ops::Condition;
use crate::state::AppState;
use crate::views::{render, Layout};
use askama::Template;
use axum::extract::State;
use tinhso_policy::Action;

#[derive(Template)]
#[template(path = "admin/server.html")]
pub struct ServerPage {
    pub layout: Layout,
    /// In the viewer's language: what needs an admin, then what is as it should be.
    pub concerns: Vec<String>,
    pub fine: Vec<String>,
}

pub async fn show(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let err = page_err(&viewer);
    viewer.require(&Action::ManageProvince).map_err(&err)?;
    let (concerns, fine): (Vec<Condition>, Vec<Condition>) =
        state.ops.conditions().await.into_iter().partition(|c| c.concern);
    let words = |list: Vec<Condition>| list.into_iter().map(|c| viewer.locale.pick(c.vi, c.en)).collect();
    let page = ServerPage {
        layout: Layout::new(&state, &viewer, viewer.locale.pick("Tình trạng máy chủ", "The server's condition")),
        concerns: words(concerns),
        fine: words(fine),
    };
    Ok(viewer.finish(render(&page)))
}
