//! How the operations centre writes its figures and its words for the reader: Vietnamese
//! ("85,3%", "12,50 điểm") or English ("85.3%", "12.50 points"), with the Decision 766
//! indicators, groups and inputs named in the reader's language (`tinhso_ioc::english`).

use crate::service::{unit_name, Period, Unit};
use tinhso_http::auth::Viewer;
use tinhso_http::state::AppState;
use tinhso_ioc::index::IndicatorResult;
use tinhso_ioc::Measure;

/// A percentage as Vietnamese write it: "85,3%"; a dash when nothing happened.
pub(crate) fn pct(r: Option<f64>) -> String {
    r.map(|r| format!("{:.1}%", r * 100.0).replace('.', ",")).unwrap_or_else(|| "–".into())
}

pub(super) fn points(x: f64) -> String {
    format!("{x:.2}").replace('.', ",")
}

/// The viewer's way of writing the figures above: "85.3%" and "12.50" in English.
#[derive(Clone, Copy)]
pub(super) struct Figures {
    pub en: bool,
}

impl Figures {
    pub(super) fn of(viewer: &Viewer) -> Self {
        Self { en: viewer.locale == tinhso_http::i18n::Locale::En }
    }

    pub(super) fn local(self, s: String) -> String {
        if self.en {
            s.replace(',', ".")
        } else {
            s
        }
    }

    pub(crate) fn pct(self, r: Option<f64>) -> String {
        self.local(pct(r))
    }

    pub(super) fn points(self, x: f64) -> String {
        self.local(points(x))
    }

    pub(super) fn say(self, vi: &'static str, en: &'static str) -> &'static str {
        if self.en {
            en
        } else {
            vi
        }
    }

    pub(super) fn group(self, g: &tinhso_ioc::index::GroupResult) -> String {
        match tinhso_ioc::english::group(&g.key) {
            Some(name) if self.en => name.to_owned(),
            _ => g.name.clone(),
        }
    }

    pub(super) fn indicator(self, i: &IndicatorResult) -> (&'static str, &'static str) {
        match tinhso_ioc::english::indicator(&i.key) {
            Some(english) if self.en => english,
            _ => (i.name, i.formula),
        }
    }

    pub(super) fn input(self, input: &tinhso_ioc::index::Input) -> &'static str {
        self.say(input.label, input.label_en)
    }

    pub(super) fn measure(self, m: Measure) -> &'static str {
        self.say(m.label_vi(), m.label_en())
    }

    pub(super) fn unit(self, state: &AppState, unit: &Unit) -> String {
        match unit {
            Unit::Province if self.en => format!("The whole province of {}", state.province.name),
            _ => unit_name(state, unit),
        }
    }

    pub(super) fn period(self, p: Period) -> String {
        let (from, to) = (p.from.format("%d/%m/%Y"), p.to.format("%d/%m/%Y"));
        if self.en {
            format!("from {from} to {to}")
        } else {
            format!("từ {from} đến {to}")
        }
    }
}
