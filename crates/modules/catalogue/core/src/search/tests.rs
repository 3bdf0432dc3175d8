use super::*;
use crate::procedure::{Fee, ProcessingTime};
use tinhso_kernel::ids::ProcedureCode;

fn proc(code: &str, name: &str, field: &str, level: Level) -> Arc<Procedure> {
    Arc::new(Procedure {
        code: ProcedureCode::parse("code", code).unwrap(),
        name: name.into(),
        field: field.into(),
        levels: vec![level],
        competent_agency: CompetentAgency::CommuneCommittee,
        processing_time: Some(ProcessingTime::WorkingDays(3)),
        processing_time_estimated: false,
        online_level_estimated: false,
        applicants: Default::default(),
        fee: Fee { amount_vnd: Some(0), note: String::new() },
        online_level: OnlineLevel::FullyOnline,
        components: vec![],
        form_fields: vec![],
        legal_basis: String::new(),
        result_type: String::new(),
        steps: Vec::new(),
    })
}

fn index() -> SearchIndex {
    SearchIndex::new(vec![
        proc("1.004884", "Thủ tục đăng ký lại khai sinh", "Hộ tịch", Level::Commune),
        proc("2.000528", "Thủ tục đăng ký khai sinh có yếu tố nước ngoài", "Hộ tịch", Level::Commune),
        proc("1.001193", "Thủ tục đăng ký khai sinh", "Hộ tịch", Level::Commune),
        proc("2.000635", "Cấp bản sao Trích lục hộ tịch, bản sao Giấy khai sinh", "Hộ tịch", Level::Province),
        proc("1.001755", "Thủ tục cấp giấy phép xây dựng tượng đài, tranh hoành tráng", "Văn hóa", Level::Province),
        proc(
            "1.014398",
            "Thủ tục cấp phép xây dựng hạ tầng trạm thu phát sóng viễn thông",
            "Viễn thông",
            Level::Province,
        ),
        proc("1.000001", "Đăng ký thường trú", "Đăng ký, quản lý cư trú", Level::Commune),
        proc("1.000002", "Đăng ký tạm trú cho người hồ sơ", "Đăng ký, quản lý cư trú", Level::Commune),
    ])
}

fn top(ix: &SearchIndex, q: &str) -> Vec<String> {
    ix.search(q, &Filters::default(), 0, 10).items.iter().map(|p| p.code.to_string()).collect()
}

#[test]
fn finds_with_or_without_diacritics() {
    let ix = index();
    for q in ["dang ky khai sinh", "Đăng ký khai sinh", "  ĐĂNG   KÝ KHAI SINH ", "khai sinh", "dangky khaisinh"]
    {
        assert_eq!(top(&ix, q).first().map(String::as_str), Some("1.001193"), "query {q:?}");
    }
}

#[test]
fn phrase_beats_scattered_words() {
    let ix = index();
    for q in ["giấy phép xây dựng", "GIAY PHEP XAY DUNG", "giay phep xay"] {
        assert_eq!(top(&ix, q), vec!["1.001755"], "query {q:?}");
    }
    // "phép xây dựng" is in both; the shorter phrase position and length decide.
    assert_eq!(top(&ix, "phep xay dung").len(), 2);
}

#[test]
fn exact_marks_rank_first() {
    let ix = index();
    // "hộ" matches hộ (hộ tịch) and hồ (hồ sơ); the typed marks win.
    let hits = top(&ix, "hồ sơ");
    assert_eq!(hits.first().map(String::as_str), Some("1.000002"));
}

#[test]
fn code_and_filters() {
    let ix = index();
    assert_eq!(top(&ix, "1.001193"), vec!["1.001193"]);
    let f = Filters { level: Some(Level::Province), ..Filters::default() };
    let hits = ix.search("khai sinh", &f, 0, 10);
    assert_eq!(hits.total, 1);
    let f = Filters { field: Some("ho tich".into()), ..Filters::default() };
    assert_eq!(ix.search("", &f, 0, 2).total, 4);
    assert_eq!(ix.search("", &f, 0, 2).items.len(), 2);
    assert_eq!(ix.search("khong co thu tuc nay", &Filters::default(), 0, 10).total, 0);
    assert!(ix.get("1.001755").is_some() && ix.get("9.999999").is_none());
}

#[test]
fn fields_in_vietnamese_order() {
    let ix = SearchIndex::new(vec![
        proc("1.000001", "a", "Đất đai", Level::Commune),
        proc("1.000002", "b", "Dược phẩm", Level::Commune),
        proc("1.000003", "c", "Hộ tịch", Level::Commune),
        proc("1.000004", "d", "Di sản văn hóa", Level::Commune),
        proc("1.000005", "e", "Đất đai", Level::Commune),
        proc("1.000006", "f", "Chứng thực", Level::Commune),
    ]);
    // Every field once; d before đ, whatever folding would say ("Dat" < "Di").
    assert_eq!(ix.fields(), ["Chứng thực", "Di sản văn hóa", "Dược phẩm", "Đất đai", "Hộ tịch"]);
}

#[test]
fn browsing_lists_by_name_the_vietnamese_way() {
    let ix = SearchIndex::new(vec![
        proc("1.000001", "Đăng ký khai tử", "Hộ tịch", Level::Commune),
        proc("1.000002", "Ghi vào sổ hộ tịch", "Hộ tịch", Level::Commune),
        proc("1.000003", "Cấp bản sao trích lục", "Hộ tịch", Level::Commune),
        proc("1.000004", "Dừng kinh doanh", "Hộ tịch", Level::Commune),
        proc("1.000005", "Đăng ký khai sinh", "Hộ tịch", Level::Commune),
    ]);
    let names = |q: &str| -> Vec<String> {
        ix.search(q, &Filters::default(), 0, 10).items.iter().map(|p| p.name.clone()).collect()
    };
    // No query: every score is equal, so the names decide; d before đ, "sinh" before "tử".
    assert_eq!(
        names(""),
        ["Cấp bản sao trích lục", "Dừng kinh doanh", "Đăng ký khai sinh", "Đăng ký khai tử", "Ghi vào sổ hộ tịch"]
    );
    // Pages of a browse follow the same order.
    let second: Vec<String> = ix.search("", &Filters::default(), 2, 2).items.iter().map(|p| p.name.clone()).collect();
    assert_eq!(second, ["Đăng ký khai sinh", "Đăng ký khai tử"]);
}

#[test]
fn filter_by_who_may_apply() {
    let with = |code: &str, applicants: Applicants| {
        let mut p = (*proc(code, "Thủ tục", "Lĩnh vực", Level::Province)).clone();
        p.applicants = applicants;
        Arc::new(p)
    };
    let ix = SearchIndex::new(vec![
        with("1.000001", Applicants::People),
        with("1.000002", Applicants::Organizations),
        with("1.000003", Applicants::PeopleAndOrganizations),
    ]);
    let codes = |applicant| -> Vec<String> {
        let f = Filters { applicant, ..Filters::default() };
        let mut c: Vec<String> = ix.search("", &f, 0, 10).items.iter().map(|p| p.code.to_string()).collect();
        c.sort();
        c
    };
    // A procedure open to both is found under each; one open to one kind only under its own.
    assert_eq!(codes(Some(Applicants::People)), ["1.000001", "1.000003"]);
    assert_eq!(codes(Some(Applicants::Organizations)), ["1.000002", "1.000003"]);
    assert_eq!(codes(None).len(), 3);
}
