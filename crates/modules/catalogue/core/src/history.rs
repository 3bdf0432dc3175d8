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
    pub en: String,
}

/// How a page names a competent agency (`true`: in English); the catalogue knows only codes.
pub type AgencyName<'a> = &'a dyn Fn(&CompetentAgency, bool) -> String;

/// Every term of `after` that differs from `before`, in the order the editor shows them.
pub fn changes(before: &Procedure, after: &Procedure, agency: AgencyName<'_>) -> Vec<Change> {
    let mut out = Vec::new();
    let mut term = |label: (&str, &str), b: (String, String), a: (String, String)| {
        if b != a {
            out.push(Change {
                vi: format!("{}: {} → {}", label.0, b.0, a.0),
                en: format!("{}: {} → {}", label.1, b.1, a.1),
            });
        }
    };
    let quoted = |s: &str| (quote(s), quote(s));
    term(("Tên thủ tục", "Name"), quoted(&before.name), quoted(&after.name));
    term(("Lĩnh vực", "Field"), quoted(&before.field), quoted(&after.field));
    term(("Cấp thực hiện", "Levels"), levels(&before.levels), levels(&after.levels));
    let agencies = |c: &CompetentAgency| (agency(c, false), agency(c, true));
    term(
        ("Cơ quan có thẩm quyền", "Competent agency"),
        agencies(&before.competent_agency),
        agencies(&after.competent_agency),
    );
    let applicants = |p: &Procedure| (p.applicants.label_vi().to_owned(), p.applicants.label_en().to_owned());
    term(("Đối tượng thực hiện", "Who may apply"), applicants(before), applicants(after));
    term(("Thời hạn giải quyết", "Time limit"), time(before), time(after));
    term(("Lệ phí", "Fee"), fee(&before.fee), fee(&after.fee));
    let online = |p: &Procedure| (p.online_level.label_vi().to_owned(), p.online_level.label_en().to_owned());
    term(("Mức độ dịch vụ công trực tuyến", "Online level"), online(before), online(after));
    term(("Kết quả", "Result"), quoted(&before.result_type), quoted(&after.result_type));
    if before.legal_basis != after.legal_basis {
        out.push(Change { vi: "Căn cứ pháp lý: đã sửa".into(), en: "Legal basis: changed".into() });
    }
    let names = ("Thành phần hồ sơ", "Documents");
    out.extend(list(names, &before.components, &after.components, |c| &c.name, |c| &c.name));
    let names = ("Biểu mẫu điện tử", "E-form");
    out.extend(list(names, &before.form_fields, &after.form_fields, |f| &f.key, |f| &f.label));
    if before.steps != after.steps {
        out.push(Change {
            vi: format!("Quy trình xử lý: {} → {}", steps(&before.steps, false), steps(&after.steps, false)),
            en: format!("Internal process: {} → {}", steps(&before.steps, true), steps(&after.steps, true)),
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

fn levels(l: &[Level]) -> (String, String) {
    let join = |f: fn(&Level) -> &'static str| l.iter().map(f).collect::<Vec<_>>().join(", ");
    (join(|l| l.label_vi()), join(|l| l.label_en()))
}

fn time(p: &Procedure) -> (String, String) {
    let (vi, en) = match p.processing_time {
        Some(t) => (t.label_vi(), t.label_en()),
        None => ("chưa công bố".to_owned(), "not published".to_owned()),
    };
    match p.processing_time_estimated {
        true => (format!("{vi} (ước tính)"), format!("{en} (estimate)")),
        false => (vi, en),
    }
}

fn fee(f: &Fee) -> (String, String) {
    let (vi, en) = match f.amount_vnd {
        Some(0) => ("miễn phí".to_owned(), "free".to_owned()),
        Some(n) => (tinhso_kernel::format::money(n, false), tinhso_kernel::format::money(n, true)),
        None => ("theo quy định của HĐND tỉnh".to_owned(), "as the provincial council sets".to_owned()),
    };
    match f.note.is_empty() {
        true => (vi, en),
        false => (format!("{vi} ({})", f.note), format!("{en} ({})", f.note)),
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
        en.push(format!("added {}", quote_en(name(a))));
    }
    for b in before.iter().filter(|b| find(after, key(b)).is_none()) {
        vi.push(format!("bỏ {}", quote(name(b))));
        en.push(format!("removed {}", quote_en(name(b))));
    }
    for a in after {
        if find(before, key(a)).is_some_and(|i| before[i] != *a) {
            vi.push(format!("sửa {}", quote(name(a))));
            en.push(format!("changed {}", quote_en(name(a))));
        }
    }
    let kept = |items: &[T], other: &[T]| -> Vec<String> {
        items.iter().filter(|i| find(other, key(i)).is_some()).map(|i| key(i).clone()).collect()
    };
    if kept(before, after) != kept(after, before) {
        vi.push("đổi thứ tự".into());
        en.push("reordered".into());
    }
    (!vi.is_empty()).then(|| Change {
        vi: format!("{}: {}", label.0, vi.join("; ")),
        en: format!("{}: {}", label.1, en.join("; ")),
    })
}

fn quote_en(s: &str) -> String {
    if s.is_empty() {
        "(empty)".into()
    } else {
        format!("\u{201c}{s}\u{201d}")
    }
}

/// The steps in one line: "Thẩm định (Chuyên viên xử lý, 2 ngày làm việc), Ký (…)".
fn steps(s: &[WorkflowStep], en: bool) -> String {
    if s.is_empty() {
        return if en { "the default one".into() } else { "mặc định".into() };
    }
    let one = |w: &WorkflowStep| {
        let budget = match w.budget_hours % HOURS_PER_DAY {
            0 => ProcessingTime::WorkingDays(w.budget_hours / HOURS_PER_DAY),
            _ => ProcessingTime::WorkingHours(w.budget_hours),
        };
        match en {
            true => format!("{} ({}, {})", w.name, w.role.label_en(), budget.label_en()),
            false => format!("{} ({}, {})", w.name, w.role.label_vi(), budget.label_vi()),
        }
    };
    s.iter().map(one).collect::<Vec<_>>().join(", ")
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
        for d in a.iter().filter(|d| on(b, d).is_none()) {
            out.push(Change { vi: format!("Thêm {vi}: {}", day(d)), en: format!("Added a {en}: {}", day(d)) });
        }
        for d in b.iter().filter(|d| on(a, d).is_none()) {
            out.push(Change { vi: format!("Bỏ {vi}: {}", day(d)), en: format!("Removed a {en}: {}", day(d)) });
        }
        for d in a {
            if let Some(old) = on(b, d).filter(|old| old.name != d.name) {
                let date = d.date.format("%d/%m/%Y");
                out.push(Change {
                    vi: format!("Đổi tên {vi} {date}: {} → {}", quote(&old.name), quote(&d.name)),
                    en: format!("Renamed the {en} of {date}: {} → {}", quote_en(&old.name), quote_en(&d.name)),
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
        assert_eq!(said[1].en, "Time limit: 1 working days → 4 working hours");
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
        assert_eq!(said[1].en, "E-form: removed \u{201c}Ngày sinh\u{201d}");
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
        assert_eq!(calendar_changes(&before, &after)[3].en, "Added a make-up working day: 09/01/2027");
    }

    #[test]
    fn the_competent_agency_is_named_by_the_page() {
        let mut after = birth();
        after.competent_agency =
            CompetentAgency::Agency(tinhso_kernel::ids::AgencyCode::parse("agency", "000.00.03.H08").unwrap());
        let said = changes(&birth(), &after, &agency);
        assert_eq!(said[0].vi, "Cơ quan có thẩm quyền: UBND xã → 000.00.03.H08");
        assert_eq!(said[0].en, "Competent agency: Commune committee → 000.00.03.H08");
    }
}
