//! The national population database's answer about one person, as the province's adapter
//! of the population service returns it (`GET …/cong-dan/{so_dinh_danh}`: 200 with the
//! record, 404 when no citizen holds that number), and how it is held against what the person
//! in front of the desk said. Names are compared as written, marks included: "Nguyễn" and
//! "Nguyên" are two names on a legal paper; only case and spacing are forgiven.

use chrono::NaiveDate;
use serde::Deserialize;
use tinhso_kernel::ids::PersonalId;
use tinhso_kernel::text;

/// The record, as the service sends it (unknown fields are the service's, and ignored).
#[derive(Debug, Deserialize)]
struct Answer {
    so_dinh_danh: String,
    ho_ten: String,
    #[serde(default)]
    ngay_sinh: Option<String>,
    #[serde(default)]
    noi_thuong_tru: Option<String>,
    #[serde(default)]
    noi_o_hien_tai: Option<String>,
    #[serde(default)]
    da_mat: bool,
}

/// A citizen as the population database holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resident {
    pub personal_id: PersonalId,
    /// NFC, spaces collapsed.
    pub full_name: String,
    pub birth_date: Option<NaiveDate>,
    /// Where they live now, else their permanent residence.
    pub residence: Option<String>,
    pub deceased: bool,
}

/// Why an answer cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadAnswer {
    /// Not the record's shape.
    Malformed,
    /// The record of another number than the one asked about.
    AnotherPerson,
    /// A birth date that is no date.
    BirthDate,
}

impl BadAnswer {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::AnotherPerson => "another_person",
            Self::BirthDate => "birth_date",
        }
    }
}

/// `body` as the record of the person holding `asked`.
pub fn resident(body: &[u8], asked: &PersonalId) -> Result<Resident, BadAnswer> {
    let a: Answer = serde_json::from_slice(body).map_err(|_| BadAnswer::Malformed)?;
    if a.so_dinh_danh.trim() != asked.as_str() {
        return Err(BadAnswer::AnotherPerson);
    }
    let full_name = text::clean(&a.ho_ten);
    if full_name.is_empty() {
        return Err(BadAnswer::Malformed);
    }
    let birth_date = match a.ngay_sinh.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
                .map_err(|_| BadAnswer::BirthDate)?,
        ),
    };
    let place = |s: Option<String>| s.map(|s| text::clean(&s)).filter(|s| !s.is_empty());
    Ok(Resident {
        personal_id: asked.clone(),
        full_name,
        birth_date,
        residence: place(a.noi_o_hien_tai).or_else(|| place(a.noi_thuong_tru)),
        deceased: a.da_mat,
    })
}

/// What a lookup found, as kept in the log and shown to the person asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The record was read (to fill in the desk's form); no name to hold it against.
    Found,
    /// The name said matches the record.
    Matches,
    /// The name said is not the record's.
    NameDiffers,
    /// The record is of a person who has died.
    Deceased,
    /// No citizen holds that number.
    NotFound,
    /// No usable answer (the exchange down, an error, an answer that cannot be trusted).
    Failed,
}

impl Outcome {
    pub const ALL: [Self; 6] =
        [Self::Found, Self::Matches, Self::NameDiffers, Self::Deceased, Self::NotFound, Self::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Found => "found",
            Self::Matches => "matches",
            Self::NameDiffers => "name_differs",
            Self::Deceased => "deceased",
            Self::NotFound => "not_found",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// Whether the person's record was read (and so shown to the officer).
    pub fn read_record(self) -> bool {
        matches!(self, Self::Found | Self::Matches | Self::NameDiffers | Self::Deceased)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Found => "Đã lấy thông tin",
            Self::Matches => "Khớp",
            Self::NameDiffers => "Họ tên không khớp",
            Self::Deceased => "Công dân đã mất",
            Self::NotFound => "Không có số định danh này",
            Self::Failed => "Không tra cứu được",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Found => "Details read",
            Self::Matches => "Matches",
            Self::NameDiffers => "Name differs",
            Self::Deceased => "Citizen deceased",
            Self::NotFound => "No such personal ID",
            Self::Failed => "Lookup failed",
        }
    }
}

/// Two spellings of one name: the same letters and tones, whatever the case, the spacing
/// and the vowel a tone is written on (the registry may hold "Thuỷ" for a card's "Thủy").
pub fn same_name(a: &str, b: &str) -> bool {
    text::spelling_key(a) == text::spelling_key(b)
}

/// The record held against the name said at the desk (`None`: nothing to compare, the
/// record is only read).
pub fn compare(said_name: Option<&str>, found: Option<&Resident>) -> Outcome {
    match (found, said_name.map(str::trim).filter(|n| !n.is_empty())) {
        (None, _) => Outcome::NotFound,
        (Some(r), _) if r.deceased => Outcome::Deceased,
        (Some(_), None) => Outcome::Found,
        (Some(r), Some(n)) if same_name(n, &r.full_name) => Outcome::Matches,
        (Some(_), Some(_)) => Outcome::NameDiffers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> PersonalId {
        PersonalId::parse("id", s).unwrap()
    }

    const RECORD: &[u8] =
        "{\"so_dinh_danh\":\"008090001234\",\"ho_ten\":\"  Nguyễn   Văn An \",\"ngay_sinh\":\"1990-05-17\",\
        \"noi_thuong_tru\":\"Thôn 3, xã Hàm Yên\",\"noi_o_hien_tai\":\"\",\"gioi_tinh\":\"nam\"}"
            .as_bytes();

    #[test]
    fn a_record_is_read_for_the_number_asked_only() {
        let r = resident(RECORD, &id("008090001234")).unwrap();
        assert_eq!(r.full_name, "Nguyễn Văn An");
        assert_eq!(r.birth_date, NaiveDate::from_ymd_opt(1990, 5, 17));
        assert_eq!(r.residence.as_deref(), Some("Thôn 3, xã Hàm Yên"), "an empty current place falls back");
        assert!(!r.deceased);
        assert_eq!(resident(RECORD, &id("008090001235")), Err(BadAnswer::AnotherPerson));
        assert_eq!(resident(b"[]", &id("008090001234")), Err(BadAnswer::Malformed));
        let nameless = br#"{"so_dinh_danh":"008090001234","ho_ten":"  "}"#;
        assert_eq!(resident(nameless, &id("008090001234")), Err(BadAnswer::Malformed));
        let bad_date = br#"{"so_dinh_danh":"008090001234","ho_ten":"A","ngay_sinh":"1990-13-01"}"#;
        assert_eq!(resident(bad_date, &id("008090001234")), Err(BadAnswer::BirthDate));
        let vn_date = br#"{"so_dinh_danh":"008090001234","ho_ten":"A","ngay_sinh":"17/05/1990"}"#;
        assert_eq!(resident(vn_date, &id("008090001234")).unwrap().birth_date, NaiveDate::from_ymd_opt(1990, 5, 17));
    }

    #[test]
    fn names_are_compared_with_their_marks() {
        let r = resident(RECORD, &id("008090001234")).unwrap();
        assert_eq!(compare(Some("nguyễn văn  an"), Some(&r)), Outcome::Matches);
        // Decomposed input (as some keyboards send it) is the same name.
        assert_eq!(compare(Some("Nguye\u{302}\u{303}n Văn An"), Some(&r)), Outcome::Matches);
        assert_eq!(compare(Some("Nguyên Văn An"), Some(&r)), Outcome::NameDiffers);
        assert_eq!(compare(Some("Nguyen Van An"), Some(&r)), Outcome::NameDiffers);
        assert_eq!(compare(None, Some(&r)), Outcome::Found);
        assert_eq!(compare(Some(" "), Some(&r)), Outcome::Found);
        assert_eq!(compare(Some("Nguyễn Văn An"), None), Outcome::NotFound);
        let thuy = Resident { full_name: "Đỗ Thị Thuỷ".into(), ..r.clone() };
        assert_eq!(compare(Some("Đỗ Thị Thủy"), Some(&thuy)), Outcome::Matches, "either tone placement");
        let dead = Resident { deceased: true, ..r };
        assert_eq!(compare(Some("Nguyễn Văn An"), Some(&dead)), Outcome::Deceased);
    }

    #[test]
    fn outcomes_round_trip() {
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
        }
        assert_eq!(Outcome::parse("other"), None);
    }
}
