//! The licences a dataset may carry, as CKAN's `license_list` describes them. The first is the
//! province's default for its own open data: free to use, reuse and share with attribution,
//! which is what CC BY 4.0 says; it is kept as its own entry so the portal can say so in
//! Vietnamese. Its address (the IRI DCAT and harvesters know it by, so it does not change) is
//! Decree 47/2020/NĐ-CP, which first defined state open data; the title names no decree since
//! Decree 278/2025 replaced it for data sharing.

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Licence {
    pub id: &'static str,
    pub title: &'static str,
    pub url: &'static str,
    /// Whether the Open Definition calls it open (CKAN's `od_conformance` = "approved").
    pub open: bool,
}

pub const DEFAULT: &str = "vn-du-lieu-mo";
/// What a harvested dataset carries when its source names a licence this portal does not list.
pub const NOT_SPECIFIED: &str = "notspecified";

pub const ALL: &[Licence] = &[
    Licence {
        id: DEFAULT,
        title: "Dữ liệu mở của cơ quan nhà nước (tự do sử dụng, ghi nguồn)",
        url: "https://vanban.chinhphu.vn/?pageid=27160&docid=199693",
        open: true,
    },
    Licence {
        id: "cc-by-4.0",
        title: "Creative Commons Attribution 4.0",
        url: "https://creativecommons.org/licenses/by/4.0/",
        open: true,
    },
    Licence {
        id: "cc-by-sa-4.0",
        title: "Creative Commons Attribution Share-Alike 4.0",
        url: "https://creativecommons.org/licenses/by-sa/4.0/",
        open: true,
    },
    Licence {
        id: "cc-zero",
        title: "Creative Commons CCZero",
        url: "https://creativecommons.org/publicdomain/zero/1.0/",
        open: true,
    },
    Licence {
        id: "odc-by",
        title: "Open Data Commons Attribution License",
        url: "https://opendatacommons.org/licenses/by/1-0/",
        open: true,
    },
    Licence {
        id: "odc-odbl",
        title: "Open Data Commons Open Database License (ODbL)",
        url: "https://opendatacommons.org/licenses/odbl/1-0/",
        open: true,
    },
    Licence {
        id: "other-closed", title: "Hạn chế sử dụng (không phải dữ liệu mở)", url: "", open: false
    },
];

pub fn find(id: &str) -> Option<&'static Licence> {
    ALL.iter().find(|l| l.id == id)
}
