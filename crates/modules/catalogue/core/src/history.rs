//! What a save changed in a procedure, in words an administrator or auditor reads on the
//! procedure's history page: each published term that differs (name, time limit, fee, online
//! level, ...) with its value before and after, and for the documents, the e-form's fields and the
//! steps which items were added, removed or changed, and whether they were reordered; and what a
//! save changed in a year's working calendar. Pure.

use crate::procedure::{CompetentAgency, Fee, Level, Procedure, ProcessingTime};
use crate::workflow::{WorkflowStep, HOURS_PER_DAY};
use tinhso_kernel::calendar::{NamedDay, YearCalendar};

/// One changed term, said in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub vi: String,
    pub en: English,
}

/// A line said in English, in pieces: the page's own words, and the Vietnamese data inside
/// them (a procedure's, document's, step's or day's name, a fee's note), which a page marks
/// `lang="vi"` so that a screen reader reads it as Vietnamese (WCAG 3.1.2). Shown as plain
/// text, the pieces join.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct English(pub Vec<Piece>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Words(String),
    Vietnamese(String),
}

impl English {
    pub fn words(s: impl Into<String>) -> Self {
        Self(vec![Piece::Words(s.into())])
    }

    fn vietnamese(s: impl Into<String>) -> Self {
        Self(vec![Piece::Vietnamese(s.into())])
    }

    /// `self` followed by `more` (words next to words run together).
    fn then(mut self, more: English) -> Self {
        for piece in more.0 {
            match (self.0.last_mut(), piece) {
                (Some(Piece::Words(last)), Piece::Words(w)) => last.push_str(&w),
                (_, piece) => self.0.push(piece),
            }
        }
        self
    }

    fn then_words(self, s: impl Into<String>) -> Self {
        self.then(Self::words(s))
    }

    /// `parts`, with `sep` (words) between them.
    fn joined(parts: impl IntoIterator<Item = English>, sep: &str) -> Self {
        let mut out = Self::default();
        for (i, p) in parts.into_iter().enumerate() {
            if i > 0 {
                out = out.then_words(sep);
            }
            out = out.then(p);
        }
        out
    }
}

impl std::fmt::Display for English {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for p in &self.0 {
            match p {
                Piece::Words(s) | Piece::Vietnamese(s) => f.write_str(s)?,
            }
        }
        Ok(())
    }
}

/// How a page names a competent agency (`true`: in English); the catalogue knows only codes.
pub type AgencyName<'a> = &'a dyn Fn(&CompetentAgency, bool) -> String;

/// Every term of `after` that differs from `before`, in the order the editor shows them.
pub fn changes(before: &Procedure, after: &Procedure, agency: AgencyName<'_>) -> Vec<Change> {
    let mut out = Vec::new();
    let mut term = |label: (&str, &str), b: (String, English), a: (String, English)| {
        if b != a {
            out.push(Change {
                vi: format!("{}: {} → {}", label.0, b.0, a.0),
                en: English::words(format!("{}: ", label.1)).then(b.1).then_words(" → ").then(a.1),
            });
        }
    };
    let quoted = |s: &str| (quote(s), quote_en(s));
    term(("Tên thủ tục", "Name"), quoted(&before.name), quoted(&after.name));
    term(("Lĩnh vực", "Field"), quoted(&before.field), quoted(&after.field));
    term(("Cấp thực hiện", "Levels"), levels(&before.levels), levels(&after.levels));
    // An agency's own name is Vietnamese on every page; the commune's committee is said in words.
    let agencies = |c: &CompetentAgency| {
        let en = match c {
            CompetentAgency::CommuneCommittee => English::words(agency(c, true)),
            CompetentAgency::Agency(_) => English::vietnamese(agency(c, true)),
        };
        (agency(c, false), en)
    };
    term(
        ("Cơ quan có thẩm quyền", "Competent agency"),
        agencies(&before.competent_agency),
        agencies(&after.competent_agency),
    );
    let applicants = |p: &Procedure| (p.applicants.label_vi().to_owned(), English::words(p.applicants.label_en()));
    term(("Đối tượng thực hiện", "Who may apply"), applicants(before), applicants(after));
    term(("Thời hạn giải quyết", "Time limit"), time(before), time(after));
    term(("Lệ phí", "Fee"), fee(&before.fee), fee(&after.fee));
    let online = |p: &Procedure| (p.online_level.label_vi().to_owned(), English::words(p.online_level.label_en()));
    term(("Mức độ dịch vụ công trực tuyến", "Online level"), online(before), online(after));
    term(("Kết quả", "Result"), quoted(&before.result_type), quoted(&after.result_type));
    if before.legal_basis != after.legal_basis {
        out.push(Change { vi: "Căn cứ pháp lý: đã sửa".into(), en: English::words("Legal basis: changed") });
    }
    let names = ("Thành phần hồ sơ", "Documents");
    out.extend(list(names, &before.components, &after.components, |c| &c.name, |c| &c.name));
    let names = ("Biểu mẫu điện tử", "E-form");
    out.extend(list(names, &before.form_fields, &after.form_fields, |f| &f.key, |f| &f.label));
    if before.steps != after.steps {
        out.push(Change {
            vi: format!("Quy trình xử lý: {} → {}", steps_vi(&before.steps), steps_vi(&after.steps)),
            en: English::words("Internal process: ")
                .then(steps_en(&before.steps))
                .then_words(" → ")
                .then(steps_en(&after.steps)),
        });
    }
    out
}

fn quote(s: &str) -> String {
    if s.is_empty() {
        "(trống)".into()
    } else {
        format!("\u{201c}{s}\u{201d}")
    }
}

fn levels(l: &[Level]) -> (String, English) {
    let join = |f: fn(&Level) -> &'static str| l.iter().map(f).collect::<Vec<_>>().join(", ");
    (join(|l| l.label_vi()), English::words(join(|l| l.label_en())))
}

fn time(p: &Procedure) -> (String, English) {
    let (vi, en) = match p.processing_time {
        Some(t) => (t.label_vi(), t.label_en()),
        None => ("chưa công bố".to_owned(), "not published".to_owned()),
    };
    match p.processing_time_estimated {
        true => (format!("{vi} (ước tính)"), English::words(format!("{en} (estimate)"))),
        false => (vi, English::words(en)),
    }
}

fn fee(f: &Fee) -> (String, English) {
    let (vi, en) = match f.amount_vnd {
        Some(0) => ("miễn phí".to_owned(), "free".to_owned()),
        Some(n) => (tinhso_kernel::format::money(n, false), tinhso_kernel::format::money(n, true)),
        None => ("theo quy định của HĐND tỉnh".to_owned(), "as the provincial council sets".to_owned()),
    };
    match f.note.is_empty() {
        true => (vi, English::words(en)),
        // The note is the province's own words, in Vietnamese.
        false => (
            format!("{vi} ({})", f.note),
            English::words(format!("{en} (")).then(English::vietnamese(&*f.note)).then_words(")"),
        ),
    }
}

/// A list's changes: items (known by `key`, named by `name`) added, removed or changed, and
/// whether those in both lists moved.
fn list<T: PartialEq>(
    label: (&str, &str),
    before: &[T],
    after: &[T],
    key: impl Fn(&T) -> &String,
    name: impl Fn(&T) -> &String,
) -> Option<Change> {
    let find = |items: &[T], k: &String| items.iter().position(|i| key(i) == k);
    let mut vi = Vec::new();
    let mut en = Vec::new();
    for a in after.iter().filter(|a| find(before, key(a)).is_none()) {
        vi.push(format!("thêm {}", quote(name(a))));
        en.push(English::words("added ").then(quote_en(name(a))));
    }
    for b in before.iter().filter(|b| find(after, key(b)).is_none()) {
        vi.push(format!("bỏ {}", quote(name(b))));
        en.push(English::words("removed ").then(quote_en(name(b))));
    }
    for a in after {
        if find(before, key(a)).is_some_and(|i| before[i] != *a) {
            vi.push(format!("sửa {}", quote(name(a))));
            en.push(English::words("changed ").then(quote_en(name(a))));
        }
    }
    let kept = |items: &[T], other: &[T]| -> Vec<String> {
        items.iter().filter(|i| find(other, key(i)).is_some()).map(|i| key(i).clone()).collect()
    };
    if kept(before, after) != kept(after, before) {
        vi.push("đổi thứ tự".into());
        en.push(English::words("reordered"));
    }
    (!vi.is_empty()).then(|| Change {
        vi: format!("{}: {}", label.0, vi.join("; ")),
        en: English::words(format!("{}: ", label.1)).then(English::joined(en, "; ")),
    })
}

/// Vietnamese data quoted in an English line.
fn quote_en(s: &str) -> English {
    if s.is_empty() {
        English::words("(empty)")
    } else {
        English::vietnamese(format!("\u{201c}{s}\u{201d}"))
    }
}

/// A step's time budget, in whole working days when it is some.
fn budget(w: &WorkflowStep) -> ProcessingTime {
    match w.budget_hours % HOURS_PER_DAY {
        0 => ProcessingTime::WorkingDays(w.budget_hours / HOURS_PER_DAY),
        _ => ProcessingTime::WorkingHours(w.budget_hours),
    }
}

/// The steps in one line: "Thẩm định (Chuyên viên xử lý, 2 ngày làm việc), Ký (…)".
fn steps_vi(s: &[WorkflowStep]) -> String {
    if s.is_empty() {
        return "mặc định".into();
    }
    let one = |w: &WorkflowStep| format!("{} ({}, {})", w.name, w.role.label_vi(), budget(w).label_vi());
    s.iter().map(one).collect::<Vec<_>>().join(", ")
}

/// The same in English, the steps' (Vietnamese) names marked.
fn steps_en(s: &[WorkflowStep]) -> English {
    if s.is_empty() {
        return English::words("the default one");
    }
    let one = |w: &WorkflowStep| {
        English::vietnamese(&*w.name).then_words(format!(" ({}, {})", w.role.label_en(), budget(w).label_en()))
    };
    English::joined(s.iter().map(one), ", ")
}

/// What a save changed in a year's working calendar: days off and make-up working days added or
/// removed (by date, with their names), and days whose name alone changed.
pub fn calendar_changes(before: &YearCalendar, after: &YearCalendar) -> Vec<Change> {
    let mut out = Vec::new();
    let lists = [
        (("ngày nghỉ", "day off"), &before.days_off, &after.days_off),
        (("ngày làm bù", "make-up working day"), &before.swap_workdays, &after.swap_workdays),
    ];
    for ((vi, en), b, a) in lists {
        let on = |days: &[NamedDay], d: &NamedDay| days.iter().find(|x| x.date == d.date).cloned();
        let day = |d: &NamedDay| match d.name.is_empty() {
            true => d.date.format("%d/%m/%Y").to_string(),
            false => format!("{} ({})", d.date.format("%d/%m/%Y"), d.name),
        };
        // The day's name is the province's, in Vietnamese.
        let day_en = |d: &NamedDay| match d.name.is_empty() {
            true => English::words(d.date.format("%d/%m/%Y").to_string()),
            false => English::words(format!("{} (", d.date.format("%d/%m/%Y")))
                .then(English::vietnamese(&*d.name))
                .then_words(")"),
        };
        for d in a.iter().filter(|d| on(b, d).is_none()) {
            out.push(Change {
                vi: format!("Thêm {vi}: {}", day(d)),
                en: English::words(format!("Added a {en}: ")).then(day_en(d)),
            });
        }
        for d in b.iter().filter(|d| on(a, d).is_none()) {
            out.push(Change {
                vi: format!("Bỏ {vi}: {}", day(d)),
                en: English::words(format!("Removed a {en}: ")).then(day_en(d)),
            });
        }
        for d in a {
            if let Some(old) = on(b, d).filter(|old| old.name != d.name) {
                let date = d.date.format("%d/%m/%Y");
                out.push(Change {
                    vi: format!("Đổi tên {vi} {date}: {} → {}", quote(&old.name), quote(&d.name)),
                    en: English::words(format!("Renamed the {en} of {date}: "))
                        .then(quote_en(&old.name))
                        .then_words(" → ")
                        .then(quote_en(&d.name)),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::procedure::{Component, CopyKind, OnlineLevel};
    use crate::workflow::StepRole;

    fn agency(c: &CompetentAgency, en: bool) -> String {
        match (c, en) {
            (CompetentAgency::CommuneCommittee, false) => "UBND xã".into(),
            (CompetentAgency::CommuneCommittee, true) => "Commune committee".into(),
            (CompetentAgency::Agency(code), _) => code.to_string(),
        }
    }

    fn birth() -> Procedure {
        serde_json::from_value(serde_json::json!({
            "code": "1.001193", "name": "Đăng ký khai sinh", "field": "Hộ tịch", "levels": ["commune"],
            "competent_agency": "commune_committee", "processing_time": {"unit": "working_days", "value": 1},
            "fee": {"amount_vnd": 0}, "online_level": "fully_online",
            "components": [
                {"name": "Tờ khai đăng ký khai sinh", "copy_kind": "original", "mandatory": true},
                {"name": "Giấy chứng sinh", "copy_kind": "original", "mandatory": true}
            ],
            "form_fields": [
                {"key": "ten_tre", "label": "Họ tên trẻ", "type": "text", "required": true},
                {"key": "ngay_sinh", "label": "Ngày sinh", "type": "date", "required": true}
            ],
            "legal_basis": "Luật Hộ tịch 2014", "result_type": "Giấy khai sinh"
        }))
        .unwrap()
    }

    #[test]
    fn an_unchanged_save_says_nothing() {
        assert_eq!(changes(&birth(), &birth(), &agency), []);
    }

    #[test]
    fn each_changed_term_is_said_with_its_values_in_both_languages() {
        let mut after = birth();
        after.name = "Đăng ký khai sinh (sửa)".into();
        after.processing_time = Some(ProcessingTime::WorkingHours(4));
        after.fee.amount_vnd = Some(8_000);
        after.online_level = OnlineLevel::PartlyOnline;
        after.legal_basis.push_str("; Nghị định 123/2015/NĐ-CP");
        let said = changes(&birth(), &after, &agency);
        let vi: Vec<&str> = said.iter().map(|c| c.vi.as_str()).collect();
        assert_eq!(
            vi,
            [
                "Tên thủ tục: \u{201c}Đăng ký khai sinh\u{201d} → \u{201c}Đăng ký khai sinh (sửa)\u{201d}",
                "Thời hạn giải quyết: 1 ngày làm việc → 4 giờ làm việc",
                &format!("Lệ phí: miễn phí → {}", tinhso_kernel::format::money(8_000, false)),
                &format!(
                    "Mức độ dịch vụ công trực tuyến: {} → {}",
                    OnlineLevel::FullyOnline.label_vi(),
                    OnlineLevel::PartlyOnline.label_vi()
                ),
                "Căn cứ pháp lý: đã sửa",
            ]
        );
        assert_eq!(said[1].en.to_string(), "Time limit: 1 working days → 4 working hours");
    }

    #[test]
    fn lists_say_what_was_added_removed_changed_and_moved() {
        let mut after = birth();
        after.components.swap(0, 1);
        after.components[0].copy_kind = CopyKind::Copy;
        after.components.push(Component {
            name: "Văn bản ủy quyền".into(),
            copy_kind: CopyKind::Copy,
            mandatory: false,
            template: None,
        });
        after.form_fields.remove(1);
        after.steps = vec![
            WorkflowStep { name: "Thẩm định".into(), role: StepRole::Specialist, budget_hours: 4 },
            WorkflowStep { name: "Ký".into(), role: StepRole::Approver, budget_hours: 16 },
        ];
        let said = changes(&birth(), &after, &agency);
        assert_eq!(
            said[0].vi,
            "Thành phần hồ sơ: thêm \u{201c}Văn bản ủy quyền\u{201d}; sửa \u{201c}Giấy chứng sinh\u{201d}; đổi thứ tự"
        );
        assert_eq!(said[1].vi, "Biểu mẫu điện tử: bỏ \u{201c}Ngày sinh\u{201d}");
        assert_eq!(said[1].en.to_string(), "E-form: removed \u{201c}Ngày sinh\u{201d}");
        // The field's (Vietnamese) label is marked as such inside the English line.
        let marked = [Piece::Words("E-form: removed ".into()), Piece::Vietnamese("\u{201c}Ngày sinh\u{201d}".into())];
        assert_eq!(said[1].en.0, marked);
        assert!(said[2].vi.starts_with("Quy trình xử lý: mặc định → Thẩm định ("), "{}", said[2].vi);
        assert!(said[2].vi.ends_with(", 2 ngày làm việc)"), "{}", said[2].vi);
        assert_eq!(said.len(), 3);
    }

    #[test]
    fn a_calendar_save_names_each_day_added_removed_or_renamed() {
        use tinhso_kernel::calendar::CalendarSource;
        let day = |m, d, name: &str| NamedDay {
            date: chrono::NaiveDate::from_ymd_opt(2027, m, d).unwrap(),
            name: name.into(),
        };
        let year = |off: Vec<NamedDay>, swap: Vec<NamedDay>| YearCalendar {
            year: 2027,
            source: CalendarSource::Edited,
            basis: String::new(),
            days_off: off,
            swap_workdays: swap,
        };
        let before = year(vec![day(1, 1, "Tết Dương lịch"), day(4, 30, "Giải phóng miền Nam")], vec![]);
        let after = year(vec![day(1, 1, "Tết Dương lịch 2027"), day(3, 2, "Ngày nghỉ của tỉnh")], vec![day(1, 9, "")]);
        let said: Vec<String> = calendar_changes(&before, &after).into_iter().map(|c| c.vi).collect();
        assert_eq!(
            said,
            [
                "Thêm ngày nghỉ: 02/03/2027 (Ngày nghỉ của tỉnh)",
                "Bỏ ngày nghỉ: 30/04/2027 (Giải phóng miền Nam)",
                "Đổi tên ngày nghỉ 01/01/2027: \u{201c}Tết Dương lịch\u{201d} → \u{201c}Tết Dương lịch 2027\u{201d}",
                "Thêm ngày làm bù: 09/01/2027",
            ]
        );
        assert_eq!(calendar_changes(&after, &after), []);
        assert_eq!(calendar_changes(&before, &after)[3].en.to_string(), "Added a make-up working day: 09/01/2027");
        let marked = [
            Piece::Words("Added a day off: 02/03/2027 (".into()),
            Piece::Vietnamese("Ngày nghỉ của tỉnh".into()),
            Piece::Words(")".into()),
        ];
        assert_eq!(calendar_changes(&before, &after)[0].en.0, marked);
    }

    #[test]
    fn the_competent_agency_is_named_by_the_page() {
        let mut after = birth();
        after.competent_agency =
            CompetentAgency::Agency(tinhso_kernel::ids::AgencyCode::parse("agency", "000.00.03.H08").unwrap());
        let said = changes(&birth(), &after, &agency);
        assert_eq!(said[0].vi, "Cơ quan có thẩm quyền: UBND xã → 000.00.03.H08");
        assert_eq!(said[0].en.to_string(), "Competent agency: Commune committee → 000.00.03.H08");
        let marked =
            [Piece::Words("Competent agency: Commune committee → ".into()), Piece::Vietnamese("000.00.03.H08".into())];
        assert_eq!(said[0].en.0, marked, "an agency's own name is Vietnamese");
    }
}
