//! A dataset dict, field by field.

use super::{block, date, extras, groups, is_email, tags, Errors, Fresh, Lookup, Mode, Reader};
use crate::model::{Dataset, Frequency, Resource, State};
use crate::{licence, name};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Reads a dataset dict. `existing` is the stored dataset for `Update` and `Patch`.
pub fn dataset(
    input: &Map<String, Value>,
    existing: Option<&Dataset>,
    mode: Mode,
    look: &dyn Lookup,
    fresh: &mut Fresh<'_>,
) -> Result<Dataset, Errors> {
    let mut r = Reader { input, errors: Errors::new() };
    let patch = mode == Mode::Patch;
    // What a field is when the dict leaves it out: kept on a patch, emptied on an update.
    let base = |f: &dyn Fn(&Dataset) -> String| if patch { existing.map(f).unwrap_or_default() } else { String::new() };

    let id = match (existing, input.get("id").and_then(Value::as_str)) {
        (Some(d), _) => d.id.clone(),
        (None, Some(id)) if name::is_uuid(id) => id.to_ascii_lowercase(),
        (None, Some(_)) => {
            r.err("id", "Mã định danh phải là UUID.");
            String::new()
        }
        (None, None) => (fresh.id)(),
    };
    let name_given = r.line("name");
    let dname = name_given.clone().or_else(|| existing.map(|d| d.name.clone())).unwrap_or_default();
    if dname.is_empty() {
        r.err("name", "Thiếu tên định danh (name).");
    } else if !name::is_name(&dname) {
        r.err("name", "Tên định danh dài 2–100 ký tự, chỉ gồm chữ thường không dấu, số, “-” và “_”.");
    } else if look.name_taken(&dname, &id) {
        r.err("name", "Tên định danh này đã được dùng.");
    }
    let title = r.line("title").unwrap_or_else(|| base(&|d| d.title.clone()));
    let title = if title.is_empty() { dname.clone() } else { title };
    let notes = match input.get("notes") {
        Some(Value::String(s)) => {
            let s = block(s);
            if s.chars().count() > super::MAX_NOTES {
                r.err("notes", format!("Tối đa {} ký tự.", super::MAX_NOTES));
            }
            s
        }
        Some(Value::Null) => String::new(),
        Some(_) => {
            r.err("notes", "Phải là một chuỗi ký tự.");
            String::new()
        }
        None => base(&|d| d.notes.clone()),
    };
    let owner_org = match r.line("owner_org") {
        Some(o) if !o.is_empty() => look.organization(&o).unwrap_or_else(|| {
            r.err("owner_org", format!("Không có tổ chức “{o}”."));
            String::new()
        }),
        _ => existing.map(|d| d.owner_org.clone()).unwrap_or_else(|| {
            r.err("owner_org", "Cần chọn tổ chức công bố dữ liệu (owner_org).");
            String::new()
        }),
    };
    let private = r.flag("private").unwrap_or_else(|| existing.is_some_and(|d| d.private));
    let state = match r.line("state") {
        Some(s) if s.is_empty() => State::Active,
        Some(s) => match State::parse(&s) {
            Some(State::Deleted) | None => {
                r.err("state", "Trạng thái là active hoặc draft.");
                State::Active
            }
            Some(st) => st,
        },
        None if patch => existing.map_or(State::Active, |d| d.state),
        None => State::Active,
    };
    let license_id = r.line("license_id").unwrap_or_else(|| base(&|d| d.license_id.clone()));
    let license_id = if license_id.is_empty() { licence::DEFAULT.to_owned() } else { license_id };
    if licence::find(&license_id).is_none() {
        r.err("license_id", format!("Không có giấy phép “{license_id}” (xem license_list)."));
    }
    let tags = tags(&mut r).unwrap_or_else(|| {
        if patch {
            existing.map(|d| d.tags.clone()).unwrap_or_default()
        } else {
            Vec::new()
        }
    });
    let groups = groups(&mut r, look).unwrap_or_else(|| {
        if patch {
            existing.map(|d| d.groups.clone()).unwrap_or_default()
        } else {
            Vec::new()
        }
    });

    let mut typed = BTreeMap::new();
    let extras = extras(&mut r, &mut typed).unwrap_or_else(|| {
        if patch {
            existing.map(|d| d.extras.clone()).unwrap_or_default()
        } else {
            Vec::new()
        }
    });
    // Typed fields may also come at the top level, which wins over an extra of the same key.
    for k in super::TYPED_EXTRAS {
        if let Some(v) = r.line(k) {
            typed.insert(k.to_owned(), v);
        }
    }
    let typed_or = |k: &str, keep: &dyn Fn(&Dataset) -> Option<String>| -> Option<String> {
        match typed.get(k) {
            Some(v) => Some(v.clone()).filter(|v| !v.is_empty()),
            None if patch => existing.and_then(keep),
            None => None,
        }
    };
    let temporal_start = typed_or("temporal_start", &|d| d.temporal_start.map(|x| x.to_string()));
    let temporal_end = typed_or("temporal_end", &|d| d.temporal_end.map(|x| x.to_string()));
    let temporal_start = temporal_start.and_then(|s| {
        date(&s).or_else(|| {
            r.err("temporal_start", "Ngày không hợp lệ (yyyy-mm-dd hoặc dd/mm/yyyy).");
            None
        })
    });
    let temporal_end = temporal_end.and_then(|s| {
        date(&s).or_else(|| {
            r.err("temporal_end", "Ngày không hợp lệ (yyyy-mm-dd hoặc dd/mm/yyyy).");
            None
        })
    });
    if let (Some(a), Some(b)) = (temporal_start, temporal_end) {
        if b < a {
            r.err("temporal_end", "Ngày kết thúc phải sau ngày bắt đầu.");
        }
    }
    let spatial = typed_or("spatial", &|d| d.spatial.clone()).and_then(|s| {
        let ok = serde_json::from_str::<Value>(&s).ok().filter(|v| v.get("type").and_then(Value::as_str).is_some());
        match ok {
            Some(v) => Some(v.to_string()),
            None => {
                r.err("spatial", "Phạm vi không gian phải là một hình GeoJSON (có “type”).");
                None
            }
        }
    });
    let frequency = typed_or("frequency", &|d| d.frequency.map(|f| f.key().to_owned())).and_then(|s| {
        Frequency::parse(&s).or_else(|| {
            r.err("frequency", "Tần suất là daily, weekly, monthly, quarterly, annual, irregular hoặc never.");
            None
        })
    });
    let contact_name = typed_or("contact_name", &|d| Some(d.contact_name.clone())).unwrap_or_default();
    let contact_email = typed_or("contact_email", &|d| Some(d.contact_email.clone())).unwrap_or_default();
    let url = r.line("url").unwrap_or_else(|| base(&|d| d.url.clone()));
    let version = r.line("version").unwrap_or_else(|| base(&|d| d.version.clone()));
    let author = r.line("author").unwrap_or_else(|| base(&|d| d.author.clone()));
    let author_email = r.line("author_email").unwrap_or_else(|| base(&|d| d.author_email.clone()));
    let maintainer = r.line("maintainer").unwrap_or_else(|| base(&|d| d.maintainer.clone()));
    let maintainer_email = r.line("maintainer_email").unwrap_or_else(|| base(&|d| d.maintainer_email.clone()));
    for (f, v) in
        [("author_email", &author_email), ("maintainer_email", &maintainer_email), ("contact_email", &contact_email)]
    {
        if !v.is_empty() && !is_email(v) {
            r.err(f, "Địa chỉ thư điện tử không hợp lệ.");
        }
    }

    let resources = match input.get("resources") {
        None if patch || existing.is_none() => existing.map(|d| d.resources.clone()).unwrap_or_default(),
        None => Vec::new(),
        Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => {
            if list.len() > super::MAX_RESOURCES {
                r.err("resources", format!("Tối đa {} tài nguyên.", super::MAX_RESOURCES));
            }
            let mut out: Vec<Resource> = Vec::new();
            for (i, v) in list.iter().enumerate() {
                let Some(obj) = v.as_object() else {
                    r.err("resources", format!("Tài nguyên {} phải là một đối tượng.", i + 1));
                    continue;
                };
                let old = obj.get("id").and_then(Value::as_str).and_then(|rid| existing.and_then(|d| d.resource(rid)));
                match super::resource(obj, old, false, false, fresh) {
                    Ok(res) if out.iter().any(|x| x.id == res.id) => {
                        r.err("resources", format!("Tài nguyên {}: mã định danh bị lặp.", i + 1));
                    }
                    Ok(res) => out.push(res),
                    Err(errs) => {
                        for (f, msgs) in errs {
                            for m in msgs {
                                r.err("resources", format!("Tài nguyên {} ({f}): {m}", i + 1));
                            }
                        }
                    }
                }
            }
            out
        }
        Some(_) => {
            r.err("resources", "Phải là danh sách tài nguyên.");
            Vec::new()
        }
    };

    if !r.errors.is_empty() {
        return Err(r.errors);
    }
    Ok(Dataset {
        id,
        name: dname,
        title,
        notes,
        owner_org,
        private,
        state,
        license_id,
        tags,
        groups,
        url,
        version,
        author,
        author_email,
        maintainer,
        maintainer_email,
        contact_name,
        contact_email,
        temporal_start,
        temporal_end,
        spatial,
        frequency,
        extras,
        resources,
        created: existing.map_or(fresh.now, |d| d.created),
        modified: fresh.now,
        creator: existing.and_then(|d| d.creator),
        revision: existing.map_or(1, |d| d.revision + 1),
    })
}
