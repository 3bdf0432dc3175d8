//! A publisher's form (`/du-lieu/moi`): a dataset with its first file (or link) in one step,
//! for staff who publish without API tools. The same save path as CKAN's `package_create`
//! (the rules, the policy, the kept version, the ledger); every problem told at once.

use crate::service::{self, SaveError};
use askama::Template;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::response::{IntoResponse, Redirect};
use serde_json::{json, Map, Value};
use tinhso_http::auth::Viewer;
use tinhso_http::error::AppError;
use tinhso_http::i18n::Locale;
use tinhso_http::pages::{page_err, PageResult};
use tinhso_http::state::AppState;
use tinhso_http::views::{render, Choice, Layout};
use tinhso_kernel::FieldError;
use tinhso_opendata::input::{self, Mode};
use tinhso_opendata::{licence, model::Upload, name, Frequency};

#[derive(Template)]
#[template(path = "opendata/new.html")]
pub struct NewPage {
    pub layout: Layout,
    pub errors: Vec<FieldError>,
    pub orgs: Vec<Choice>,
    pub groups: Vec<Choice>,
    pub licences: Vec<Choice>,
    pub frequencies: Vec<Choice>,
    pub title: String,
    pub notes: String,
    pub tags: String,
    pub link: String,
    pub private: bool,
}

impl NewPage {
    pub fn err(&self, field: &str) -> Option<&str> {
        tinhso_http::views::error_for(&self.errors, field, self.layout.en)
    }
}

fn choices(all: Vec<(String, String)>, chosen: &str) -> Vec<Choice> {
    all.into_iter().map(|(value, label)| Choice { selected: value == chosen, value, label }).collect()
}

/// The form's values as sent (empty on first view).
#[derive(Default)]
struct Sent {
    fields: Map<String, Value>,
    file: Option<Upload>,
    /// The file refused (its kind or size), or not taken for the server's lack of room.
    file_error: Option<FieldError>,
}

impl Sent {
    fn get(&self, k: &str) -> &str {
        self.fields.get(k).and_then(Value::as_str).unwrap_or("")
    }
}

async fn page(state: &AppState, viewer: &Viewer, sent: &Sent, errors: Vec<FieldError>) -> PageResult {
    let err = page_err(viewer);
    let actor = viewer.actor().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let portal = service::portal(state);
    let cat = portal.read(state).await.map_err(|e| err(e.into()))?;
    let orgs: Vec<(String, String)> = cat
        .organizations
        .iter()
        .filter(|o| crate::access::may_publish(&actor, o))
        .map(|o| (o.name.clone(), o.title.clone()))
        .collect();
    if orgs.is_empty() {
        return Err(err(AppError::Forbidden));
    }
    let en = viewer.locale == tinhso_http::i18n::Locale::En;
    let mut groups = vec![(String::new(), viewer.locale.pick("(không chọn)", "(none)").to_owned())];
    groups.extend(cat.groups.iter().map(|g| (g.name.clone(), g.title.clone())));
    let licences = licence::ALL
        .iter()
        .filter(|l| l.id != licence::NOT_SPECIFIED)
        .map(|l| (l.id.to_owned(), l.title.to_owned()))
        .collect();
    let mut frequencies = vec![(String::new(), viewer.locale.pick("(không nêu)", "(not stated)").to_owned())];
    frequencies.extend(
        Frequency::ALL.iter().map(|f| (f.key().to_owned(), if en { f.label_en() } else { f.label() }.to_owned())),
    );
    let chosen_licence = if sent.get("giay-phep").is_empty() { licence::DEFAULT } else { sent.get("giay-phep") };
    let p = NewPage {
        layout: Layout::new(state, viewer, viewer.locale.pick("Công bố bộ dữ liệu", "Publish a dataset")),
        orgs: choices(orgs, sent.get("to-chuc")),
        groups: choices(groups, sent.get("chu-de")),
        licences: choices(licences, chosen_licence),
        frequencies: choices(frequencies, sent.get("tan-suat")),
        title: sent.get("tieu-de").to_owned(),
        notes: sent.get("mo-ta").to_owned(),
        tags: sent.get("the").to_owned(),
        link: sent.get("duong-dan").to_owned(),
        private: sent.get("rieng-tu") == "1",
        errors,
    };
    let status =
        if p.errors.is_empty() { axum::http::StatusCode::OK } else { tinhso_http::files::form_status(&p.errors) };
    Ok((status, render(&p)).into_response())
}

pub async fn show(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let resp = page(&state, &viewer, &Sent::default(), Vec::new()).await?;
    Ok(viewer.finish(resp))
}

/// Reads the multipart form; the file (any type: data files are not only PDFs and images)
/// goes to the file store as it streams in.
async fn read(state: &AppState, req: Request) -> Result<Sent, AppError> {
    let mut mp = Multipart::from_request(req, state)
        .await
        .map_err(|_| AppError::bad_request("invalid_form", "Biểu mẫu gửi lên không hợp lệ", "Invalid form"))?;
    let mut sent = Sent::default();
    while let Some(field) = mp.next_field().await.map_err(AppError::body)? {
        let key = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            Some(file) if !file.is_empty() => {
                let mimetype = field.content_type().unwrap_or("application/octet-stream").to_owned();
                match state.files.put_any(field).await {
                    Ok((sha, size)) => {
                        sent.file = Some(Upload {
                            sha256: sha.to_string(),
                            filename: tinhso_kernel::text::clean(&file),
                            size: i64::try_from(size).unwrap_or(i64::MAX),
                            mimetype,
                        })
                    }
                    Err(tinhso_files::FileError::Refused { vi, en }) => {
                        sent.file_error = Some(FieldError::new("tep", "invalid_file", vi, en))
                    }
                    // Said at the input like a refusal, so nothing typed is lost.
                    Err(e @ tinhso_files::FileError::NoRoom) => {
                        let e = AppError::from(e);
                        let (vi, en) = (e.message(Locale::Vi), e.message(Locale::En));
                        sent.file_error = Some(FieldError::new("tep", e.code(), vi, en))
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Some(_) => {}
            None => {
                let text = field.text().await.map_err(AppError::body)?;
                sent.fields.insert(key, Value::String(text));
            }
        }
    }
    Ok(sent)
}

/// A free name from the title: its slug, then `-2`, `-3`… while taken.
async fn free_name(state: &AppState, title: &str) -> Result<String, AppError> {
    let base = name::slug(title);
    for n in 1..100 {
        let candidate = if n == 1 { base.clone() } else { format!("{base}-{n}") };
        if crate::opendata_port(state)?.dataset(&candidate).await?.is_none() {
            return Ok(candidate);
        }
    }
    Ok(format!("{base}-{}", &service::fresh_id()[..8]))
}

pub async fn create(State(state): State<AppState>, viewer: Viewer, req: Request) -> PageResult {
    let err = page_err(&viewer);
    let sent = read(&state, req).await.map_err(&err)?;
    viewer.check_csrf(sent.fields.get("csrf").and_then(Value::as_str)).map_err(&err)?;
    let account = viewer.account.clone().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let actor = viewer.actor().ok_or(AppError::Unauthenticated).map_err(&err)?;
    let mut errors = Vec::new();
    let title = tinhso_kernel::text::clean(sent.get("tieu-de"));
    if title.is_empty() {
        errors.push(FieldError::new("tieu-de", "required", "Hãy nhập tên bộ dữ liệu", "Enter the dataset's title"));
    }
    if let Some(e) = &sent.file_error {
        errors.push(e.clone());
    }
    let link = sent.get("duong-dan").trim().to_owned();
    if sent.file.is_none() && link.is_empty() && sent.file_error.is_none() {
        errors.push(FieldError::new(
            "tep",
            "required",
            "Hãy chọn tệp dữ liệu hoặc nhập đường dẫn",
            "Choose a file or give a link",
        ));
    }
    let mut dict = json!({
        "name": free_name(&state, &title).await.map_err(&err)?,
        "title": title,
        "notes": sent.get("mo-ta"),
        "owner_org": sent.get("to-chuc"),
        "tag_string": sent.get("the"),
        "license_id": sent.get("giay-phep"),
        "private": sent.get("rieng-tu") == "1",
    });
    if !sent.get("chu-de").is_empty() {
        dict["groups"] = json!([{ "name": sent.get("chu-de") }]);
    }
    if !sent.get("tan-suat").is_empty() {
        dict["frequency"] = json!(sent.get("tan-suat"));
    }
    if sent.file.is_none() && !link.is_empty() {
        dict["resources"] = json!([{ "url": link }]);
    }
    let labels = [
        ("title", "tieu-de"),
        ("notes", "mo-ta"),
        ("owner_org", "to-chuc"),
        ("tags", "the"),
        ("license_id", "giay-phep"),
        ("groups", "chu-de"),
        ("frequency", "tan-suat"),
        ("resources", "duong-dan"),
    ];
    let dict = dict.as_object().cloned().unwrap_or_default();
    if errors.is_empty() {
        let upload = sent.file.clone();
        let now = chrono::Utc::now().naive_utc();
        let saved = service::save(&state, &actor, account.id.0, &dict, None, Mode::Create, |d| {
            if let Some(up) = &upload {
                let mut id = service::fresh_id;
                let mut fresh = input::Fresh { now, id: &mut id };
                if let Ok(r) = input::resource(&Map::new(), None, false, true, &mut fresh) {
                    d.resources.push(input::with_upload(r, up.clone(), now));
                }
            }
        })
        .await;
        match saved {
            Ok(d) => {
                if let Some(r) = d.resources.first() {
                    crate::datastore::spawn_load(&state, &d.id, r);
                }
                return Ok(viewer.finish(Redirect::to(&format!("/du-lieu/{}", d.name)).into_response()));
            }
            Err(SaveError::Invalid(fields)) => {
                for (f, msgs) in fields {
                    let field = labels.iter().find(|(k, _)| *k == f).map_or("tieu-de", |(_, v)| v);
                    for m in msgs {
                        errors.push(FieldError::new(field, "invalid", &m, &m));
                    }
                }
            }
            Err(SaveError::Forbidden(m)) => errors.push(FieldError::new("to-chuc", "forbidden", &m, &m)),
            Err(SaveError::NotFound) => {
                errors.push(FieldError::new("to-chuc", "not_found", "Hãy chọn cơ quan công bố", "Choose the publisher"))
            }
            Err(SaveError::Failed(e)) => return Err(err(e)),
        }
    }
    let resp = page(&state, &viewer, &sent, errors).await?;
    Ok(viewer.finish(resp))
}
