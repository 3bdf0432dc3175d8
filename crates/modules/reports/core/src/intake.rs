//! A report as a person or an Open311 client sends it, checked all at once: every problem is
//! named with its field, in Vietnamese and English, so a form shows them together.

use crate::category::Category;
use crate::geo::Point;
use crate::machine::{NewReport, ReportKind};
use tinhso_kernel::ids::{AccountId, DossierCode, Email, Phone};
use tinhso_kernel::province::Unit;
use tinhso_kernel::FieldError;

/// Fields as typed (form or API), before checking.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Draft {
    pub category: String,
    pub description: String,
    pub lat: String,
    pub lon: String,
    pub commune: String,
    pub address: String,
    pub dossier_code: String,
    pub name: String,
    pub contact: String,
    pub show_identity: bool,
    pub client_token: String,
}

pub const MIN_DESCRIPTION: usize = 10;
pub const MAX_DESCRIPTION: usize = 4000;

fn clean(s: &str) -> String {
    tinhso_kernel::text::clean(s).trim().to_owned()
}

/// The report `d` describes, or every problem with it. `communes` are the province's units
/// valid today; a point without a commune is placed by the caller (boundaries) or asked for.
pub fn check(
    d: &Draft,
    categories: &[Category],
    communes: &[Unit],
    reporter: Option<AccountId>,
    photos: Vec<String>,
) -> Result<NewReport, Vec<FieldError>> {
    let mut errors = Vec::new();
    let category = categories.iter().find(|c| c.active && c.code == d.category.trim());
    if category.is_none() {
        errors.push(FieldError::new("category", "unknown_category", "Chọn lĩnh vực phản ánh", "Choose a category"));
    }
    let description = clean(&d.description);
    let n = description.chars().count();
    if n < MIN_DESCRIPTION {
        errors.push(FieldError::new(
            "description",
            "description_too_short",
            format!("Mô tả vấn đề (ít nhất {MIN_DESCRIPTION} ký tự)"),
            format!("Describe the problem (at least {MIN_DESCRIPTION} characters)"),
        ));
    } else if n > MAX_DESCRIPTION {
        errors.push(FieldError::new(
            "description",
            "description_too_long",
            format!("Mô tả dài quá {MAX_DESCRIPTION} ký tự"),
            format!("The description is longer than {MAX_DESCRIPTION} characters"),
        ));
    }
    let (lat, lon) = (d.lat.trim(), d.lon.trim());
    let point = match (lat.is_empty(), lon.is_empty()) {
        (true, true) => None,
        _ => match (lat.parse::<f64>(), lon.parse::<f64>()) {
            (Ok(a), Ok(o)) => match Point::new(a, o) {
                Some(p) if crate::geo::in_viet_nam(p) => Some(p),
                Some(_) => {
                    errors.push(FieldError::new(
                        "lat",
                        "outside_country",
                        "Vị trí này nằm ngoài lãnh thổ Việt Nam; kiểm tra toạ độ (vĩ độ trước, kinh độ sau) hoặc chọn \
                         xã, phường",
                        "This place is outside Viet Nam: check the coordinates (latitude first) or choose the commune",
                    ));
                    None
                }
                None => {
                    errors.push(FieldError::new("lat", "bad_location", "Toạ độ không hợp lệ", "Invalid coordinates"));
                    None
                }
            },
            _ => {
                errors.push(FieldError::new(
                    "lat",
                    "bad_location",
                    "Toạ độ phải gồm vĩ độ và kinh độ dạng số",
                    "Coordinates need a numeric latitude and longitude",
                ));
                None
            }
        },
    };
    let commune = match d.commune.trim() {
        "" => None,
        c => match c.parse::<u32>().ok().filter(|c| communes.iter().any(|u| u.code == *c)) {
            Some(c) => Some(c),
            None => {
                errors.push(FieldError::new(
                    "commune",
                    "unknown_commune",
                    "Chọn xã, phường trong tỉnh",
                    "Choose a commune of the province",
                ));
                None
            }
        },
    };
    let address = clean(&d.address);
    if address.chars().count() > 300 {
        errors.push(FieldError::new("address", "address_too_long", "Địa chỉ dài quá 300 ký tự", "Address too long"));
    }
    let kind = if category.is_some_and(|c| c.public_service) { ReportKind::Service } else { ReportKind::Place };
    if kind == ReportKind::Place && point.is_none() && commune.is_none() {
        errors.push(FieldError::new(
            "commune",
            "location_required",
            "Cho biết nơi xảy ra: chọn xã, phường (và ghi địa chỉ) hoặc đánh dấu trên bản đồ",
            "Say where: choose the commune (and an address) or pin it on the map",
        ));
    }
    let dossier_code = match d.dossier_code.trim() {
        "" => None,
        c => match DossierCode::parse("dossier_code", c) {
            Ok(c) => Some(c.to_string()),
            Err(e) => {
                errors.push(e);
                None
            }
        },
    };
    let name = clean(&d.name);
    if name.chars().count() > 100 {
        errors.push(FieldError::new("name", "name_too_long", "Họ tên dài quá 100 ký tự", "Name too long"));
    }
    let contact = clean(&d.contact);
    if !contact.is_empty() && Phone::parse("contact", &contact).is_err() && Email::parse("contact", &contact).is_err() {
        errors.push(FieldError::new(
            "contact",
            "bad_contact",
            "Ghi số điện thoại hoặc thư điện tử để cơ quan liên hệ (có thể để trống)",
            "Give a phone number or an e-mail address (or leave it empty)",
        ));
    }
    if d.show_identity && name.is_empty() {
        errors.push(FieldError::new(
            "name",
            "name_required",
            "Ghi họ tên nếu muốn công khai tên người phản ánh",
            "Give a name to show it publicly",
        ));
    }
    let client_token = clean(&d.client_token);
    if client_token.chars().count() > 100 {
        errors.push(FieldError::new("token", "token_too_long", "Mã tham chiếu dài quá 100 ký tự", "Token too long"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(NewReport {
        kind,
        category: d.category.trim().to_owned(),
        description,
        point,
        commune,
        address,
        dossier_code,
        reporter,
        reporter_name: name,
        reporter_contact: contact,
        show_identity: d.show_identity,
        photos,
        client_token: (!client_token.is_empty()).then_some(client_token),
    })
}
