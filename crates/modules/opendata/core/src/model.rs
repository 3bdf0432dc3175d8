//! The catalogue's things: datasets with their resources, the organizations that publish
//! them (the province's agencies) and the themes (CKAN's groups) that gather them.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// A dataset's life: a private draft while an editor prepares it, active once saved (public
/// unless `private`), deleted (kept, hidden, its name still taken until purged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Active,
    Draft,
    Deleted,
}

impl State {
    pub fn key(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Draft => "draft",
            Self::Deleted => "deleted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Active, Self::Draft, Self::Deleted].into_iter().find(|x| x.key() == s)
    }
}

/// How often a dataset is updated: the EU's frequency vocabulary, which DCAT-AP names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    Annual,
    Irregular,
    Never,
}

impl Frequency {
    pub const ALL: [Self; 7] =
        [Self::Daily, Self::Weekly, Self::Monthly, Self::Quarterly, Self::Annual, Self::Irregular, Self::Never];

    pub fn key(self) -> &'static str {
        match self {
            Self::Daily => "daily",
            Self::Weekly => "weekly",
            Self::Monthly => "monthly",
            Self::Quarterly => "quarterly",
            Self::Annual => "annual",
            Self::Irregular => "irregular",
            Self::Never => "never",
        }
    }

    /// The authority table's code (`.../authority/frequency/<code>`).
    pub fn eu_code(self) -> &'static str {
        match self {
            Self::Daily => "DAILY",
            Self::Weekly => "WEEKLY",
            Self::Monthly => "MONTHLY",
            Self::Quarterly => "QUARTERLY",
            Self::Annual => "ANNUAL",
            Self::Irregular => "IRREG",
            Self::Never => "NEVER",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Daily => "Hằng ngày",
            Self::Weekly => "Hằng tuần",
            Self::Monthly => "Hằng tháng",
            Self::Quarterly => "Hằng quý",
            Self::Annual => "Hằng năm",
            Self::Irregular => "Không định kỳ",
            Self::Never => "Không cập nhật",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Daily => "Daily",
            Self::Weekly => "Weekly",
            Self::Monthly => "Monthly",
            Self::Quarterly => "Quarterly",
            Self::Annual => "Yearly",
            Self::Irregular => "Irregular",
            Self::Never => "Not updated",
        }
    }

    /// A key, an EU code or its URI.
    pub fn parse(s: &str) -> Option<Self> {
        let code = s.rsplit('/').next().unwrap_or(s);
        Self::ALL.into_iter().find(|f| f.key() == s || f.eu_code().eq_ignore_ascii_case(code))
    }
}

/// A free key/value pair beside the typed fields (CKAN's extras).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extra {
    pub key: String,
    pub value: String,
}

/// A file of a dataset: uploaded to the platform (kept by its SHA-256) or linked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub id: String,
    pub name: String,
    pub description: String,
    /// Upper-case format (CSV, XLSX, JSON, GEOJSON, PDF...).
    pub format: String,
    /// The link of a linked resource; empty for an upload (its address is the portal's).
    pub url: String,
    pub upload: Option<Upload>,
    pub created: NaiveDateTime,
    pub last_modified: Option<NaiveDateTime>,
    /// Loaded into a queryable table of the shared data store.
    #[serde(default)]
    pub datastore_active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    pub sha256: String,
    pub filename: String,
    pub size: i64,
    pub mimetype: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    pub id: String,
    pub name: String,
    pub title: String,
    pub notes: String,
    /// The publishing organization's id.
    pub owner_org: String,
    pub private: bool,
    pub state: State,
    pub license_id: String,
    pub tags: Vec<String>,
    /// The themes' ids.
    pub groups: Vec<String>,
    pub url: String,
    pub version: String,
    pub author: String,
    pub author_email: String,
    pub maintainer: String,
    pub maintainer_email: String,
    /// Contact point (DCAT's `dcat:contactPoint`).
    pub contact_name: String,
    pub contact_email: String,
    pub temporal_start: Option<NaiveDate>,
    pub temporal_end: Option<NaiveDate>,
    /// A GeoJSON geometry the data covers.
    pub spatial: Option<String>,
    pub frequency: Option<Frequency>,
    pub extras: Vec<Extra>,
    pub resources: Vec<Resource>,
    pub created: NaiveDateTime,
    pub modified: NaiveDateTime,
    /// Who made it (an account id), when a person did.
    pub creator: Option<i64>,
    /// Moves on with every change: the metadata version kept, and the optimistic check.
    pub revision: i64,
}

impl Dataset {
    /// A first version with nothing but its identity, publisher and time: the public,
    /// default-licensed, empty dataset the system (publishing, harvesting, loading) fills in.
    pub fn new(id: String, name: String, title: String, owner_org: String, now: NaiveDateTime) -> Self {
        Self {
            id,
            name,
            title,
            notes: String::new(),
            owner_org,
            private: false,
            state: State::Active,
            license_id: crate::licence::DEFAULT.to_owned(),
            tags: Vec::new(),
            groups: Vec::new(),
            url: String::new(),
            version: String::new(),
            author: String::new(),
            author_email: String::new(),
            maintainer: String::new(),
            maintainer_email: String::new(),
            contact_name: String::new(),
            contact_email: String::new(),
            temporal_start: None,
            temporal_end: None,
            spatial: None,
            frequency: None,
            extras: Vec::new(),
            resources: Vec::new(),
            created: now,
            modified: now,
            creator: None,
            revision: 1,
        }
    }

    pub fn is_public(&self) -> bool {
        self.state == State::Active && !self.private
    }

    pub fn resource(&self, id: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.id == id)
    }
}

/// A publisher: one of the province's agencies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub title: String,
    pub description: String,
    /// The agency's code in the province model.
    pub agency: String,
}

/// A theme gathering datasets across publishers (CKAN's group).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub title: String,
    pub description: String,
}

/// The province's default themes (the portal's home shows them).
pub fn default_groups() -> Vec<Group> {
    [
        ("dich-vu-cong", "Dịch vụ công", "Thủ tục hành chính, hồ sơ, chất lượng phục vụ người dân và doanh nghiệp."),
        ("kinh-te", "Kinh tế", "Doanh nghiệp, đầu tư, thương mại, giá cả."),
        ("dat-dai-moi-truong", "Đất đai và môi trường", "Đất đai, tài nguyên, môi trường, khí hậu."),
        ("giao-thong-xay-dung", "Giao thông và xây dựng", "Hạ tầng, giao thông, quy hoạch, xây dựng."),
        ("y-te-giao-duc", "Y tế và giáo dục", "Cơ sở y tế, trường học, chỉ số sức khỏe và giáo dục."),
        ("dan-cu-xa-hoi", "Dân cư và xã hội", "Dân số, lao động, an sinh, văn hóa."),
        ("phan-anh-kien-nghi", "Phản ánh, kiến nghị", "Phản ánh hiện trường và kiến nghị của người dân."),
        ("nong-nghiep", "Nông nghiệp", "Nông, lâm, thủy sản, nông thôn mới."),
    ]
    .into_iter()
    .map(|(name, title, description)| Group {
        id: crate::name::derived_id(&format!("group:{name}")),
        name: name.to_owned(),
        title: title.to_owned(),
        description: description.to_owned(),
    })
    .collect()
}
