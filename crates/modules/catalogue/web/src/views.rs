//! The catalogue's page views: the portal's home, search results and a procedure's detail.

use askama::Template;
use tinhso_catalogue::procedure::{CompetentAgency, Procedure};
use tinhso_http::i18n::Locale;
use tinhso_http::state::AppState;
use tinhso_http::views::{Choice, Layout};

/// One procedure as pages show it.
pub struct ProcedureView {
    pub code: String,
    pub name: String,
    pub field: String,
    pub levels: String,
    pub agency: String,
    /// Who may apply (đối tượng thực hiện).
    pub applicants: &'static str,
    pub processing: String,
    pub estimated: bool,
    pub fee: String,
    pub online: String,
    pub fully_online: bool,
    /// The online level is the demo catalogue's guess, not the province's published one.
    pub online_estimated: bool,
    pub components: Vec<ComponentView>,
    pub legal_basis: String,
    pub result_type: String,
}

pub struct ComponentView {
    pub name: String,
    pub kind: &'static str,
    pub mandatory: bool,
    /// The paper form to print: the province's template, else the platform's printout of
    /// the e-form for the declaration it writes.
    pub template: Option<String>,
    /// Said of the declaration the e-form stands for: nothing to upload online.
    pub note: Option<&'static str>,
}

impl ProcedureView {
    pub fn new(state: &AppState, locale: Locale, p: &Procedure) -> Self {
        let en = locale == Locale::En;
        let t = locale.texts();
        Self {
            code: p.code.to_string(),
            name: p.name.clone(),
            field: p.field.clone(),
            levels: p
                .levels
                .iter()
                .map(|l| if en { l.label_en() } else { l.label_vi() })
                .collect::<Vec<_>>()
                .join(", "),
            agency: match &p.competent_agency {
                CompetentAgency::CommuneCommittee => t.commune_committee.to_owned(),
                CompetentAgency::Agency(c) => state.agency_name(c.as_str()).unwrap_or(c.as_str()).to_owned(),
            },
            applicants: if en { p.applicants.label_en() } else { p.applicants.label_vi() },
            processing: match p.processing_time {
                Some(pt) if en => pt.label_en(),
                Some(pt) => pt.label_vi(),
                None => t.not_published.to_owned(),
            },
            estimated: p.processing_time_estimated,
            online_estimated: p.online_level_estimated,
            fee: if en { p.fee_label_en() } else { p.fee_label_vi() },
            online: if en { p.online_level.label_en() } else { p.online_level.label_vi() }.to_owned(),
            fully_online: p.online_level == tinhso_catalogue::procedure::OnlineLevel::FullyOnline,
            components: p
                .components
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let written = p.declarations().contains(&i);
                    ComponentView {
                        name: c.name.clone(),
                        kind: if en { c.copy_kind.label_en() } else { c.copy_kind.label_vi() },
                        mandatory: c.mandatory,
                        template: c
                            .template
                            .clone()
                            .or_else(|| written.then(|| format!("/thu-tuc/{}/to-khai", p.code))),
                        note: written.then_some(if en {
                            "filled in on the online form: nothing to upload"
                        } else {
                            "khai trên biểu mẫu khi nộp trực tuyến, không cần tải lên"
                        }),
                    }
                })
                .collect(),
            legal_basis: p.legal_basis.clone(),
            result_type: p.result_type.clone(),
        }
    }
}

pub struct FieldLink {
    pub name: String,
    pub href: String,
    pub count: usize,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub layout: Layout,
    pub total: usize,
    pub fields: Vec<FieldLink>,
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub layout: Layout,
    pub q: String,
    pub total: usize,
    pub results: Vec<ProcedureView>,
    pub fields: Vec<Choice>,
    pub levels: Vec<Choice>,
    pub agencies: Vec<Choice>,
    pub online: Vec<Choice>,
    pub applicants: Vec<Choice>,
    pub page: usize,
    pub pages: usize,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
}

#[derive(Template)]
#[template(path = "procedure.html")]
pub struct ProcedurePage {
    pub layout: Layout,
    pub p: ProcedureView,
    pub can_edit: bool,
    /// Its editor just saved it: the page says so (to its editors only).
    pub saved: bool,
    /// Whether the procedure can be applied for online (fully or partly online).
    pub online_possible: bool,
    /// Whether the visitor applies here (a citizen, or anyone not logged in, who logs in on
    /// the way); staff do not.
    pub applies: bool,
    /// A one-stop desk officer: registers a walk-in's dossier for this procedure at the desk.
    pub at_desk: bool,
}
