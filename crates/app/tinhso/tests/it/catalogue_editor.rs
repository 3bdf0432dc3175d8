//! The province admin shapes a procedure in the editor, one group of inputs an item (the
//! e-form's fields, the documents, the steps): adds items in the blank groups, moves one,
//! removes one, and sees each mistake beside the input it is about, with everything typed
//! kept; the citizen's form follows at once.

use reqwest::StatusCode;
use tinhso_testkit::form;

const BIRTH: &str = "1.001193";

fn value(fields: &[(String, String)], name: &str) -> Option<String> {
    fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
}

/// The group (`form_fields[4]`) holding the field with `key`.
fn group(fields: &[(String, String)], key: &str) -> String {
    let (name, _) = fields.iter().find(|(n, v)| n.ends_with("].key") && v == key).unwrap();
    name.trim_end_matches(".key").to_owned()
}

async fn the_procedure_editor(s: tinhso_testkit::TestServer) {
    let admin = crate::journey::page_login(&s, "quantri@tinhso.local").await;
    let edit = format!("/quan-tri/thu-tuc/{BIRTH}");
    let html = admin.get(format!("{}{edit}", s.url)).send().await.unwrap().text().await.unwrap();
    let mut fields = form::values(&html, &edit).unwrap();
    // The birth registration's nine fields, then three blank groups.
    assert_eq!(value(&fields, "form_fields[8].key").as_deref(), Some("noi_sinh"));
    for blank in 9..12 {
        assert_eq!(value(&fields, &format!("form_fields[{blank}].key")).as_deref(), Some(""));
    }
    assert!(value(&fields, "form_fields[12].key").is_none());
    // Each item a closed group headed by what it is; blank ones offer to add.
    assert!(html.contains("<details class=\"grouped\"><summary>Thêm trường</summary>"));
    assert!(html.contains(
        "<details class=\"grouped\"><summary>Trường 8: <span lang=\"vi\">Giới tính</span> · Chọn một trong các lựa chọn · bắt buộc</summary>"
    ));

    // Two new fields, one removed; two mistakes: a key used twice, a place that is no number.
    let request = group(&fields, "noi_dung");
    form::set(&mut fields, &format!("{request}.remove"), "1");
    for (name, v) in [
        ("form_fields[9].label", "Quan hệ với trẻ"),
        ("form_fields[9].label_en", "Relationship to the child"),
        ("form_fields[9].key", "quan_he"),
        ("form_fields[9].type", "select"),
        ("form_fields[9].options", "Cha; Mẹ; Người giám hộ"),
        ("form_fields[9].options_en", "Father; Mother"),
        ("form_fields[9].place", "sáu"),
        ("form_fields[10].label", "Ghi chú thêm"),
        ("form_fields[10].key", "ho_ten"),
        ("form_fields[10].type", "long_text"),
    ] {
        form::set(&mut fields, name, v);
    }
    fields.retain(|(n, _)| n != "form_fields[10].required");
    // A new document whose blank form is not on the web; a process that ends with a specialist.
    assert_eq!(value(&fields, "components[5].name").as_deref(), Some("Biên bản về việc trẻ bị bỏ rơi"));
    for (name, v) in [
        ("components[6].name", "Giấy xác nhận của trưởng thôn"),
        ("components[6].copy_kind", "copy"),
        ("components[6].template", "ftp://mau"),
        ("components[6].place", "1"),
    ] {
        form::set(&mut fields, name, v);
    }
    fields.retain(|(n, _)| n != "components[6].mandatory");
    assert_eq!(value(&fields, "steps[2].role").as_deref(), Some("approver"));
    form::set(&mut fields, "steps[2].role", "specialist");
    let r = admin.post(format!("{}{edit}", s.url)).form(&fields).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = form::unescape(&r.text().await.unwrap());
    // Each mistake in the summary, linked to its input, and said beside it.
    for (input, said) in [
        ("form_fields[10].key", "Khóa ho_ten bị trùng"),
        ("form_fields[9].place", "Nhập thứ tự bằng số, ví dụ 3"),
        ("form_fields[9].options_en", "Cần đúng 3 lựa chọn tiếng Anh, theo thứ tự các lựa chọn (hoặc để trống)"),
        ("components[6].template", "Địa chỉ mẫu đơn, tờ khai phải là một địa chỉ web (https://…)"),
    ] {
        assert!(html.contains(&format!("<a href=\"#{input}\">{said}</a>")), "{input} in the summary");
        // Between the input's label and the input.
        let label = format!("<label for=\"{input}\">");
        let group = &html[html.find(&label).unwrap()..];
        let beside = &group[..group.find(&format!("id=\"{input}\"")).unwrap()];
        assert!(beside.contains(&format!("<p class=\"field-error\">{said}</p>")), "{input}: said beside it");
    }
    // The groups with a problem open by themselves (and one marked for removal); the rest stay closed.
    assert!(
        html.contains("<details class=\"grouped\" open><summary>Trường 10: <span lang=\"vi\">Quan hệ với trẻ</span>")
    );
    assert!(
        html.contains("<details class=\"grouped\" open><summary>Trường 5: <span lang=\"vi\">Nội dung yêu cầu</span>")
    );
    assert!(html.contains("<details class=\"grouped\"><summary>Trường 1: <span lang=\"vi\">Họ và tên người nộp</span>"));
    // The process's own problem heads its list, linked from the summary.
    let last = "Bước cuối của quy trình phải là lãnh đạo phê duyệt";
    assert!(html.contains(&format!("<a href=\"#steps\">{last}</a>")));
    assert!(html.contains("<fieldset class=\"list\" id=\"steps\">"));
    // Nothing typed is lost: the new groups, the removal and the untouched box.
    let mut again = form::values(&html, &edit).unwrap();
    assert_eq!(value(&again, "form_fields[9].options").as_deref(), Some("Cha; Mẹ; Người giám hộ"));
    assert_eq!(value(&again, &format!("{request}.remove")).as_deref(), Some("1"));
    assert!(value(&again, "form_fields[10].required").is_none());
    assert!(value(&again, "form_fields[11].key").is_some(), "blank groups are offered again");
    let (_, p) = crate::dossier::Caller::login(&s, "0912345678", crate::dossier::PASSWORD)
        .await
        .get(&format!("/api/v1/procedures/{BIRTH}"))
        .await;
    assert_eq!(p["form_fields"].as_array().unwrap().len(), 9, "nothing saved");

    // Mended: the new select goes sixth, before the child's name.
    assert_eq!(value(&again, "components[6].copy_kind").as_deref(), Some("copy"));
    form::set(&mut again, "components[6].template", "https://tuyenquang.gov.vn/mau/xac-nhan.docx");
    form::set(&mut again, "steps[2].role", "approver");
    form::set(&mut again, "form_fields[9].place", "6");
    form::set(&mut again, "form_fields[9].options_en", "Father; Mother; Guardian");
    form::set(&mut again, "form_fields[10].key", "ghi_chu");
    let r = admin.post(format!("{}{edit}", s.url)).form(&again).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.url().path().ends_with(&format!("/thu-tuc/{BIRTH}")));
    let citizen = crate::dossier::Caller::login(&s, "0912345678", crate::dossier::PASSWORD).await;
    let (_, p) = citizen.get(&format!("/api/v1/procedures/{BIRTH}")).await;
    let keys: Vec<&str> = p["form_fields"].as_array().unwrap().iter().map(|f| f["key"].as_str().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "ho_ten",
            "so_dinh_danh",
            "so_dien_thoai",
            "dia_chi",
            "quan_he",
            "ten_tre",
            "ngay_sinh",
            "gioi_tinh",
            "noi_sinh",
            "ghi_chu"
        ]
    );
    let added = &p["form_fields"][4];
    assert_eq!(added["options"], serde_json::json!(["Cha", "Mẹ", "Người giám hộ"]));
    assert_eq!(added["options_en"], serde_json::json!(["Father", "Mother", "Guardian"]));
    assert_eq!(added["label_en"], "Relationship to the child");
    assert_eq!(added["required"], true, "a new group starts required");
    assert_eq!(p["form_fields"][9]["required"], false);
    assert_eq!(p["form_fields"][9]["type"], "long_text");

    // The new document heads the list, a copy, not required, with its blank form.
    let first = &p["components"][0];
    assert_eq!(first["name"], "Giấy xác nhận của trưởng thôn");
    assert_eq!((first["copy_kind"].as_str(), first["mandatory"].as_bool()), (Some("copy"), Some(false)));
    assert_eq!(first["template"], "https://tuyenquang.gov.vn/mau/xac-nhan.docx");
    assert_eq!(p["components"].as_array().unwrap().len(), 7);
    assert_eq!(p["steps"][2]["role"], "approver");

    // The citizen's form asks it, and no longer the removed field.
    let apply = crate::journey::page_login(&s, "0912345678").await;
    let page = apply.get(format!("{}/thu-tuc/{BIRTH}/nop", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<option value=\"Người giám hộ\">Người giám hộ</option>"), "the new select's choices");
    assert!(page.contains("name=\"form.ghi_chu\""));
    assert!(!page.contains("name=\"form.noi_dung\""), "the removed field is gone");

    // The editor shows the form as saved, numbered in its new order.
    let html = admin.get(format!("{}{edit}", s.url)).send().await.unwrap().text().await.unwrap();
    let fields = form::values(&html, &edit).unwrap();
    assert_eq!(group(&fields, "quan_he"), "form_fields[4]");
    assert_eq!(value(&fields, "form_fields[4].place").as_deref(), Some("5"));
    assert_eq!(value(&fields, "form_fields[4].type").as_deref(), Some("select"));

    // The page as it stood before that save, saved again (a second tab, a colleague's): it
    // would undo the save, so it is refused; what it typed is kept and nothing of the save lost.
    let mut stale = again.clone();
    form::set(&mut stale, "name", "Đăng ký khai sinh (bản cũ)");
    let r = admin.post(format!("{}{edit}", s.url)).form(&stale).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let told = form::unescape(&r.text().await.unwrap());
    assert!(told.contains("<a href=\"#revision\">Trong lúc bạn sửa, thủ tục này đã được lưu với nội dung khác"));
    assert!(told.contains(&format!("<a href=\"{edit}\" target=\"_blank\" rel=\"noopener\">Mở bản đang lưu")));
    let kept = form::values(&told, &edit).unwrap();
    assert_eq!(value(&kept, "name").as_deref(), Some("Đăng ký khai sinh (bản cũ)"));
    assert_ne!(value(&kept, "revision"), value(&stale, "revision"), "the page now begins from the saved one");
    let (_, p) = citizen.get(&format!("/api/v1/procedures/{BIRTH}")).await;
    assert_ne!(p["name"], "Đăng ký khai sinh (bản cũ)");
    assert_eq!(p["form_fields"][4]["key"], "quan_he", "the save stands");
    // Saved again from that page, knowingly, it replaces the saved one.
    let r = admin.post(format!("{}{edit}", s.url)).form(&kept).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (_, p) = citizen.get(&format!("/api/v1/procedures/{BIRTH}")).await;
    assert_eq!(p["name"], "Đăng ký khai sinh (bản cũ)");
    // A page with no token or a made-up one began from nothing, so it replaces nothing.
    for token in ["", "0123"] {
        let mut forged = kept.clone();
        form::set(&mut forged, "revision", token);
        let r = admin.post(format!("{}{edit}", s.url)).form(&forged).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT, "{token:?}");
    }
    let html = admin.get(format!("{}{edit}", s.url)).send().await.unwrap().text().await.unwrap();
    let fields = form::values(&html, &edit).unwrap();

    // A name the editor never writes is refused, and nothing changes.
    let mut odd = fields.clone();
    odd.push(("form_fields[3].colour".to_owned(), "đỏ".to_owned()));
    let r = admin.post(format!("{}{edit}", s.url)).form(&odd).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("Biểu mẫu có trường không hợp lệ: form_fields[3].colour"));

    // The procedure's history says what each save changed, newest first, and who made it; the
    // set-up's version is the oldest kept. The auditor reaches it from the administrators' log.
    let history = format!("{}/quan-tri/thu-tuc/{BIRTH}/lich-su", s.url);
    let auditor = crate::journey::page_login(&s, "kiemtra@tinhso.local").await;
    let log = auditor.get(format!("{}/quan-tri/nhat-ky", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(
        log.contains(&format!("<a href=\"/quan-tri/thu-tuc/{BIRTH}/lich-su\">Thủ tục {BIRTH}")),
        "linked from the log"
    );
    let r = auditor.get(&history).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page = form::unescape(&r.text().await.unwrap());
    let saves: Vec<&str> = page.split("<section class=\"version\">").skip(1).collect();
    assert_eq!(saves.len(), 3, "set-up, the mended save, the knowing overwrite");
    assert!(
        saves[0].contains("Tên thủ tục: \u{201c}")
            && saves[0].contains("\u{201d} → \u{201c}Đăng ký khai sinh (bản cũ)\u{201d}")
    );
    // Added items are named; those kept stay in their order, so no reordering is said.
    assert!(saves[1].contains("<li>Thành phần hồ sơ: thêm \u{201c}Giấy xác nhận của trưởng thôn\u{201d}</li>"));
    assert!(saves[1].contains(
        "<li>Biểu mẫu điện tử: thêm \u{201c}Quan hệ với trẻ\u{201d}; thêm \u{201c}Ghi chú thêm\u{201d}; bỏ \u{201c}Nội dung yêu cầu\u{201d}</li>"
    ));
    assert!(saves[1].contains("· Nông Thị Thu</h2>"), "the province admin who saved it: {}", saves[1]);
    assert!(saves[2].contains("· Dòng lệnh trên máy chủ</h2>") && saves[2].contains("Phiên bản cũ nhất"));
    // In English, the lines are English and the Vietnamese names in them are marked so, for a
    // screen reader to read them as Vietnamese.
    auditor.get(format!("{}/ngon-ngu/en", s.url)).send().await.unwrap();
    let page = form::unescape(&auditor.get(&history).send().await.unwrap().text().await.unwrap());
    assert!(
        page.contains(
            "<li>E-form: added <span lang=\"vi\">\u{201c}Quan hệ với trẻ\u{201d}</span>; added \
             <span lang=\"vi\">\u{201c}Ghi chú thêm\u{201d}</span>; removed <span lang=\"vi\">\u{201c}Nội dung yêu cầu\u{201d}</span></li>"
        ),
        "{page}"
    );
    auditor.get(format!("{}/ngon-ngu/vi", s.url)).send().await.unwrap();
    let (code, out, _) =
        tinhso_testkit::server::run_cli(crate::bin(), &[vec!["audit".into(), "verify".into()], s.data_args()].concat())
            .await
            .unwrap();
    assert_eq!(code, 0, "each version is one the log vouches for: {out}");
    // Nobody else reads it.
    let officer = crate::journey::page_login(&s, "chuyenvien@tinhso.local").await;
    assert_eq!(officer.get(&history).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let r = admin.get(format!("{}/quan-tri/thu-tuc/9.999999/lich-su", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    s.stop().await.unwrap();
}

on_both_backends!(the_procedure_editor_on_sqlite, the_procedure_editor_on_postgres, the_procedure_editor);
